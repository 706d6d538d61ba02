package openai

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/provider/internal/wire"
)

// maxToolCalls bounds the tool-call index a stream may use.
const maxToolCalls = 128

// stream reads the SSE answer of a streaming call.
type stream struct {
	m    *model
	body *wire.Body
	sse  *wire.SSE

	chunks  int
	pending []provider.Delta
	next    int
	err     error // io.EOF after the last delta, else the failure
	resp    *provider.Response

	text   strings.Builder
	calls  []callAcc
	usage  provider.Usage
	reason string
	model  string
	c      chunk
}

// callAcc accumulates one tool call's fragments.
type callAcc struct {
	id, name string
	args     []byte
	seen     bool
}

func newStream(m *model, b *wire.Body) *stream {
	return &stream{m: m, body: b, sse: wire.NewSSE(b, wire.MaxBody), model: m.name}
}

// Next returns the next delta, io.EOF after the last, or the failure.
func (s *stream) Next() (provider.Delta, error) {
	for {
		if s.next < len(s.pending) {
			d := s.pending[s.next]
			s.pending[s.next] = provider.Delta{}
			s.next++
			return d, nil
		}
		if s.err != nil {
			return provider.Delta{}, s.err
		}
		s.pending, s.next = s.pending[:0], 0
		if err := s.step(); err != nil {
			s.err = err
			s.body.Close()
		}
	}
}

// step reads one event into s.pending; it returns io.EOF at [DONE].
func (s *stream) step() error {
	_, data, err := s.sse.Next()
	if err == io.EOF {
		return s.body.EndedEarly()
	}
	if err != nil {
		return s.body.ReadError(err)
	}
	s.chunks++
	if string(data) == "[DONE]" {
		return s.finish()
	}
	c := &s.c
	*c = chunk{}
	if err := json.Unmarshal(data, c); err != nil {
		return s.body.Malformed(s.chunks, err)
	}
	if c.Error != nil {
		return s.m.c.Errorf("stream error: %s", c.Error.Message)
	}
	if c.Model != "" {
		s.model = c.Model
	}
	if c.Usage != nil {
		s.usage = c.Usage.usage()
	}
	if len(c.Choices) == 0 {
		return nil
	}
	ch := &c.Choices[0]
	if ch.FinishReason != "" {
		s.reason = ch.FinishReason
	}
	if ch.Delta.Content != "" {
		s.text.WriteString(ch.Delta.Content)
		s.pending = append(s.pending, provider.Delta{Text: ch.Delta.Content})
	}
	for i := range ch.Delta.ToolCalls {
		tc := &ch.Delta.ToolCalls[i]
		idx := len(s.calls) - 1
		if tc.Index != nil {
			idx = *tc.Index
		} else if tc.ID != "" || idx < 0 {
			idx++
		}
		if idx < 0 || idx >= maxToolCalls {
			return s.m.c.Errorf("stream chunk %d: tool call index %d out of range", s.chunks, idx)
		}
		for len(s.calls) <= idx {
			s.calls = append(s.calls, callAcc{})
		}
		a := &s.calls[idx]
		a.seen = true
		if tc.ID != "" {
			a.id = tc.ID
		}
		if tc.Function.Name != "" {
			a.name = tc.Function.Name
		}
		a.args = append(a.args, tc.Function.Arguments...)
		s.pending = append(s.pending, provider.Delta{ToolCall: &provider.ToolCallDelta{
			Index: idx, ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments,
		}})
	}
	return nil
}

// finish builds the response after [DONE]; it returns io.EOF or the error
// of a tool call whose arguments do not parse.
func (s *stream) finish() error {
	resp := &provider.Response{Text: s.text.String(), Usage: s.usage, Model: s.model}
	for i := range s.calls {
		a := &s.calls[i]
		if !a.seen {
			continue
		}
		args, err := parseArgs(string(a.args))
		if err != nil {
			return s.m.c.Errorf("tool call %q has malformed arguments: %v", a.name, err)
		}
		resp.ToolCalls = append(resp.ToolCalls, provider.ToolCall{ID: a.id, Name: a.name, Arguments: args})
	}
	resp.FinishReason = finish(s.reason, len(resp.ToolCalls) > 0)
	s.resp = resp
	return io.EOF
}

// Response returns the whole answer after Next returned io.EOF; before
// that, the text so far with FinishError.
func (s *stream) Response() *provider.Response {
	if s.resp != nil {
		return s.resp
	}
	return &provider.Response{Text: s.text.String(), Usage: s.usage, Model: s.model, FinishReason: provider.FinishError}
}

// Close cancels the request; it is idempotent and safe from any goroutine.
func (s *stream) Close() error { return s.body.Close() }
