// Package bench holds the benchmarks behind `make bench`: engine creation,
// script runtime construction and pooling, empty runs through the host,
// script-to-Go call cost in Lua and JS, and the calling-convention and
// cancellation choices the adapters rest on (goja direct vs reflection,
// gopher-lua with and without SetContext).
//
// It contains only benchmarks, never timed assertions: `go test ./bench/`
// runs nothing and passes. The runner in cmd/report adds the C ABI, the
// bindings, memory and size figures and prints one table; see
// docs/benchmarks.md. Nothing here is imported by the library.
package bench
