package anthropic

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/provider/internal/wire"
)

// maxBlocks bounds the content-block index a stream may use.
const maxBlocks = 256

// stream reads the SSE answer of a streaming call.
type stream struct {
	m    *model
	body *wire.Body
	sse  *wire.SSE

	events int
	err    error // io.EOF after the last delta, else the failure
	resp   *provider.Response

	text   strings.Builder
	toolOf []int // content-block index → tool ordinal, -1 for other blocks
	tools  []toolAcc
	usage  provider.Usage
	reason string
	model  string
	ev     event
}

// toolAcc accumulates one tool_use block.
type toolAcc struct {
	id, name string
	args     []byte
	start    json.RawMessage
}

func newStream(m *model, b *wire.Body) *stream {
	return &stream{m: m, body: b, sse: wire.NewSSE(b, wire.MaxBody), model: m.name}
}

// Next returns the next delta, io.EOF after the last, or the failure.
func (s *stream) Next() (provider.Delta, error) {
	for s.err == nil {
		d, ok, err := s.step()
		if err != nil {
			s.err = err
			s.body.Close()
			break
		}
		if ok {
			return d, nil
		}
	}
	return provider.Delta{}, s.err
}

// step reads one event; ok says whether it gave a delta. It returns
// io.EOF after message_stop.
func (s *stream) step() (d provider.Delta, ok bool, err error) {
	name, data, err := s.sse.Next()
	if err == io.EOF {
		return d, false, s.body.EndedEarly()
	}
	if err != nil {
		return d, false, s.body.ReadError(err)
	}
	s.events++
	if string(name) == "ping" {
		return d, false, nil
	}
	ev := &s.ev
	*ev = event{}
	if err := json.Unmarshal(data, ev); err != nil {
		return d, false, s.body.Malformed(s.events, err)
	}
	typ := ev.Type
	if typ == "" {
		typ = string(name)
	}
	switch typ {
	case "message_start":
		if ev.Message != nil {
			if ev.Message.Model != "" {
				s.model = ev.Message.Model
			}
			s.usage.InputTokens = ev.Message.Usage.InputTokens
			s.usage.OutputTokens = ev.Message.Usage.OutputTokens
		}
	case "content_block_start":
		if ev.Index < 0 || ev.Index >= maxBlocks {
			return d, false, s.m.c.Errorf("stream event %d: content block index %d out of range", s.events, ev.Index)
		}
		for len(s.toolOf) <= ev.Index {
			s.toolOf = append(s.toolOf, -1)
		}
		cb := ev.ContentBlock
		if cb == nil {
			return d, false, nil
		}
		if cb.Type == "text" && cb.Text != "" {
			s.text.WriteString(cb.Text)
			return provider.Delta{Text: cb.Text}, true, nil
		}
		if cb.Type != "tool_use" {
			return d, false, nil
		}
		s.toolOf[ev.Index] = len(s.tools)
		s.tools = append(s.tools, toolAcc{id: cb.ID, name: cb.Name, start: cb.Input})
		return provider.Delta{ToolCall: &provider.ToolCallDelta{Index: len(s.tools) - 1, ID: cb.ID, Name: cb.Name}}, true, nil
	case "content_block_delta":
		if ev.Delta == nil {
			return d, false, nil
		}
		switch ev.Delta.Type {
		case "text_delta":
			if ev.Delta.Text == "" {
				return d, false, nil
			}
			s.text.WriteString(ev.Delta.Text)
			return provider.Delta{Text: ev.Delta.Text}, true, nil
		case "input_json_delta":
			if ev.Index < 0 || ev.Index >= len(s.toolOf) || s.toolOf[ev.Index] < 0 {
				return d, false, s.m.c.Errorf("stream event %d: input for content block %d, which is no tool_use", s.events, ev.Index)
			}
			t := s.toolOf[ev.Index]
			s.tools[t].args = append(s.tools[t].args, ev.Delta.PartialJSON...)
			if ev.Delta.PartialJSON == "" {
				return d, false, nil
			}
			return provider.Delta{ToolCall: &provider.ToolCallDelta{Index: t, Arguments: ev.Delta.PartialJSON}}, true, nil
		}
	case "message_delta":
		if ev.Delta != nil && ev.Delta.StopReason != "" {
			s.reason = ev.Delta.StopReason
		}
		if ev.Usage != nil {
			s.usage.OutputTokens = ev.Usage.OutputTokens
			if ev.Usage.InputTokens > 0 {
				s.usage.InputTokens = ev.Usage.InputTokens
			}
		}
	case "message_stop":
		return d, false, s.finish()
	case "error":
		msg := "unknown error"
		if ev.Error != nil {
			msg = ev.Error.Type + ": " + ev.Error.Message
		}
		return d, false, s.m.c.Errorf("stream error: %s", msg)
	}
	return d, false, nil
}

// finish builds the response after message_stop; it returns io.EOF or the
// error of a tool input that does not parse.
func (s *stream) finish() error {
	resp := &provider.Response{Text: s.text.String(), Usage: s.usage, Model: s.model}
	for i := range s.tools {
		t := &s.tools[i]
		raw := t.args
		if len(raw) == 0 {
			raw = t.start
		}
		args, err := parseInput(raw)
		if err != nil {
			return s.m.c.Errorf("tool call %q has malformed input: %v", t.name, err)
		}
		resp.ToolCalls = append(resp.ToolCalls, provider.ToolCall{ID: t.id, Name: t.name, Arguments: args})
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
