// Package value is the one value model that crosses every boundary of
// llmspell: C JSON, Lua tables, JS objects, the store.
//
// A Value is one of: nil, bool, int64, float64, string, []byte, List
// ([]Value) or Map (map[string]Value). Nothing else is a valid Value; Normalize
// turns common Go values into one. The JSON codec (Encode, Decode) is
// hand-written: it keeps integers as int64, sorts object keys so output is
// deterministic, turns NaN and ±Inf into null, encodes []byte as base64, and
// rejects invalid UTF-8 and excessive nesting on input.
//
// Values are plain data. A Value shared between goroutines must not be
// mutated; the functions here never mutate their inputs.
package value
