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
