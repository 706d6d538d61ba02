// Package ollama is the client of Ollama's native chat API
// (POST {BaseURL}/api/chat), streamed as newline-delimited JSON. It
// implements provider.Model over net/http with the retries, timeouts and
// error mapping of core/provider/internal/wire; it never imports a vendor
// SDK. Ollama gives tool calls no IDs, so the client makes them up
// ("call_" and 16 random hex digits).
//
// A model returned by New is safe for concurrent use; a Stream belongs to
// one goroutine except Close, which any goroutine may call.
package ollama
