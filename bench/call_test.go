package bench

import (
	"context"
	"testing"

	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/scripting/host"
)

// loopScripts call one API function ARGS.n times; "empty_loop" is the bare
// loop, to show how much of a call's cost is the loop itself.
var loopScripts = []struct {
	name, lua, js string
}{
	{"empty_loop",
		`for i = 1, ARGS.n do end`,
		`for (let i = 0; i < ARGS.n; i++) {}`},
	{"Utils.now",
		`local f = Utils.now for i = 1, ARGS.n do f() end`,
		`const f = Utils.now; for (let i = 0; i < ARGS.n; i++) f();`},
	{"JSON.parse",
		`local f = JSON.parse for i = 1, ARGS.n do f('{"a":1,"b":[true,"x"]}') end`,
		`const f = JSON.parse; for (let i = 0; i < ARGS.n; i++) f('{"a":1,"b":[true,"x"]}');`},
}

// BenchmarkScriptToGo measures one call from a script into a Go API
// function through the adapters (argument conversion, api.Call, result
// conversion): one run through host.Run loops b.N times, so ns/op is the
// cost per call. The run has a cancellable context, as every real run has.
func BenchmarkScriptToGo(b *testing.B) {
	for _, lang := range []string{host.Lua, host.JavaScript} {
		for _, s := range loopScripts {
			src := s.lua
			if lang == host.JavaScript {
				src = s.js
			}
			b.Run(lang+"/"+s.name, func(b *testing.B) {
				h := newHost(b, 1)
				ctx := context.Background()
				warm := host.Request{Language: lang, Source: src, Args: value.Map{"n": int64(10)}}
				if _, err := h.Run(ctx, warm); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				req := host.Request{Language: lang, Source: src, Args: value.Map{"n": int64(b.N)}}
				if _, err := h.Run(ctx, req); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
