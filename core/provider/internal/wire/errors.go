package wire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/llmspell/llmspell-go/core/errs"
)

// maxPlainError bounds the text of a non-JSON error body kept in a message.
const maxPlainError = 300

// ErrorMessage extracts a provider's own message from an error body:
// {"error":{"message":...}} (OpenAI, Anthropic), {"error":"..."} (Ollama)
// or {"message":...}; a body that is not JSON gives its first bytes.
func ErrorMessage(body []byte) string {
	var eb struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if err := json.Unmarshal(body, &eb); err != nil {
		t := bytes.TrimSpace(body)
		if len(t) > maxPlainError {
			t = t[:maxPlainError]
			for len(t) > 0 && !utf8.Valid(t) {
				t = t[:len(t)-1]
			}
		}
		return string(t)
	}
	if len(eb.Error) > 0 {
		var s string
		if json.Unmarshal(eb.Error, &s) == nil && s != "" {
			return s
		}
		var o struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(eb.Error, &o) == nil && o.Message != "" {
			return o.Message
		}
	}
	return eb.Message
}

// ReadError maps an error returned by an SSE or NDJSON reader over a Body:
// errors with a kind pass through; an over-long line is a provider_error.
func (b *Body) ReadError(err error) error {
	if errors.Is(err, bufio.ErrTooLong) {
		return b.c.Errorf("stream line longer than %d bytes", b.c.maxBody)
	}
	if errs.KindOf(err) != errs.KindInternal {
		return err
	}
	return b.fail(err)
}
