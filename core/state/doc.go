// Package state is the engine's persistent key-value state: values under
// keys in scopes (global, agent:<id>, workflow:<id>, session:<id>,
// tool:<id>, user:<id>, custom:<id>) that never see each other's keys.
//
// # Storage layout
//
// A state entry lives in the engine's kv store at
//
//	"state/" + scope + "\x00" + key  →  0x01 + JSON(value)
//
// Scope ids and keys cannot contain NUL, so the separator is unambiguous and
// a scope's keys are one contiguous prefix range.
//
// # Durability
//
// In DurabilitySync every write is on disk (fsync of the WAL) when the call
// returns; concurrent writers share fsyncs. In DurabilityBatched (the
// default) a write returns once it is in the store's memory and the OS page
// cache; a background flusher syncs the WAL within BatchWindow, so a crash of
// the machine (not of the process) may lose at most that window of writes.
//
// # Concurrency
//
// A Store is safe for concurrent use. Writers are serialized; readers never
// block. Transactions are atomic (all writes or none) and optimistic: values
// a transaction read are checked again at commit, and a change in between
// fails the commit with kind conflict.
package state
