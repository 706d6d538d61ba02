// Package bench holds the benchmarks behind `make bench`: engine creation,
// script runtime construction and pooling, empty runs, script-to-Go calls,
// the calling-convention and cancellation choices the adapters rest on
// (goja direct vs reflection, gopher-lua SetContext), the subsystems (state,
// sessions, events, hooks, tools), agents (creation, memory per agent,
// execute and stream against a loopback provider, the local model) and
// workflows (sequential, parallel, conditional and loop runs, per-step
// overhead, I/O-bound speed-up, runs from Lua and JS).
//
// It contains only benchmarks, never timed assertions: `go test ./bench/`
// runs nothing and passes. The runner in cmd/report adds the C ABI, the
// bindings (a basic agent and a 10-step workflow through each too), memory
// and size, and prints one table; see docs/benchmarks.md. Nothing here is
// imported by the library.
package bench
