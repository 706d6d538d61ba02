// Package js adapts the script API (scripting/api) to JavaScript through
// goja. It owns the conversion between JS values and value.Value (in
// convert.go, the only place it happens), compilation to shared programs,
// interruption on cancellation, and the mapping of JS exceptions to kinded
// errors.
//
// Only ECMAScript built-ins and our globals exist: no require, process,
// console or file access. A script's top level runs inside a function, so
// `return value` sets the run's result and declarations stay local to the
// run; globals a script creates by assignment are deleted after it.
//
// A Runtime is one goja.Runtime and belongs to one goroutine at a time; the
// host pools them.
package js
