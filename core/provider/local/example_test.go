package local_test

import (
	"context"
	"fmt"

	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/provider/local"
	"github.com/llmspell/llmspell-go/core/value"
)

// Example asks the local model for a tool call. The folder given as
// ModelDir holds stories260K/stories260K.bin and stories260K/tok512.bin.
// (Not run: it needs the model files.)
func Example() {
	m, err := local.New(&provider.Config{ModelDir: "/path/to/models"}, "stories260K")
	if err != nil {
		fmt.Println(err)
		return
	}
	temp := 0.0
	resp, err := m.Generate(context.Background(), &provider.Request{
		Messages: []provider.Message{{Role: provider.RoleUser, Content: "What is 6*7?"}},
		Tools: []provider.ToolSpec{{Name: "calculator", Schema: value.Map{
			"type":       "object",
			"properties": value.Map{"expression": value.Map{"type": "string"}},
			"required":   value.List{"expression"},
		}}},
		Temperature: &temp,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	call := resp.ToolCalls[0]
	fmt.Println(resp.FinishReason, call.Name, call.Arguments["expression"] != nil)
}
