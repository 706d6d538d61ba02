package provider

import (
	"context"
	"io"
	"strings"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// The roles of a message.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

// The finish reasons a Response reports, normalised across providers.
const (
	FinishStop      = "stop"       // the model ended its answer
	FinishLength    = "length"     // max tokens (or the context) was reached
	FinishToolCalls = "tool_calls" // the model asks for tool calls
	FinishError     = "error"      // the stream ended abnormally
)

// Message is one turn of a conversation.
type Message struct {
	Role    string
	Content string
	// ToolCalls are the calls an assistant message asks for.
	ToolCalls []ToolCall
	// ToolCallID and Name identify the call a tool message answers.
	ToolCallID string
	Name       string
	// IsError marks a tool message reporting a failed call.
	IsError bool
}

// Map returns the message as a value (the form kept in agent memory).
func (m *Message) Map() value.Map {
	out := value.Map{"role": m.Role, "content": m.Content}
	if len(m.ToolCalls) > 0 {
		calls := make(value.List, len(m.ToolCalls))
		for i := range m.ToolCalls {
			calls[i] = m.ToolCalls[i].Map()
		}
		out["tool_calls"] = calls
	}
	if m.ToolCallID != "" {
		out["tool_call_id"] = m.ToolCallID
	}
	if m.Name != "" {
		out["name"] = m.Name
	}
	if m.IsError {
		out["is_error"] = true
	}
	return out
}

// MessageFromMap is the inverse of Message.Map. It fails with
// invalid_argument for a wrong shape or an unknown role.
func MessageFromMap(v value.Value) (Message, error) {
	m, ok := v.(value.Map)
	if !ok {
		return Message{}, errs.New(errs.KindInvalidArgument, "a message must be a table/object, got %s", value.TypeOf(v))
	}
	var msg Message
	msg.Role, _ = m["role"].(string)
	switch msg.Role {
	case RoleSystem, RoleUser, RoleAssistant, RoleTool:
	default:
		return Message{}, errs.New(errs.KindInvalidArgument, "message role %q is not one of system, user, assistant, tool", msg.Role)
	}
	if c, ok := m["content"]; ok && c != nil {
		s, ok := c.(string)
		if !ok {
			return Message{}, errs.New(errs.KindInvalidArgument, "message content must be a string, got %s", value.TypeOf(c))
		}
		msg.Content = s
	}
	msg.ToolCallID, _ = m["tool_call_id"].(string)
	msg.Name, _ = m["name"].(string)
	msg.IsError, _ = m["is_error"].(bool)
	calls, err := toolCallsFromValue(m["tool_calls"])
	if err != nil {
		return Message{}, err
	}
	msg.ToolCalls = calls
	return msg, nil
}

// toolCallsFromValue reads a list of ToolCall.Map forms; nil or a
// non-list is none.
func toolCallsFromValue(v value.Value) ([]ToolCall, error) {
	list, _ := v.(value.List)
	var out []ToolCall
	for _, c := range list {
		cm, ok := c.(value.Map)
		if !ok {
			return nil, errs.New(errs.KindInvalidArgument, "a tool call must be a table/object")
		}
		tc := ToolCall{}
		tc.ID, _ = cm["id"].(string)
		tc.Name, _ = cm["name"].(string)
		tc.Arguments, _ = cm["arguments"].(value.Map)
		out = append(out, tc)
	}
	return out, nil
}

// ToolCall is one call a model asks for.
type ToolCall struct {
	ID        string
	Name      string
	Arguments value.Map
}

// Map returns the call as {id, name, arguments}.
func (c *ToolCall) Map() value.Map {
	args := c.Arguments
	if args == nil {
		args = value.Map{}
	}
	return value.Map{"id": c.ID, "name": c.Name, "arguments": args}
}

// ToolSpec is a tool offered to the model.
type ToolSpec struct {
	Name        string
	Description string
	// Schema is the JSON Schema of the arguments (an object schema).
	Schema value.Map
}

// Request is one model call (the model is the one the Model is bound to).
type Request struct {
	System   string
	Messages []Message
	Tools    []ToolSpec
	// Temperature, TopP and Seed are optional: nil means the provider's
	// default.
	Temperature *float64
	TopP        *float64
	Seed        *int64
	// MaxTokens bounds the answer; 0 means the provider's default.
	MaxTokens int
	// JSON asks for a JSON object answer where the provider supports it.
	JSON bool
	// ToolChoice is "" or "auto" (the model decides) or "none" (the tools
	// stay declared, so earlier tool calls in Messages remain valid, but
	// the model must answer in text).
	ToolChoice string
}

// The tool choices of a Request.
const (
	ToolChoiceAuto = "auto"
	ToolChoiceNone = "none"
)

// Usage counts tokens.
type Usage struct {
	InputTokens  int
	OutputTokens int
}

// Map returns {input_tokens, output_tokens}.
func (u Usage) Map() value.Map {
	return value.Map{"input_tokens": int64(u.InputTokens), "output_tokens": int64(u.OutputTokens)}
}

// UsageFromValue is the inverse of Usage.Map; missing counts are 0.
func UsageFromValue(v value.Value) Usage {
	m, _ := v.(value.Map)
	var u Usage
	if n, ok := value.Number(m["input_tokens"]); ok {
		u.InputTokens = int(n)
	}
	if n, ok := value.Number(m["output_tokens"]); ok {
		u.OutputTokens = int(n)
	}
	return u
}

// Response is a finished model call.
type Response struct {
	// Provider names the provider that answered when it is not the one
	// asked (a fallback); empty otherwise.
	Provider     string
	Text         string
	ToolCalls    []ToolCall
	Usage        Usage
	FinishReason string
	// Model is the model that answered, as the provider names it.
	Model string
}

// Map returns {text, tool_calls, usage, finish_reason, model} (the form
// model-call hooks see).
func (r *Response) Map() value.Map {
	calls := make(value.List, len(r.ToolCalls))
	for i := range r.ToolCalls {
		calls[i] = r.ToolCalls[i].Map()
	}
	return value.Map{"text": r.Text, "tool_calls": calls, "usage": r.Usage.Map(), "finish_reason": r.FinishReason, "model": r.Model}
}

// ResponseFromMap is the inverse of Response.Map (a hook may have written
// the map); a missing finish reason is FinishStop. It fails with
// invalid_argument for a wrong shape.
func ResponseFromMap(v value.Value) (*Response, error) {
	m, ok := v.(value.Map)
	if !ok {
		return nil, errs.New(errs.KindInvalidArgument, "a response must be a table/object, got %s", value.TypeOf(v))
	}
	r := &Response{Usage: UsageFromValue(m["usage"])}
	r.Text, _ = m["text"].(string)
	r.FinishReason, _ = m["finish_reason"].(string)
	r.Model, _ = m["model"].(string)
	calls, err := toolCallsFromValue(m["tool_calls"])
	if err != nil {
		return nil, err
	}
	r.ToolCalls = calls
	if r.FinishReason == "" {
		r.FinishReason = FinishStop
	}
	return r, nil
}

// ToolCallDelta is a fragment of a tool call in a stream. The first
// fragment of a call carries its ID and Name; later ones append to the
// arguments JSON text.
type ToolCallDelta struct {
	Index     int
	ID        string
	Name      string
	Arguments string
}

// Delta is one piece of a streamed answer: text, or a tool-call fragment.
type Delta struct {
	Text     string
	ToolCall *ToolCallDelta
}

// Stream is a model answer arriving in pieces. Next returns io.EOF after
// the last delta; then Response holds the whole answer (text, parsed tool
// calls, usage, finish reason). Close may be called at any time, from any
// goroutine, and cancels the underlying request; it is idempotent.
type Stream interface {
	Next() (Delta, error)
	Response() *Response
	Close() error
}

// Capabilities say what a model supports.
type Capabilities struct {
	Streaming         bool
	Tools             bool
	ParallelToolCalls bool
	Vision            bool
	JSONMode          bool
}

// Map returns the capabilities in the shape of SCRIPT_API.md.
func (c Capabilities) Map() value.Map {
	return value.Map{"streaming": c.Streaming, "tools": c.Tools, "parallel_tool_calls": c.ParallelToolCalls,
		"vision": c.Vision, "json_mode": c.JSONMode}
}

// Model is what agents talk to: one client, any wire protocol. Methods are
// safe for concurrent use. Errors have kinds: provider_error (with details
// "status" and "provider" when the server answered), timeout, cancelled,
// invalid_argument.
type Model interface {
	Capabilities() Capabilities
	Generate(ctx context.Context, req *Request) (*Response, error)
	Stream(ctx context.Context, req *Request) (Stream, error)
}

// Collect drains a stream into its response, calling fn (when not nil) for
// each delta. It closes the stream.
func Collect(s Stream, fn func(Delta) error) (*Response, error) {
	defer s.Close()
	for {
		d, err := s.Next()
		if err == io.EOF {
			return s.Response(), nil
		}
		if err != nil {
			return nil, err
		}
		if fn != nil {
			if err := fn(d); err != nil {
				return nil, err
			}
		}
	}
}

// SplitModel splits "provider/model" on the first '/'. A string without a
// '/' is a provider name with its default model.
func SplitModel(s string) (prov, model string) {
	prov, model, _ = strings.Cut(s, "/")
	return prov, model
}
