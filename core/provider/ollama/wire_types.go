package ollama

import (
	"encoding/json"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/value"
)

// The request body of /api/chat.
type chatRequest struct {
	Model    string    `json:"model"`
	Messages []message `json:"messages"`
	Tools    []tool    `json:"tools,omitempty"`
	Stream   bool      `json:"stream"`
	Format   string    `json:"format,omitempty"`
	Options  *options  `json:"options,omitempty"`
}

type message struct {
	Role      string     `json:"role"`
	Content   string     `json:"content"`
	ToolCalls []toolCall `json:"tool_calls,omitempty"`
	ToolName  string     `json:"tool_name,omitempty"`
}

type toolCall struct {
	ID       string `json:"id,omitempty"`
	Function struct {
		Index     *int            `json:"index,omitempty"`
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
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

type options struct {
	Temperature *float64 `json:"temperature,omitempty"`
	TopP        *float64 `json:"top_p,omitempty"`
	Seed        *int64   `json:"seed,omitempty"`
	NumPredict  int      `json:"num_predict,omitempty"`
}

// chatLine is a non-streamed answer or one line of a streamed one.
type chatLine struct {
	Model   string `json:"model"`
	Message struct {
		Content   string     `json:"content"`
		ToolCalls []toolCall `json:"tool_calls"`
	} `json:"message"`
	Done            bool   `json:"done"`
	DoneReason      string `json:"done_reason"`
	PromptEvalCount int    `json:"prompt_eval_count"`
	EvalCount       int    `json:"eval_count"`
	Error           string `json:"error"`
}

// encode returns the JSON request body.
func (m *model) encode(req *provider.Request, stream bool) ([]byte, error) {
	if req == nil {
		return nil, errs.New(errs.KindInvalidArgument, "ollama: nil request")
	}
	r := chatRequest{Model: m.name, Stream: stream}
	if req.JSON {
		r.Format = "json"
	}
	if req.Temperature != nil || req.TopP != nil || req.Seed != nil || req.MaxTokens > 0 {
		r.Options = &options{Temperature: req.Temperature, TopP: req.TopP, Seed: req.Seed, NumPredict: req.MaxTokens}
	}
	r.Messages = make([]message, 0, len(req.Messages)+1)
	if req.System != "" {
		r.Messages = append(r.Messages, message{Role: provider.RoleSystem, Content: req.System})
	}
	for i := range req.Messages {
		in := &req.Messages[i]
		out := message{Role: in.Role, Content: in.Content}
		if in.Role == provider.RoleTool {
			out.ToolName = in.Name
		}
		for j := range in.ToolCalls {
			tc := &in.ToolCalls[j]
			var w toolCall
			w.Function.Name = tc.Name
			w.Function.Arguments = json.RawMessage("{}")
			if len(tc.Arguments) > 0 {
				b, err := value.Encode(tc.Arguments)
				if err != nil {
					return nil, errs.Wrap(errs.KindInvalidArgument, err, "ollama: tool call %q arguments", tc.Name)
				}
				w.Function.Arguments = b
			}
			out.ToolCalls = append(out.ToolCalls, w)
		}
		r.Messages = append(r.Messages, out)
	}
	tools := req.Tools
	if req.ToolChoice == provider.ToolChoiceNone {
		tools = nil // the API has no tool_choice; past calls stay in the messages
	}
	for i := range tools {
		t := &tools[i]
		params := json.RawMessage(emptyObject)
		if len(t.Schema) > 0 {
			b, err := value.Encode(t.Schema)
			if err != nil {
				return nil, errs.Wrap(errs.KindInvalidArgument, err, "ollama: tool %q schema", t.Name)
			}
			params = b
		}
		r.Tools = append(r.Tools, tool{Type: "function", Function: toolFunction{Name: t.Name, Description: t.Description, Parameters: params}})
	}
	b, err := json.Marshal(&r)
	if err != nil {
		return nil, errs.Wrap(errs.KindInvalidArgument, err, "ollama: encoding the request")
	}
	return b, nil
}
