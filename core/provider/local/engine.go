package local

import (
	"sync"
)

// engine is a loaded model: read-only weights and tokenizer shared by all
// generations, and a pool of per-generation states. It is safe for
// concurrent use.
type engine struct {
	ck     *checkpoint
	tok    *tokenizer
	states sync.Pool // of *runState
}

// loadEngine loads a checkpoint and its tokenizer.
func loadEngine(modelPath, tokPath string) (*engine, error) {
	ck, err := loadCheckpoint(modelPath)
	if err != nil {
		return nil, err
	}
	tok, err := loadTokenizer(tokPath, ck.cfg.vocabSize)
	if err != nil {
		return nil, err
	}
	e := &engine{ck: ck, tok: tok}
	e.states.New = func() any { return newRunState(&ck.cfg) }
	return e, nil
}

// generator runs one generation: it feeds the prompt, then samples one
// token per step. After start, step does not allocate. A generator belongs
// to one goroutine at a time; release returns its state to the pool.
type generator struct {
	e       *engine
	s       *runState
	smp     sampler
	prompt  int // number of prompt tokens in s.tokens
	pos     int // position of the token fed next
	grammar *grammar
	gs      grammarState
}

// start takes a state from the pool and sets up a generation of the given
// prompt (which must be non-empty and shorter than seqLen).
func (e *engine) start(prompt []int, smp sampler) *generator {
	s := e.states.Get().(*runState)
	s.tokens = append(s.tokens[:0], prompt...)
	return &generator{e: e, s: s, smp: smp, prompt: len(prompt)}
}

// release returns the state to the pool; the generator is unusable after.
func (g *generator) release() {
	if g.s != nil {
		g.e.states.Put(g.s)
		g.s = nil
	}
}

// last returns the last token of the sequence so far.
func (g *generator) last() int { return g.s.tokens[len(g.s.tokens)-1] }

// full reports whether the context is used up.
func (g *generator) full() bool { return len(g.s.tokens) >= g.e.ck.cfg.seqLen }

// prefillOne feeds one pending prompt token (all but the last, which step
// feeds) and reports whether it did; a caller can check for cancellation
// between calls.
func (g *generator) prefillOne() bool {
	if g.pos >= len(g.s.tokens)-1 {
		return false
	}
	g.e.ck.forward(g.s, g.s.tokens[g.pos], g.pos)
	g.pos++
	return true
}

// step feeds the pending prompt tokens and the last token through the
// model, samples the next token, appends it and returns it. With a
// grammar, only tokens that keep the output a valid prefix are sampled
// (fixed literals are forced), and the grammar state advances. It must not be called when full.
func (g *generator) step() int {
	ck := g.e.ck
	for g.prefillOne() {
	}
	prev := g.s.tokens[g.pos]
	logits := ck.forward(g.s, prev, g.pos)
	g.pos++
	next := -1
	if g.grammar != nil {
		// A fixed literal is emitted as its longest token, without
		// sampling; otherwise tokens that break the grammar are masked.
		if rest := g.grammar.forced(g.gs); rest != "" {
			next = g.e.tok.longestPrefix(prev, rest)
		}
		if next < 0 {
			g.grammar.mask(g.gs, logits, g.e.tok, prev)
		}
	}
	if next < 0 {
		next = g.smp.sample(logits, g.s.probs)
	}
	if g.grammar != nil {
		g.gs, _ = g.grammar.advance(g.gs, g.e.tok.piece(prev, next))
	}
	g.s.tokens = append(g.s.tokens, next)
	return next
}
