package builtin

import (
	"fmt"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// obj builds an object schema from properties and required names.
func obj(props value.Map, required ...string) value.Map {
	req := make(value.List, len(required))
	for i, r := range required {
		req[i] = r
	}
	return value.Map{"type": "object", "properties": props, "required": req, "additionalProperties": false}
}

// str, boolean, enum are property schemas.
func str(desc string) value.Map { return value.Map{"type": "string", "description": desc} }
func boolean(desc string) value.Map {
	return value.Map{"type": "boolean", "description": desc}
}
func enum(desc string, choices ...string) value.Map {
	l := make(value.List, len(choices))
	for i, c := range choices {
		l[i] = c
	}
	return value.Map{"type": "string", "description": desc, "enum": l}
}

// fail is a tool failure (kind tool_error).
func fail(tool, format string, args ...any) error {
	return errs.New(errs.KindTool, "%s: %s", tool, fmt.Sprintf(format, args...))
}
