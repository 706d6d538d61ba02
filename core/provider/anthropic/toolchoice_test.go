package anthropic

import (
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/value"
)

// TestFailedToolResultsAndToolChoiceNone checks the two request fields the
// agent loop relies on: is_error on a failed tool's result, and
// tool_choice none on the last round (tools still declared).
func TestFailedToolResultsAndToolChoiceNone(t *testing.T) {
	m := &model{name: "claude-test"}
	req := &provider.Request{
		Messages: []provider.Message{
			{Role: provider.RoleUser, Content: "go"},
			{Role: provider.RoleAssistant, ToolCalls: []provider.ToolCall{{ID: "t1", Name: "calc", Arguments: value.Map{}}}},
			{Role: provider.RoleTool, ToolCallID: "t1", Name: "calc", Content: `{"success":false}`, IsError: true},
		},
		Tools:      []provider.ToolSpec{{Name: "calc", Schema: value.Map{"type": "object"}}},
		ToolChoice: provider.ToolChoiceNone,
	}
	body, err := m.encode(req, false)
	if err != nil {
		t.Fatal(err)
	}
	s := string(body)
	for _, want := range []string{`"is_error":true`, `"tool_choice":{"type":"none"}`, `"tools":[{`} {
		if !strings.Contains(s, want) {
			t.Errorf("request lacks %s: %s", want, s)
		}
	}
	req.ToolChoice, req.Messages[2].IsError = "", false
	body, _ = m.encode(req, false)
	if s := string(body); strings.Contains(s, "is_error") || strings.Contains(s, "tool_choice") {
		t.Errorf("defaults leak into the request: %s", s)
	}
}
