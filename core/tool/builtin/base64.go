package builtin

import (
	"context"
	"encoding/base64"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

func base64Tool() *tool.Tool {
	return &tool.Tool{
		Name: "base64_encoder", Category: "utility", Level: tool.Safe, Tags: []string{"encoding"},
		Description: "Encode text to base64 or decode base64 to text (standard or URL-safe alphabet).",
		Schema: obj(value.Map{
			"operation":    enum("encode or decode", "encode", "decode"),
			"input":        str("the text to encode, or the base64 to decode"),
			"variant":      enum("alphabet", "standard", "url_safe"),
			"binary_input": boolean("input is hex-encoded bytes (encode) / return hex (decode)"),
		}, "input"),
		Fn: func(_ context.Context, c *tool.Call) (value.Value, error) {
			enc := base64.StdEncoding
			if c.Str("variant", "standard") == "url_safe" {
				enc = base64.URLEncoding
			}
			in := c.Str("input", "")
			if c.Str("operation", "encode") == "encode" {
				return value.Map{"output": enc.EncodeToString([]byte(in))}, nil
			}
			out, err := enc.DecodeString(in)
			if err != nil {
				return nil, fail("base64_encoder", "input is not valid base64: %v", err)
			}
			return value.Map{"output": string(out)}, nil
		},
	}
}
