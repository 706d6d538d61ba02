package local

import (
	"math"
)

// runState is the mutable state of one generation: activations and the
// KV cache. All buffers are allocated once, so forward never allocates. A
// runState belongs to one goroutine at a time.
type runState struct {
	x, xb, xb2 []float32 // dim
	hb, hb2    []float32 // hiddenDim
	q          []float32 // dim
	att        []float32 // nHeads×seqLen
	logits     []float32 // vocabSize
	keyCache   []float32 // nLayers×seqLen×kvDim
	valueCache []float32 // nLayers×seqLen×kvDim
	probs      []probIndex
	tokens     []int // the prompt and the generated tokens (cap seqLen)
}

func newRunState(c *modelConfig) *runState {
	kv := c.kvDim()
	return &runState{
		x:          make([]float32, c.dim),
		xb:         make([]float32, c.dim),
		xb2:        make([]float32, c.dim),
		hb:         make([]float32, c.hiddenDim),
		hb2:        make([]float32, c.hiddenDim),
		q:          make([]float32, c.dim),
		att:        make([]float32, c.nHeads*c.seqLen),
		logits:     make([]float32, c.vocabSize),
		keyCache:   make([]float32, c.nLayers*c.seqLen*kv),
		valueCache: make([]float32, c.nLayers*c.seqLen*kv),
		probs:      make([]probIndex, c.vocabSize),
		tokens:     make([]int, 0, c.seqLen),
	}
}

// forward runs token at position pos through the transformer, filling the
// KV cache at pos, and returns the logits (owned by s, valid until the next
// call). Positions must be fed in order from 0.
func (ck *checkpoint) forward(s *runState, token, pos int) []float32 {
	c := &ck.cfg
	dim, kvDim, hs := c.dim, c.kvDim(), c.headSize()
	kvMul := c.nHeads / c.nKVHeads
	half := hs / 2
	cos := ck.ropeCos[pos*half : (pos+1)*half]
	sin := ck.ropeSin[pos*half : (pos+1)*half]
	invSqrtHS := float32(1 / math.Sqrt(float64(hs)))
	x := s.x
	ck.tokenEmb.row(x, token)

	for l := range ck.layers {
		lw := &ck.layers[l]
		rmsNorm(s.xb, x, lw.rmsAtt)

		loff := l * c.seqLen * kvDim
		k := s.keyCache[loff+pos*kvDim : loff+(pos+1)*kvDim]
		v := s.valueCache[loff+pos*kvDim : loff+(pos+1)*kvDim]
		lw.wq.mulVec(s.q, s.xb)
		lw.wk.mulVec(k, s.xb)
		lw.wv.mulVec(v, s.xb)
		rope(s.q, cos, sin, hs)
		rope(k, cos, sin, hs)

		// Attention. Query head h reads key/value head h/kvMul; the loops
		// run over positions outside so each cached row is sliced once.
		keys := s.keyCache[loff : loff+(pos+1)*kvDim]
		vals := s.valueCache[loff : loff+(pos+1)*kvDim]
		for t := 0; t <= pos; t++ {
			kt := keys[t*kvDim : (t+1)*kvDim]
			for h := 0; h < c.nHeads; h++ {
				q := s.q[h*hs : (h+1)*hs]
				k := kt[(h/kvMul)*hs:]
				k = k[:len(q)]
				var score float32
				for i, qi := range q {
					score += qi * k[i]
				}
				s.att[h*c.seqLen+t] = score * invSqrtHS
			}
		}
		for h := 0; h < c.nHeads; h++ {
			softmax(s.att[h*c.seqLen : h*c.seqLen+pos+1])
		}
		clear(s.xb)
		for t := 0; t <= pos; t++ {
			vt := vals[t*kvDim : (t+1)*kvDim]
			for h := 0; h < c.nHeads; h++ {
				a := s.att[h*c.seqLen+t]
				out := s.xb[h*hs : (h+1)*hs]
				v := vt[(h/kvMul)*hs:]
				v = v[:len(out)]
				for i := range out {
					out[i] += a * v[i]
				}
			}
		}
		lw.wo.mulVec(s.xb2, s.xb)
		for i := range x {
			x[i] += s.xb2[i]
		}

		// Feed-forward: w2(silu(w1·x) * w3·x).
		rmsNorm(s.xb, x, lw.rmsFFN)
		lw.w1.mulVec(s.hb, s.xb)
		lw.w3.mulVec(s.hb2, s.xb)
		for i, a := range s.hb {
			s.hb[i] = a / (1 + float32(math.Exp(float64(-a)))) * s.hb2[i]
		}
		lw.w2.mulVec(s.xb, s.hb)
		for i := range x {
			x[i] += s.xb[i]
		}
	}
	rmsNorm(x, x, ck.rmsFinal)
	ck.cls.mulVec(s.logits, x[:dim])
	return s.logits
}

// rmsNorm sets out = w * x / rms(x).
func rmsNorm(out, x, w []float32) {
	var ss float32
	for _, v := range x {
		ss += v * v
	}
	ss = ss/float32(len(x)) + 1e-5
	inv := float32(1 / math.Sqrt(float64(ss)))
	for i := range out {
		out[i] = w[i] * (inv * x[i])
	}
}

// rope rotates each pair (v[2i], v[2i+1]) of every head of v by the angle
// of its position.
func rope(v, cos, sin []float32, hs int) {
	for h := 0; h+hs <= len(v); h += hs {
		head := v[h : h+hs]
		for i := range cos {
			a, b := head[2*i], head[2*i+1]
			head[2*i] = a*cos[i] - b*sin[i]
			head[2*i+1] = a*sin[i] + b*cos[i]
		}
	}
}

// softmax turns x into probabilities in place.
func softmax(x []float32) {
	m := x[0]
	for _, v := range x[1:] {
		if v > m {
			m = v
		}
	}
	var sum float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - m)))
		x[i] = e
		sum += e
	}
	for i := range x {
		x[i] /= sum
	}
}
