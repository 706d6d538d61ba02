package local

import (
	"testing"
)

func TestSampleTopPKeepsNucleus(t *testing.T) {
	probs := []float32{0.05, 0.5, 0.15, 0.3}
	buf := make([]probIndex, len(probs))
	seen := map[int]int{}
	for i := 0; i < 1000; i++ {
		p := append([]float32(nil), probs...)
		seen[sampleTopP(p, 0.7, float32(i)/1000, buf)]++
	}
	// 0.5 + 0.3 > 0.7: only tokens 1 and 3 are in the nucleus, in
	// proportion 5:3.
	if len(seen) != 2 || seen[1] == 0 || seen[3] == 0 {
		t.Fatalf("sampled %v, want only tokens 1 and 3", seen)
	}
	if r := float64(seen[1]) / float64(seen[3]); r < 1.4 || r > 1.9 {
		t.Errorf("ratio %v, want about 5/3", r)
	}
}

func TestSampleNeverPicksMasked(t *testing.T) {
	for _, c := range []struct{ temp, topP float64 }{{0, 0}, {1, 0}, {1, 0.9}, {2, 0.5}} {
		smp := newSampler(c.temp, c.topP, nil)
		buf := make([]probIndex, 8)
		for i := 0; i < 500; i++ {
			logits := []float32{9, negInf(), 1, negInf(), 0.5, negInf(), negInf(), negInf()}
			if id := smp.sample(logits, buf); id != 0 && id != 2 && id != 4 {
				t.Fatalf("temp %g top_p %g: picked masked token %d", c.temp, c.topP, id)
			}
		}
	}
	if got := sampleMult([]float32{0.5, 0.5, 0}, 1.5); got != 1 {
		t.Errorf("rounding fallback picked %d, want the last token with probability", got)
	}
}

func TestSeededSamplerRepeats(t *testing.T) {
	seed := int64(99)
	a, b := newSampler(1, 0, &seed), newSampler(1, 0, &seed)
	for i := 0; i < 100; i++ {
		if a.rng.Uint64() != b.rng.Uint64() {
			t.Fatal("same seed, different streams")
		}
	}
}
