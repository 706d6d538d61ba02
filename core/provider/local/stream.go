package local

import (
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/value"
)

// stream is one generation. Next computes tokens synchronously, so no
// goroutine runs behind it. Next and Response must be called from one
// goroutine at a time; Close may be called from any goroutine, and waits
// for at most the token being computed.
type stream struct {
	m       *Model
	gen     *generator // nil once released
	grammar *grammar   // nil: free text
	budget  int        // tokens that may still be generated in total
	stop    func() bool

	// abort is set by ctx cancellation or Close; Next checks it before
	// each token.
	abort atomic.Pointer[errs.Error]

	mu        sync.Mutex // serialises Next, Response and Close
	generated int
	done      bool
	err       error // sticky
	resp      provider.Response
	text      strings.Builder
	pending   []byte // trailing bytes of an incomplete UTF-8 character
	// Tool-call mode.
	out     []byte // the call's JSON so far
	emitted int    // offset in out up to which arguments were streamed
	callID  string
	tool    int // index of the tool being called, -1 until known
}

var _ provider.Stream = (*stream)(nil)

// Next computes tokens until it has a delta to return: a text piece, or a
// tool-call fragment. It returns io.EOF after the last delta.
func (s *stream) Next() (provider.Delta, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		switch {
		case s.err != nil:
			return provider.Delta{}, s.err
		case s.done:
			return provider.Delta{}, io.EOF
		}
		if e := s.abort.Load(); e != nil {
			s.fail(e)
			continue
		}
		if s.gen.prefillOne() { // the prompt, one cancellable token at a time
			continue
		}
		if s.generated >= s.budget || s.gen.full() {
			if d, ok := s.finish(provider.FinishLength); ok {
				return d, nil
			}
			continue
		}
		prev := s.gen.last()
		tok := s.gen.step()
		s.generated++
		piece := s.gen.e.tok.piece(prev, tok)
		if s.grammar != nil {
			if d, ok := s.toolStep(piece); ok {
				return d, nil
			}
			continue
		}
		if tok == tokenEOS || tok == tokenBOS {
			if d, ok := s.finish(provider.FinishStop); ok {
				return d, nil
			}
			continue
		}
		if t := s.complete(piece); t != "" {
			s.text.WriteString(t)
			return provider.Delta{Text: t}, nil
		}
	}
}

// toolStep records the bytes of one token of a tool call and returns the
// delta to stream, if any.
func (s *stream) toolStep(piece string) (provider.Delta, bool) {
	s.out = append(s.out, piece...)
	g := s.grammar
	accepted := g.accepted(s.gen.gs)
	if !accepted {
		s.tool = g.tool(s.gen.gs)
	}
	ti := s.tool
	if ti < 0 {
		return provider.Delta{}, false
	}
	end := len(s.out)
	if accepted {
		end-- // the outer '}' is not part of the arguments
	}
	d := provider.Delta{}
	if s.callID == "" {
		s.callID = "call_" + strconv.FormatInt(s.m.calls.Add(1), 10)
		s.emitted = g.argsStart[ti]
		d.ToolCall = &provider.ToolCallDelta{ID: s.callID, Name: g.tools[ti]}
	}
	if end > s.emitted {
		if d.ToolCall == nil {
			d.ToolCall = &provider.ToolCallDelta{}
		}
		d.ToolCall.Arguments = string(s.out[s.emitted:end])
		s.emitted = end
	}
	if accepted {
		s.finishToolCall(g.tools[ti])
	}
	return d, d.ToolCall != nil
}

// finishToolCall parses the complete call into the response.
func (s *stream) finishToolCall(name string) {
	args := value.Map{}
	if v, err := value.Decode(s.out); err == nil {
		if m, ok := v.(value.Map); ok {
			if a, ok := m["arguments"].(value.Map); ok {
				args = a
			}
		}
	}
	s.resp.ToolCalls = []provider.ToolCall{{ID: s.callID, Name: name, Arguments: args}}
	s.resp.FinishReason = provider.FinishToolCalls
	s.resp.Usage.OutputTokens = s.generated
	s.done = true
	s.release()
}

// complete returns the part of piece (after any held-back bytes) that ends
// on a UTF-8 character boundary, holding back an incomplete trailing
// character until the next token completes it.
func (s *stream) complete(piece string) string {
	if len(s.pending) == 0 && utf8.ValidString(piece) {
		return piece
	}
	s.pending = append(s.pending, piece...)
	p := s.pending
	cut := len(p)
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				cut = i
			}
			break
		}
	}
	out := string(p[:cut])
	s.pending = append(s.pending[:0], p[cut:]...)
	return out
}

// finish ends the generation; it returns a last delta when held-back
// bytes remain.
func (s *stream) finish(reason string) (provider.Delta, bool) {
	s.done = true
	s.resp.FinishReason = reason
	s.resp.Usage.OutputTokens = s.generated
	var d provider.Delta
	if s.grammar != nil {
		s.resp.Text = string(s.out) // an unfinished call, cut by the length limit
	} else {
		if len(s.pending) > 0 {
			d.Text = strings.ToValidUTF8(string(s.pending), "\uFFFD")
			s.text.WriteString(d.Text)
			s.pending = s.pending[:0]
		}
		s.resp.Text = s.text.String()
	}
	s.release()
	return d, d.Text != ""
}

// fail ends the generation with err.
func (s *stream) fail(err *errs.Error) {
	s.err = err
	s.resp.FinishReason = provider.FinishError
	s.resp.Text = s.text.String()
	s.resp.Usage.OutputTokens = s.generated
	s.release()
}

// release returns the generation state to the pool and detaches from the
// context.
func (s *stream) release() {
	if s.gen != nil {
		s.gen.release()
		s.gen = nil
	}
	s.stop()
}

// Response returns the answer; it is complete once Next has returned
// io.EOF.
func (s *stream) Response() *provider.Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.resp
	return &r
}

// Close stops the generation and frees its state. It is idempotent;
// Next then returns an error of kind closed.
func (s *stream) Close() error {
	s.abort.CompareAndSwap(nil, errs.ErrClosed)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done && s.err == nil {
		s.err = errs.ErrClosed
	}
	s.release()
	return nil
}
