// Package engine is the composition root of llmspell: New wires the config,
// the store and the logger, and later issues' registries (tools, agents,
// workflows, hooks, events); Close releases all of it.
//
// Several engines live in one process fully isolated: an engine shares no
// mutable state with another. An Engine is safe for concurrent use; Close
// waits for nothing the caller still runs, so stop your runs first (the
// script host does this for its runs).
package engine
