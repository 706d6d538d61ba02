package ollama

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/provider/internal/wire"
)

// stream reads the NDJSON answer of a streaming call.
type stream struct {
	m    *model
	body *wire.Body
	nd   *wire.NDJSON

	lines   int
	pending []provider.Delta
	next    int
	err     error // io.EOF after the last delta, else the failure
	resp    *provider.Response

	text   strings.Builder
	calls  []provider.ToolCall
	usage  provider.Usage
	reason string
	model  string
	line   chatLine
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

// step reads one line into s.pending; it returns io.EOF after done.
func (s *stream) step() error {
	data, err := s.nd.Next()
	if err == io.EOF {
		return s.body.EndedEarly()
	}
	if err != nil {
		return s.body.ReadError(err)
	}
	s.lines++
	l := &s.line
	*l = chatLine{}
	if err := json.Unmarshal(data, l); err != nil {
		return s.body.Malformed(s.lines, err)
	}
	if l.Error != "" {
		return s.m.c.Errorf("stream error: %s", l.Error)
	}
	if l.Model != "" {
		s.model = l.Model
	}
	if c := l.Message.Content; c != "" {
		s.text.WriteString(c)
		s.pending = append(s.pending, provider.Delta{Text: c})
	}
	for i := range l.Message.ToolCalls {
		tc, err := s.m.toolCall(&l.Message.ToolCalls[i])
		if err != nil {
			return err
		}
		s.calls = append(s.calls, tc)
		s.pending = append(s.pending, provider.Delta{ToolCall: &provider.ToolCallDelta{
			Index: len(s.calls) - 1, ID: tc.ID, Name: tc.Name, Arguments: string(l.Message.ToolCalls[i].Function.Arguments),
		}})
	}
	if !l.Done {
		return nil
	}
	s.usage = provider.Usage{InputTokens: l.PromptEvalCount, OutputTokens: l.EvalCount}
	s.reason = l.DoneReason
	s.resp = &provider.Response{Text: s.text.String(), ToolCalls: s.calls, Usage: s.usage, Model: s.model,
		FinishReason: finish(s.reason, len(s.calls) > 0)}
	// The deltas of the last line come before the end.
	if len(s.pending) > 0 {
		s.err = io.EOF
		s.body.Close()
		return nil
	}
	return io.EOF
}

// Response returns the whole answer after Next returned io.EOF; before
// that, the text so far with FinishError.
func (s *stream) Response() *provider.Response {
	if s.resp != nil {
		return s.resp
	}
	return &provider.Response{Text: s.text.String(), ToolCalls: s.calls, Usage: s.usage, Model: s.model, FinishReason: provider.FinishError}
}

// Close cancels the request; it is idempotent and safe from any goroutine.
func (s *stream) Close() error { return s.body.Close() }
