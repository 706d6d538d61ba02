package openai

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/provider/internal/wire"
	"github.com/llmspell/llmspell-go/core/value"
)

// model is a client bound to one model name.
type model struct {
	c    *wire.Client
	url  string
	name string
	caps provider.Capabilities
}

// New returns a client of the chat completions endpoint under cfg.BaseURL
// for model. It fails with invalid_argument when cfg has no BaseURL. It
// has the signature of provider.Factory.
func New(cfg *provider.Config, model string) (provider.Model, error) {
	if cfg == nil || cfg.BaseURL == "" {
		return nil, errs.New(errs.KindInvalidArgument, "openai provider needs a base_url")
	}
	h := http.Header{}
	if cfg.APIKey != "" {
		h.Set("Authorization", "Bearer "+cfg.APIKey)
	}
	return newModel(wire.NewClient(cfg, "openai", h), strings.TrimRight(cfg.BaseURL, "/"), model), nil
}

func newModel(c *wire.Client, base, name string) *model {
	lower := strings.ToLower(name)
	vision := strings.Contains(lower, "gpt-4o") || strings.Contains(lower, "gpt-4.1") || strings.Contains(lower, "vision")
	return &model{c: c, url: base + "/chat/completions", name: name, caps: provider.Capabilities{
		Streaming: true, Tools: true, ParallelToolCalls: true, Vision: vision, JSONMode: true,
	}}
}

// Capabilities returns what the model supports.
func (m *model) Capabilities() provider.Capabilities { return m.caps }

// Generate sends one request and waits for the whole answer.
func (m *model) Generate(ctx context.Context, req *provider.Request) (*provider.Response, error) {
	body, err := m.encode(req, false)
	if err != nil {
		return nil, err
	}
	data, err := m.c.Post(ctx, m.url, body)
	if err != nil {
		return nil, err
	}
	var r chatResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, m.c.Errorf("malformed response: %v", err)
	}
	if len(r.Choices) == 0 {
		return nil, m.c.Errorf("response has no choices")
	}
	ch := &r.Choices[0]
	resp := &provider.Response{Text: ch.Message.Content, Model: r.Model, Usage: r.Usage.usage()}
	if resp.Model == "" {
		resp.Model = m.name
	}
	for i := range ch.Message.ToolCalls {
		tc := &ch.Message.ToolCalls[i]
		args, err := parseArgs(tc.Function.Arguments)
		if err != nil {
			return nil, m.c.Errorf("tool call %q has malformed arguments: %v", tc.Function.Name, err)
		}
		resp.ToolCalls = append(resp.ToolCalls, provider.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: args})
	}
	resp.FinishReason = finish(ch.FinishReason, len(resp.ToolCalls) > 0)
	return resp, nil
}

// Stream sends one streaming request; the caller must Close the stream.
func (m *model) Stream(ctx context.Context, req *provider.Request) (provider.Stream, error) {
	body, err := m.encode(req, true)
	if err != nil {
		return nil, err
	}
	b, err := m.c.Open(ctx, m.url, body)
	if err != nil {
		return nil, err
	}
	return newStream(m, b), nil
}

// parseArgs decodes a tool call's arguments JSON text; empty text is {}.
func parseArgs(s string) (value.Map, error) {
	if strings.TrimSpace(s) == "" {
		return value.Map{}, nil
	}
	v, err := value.DecodeString(s)
	if err != nil {
		return nil, err
	}
	switch a := v.(type) {
	case value.Map:
		return a, nil
	case nil:
		return value.Map{}, nil
	}
	return nil, errs.New(errs.KindInvalidArgument, "arguments are a %s, not an object", value.TypeOf(v))
}

// finish maps a finish_reason to a provider.Finish* constant.
func finish(reason string, toolCalls bool) string {
	switch reason {
	case "length":
		return provider.FinishLength
	case "tool_calls", "function_call":
		return provider.FinishToolCalls
	case "stop", "content_filter", "end_turn":
		if toolCalls {
			return provider.FinishToolCalls
		}
		return provider.FinishStop
	}
	if toolCalls {
		return provider.FinishToolCalls
	}
	return provider.FinishStop
}
