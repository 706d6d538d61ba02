package bench

import (
	"testing"

	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/scripting/host"
)

// BenchmarkEngineNew measures creating and closing an in-memory engine
// without a script host.
func BenchmarkEngineNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		e, err := engine.New(nil)
		if err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
}

// BenchmarkEngineNewHost measures creating and closing an engine with its
// script host, as llmspell_engine_new does, but with pool_size 0 so that no
// background prefill competes with the loop (the prefill is measured by
// BenchmarkRuntimeNew).
func BenchmarkEngineNewHost(b *testing.B) {
	b.ReportAllocs()
	cfg := config.Default()
	cfg.Script.PoolSize = 0
	for b.Loop() {
		e, err := engine.New(&engine.Options{Config: cfg})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := host.New(e); err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
}
