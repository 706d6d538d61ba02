// Package kv defines the key-value store every durable part of llmspell sits
// on, and its in-memory backend. The pebble backend lives in kv/pebblekv.
//
// Keys are byte strings ordered lexicographically; subsystems own disjoint
// key prefixes (documented in docs/storage.md). A Store is safe for
// concurrent use by multiple goroutines; a Batch is not (build it on one
// goroutine, then Commit).
//
// Swappable wraps the engine's store so that a restore from a backup can
// replace it while subsystems keep their reference; Checkpointer is the
// optional interface of stores that copy themselves to files (pebble).
package kv
