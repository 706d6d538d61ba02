// Command capi is built with -buildmode=c-shared into libllmspell.so: the
// //export llmspell_* functions of include/llmspell.h, which it includes in
// its cgo preamble so the build fails when an export drifts from the header.
//
// Handles given to C are opaque integers from a registry (handles.go), never
// Go pointers; a freed or forged handle is detected, not dereferenced.
// Buffers and error objects are malloc'd and tracked so llmspell_free and
// llmspell_error_free catch double and foreign frees. Every export recovers
// panics into LLMSPELL_ERR_INTERNAL and poisons the engine involved.
//
// The registry is the only process-wide state of the library: C gives the
// exports no context to hang it on. Everything in it is guarded by its mutex.
package main

func main() {}
