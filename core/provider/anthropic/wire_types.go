package anthropic

import (
	"encoding/json"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/value"
)

// The request body of /v1/messages.
// toolChoice is the request's tool_choice: {"type": "auto" | "none"}.
type toolChoice struct {
	Type string `json:"type"`
}

type messageRequest struct {
	Model       string      `json:"model"`
	MaxTokens   int         `json:"max_tokens"`
	System      string      `json:"system,omitempty"`
	Messages    []message   `json:"messages"`
	Tools       []tool      `json:"tools,omitempty"`
	ToolChoice  *toolChoice `json:"tool_choice,omitempty"`
	Temperature *float64    `json:"temperature,omitempty"`
	TopP        *float64    `json:"top_p,omitempty"`
	Stream      bool        `json:"stream,omitempty"`
}

type message struct {
	Role    string  `json:"role"`
	Content []block `json:"content"`
}

// block is a content block of a request: text, tool_use or tool_result.
type block struct {
	Type      string          `json:"type"`
	Text      *string         `json:"text,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	Content   *string         `json:"content,omitempty"`
	IsError   bool            `json:"is_error,omitempty"`
}

type tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

// The answer of a non-streaming call.
type messageResponse struct {
	Model      string          `json:"model"`
	Content    []responseBlock `json:"content"`
	StopReason string          `json:"stop_reason"`
	Usage      usage           `json:"usage"`
}

type responseBlock struct {
	Type  string          `json:"type"`
	Text  string          `json:"text"`
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

type usage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

// event is the data of one streamed event.
type event struct {
	Type    string `json:"type"`
	Index   int    `json:"index"`
	Message *struct {
		Model string `json:"model"`
		Usage usage  `json:"usage"`
	} `json:"message"`
	ContentBlock *responseBlock `json:"content_block"`
	Delta        *struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		PartialJSON string `json:"partial_json"`
		StopReason  string `json:"stop_reason"`
	} `json:"delta"`
	Usage *usage `json:"usage"`
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// encode returns the JSON request body. System messages join the system
// prompt; consecutive tool results merge into one user message.
func (m *model) encode(req *provider.Request, stream bool) ([]byte, error) {
	if req == nil {
		return nil, errs.New(errs.KindInvalidArgument, "anthropic: nil request")
	}
	r := messageRequest{Model: m.name, MaxTokens: req.MaxTokens, System: req.System, Temperature: req.Temperature, TopP: req.TopP, Stream: stream}
	if r.MaxTokens <= 0 {
		r.MaxTokens = defaultMaxTokens
	}
	join := func(s string) {
		if r.System != "" {
			r.System += "\n\n"
		}
		r.System += s
	}
	r.Messages = make([]message, 0, len(req.Messages))
	for i := range req.Messages {
		in := &req.Messages[i]
		switch in.Role {
		case provider.RoleSystem:
			join(in.Content)
		case provider.RoleTool:
			content := in.Content
			b := block{Type: "tool_result", ToolUseID: in.ToolCallID, Content: &content, IsError: in.IsError}
			if n := len(r.Messages); n > 0 && r.Messages[n-1].Role == provider.RoleUser && isToolResults(r.Messages[n-1].Content) {
				r.Messages[n-1].Content = append(r.Messages[n-1].Content, b)
			} else {
				r.Messages = append(r.Messages, message{Role: provider.RoleUser, Content: []block{b}})
			}
		default:
			out := message{Role: in.Role}
			if in.Content != "" || len(in.ToolCalls) == 0 {
				text := in.Content
				out.Content = append(out.Content, block{Type: "text", Text: &text})
			}
			for j := range in.ToolCalls {
				tc := &in.ToolCalls[j]
				input := json.RawMessage("{}")
				if len(tc.Arguments) > 0 {
					b, err := value.Encode(tc.Arguments)
					if err != nil {
						return nil, errs.Wrap(errs.KindInvalidArgument, err, "anthropic: tool call %q arguments", tc.Name)
					}
					input = b
				}
				out.Content = append(out.Content, block{Type: "tool_use", ID: tc.ID, Name: tc.Name, Input: input})
			}
			r.Messages = append(r.Messages, out)
		}
	}
	if req.JSON {
		join(jsonInstruction)
	}
	for i := range req.Tools {
		t := &req.Tools[i]
		schema := json.RawMessage(emptyObject)
		if len(t.Schema) > 0 {
			b, err := value.Encode(t.Schema)
			if err != nil {
				return nil, errs.Wrap(errs.KindInvalidArgument, err, "anthropic: tool %q schema", t.Name)
			}
			schema = b
		}
		r.Tools = append(r.Tools, tool{Name: t.Name, Description: t.Description, InputSchema: schema})
	}
	if len(r.Tools) > 0 && req.ToolChoice == provider.ToolChoiceNone {
		r.ToolChoice = &toolChoice{Type: "none"}
	}
	b, err := json.Marshal(&r)
	if err != nil {
		return nil, errs.Wrap(errs.KindInvalidArgument, err, "anthropic: encoding the request")
	}
	return b, nil
}

// isToolResults reports whether a user message holds only tool results.
func isToolResults(bs []block) bool {
	for i := range bs {
		if bs[i].Type != "tool_result" {
			return false
		}
	}
	return len(bs) > 0
}
