package local

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
)

// synthCheckpoint builds a llama2.c checkpoint with small random-ish
// weights; a negative vocab means an unshared classifier.
func synthCheckpoint(dim, hidden, layers, heads, kvHeads, vocab, seqLen int) []byte {
	h := []int{dim, hidden, layers, heads, kvHeads, vocab, seqLen}
	var out []byte
	for _, v := range h {
		out = binary.LittleEndian.AppendUint32(out, uint32(int32(v)))
	}
	if vocab < 0 {
		vocab = -vocab
	}
	kv := dim * kvHeads / heads
	n := vocab*dim + layers*(2*dim+2*dim*dim+2*dim*kv+3*dim*hidden) + dim + seqLen*(dim/heads)
	if int(int32(h[5])) < 0 {
		n += vocab * dim
	}
	for i := 0; i < n; i++ {
		f := float32(math.Sin(float64(i)*0.37)) * 0.1
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(f))
	}
	return out
}

func TestParseSynthetic(t *testing.T) {
	for _, vocab := range []int{16, -16} {
		ck, err := parseLlama2C(synthCheckpoint(8, 12, 2, 2, 1, vocab, 10))
		if err != nil {
			t.Fatalf("vocab %d: %v", vocab, err)
		}
		if shared := ck.cls == ck.tokenEmb; shared != (vocab > 0) {
			t.Errorf("vocab %d: shared classifier = %v", vocab, shared)
		}
		s := newRunState(&ck.cfg)
		for pos := 0; pos < ck.cfg.seqLen; pos++ {
			logits := ck.forward(s, pos%16, pos)
			for _, l := range logits {
				if math.IsNaN(float64(l)) || math.IsInf(float64(l), 0) {
					t.Fatalf("vocab %d: logit %v at pos %d", vocab, l, pos)
				}
			}
		}
	}
}

func TestParseBadCheckpoints(t *testing.T) {
	good := synthCheckpoint(8, 12, 2, 2, 1, 16, 10)
	garbage := []byte(strings.Repeat("not a model at all, just text. ", 40))
	negHeads := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(negHeads[12:], uint32(0xffffffff))
	badGQA := synthCheckpoint(8, 12, 2, 2, 3, 16, 10)
	for name, data := range map[string][]byte{
		"empty":          nil,
		"short header":   good[:20],
		"truncated":      good[:len(good)-4],
		"trailing bytes": append(append([]byte(nil), good...), 0, 0, 0, 0),
		"garbage":        garbage,
		"negative heads": negHeads,
		"bad kv heads":   badGQA,
	} {
		_, err := parseLlama2C(data)
		if !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Errorf("%s: err = %v, want invalid_argument", name, err)
		} else if testing.Verbose() {
			t.Logf("%s: %v", name, err)
		}
	}
}

func TestLoadCheckpointFiles(t *testing.T) {
	dir := t.TempDir()
	gguf := filepath.Join(dir, "m.gguf")
	if err := os.WriteFile(gguf, append([]byte("GGUF"), make([]byte, 64)...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadCheckpoint(gguf); !errs.IsKind(err, errs.KindInvalidArgument) || !strings.Contains(err.Error(), "GGUF") {
		t.Errorf("GGUF: err = %v, want invalid_argument naming GGUF", err)
	}
	if _, err := loadCheckpoint(filepath.Join(dir, "absent.bin")); !errs.IsKind(err, errs.KindNotFound) {
		t.Errorf("absent: err = %v, want not_found", err)
	}
	// A real model cut short.
	src := filepath.Join(testModelsDir(t), "stories260K", "stories260K.bin")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.bin")
	if err := os.WriteFile(cut, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = loadCheckpoint(cut)
	if !errs.IsKind(err, errs.KindInvalidArgument) || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated stories260K: err = %v, want invalid_argument saying truncated", err)
	}
}
