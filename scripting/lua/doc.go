// Package lua adapts the script API (scripting/api) to Lua 5.1 through
// gopher-lua. It owns the conversion between Lua values and value.Value (in
// convert.go, the only place it happens), the sandbox (base, table, string,
// math and coroutine only; no io, os, package, debug, dofile or loadfile
// unless stdlib = "full"), compilation to shared function prototypes, and the
// mapping of Lua errors to kinded errors.
//
// A Runtime is one LState and belongs to one goroutine at a time; the host
// pools them. Each run gets a fresh global environment whose lookups fall
// through to the pristine globals, so one run's globals never leak into the
// next.
package lua
