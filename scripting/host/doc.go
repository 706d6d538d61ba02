// Package host runs scripts on an engine: it picks the language adapter,
// compiles (with a per-host cache of compiled programs shared by every
// runtime), borrows a pre-built runtime from a per-language pool, applies
// the per-run timeout, cancellation and output bound, and returns the result
// as a value.
//
// A Host is safe for concurrent use: concurrent runs get distinct runtimes.
// The host closes with its engine: Close cancels runs in flight, waits for
// them, then releases the pooled runtimes.
package host
