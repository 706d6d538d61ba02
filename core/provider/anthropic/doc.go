// Package anthropic is the client of the Anthropic Messages API
// (POST {BaseURL}/v1/messages, anthropic-version 2023-06-01), streamed as
// server-sent events. It implements provider.Model over net/http with the
// retries, timeouts and error mapping of core/provider/internal/wire; it
// never imports a vendor SDK and never puts the API key in an error.
//
// The API has no JSON mode: a JSON request adds an instruction to the
// system prompt. It has no seed: Request.Seed is ignored.
//
// A model returned by New is safe for concurrent use; a Stream belongs to
// one goroutine except Close, which any goroutine may call.
package anthropic
