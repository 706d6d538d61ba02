// ls_roots holds the library's static C strings (version, status names).
// They live in C memory for the life of the process; keeping their
// pointers in a C global makes them reachable to leak checkers, which
// cannot see pointers held only in Go memory.
#include "capi_internal.h"

char *ls_roots[LS_ROOTS];
