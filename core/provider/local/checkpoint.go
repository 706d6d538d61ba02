package local

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"

	"github.com/llmspell/llmspell-go/core/errs"
)

// modelConfig is the shape of a Llama transformer.
type modelConfig struct {
	dim       int // width of the residual stream
	hiddenDim int // width of the feed-forward layer
	nLayers   int
	nHeads    int // query heads
	nKVHeads  int // key/value heads (fewer than nHeads: grouped-query attention)
	vocabSize int
	seqLen    int // the context length
}

func (c *modelConfig) headSize() int { return c.dim / c.nHeads }
func (c *modelConfig) kvDim() int    { return c.dim * c.nKVHeads / c.nHeads }

// matrix is a read-only row-major weight matrix. The forward pass only
// multiplies vectors by it and reads single rows, so a quantized format can
// supply its own implementation (dequantizing on the fly) without changing
// the forward pass. Implementations must be safe for concurrent use.
type matrix interface {
	// mulVec sets out[r] = sum over c of W[r][c]*x[c]; len(out) is the
	// number of rows, len(x) the number of columns.
	mulVec(out, x []float32)
	// row copies row r, as float32, into dst.
	row(dst []float32, r int)
}

// f32Matrix is a dense float32 matrix.
type f32Matrix struct {
	data       []float32
	rows, cols int
}

func (m *f32Matrix) mulVec(out, x []float32) {
	n := m.cols
	x = x[:n]
	for r := range out[:m.rows] {
		w := m.data[r*n : r*n+n]
		var s0, s1, s2, s3 float32
		c := 0
		for ; c+4 <= n; c += 4 {
			s0 += w[c] * x[c]
			s1 += w[c+1] * x[c+1]
			s2 += w[c+2] * x[c+2]
			s3 += w[c+3] * x[c+3]
		}
		for ; c < n; c++ {
			s0 += w[c] * x[c]
		}
		out[r] = (s0 + s1) + (s2 + s3)
	}
}

func (m *f32Matrix) row(dst []float32, r int) {
	copy(dst, m.data[r*m.cols:(r+1)*m.cols])
}

// layerWeights are the weights of one transformer block.
type layerWeights struct {
	rmsAtt         []float32 // dim
	wq, wk, wv, wo matrix    // dim×dim, kvDim×dim, kvDim×dim, dim×dim
	rmsFFN         []float32 // dim
	w1, w2, w3     matrix    // hidden×dim, dim×hidden, hidden×dim
}

// checkpoint is a loaded model: its shape and read-only weights. It is what
// every format loader produces and all the forward pass reads; it is shared
// by concurrent generations and never written after loading.
type checkpoint struct {
	cfg      modelConfig
	tokenEmb matrix // vocab×dim
	layers   []layerWeights
	rmsFinal []float32 // dim
	cls      matrix    // vocab×dim (the embedding when shared)
	// ropeCos and ropeSin hold cos and sin of pos*freq(i) for every
	// position and every pair i of a head: seqLen×headSize/2.
	ropeCos, ropeSin []float32
}

// loadCheckpoint reads a model file, picking the loader by the file's
// format. Only the llama2.c format is supported; GGUF files are recognised
// by their magic and rejected with a clear message.
func loadCheckpoint(path string) (*checkpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, errs.Wrap(errs.KindNotFound, err, "read model %s", path)
		}
		return nil, errs.Wrap(errs.KindInvalidArgument, err, "read model %s", path)
	}
	if bytes.HasPrefix(data, []byte("GGUF")) {
		return nil, errs.New(errs.KindInvalidArgument, "model %s is GGUF, which the local provider does not read yet (convert it to the llama2.c format)", path)
	}
	ck, err := parseLlama2C(data)
	if err != nil {
		return nil, errs.Wrap(errs.KindInvalidArgument, err, "model %s", path)
	}
	return ck, nil
}

// llama2cHeaderSize is the size of the llama2.c header: 7 int32.
const llama2cHeaderSize = 7 * 4

// maxDimension bounds every header field, so a garbage header cannot make
// the size arithmetic overflow or ask for absurd allocations.
const maxDimension = 1 << 20

