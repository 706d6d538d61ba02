package local

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenGreedy checks the forward pass and the decoder against
// llama2.c: greedy decoding of 256 positions from BOS with an empty prompt
// prints exactly the reference text. run.c prints each sampled token's
// piece while pos < steps, stops early only on BOS, and ends with one
// "\n"; the reference file is that output.
func TestGoldenGreedy(t *testing.T) {
	e := testEngine(t)
	want, err := os.ReadFile(filepath.Join(testModelsDir(t), "stories260K", "greedy-empty-prompt-256.txt"))
	if err != nil {
		t.Fatal(err)
	}
	g := e.start(e.tok.encode(nil, "", true, false), newSampler(0, 0, nil))
	defer g.release()
	var got strings.Builder
	for pos := 0; pos < 256; pos++ {
		prev := g.last()
		next := g.step()
		if next == tokenBOS {
			break
		}
		got.WriteString(e.tok.piece(prev, next))
	}
	got.WriteString("\n")
	if got.String() != string(want) {
		t.Fatalf("greedy output differs from llama2.c\n got: %q\nwant: %q", got.String(), want)
	}
}

// TestStepDoesNotAllocate checks that decoding a token (forward pass,
// sampling, and grammar masking) allocates nothing.
func TestStepDoesNotAllocate(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	e := testEngine(t)
	g := e.start(e.tok.encode(nil, "Once upon a time", true, false), newSampler(0.9, 0.9, nil))
	defer g.release()
	g.step() // the prompt
	if n := testing.AllocsPerRun(100, func() { g.step() }); n != 0 {
		t.Errorf("step allocates %v times per token", n)
	}
	gr, err := buildGrammar(testTools())
	if err != nil {
		t.Fatal(err)
	}
	tg := e.start(e.tok.encode(nil, "Call a tool", true, false), newSampler(1, 0.9, nil))
	defer tg.release()
	tg.grammar, tg.gs = gr, gr.initial()
	if n := testing.AllocsPerRun(20, func() {
		if !gr.accepted(tg.gs) {
			tg.step()
		}
	}); n != 0 {
		t.Errorf("constrained step allocates %v times per token", n)
	}
}

// BenchmarkTokensPerSecond measures decoding with stories260K: one op is
// one token (forward pass and sampling), cycling through the whole context.
func BenchmarkTokensPerSecond(b *testing.B) {
	e := testEngine(b)
	prompt := e.tok.encode(nil, "", true, false)
	g := e.start(prompt, newSampler(1, 0.9, nil))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if g.full() {
			g.release()
			g = e.start(prompt, g.smp)
		}
		g.step()
	}
	b.StopTimer()
	g.release()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkLoad measures loading stories260K (checkpoint and tokenizer).
func BenchmarkLoad(b *testing.B) {
	dir := filepath.Join(testModelsDir(b), "stories260K")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := loadEngine(filepath.Join(dir, "stories260K.bin"), filepath.Join(dir, "tok512.bin")); err != nil {
			b.Fatal(err)
		}
	}
}
