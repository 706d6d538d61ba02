package local

import (
	"math"
	"math/rand/v2"
	"slices"
)

// probIndex pairs a probability with its token, for top-p sorting.
type probIndex struct {
	p  float32
	id int
}

// sampler picks the next token from logits. It belongs to one generation.
type sampler struct {
	temperature float32 // 0: greedy
	topP        float32 // in (0,1) enables nucleus sampling
	rng         *rand.Rand
}

// newSampler returns a sampler; a nil seed draws a random one.
func newSampler(temperature, topP float64, seed *int64) sampler {
	var s1, s2 uint64
	if seed != nil {
		s1 = uint64(*seed)
		s2 = s1 ^ 0x9e3779b97f4a7c15
	} else {
		s1, s2 = rand.Uint64(), rand.Uint64()
	}
	return sampler{temperature: float32(temperature), topP: float32(topP), rng: rand.New(rand.NewPCG(s1, s2))}
}

// sample picks a token. Logits of -Inf (masked tokens) are never picked;
// at least one logit must be finite. logits is overwritten; buf is scratch
// of at least len(logits). It does not allocate.
func (s *sampler) sample(logits []float32, buf []probIndex) int {
	if s.temperature <= 0 {
		return argmax(logits)
	}
	for i := range logits {
		logits[i] /= s.temperature
	}
	softmax(logits)
	coin := float32(s.rng.Float64())
	if s.topP <= 0 || s.topP >= 1 {
		return sampleMult(logits, coin)
	}
	return sampleTopP(logits, s.topP, coin, buf)
}

// argmax returns the index of the largest value (the first on a tie).
func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// sampleMult samples from the distribution probs with coin in [0,1).
func sampleMult(probs []float32, coin float32) int {
	var cdf float32
	last := 0
	for i, p := range probs {
		if p <= 0 {
			continue
		}
		cdf += p
		last = i
		if coin < cdf {
			return i
		}
	}
	return last // rounding: the last token with a non-zero probability
}

// sampleTopP samples from the smallest set of most likely tokens whose
// probabilities add up to more than topP.
func sampleTopP(probs []float32, topP, coin float32, buf []probIndex) int {
	// Tokens below this cannot be in the nucleus (as in llama2.c).
	cutoff := (1 - topP) / float32(len(probs)-1)
	n := 0
	for i, p := range probs {
		if p >= cutoff && p > 0 {
			buf[n] = probIndex{p: p, id: i}
			n++
		}
	}
	if n == 0 {
		return argmax(probs)
	}
	cand := buf[:n]
	slices.SortFunc(cand, func(a, b probIndex) int {
		switch {
		case a.p > b.p:
			return -1
		case a.p < b.p:
			return 1
		}
		return a.id - b.id
	})
	var cum float32
	last := n - 1
	for i := range cand {
		cum += cand[i].p
		if cum > topP {
			last = i
			break
		}
	}
	r := coin * cum
	var cdf float32
	for i := 0; i <= last; i++ {
		cdf += cand[i].p
		if r < cdf {
			return cand[i].id
		}
	}
	return cand[last].id
}

// negInf returns the logit of a masked token.
func negInf() float32 { return float32(math.Inf(-1)) }
