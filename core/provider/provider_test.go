package provider

import (
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

func TestMapForms(t *testing.T) {
	resp := &Response{Text: "hi", Model: "m", FinishReason: FinishToolCalls, Usage: Usage{InputTokens: 3, OutputTokens: 4},
		ToolCalls: []ToolCall{{ID: "c1", Name: "calc", Arguments: value.Map{"x": int64(1)}}}}
	back, err := ResponseFromMap(resp.Map())
	if err != nil {
		t.Fatal(err)
	}
	if back.Text != "hi" || back.Model != "m" || back.FinishReason != FinishToolCalls || back.Usage != resp.Usage ||
		len(back.ToolCalls) != 1 || back.ToolCalls[0].Name != "calc" || back.ToolCalls[0].Arguments["x"] != int64(1) {
		t.Fatalf("round trip: %+v", back)
	}
	if r, _ := ResponseFromMap(value.Map{"text": "x"}); r.FinishReason != FinishStop {
		t.Fatalf("default finish: %q", r.FinishReason)
	}
	if _, err := ResponseFromMap("text"); errs.KindOf(err) != errs.KindInvalidArgument {
		t.Fatalf("not a map: %v", err)
	}
	if _, err := ResponseFromMap(value.Map{"tool_calls": value.List{"bad"}}); errs.KindOf(err) != errs.KindInvalidArgument {
		t.Fatalf("bad tool call: %v", err)
	}
	msg := Message{Role: RoleAssistant, ToolCalls: resp.ToolCalls}
	m, err := MessageFromMap(msg.Map())
	if err != nil || len(m.ToolCalls) != 1 || m.ToolCalls[0].ID != "c1" {
		t.Fatalf("message: %+v %v", m, err)
	}
	if _, err := MessageFromMap(value.Map{"role": "assistant", "tool_calls": value.List{int64(1)}}); errs.KindOf(err) != errs.KindInvalidArgument {
		t.Fatalf("bad message tool call: %v", err)
	}
	if u := UsageFromValue(nil); u != (Usage{}) {
		t.Fatalf("usage of nothing: %+v", u)
	}
}