// parseLlama2C parses a llama2.c checkpoint (the "legacy" export of
// llama2.c's run.c).
func parseLlama2C(data []byte) (*checkpoint, error) {
	if len(data) < llama2cHeaderSize {
		return nil, errs.New(errs.KindInvalidArgument, "file of %d bytes is too short for a llama2.c header (%d bytes)", len(data), llama2cHeaderSize)
	}
	var h [7]int
	for i := range h {
		h[i] = int(int32(binary.LittleEndian.Uint32(data[i*4:])))
	}
	cfg := modelConfig{dim: h[0], hiddenDim: h[1], nLayers: h[2], nHeads: h[3], nKVHeads: h[4], vocabSize: h[5], seqLen: h[6]}
	shared := cfg.vocabSize > 0
	if cfg.vocabSize < 0 {
		cfg.vocabSize = -cfg.vocabSize
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	hs := cfg.headSize()
	kv := cfg.kvDim()
	d, hd, L, V := int64(cfg.dim), int64(cfg.hiddenDim), int64(cfg.nLayers), int64(cfg.vocabSize)
	want := V*d + // token embedding
		L*d + L*d*d + 2*L*d*int64(kv) + L*d*d + // rms_att, wq, wk, wv, wo
		L*d + 3*L*d*hd + // rms_ffn, w1, w2, w3
		d + // rms_final
		int64(cfg.seqLen)*int64(hs) // freq_cis_real and freq_cis_imag, seqLen*hs/2 each
	if !shared {
		want += V * d
	}
	body := int64(len(data) - llama2cHeaderSize)
	if body != want*4 {
		return nil, errs.New(errs.KindInvalidArgument,
			"llama2.c checkpoint size mismatch: the header (dim %d, hidden %d, layers %d, heads %d, kv heads %d, vocab %d, seq_len %d) needs %d bytes of weights, the file has %d (truncated or not a llama2.c checkpoint)",
			cfg.dim, cfg.hiddenDim, cfg.nLayers, cfg.nHeads, cfg.nKVHeads, cfg.vocabSize, cfg.seqLen, want*4, body)
	}
	all := make([]float32, want)
	raw := data[llama2cHeaderSize:]
	for i := range all {
		all[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[i*4:]))
	}
	take := func(n int) []float32 {
		s := all[:n:n]
		all = all[n:]
		return s
	}
	mat := func(rows, cols int) []*f32Matrix {
		out := make([]*f32Matrix, cfg.nLayers)
		for l := range out {
			out[l] = &f32Matrix{data: take(rows * cols), rows: rows, cols: cols}
		}
		return out
	}
	vec := func(n int) [][]float32 {
		out := make([][]float32, cfg.nLayers)
		for l := range out {
			out[l] = take(n)
		}
		return out
	}
	ck := &checkpoint{cfg: cfg}
	emb := &f32Matrix{data: take(cfg.vocabSize * cfg.dim), rows: cfg.vocabSize, cols: cfg.dim}
	ck.tokenEmb = emb
	rmsAtt := vec(cfg.dim)
	wq := mat(cfg.dim, cfg.dim)
	wk := mat(kv, cfg.dim)
	wv := mat(kv, cfg.dim)
	wo := mat(cfg.dim, cfg.dim)
	rmsFFN := vec(cfg.dim)
	w1 := mat(cfg.hiddenDim, cfg.dim)
	w2 := mat(cfg.dim, cfg.hiddenDim)
	w3 := mat(cfg.hiddenDim, cfg.dim)
	ck.rmsFinal = take(cfg.dim)
	take(cfg.seqLen * hs / 2) // freq_cis_real: recomputed below
	take(cfg.seqLen * hs / 2) // freq_cis_imag
	if shared {
		ck.cls = emb
	} else {
		ck.cls = &f32Matrix{data: take(cfg.vocabSize * cfg.dim), rows: cfg.vocabSize, cols: cfg.dim}
	}
	ck.layers = make([]layerWeights, cfg.nLayers)
	for l := range ck.layers {
		ck.layers[l] = layerWeights{rmsAtt: rmsAtt[l], wq: wq[l], wk: wk[l], wv: wv[l], wo: wo[l],
			rmsFFN: rmsFFN[l], w1: w1[l], w2: w2[l], w3: w3[l]}
	}
	ck.ropeCos, ck.ropeSin = ropeTables(cfg.seqLen, hs)
	return ck, nil
}

// validate checks that a header describes a transformer the forward pass
// can run.
func (c *modelConfig) validate() error {
	fields := []struct {
		name string
		v    int
	}{{"dim", c.dim}, {"hidden_dim", c.hiddenDim}, {"n_layers", c.nLayers}, {"n_heads", c.nHeads},
		{"n_kv_heads", c.nKVHeads}, {"vocab_size", c.vocabSize}, {"seq_len", c.seqLen}}
	for _, f := range fields {
		if f.v <= 0 || f.v > maxDimension {
			return errs.New(errs.KindInvalidArgument, "llama2.c header field %s = %d is out of range (1..%d): not a llama2.c checkpoint", f.name, f.v, maxDimension)
		}
	}
	if c.dim%c.nHeads != 0 || c.headSize()%2 != 0 {
		return errs.New(errs.KindInvalidArgument, "llama2.c header: dim %d is not an even multiple of n_heads %d", c.dim, c.nHeads)
	}
	if c.nKVHeads > c.nHeads || c.nHeads%c.nKVHeads != 0 {
		return errs.New(errs.KindInvalidArgument, "llama2.c header: n_heads %d is not a multiple of n_kv_heads %d", c.nHeads, c.nKVHeads)
	}
	if c.vocabSize < 3 {
		return errs.New(errs.KindInvalidArgument, "llama2.c header: vocab_size %d has no room for <unk>, BOS and EOS", c.vocabSize)
	}
	return nil
}

// ropeTables precomputes the rotary position embedding: for position p and
// pair i of a head, the angle is p / 10000^(2i/headSize).
func ropeTables(seqLen, headSize int) (cos, sin []float32) {
	half := headSize / 2
	cos = make([]float32, seqLen*half)
	sin = make([]float32, seqLen*half)
	for p := 0; p < seqLen; p++ {
		for i := 0; i < half; i++ {
			freq := 1.0 / math.Pow(10000, float64(float32(2*i)/float32(headSize)))
			a := float64(p) * float64(float32(freq))
			cos[p*half+i] = float32(math.Cos(float64(float32(a))))
			sin[p*half+i] = float32(math.Sin(float64(float32(a))))
		}
	}
	return cos, sin
}
