// Package wire is the HTTP plumbing shared by the remote provider clients
// (openai, anthropic, ollama): a Client that posts JSON with per-attempt
// timeouts and retries, a streaming Body with an idle timeout and an
// idempotent Close, an SSE reader, an NDJSON reader and the mapping of
// transport and HTTP failures to error kinds.
//
// It never puts the API key in an error: every message is passed through
// the key redaction before it is returned. It holds no package-level
// mutable state.
//
// # Retries
//
// A 429, 500, 502, 503, 504 or 529 answer and a refused or reset
// connection are retried with exponential backoff and jitter, honouring
// Retry-After (capped at MaxRetryAfter). A stream is retried only while
// opening: once its headers arrived nothing is retried.
//
// A Client is safe for concurrent use. A Body, an SSE and an NDJSON belong
// to one goroutine, except Body.Close, which any goroutine may call.
package wire
