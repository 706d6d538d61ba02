package ollama

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/provider/internal/wire"
	"github.com/llmspell/llmspell-go/core/value"
)

// emptyObject is the schema of a tool without one.
const emptyObject = `{"type":"object","properties":{}}`

// model is a client bound to one model name.
type model struct {
	c    *wire.Client
	url  string
	name string
	caps provider.Capabilities
}

// New returns a client of /api/chat under cfg.BaseURL for modelName. A key,
// when set, is sent as a bearer token (for hosted servers). It fails with
// invalid_argument when cfg has no BaseURL. It has the signature of
// provider.Factory.
func New(cfg *provider.Config, modelName string) (provider.Model, error) {
	if cfg == nil || cfg.BaseURL == "" {
		return nil, errs.New(errs.KindInvalidArgument, "ollama provider needs a base_url")
	}
	h := http.Header{}
	if cfg.APIKey != "" {
		h.Set("Authorization", "Bearer "+cfg.APIKey)
	}
	lower := strings.ToLower(modelName)
	vision := false
	for _, v := range []string{"llava", "vision", "gemma3", "-vl", "vl:", "minicpm-v", "moondream", "bakllava"} {
		vision = vision || strings.Contains(lower, v)
	}
	return &model{
		c: wire.NewClient(cfg, "ollama", h), url: strings.TrimRight(cfg.BaseURL, "/") + "/api/chat", name: modelName,
		caps: provider.Capabilities{Streaming: true, Tools: true, ParallelToolCalls: true, Vision: vision, JSONMode: true},
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
	var r chatLine
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, m.c.Errorf("malformed response: %v", err)
	}
	if r.Error != "" {
		return nil, m.c.Errorf("%s", r.Error)
	}
	resp := &provider.Response{Text: r.Message.Content, Model: r.Model,
		Usage: provider.Usage{InputTokens: r.PromptEvalCount, OutputTokens: r.EvalCount}}
	if resp.Model == "" {
		resp.Model = m.name
	}
	for i := range r.Message.ToolCalls {
		tc, err := m.toolCall(&r.Message.ToolCalls[i])
		if err != nil {
			return nil, err
		}
		resp.ToolCalls = append(resp.ToolCalls, tc)
	}
	resp.FinishReason = finish(r.DoneReason, len(resp.ToolCalls) > 0)
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
	return &stream{m: m, body: b, nd: wire.NewNDJSON(b, wire.MaxBody), model: m.name}, nil
}

// toolCall converts a wire tool call, making up its ID.
func (m *model) toolCall(tc *toolCall) (provider.ToolCall, error) {
	args := value.Map{}
	if raw := strings.TrimSpace(string(tc.Function.Arguments)); raw != "" && raw != "null" {
		v, err := value.Decode(tc.Function.Arguments)
		if err != nil {
			return provider.ToolCall{}, m.c.Errorf("tool call %q has malformed arguments: %v", tc.Function.Name, err)
		}
		// Some models put the arguments in a JSON string.
		if s, ok := v.(string); ok {
			if v, err = value.DecodeString(s); err != nil {
				return provider.ToolCall{}, m.c.Errorf("tool call %q has malformed arguments: %v", tc.Function.Name, err)
			}
		}
		a, ok := v.(value.Map)
		if !ok {
			return provider.ToolCall{}, m.c.Errorf("tool call %q arguments are a %s, not an object", tc.Function.Name, value.TypeOf(v))
		}
		args = a
	}
	id := tc.ID
	if id == "" {
		id = newID()
	}
	return provider.ToolCall{ID: id, Name: tc.Function.Name, Arguments: args}, nil
}

// newID returns a made-up tool call ID.
func newID() string {
	var b [21]byte
	s := strconv.AppendUint(append(b[:0], "call_"...), rand.Uint64()|1<<60, 16)
	return string(s)
}

// finish maps a done_reason to a provider.Finish* constant.
func finish(reason string, toolCalls bool) string {
	switch {
	case toolCalls:
		return provider.FinishToolCalls
	case reason == "length":
		return provider.FinishLength
	}
	return provider.FinishStop
}
