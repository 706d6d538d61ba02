package openai

import (
	"encoding/json"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/value"
)

// The request body of /chat/completions.
type chatRequest struct {
	Model          string          `json:"model"`
	Messages       []message       `json:"messages"`
	Tools          []tool          `json:"tools,omitempty"`
	ToolChoice     string          `json:"tool_choice,omitempty"`
	Temperature    *float64        `json:"temperature,omitempty"`
	TopP           *float64        `json:"top_p,omitempty"`
	Seed           *int64          `json:"seed,omitempty"`
	MaxTokens      int             `json:"max_tokens,omitempty"`
	ResponseFormat *responseFormat `json:"response_format,omitempty"`
	Stream         bool            `json:"stream,omitempty"`
	StreamOptions  *streamOptions  `json:"stream_options,omitempty"`
}

type message struct {
	Role       string     `json:"role"`
	Content    *string    `json:"content,omitempty"`
	ToolCalls  []toolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

type toolCall struct {
	Index    *int     `json:"index,omitempty"`
	ID       string   `json:"id,omitempty"`
	Type     string   `json:"type,omitempty"`
	Function function `json:"function"`
}

type function struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

type tool struct {
	Type     string       `json:"type"`
	Function toolFunction `json:"function"`
}

type toolFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
}

type responseFormat struct {
	Type string `json:"type"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// The answer of a non-streaming call.
type chatResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Content   string     `json:"content"`
			ToolCalls []toolCall `json:"tool_calls"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage usage `json:"usage"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

func (u usage) usage() provider.Usage {
	return provider.Usage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens}
}

// chunk is one streamed event.
type chunk struct {
	Model   string `json:"model"`
	Choices []struct {
		Delta struct {
			Content   string     `json:"content"`
			ToolCalls []toolCall `json:"tool_calls"`
		} `json:"delta"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usage `json:"usage"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// emptyObject is the schema of a tool without one.
const emptyObject = `{"type":"object","properties":{}}`

// encode returns the JSON request body.
func (m *model) encode(req *provider.Request, stream bool) ([]byte, error) {
	if req == nil {
		return nil, errs.New(errs.KindInvalidArgument, "openai: nil request")
	}
	r := chatRequest{Model: m.name, Temperature: req.Temperature, TopP: req.TopP, Seed: req.Seed, MaxTokens: req.MaxTokens}
	if req.JSON {
		r.ResponseFormat = &responseFormat{Type: "json_object"}
	}
	if stream {
		r.Stream = true
		r.StreamOptions = &streamOptions{IncludeUsage: true}
	}
	r.Messages = make([]message, 0, len(req.Messages)+1)
	if req.System != "" {
		sys := req.System
		r.Messages = append(r.Messages, message{Role: provider.RoleSystem, Content: &sys})
	}
	for i := range req.Messages {
		in := &req.Messages[i]
		out := message{Role: in.Role, ToolCallID: in.ToolCallID}
		if in.Content != "" || len(in.ToolCalls) == 0 {
			c := in.Content
			out.Content = &c
		}
		for j := range in.ToolCalls {
			tc := &in.ToolCalls[j]
			args := "{}"
			if len(tc.Arguments) > 0 {
				b, err := value.Encode(tc.Arguments)
				if err != nil {
					return nil, errs.Wrap(errs.KindInvalidArgument, err, "openai: tool call %q arguments", tc.Name)
				}
				args = string(b)
			}
			out.ToolCalls = append(out.ToolCalls, toolCall{ID: tc.ID, Type: "function", Function: function{Name: tc.Name, Arguments: args}})
		}
		r.Messages = append(r.Messages, out)
	}
	for i := range req.Tools {
		t := &req.Tools[i]
		params := json.RawMessage(emptyObject)
		if len(t.Schema) > 0 {
			b, err := value.Encode(t.Schema)
			if err != nil {
				return nil, errs.Wrap(errs.KindInvalidArgument, err, "openai: tool %q schema", t.Name)
			}
			params = b
		}
		r.Tools = append(r.Tools, tool{Type: "function", Function: toolFunction{Name: t.Name, Description: t.Description, Parameters: params}})
	}
	if len(r.Tools) > 0 && req.ToolChoice == provider.ToolChoiceNone {
		r.ToolChoice = provider.ToolChoiceNone
	}
	b, err := json.Marshal(&r)
	if err != nil {
		return nil, errs.Wrap(errs.KindInvalidArgument, err, "openai: encoding the request")
	}
	return b, nil
}
