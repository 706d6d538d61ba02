// Package local is an in-process, pure-Go Llama model provider: it loads
// llama2.c checkpoints and tokenizers and runs the transformer (RMSNorm,
// RoPE, grouped-query attention, SwiGLU, KV cache) in float32 on the CPU.
// It never does I/O beyond reading model files, and has no cgo and no
// package-level mutable state.
//
// # Concurrency
//
// A Model is safe for concurrent use. Its weights are loaded once, then
// shared read-only by every generation; each generation takes its own
// buffers and KV cache from a pool, so decoding a token does not allocate.
// A Stream computes one token per Next call on the caller's goroutine.
//
// # Tool calls
//
// When tools are offered and the conversation does not end with a tool
// result, the answer is a tool call produced by constrained decoding: a
// byte-level automaton built from the tools' JSON schemas masks, at each
// step, every token whose text would not keep the output a valid prefix of
// {"name":"<tool>","arguments":{...}}. String, number and integer values
// are length-bounded, so the call always ends.
//
// # Formats
//
// Loaders produce a checkpoint: a modelConfig plus weights behind the
// matrix interface (mulVec, row). Adding GGUF means a second loader:
// parse the GGUF header and metadata (llama.* keys for the shape, rope
// base and norm epsilon, tokenizer.ggml.* for the vocabulary, scores and
// token types, which replace tok*.bin), map tensor names (token_embd,
// blk.N.attn_q, ...) and undo the Q/K row permutation of the HF
// conversion where needed, and add matrix types for Q8_0 (blocks of 32
// int8 with one float16 scale) and Q4_0/Q4_K (dequantized per block inside
// mulVec, ideally with the activation quantized to int8 once per call).
// The forward pass and the provider layer stay unchanged; loadCheckpoint
// already recognises the GGUF magic.
package local
