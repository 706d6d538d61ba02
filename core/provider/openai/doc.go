// Package openai is the client of the OpenAI chat completions protocol
// (POST {BaseURL}/chat/completions), spoken by OpenAI and by many
// compatible servers (Groq, Together, vLLM, llama.cpp, Ollama's /v1, ...).
// It implements provider.Model over net/http with the retries, timeouts and
// error mapping of core/provider/internal/wire; it never imports a vendor
// SDK and never puts the API key in an error.
//
// A model returned by New is safe for concurrent use; a Stream belongs to
// one goroutine except Close, which any goroutine may call.
package openai
