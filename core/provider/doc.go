// Package provider defines the Model interface every LLM client implements
// (OpenAI-compatible, Anthropic, Ollama, the in-process local model), the
// request/response/stream types they share, and the Registry that resolves
// "provider/model" strings to clients with presets, keys from the
// environment and an optional fallback model. The wire clients live in
// subpackages so this package stays free of HTTP and model code.
package provider
