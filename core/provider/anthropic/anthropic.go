package anthropic

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

const (
	// apiVersion is the anthropic-version header value.
	apiVersion = "2023-06-01"
	// defaultMaxTokens is sent when Request.MaxTokens is 0 (the API
	// requires max_tokens).
	defaultMaxTokens = 1024
	// jsonInstruction is added to the system prompt of a JSON request.
	jsonInstruction = "Respond with a single JSON object and nothing else."
	// emptyObject is the schema of a tool without one.
	emptyObject = `{"type":"object","properties":{}}`
)

// model is a client bound to one model name.
type model struct {
	c    *wire.Client
	url  string
	name string
	caps provider.Capabilities
}

// New returns a client of the Messages API under cfg.BaseURL for model.
// It fails with invalid_argument when cfg has no BaseURL. It has the
// signature of provider.Factory.
func New(cfg *provider.Config, modelName string) (provider.Model, error) {
	if cfg == nil || cfg.BaseURL == "" {
		return nil, errs.New(errs.KindInvalidArgument, "anthropic provider needs a base_url")
	}
	h := http.Header{}
	if cfg.APIKey != "" {
		h.Set("x-api-key", cfg.APIKey)
	}
	h.Set("anthropic-version", apiVersion)
	h.Set("Content-Type", "application/json")
	return &model{
		c: wire.NewClient(cfg, "anthropic", h), url: strings.TrimRight(cfg.BaseURL, "/") + "/v1/messages", name: modelName,
		caps: provider.Capabilities{Streaming: true, Tools: true, ParallelToolCalls: true,
			Vision: strings.Contains(strings.ToLower(modelName), "claude")},
	}, nil
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
	var r messageResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, m.c.Errorf("malformed response: %v", err)
	}
	resp := &provider.Response{Model: r.Model, Usage: provider.Usage{InputTokens: r.Usage.InputTokens, OutputTokens: r.Usage.OutputTokens}}
	if resp.Model == "" {
		resp.Model = m.name
	}
	var text strings.Builder
	for i := range r.Content {
		b := &r.Content[i]
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
		case "tool_use":
			args, err := parseInput(b.Input)
			if err != nil {
				return nil, m.c.Errorf("tool call %q has malformed input: %v", b.Name, err)
			}
			resp.ToolCalls = append(resp.ToolCalls, provider.ToolCall{ID: b.ID, Name: b.Name, Arguments: args})
		}
	}
	resp.Text = text.String()
	resp.FinishReason = finish(r.StopReason, len(resp.ToolCalls) > 0)
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

// parseInput decodes a tool_use input; empty input is {}.
func parseInput(raw []byte) (value.Map, error) {
	if len(strings.TrimSpace(string(raw))) == 0 {
		return value.Map{}, nil
	}
	v, err := value.Decode(raw)
	if err != nil {
		return nil, err
	}
	switch a := v.(type) {
	case value.Map:
		return a, nil
	case nil:
		return value.Map{}, nil
	}
	return nil, errs.New(errs.KindInvalidArgument, "input is a %s, not an object", value.TypeOf(v))
}

// finish maps a stop_reason to a provider.Finish* constant.
func finish(reason string, toolCalls bool) string {
	switch reason {
	case "max_tokens", "model_context_window_exceeded":
		return provider.FinishLength
	case "tool_use":
		return provider.FinishToolCalls
	}
	if toolCalls {
		return provider.FinishToolCalls
	}
	return provider.FinishStop
}
