// Package api defines the script API surface once: every global that a spell
// sees (JSON, Logger, Debug, Utils, Config, and what later issues add), as
// descriptors with a canonical snake_case name, aliases, and one Go function
// over value.Value arguments. The Lua and JS adapters generate their
// bindings from these descriptors, so the two languages never drift apart.
//
// It also owns the per-run state a function sees (Run: the engine, the
// context, the bounded output) and the error conventions shared by both
// languages.
//
// Descriptors are immutable after Surface returns. A Run belongs to one
// script run and is used by one goroutine at a time.
package api
