package bench

import (
	"context"
	"testing"

	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/scripting/api"
	"github.com/llmspell/llmspell-go/scripting/host"
	"github.com/llmspell/llmspell-go/scripting/js"
	"github.com/llmspell/llmspell-go/scripting/lua"
)

// BenchmarkRuntimeNew measures building one script runtime with every
// global of the API surface installed (what the host pool pre-builds), and
// releasing it.
func BenchmarkRuntimeNew(b *testing.B) {
	modules := api.Surface()
	b.Run("lua", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			lua.New(modules, nil).Close()
		}
	})
	b.Run("js", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			js.New(modules, nil).Close()
		}
	})
}

// newHost opens an in-memory engine with the given pool size and its host.
func newHost(b *testing.B, pool int64) *host.Host {
	b.Helper()
	cfg := config.Default()
	cfg.Script.PoolSize = pool
	e, err := engine.New(&engine.Options{Config: cfg})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	h, err := host.New(e)
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// BenchmarkHostRunEmpty measures host.Run of an empty script: compile-cache
// lookup, runtime acquisition, run context, run and release. "pooled" takes
// a runtime from the pool (the default); "unpooled" runs with pool_size 0,
// so every run builds and drops a runtime.
func BenchmarkHostRunEmpty(b *testing.B) {
	for _, pool := range []struct {
		name string
		size int64
	}{{"pooled", 4}, {"unpooled", 0}} {
		for _, lang := range []string{host.Lua, host.JavaScript} {
			b.Run(lang+"/"+pool.name, func(b *testing.B) {
				h := newHost(b, pool.size)
				req := host.Request{Language: lang, Source: ""}
				ctx := context.Background()
				if _, err := h.Run(ctx, req); err != nil { // compile once, warm the pool
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if _, err := h.Run(ctx, req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
