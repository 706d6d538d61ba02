// Package errs defines the error kinds of llmspell and the error value that
// carries one. It is the lowest layer: it imports no project package.
//
// Every kind maps 1:1 to a C status code (include/llmspell.h), a Lua/JS error
// code, a Python exception class, a Node err.code and a Rust ErrorCode. The
// numeric values are part of the C ABI: they are stable and never reused.
//
// Errors are plain values; all functions are safe for concurrent use.
package errs
