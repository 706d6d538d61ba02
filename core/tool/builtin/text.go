package builtin

import (
	"context"
	"strings"
	"unicode"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// words splits text into words for the case conversions: runs of letters
// and digits, also split where a lower-case letter meets an upper-case one.
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if i > 0 && unicode.IsUpper(r) && unicode.IsLower(rs[i-1]) {
			flush()
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

func title(w string) string {
	r := []rune(strings.ToLower(w))
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

func textTool() *tool.Tool {
	ops := []string{"uppercase", "lowercase", "reverse", "trim", "replace", "substring", "split", "join",
		"snake_case", "camel_case", "pascal_case", "sanitize", "truncate", "indent", "dedent", "normalize_whitespace", "word_wrap"}
	return &tool.Tool{
		Name: "text_manipulator", Category: "utility", Level: tool.Safe, Tags: []string{"text"},
		Description: "Transform text: case conversions, trim, replace, substring, split and join, truncate, indent, wrap.",
		Schema: obj(value.Map{
			"operation": enum("the transformation", ops...),
			"input":     value.Map{"type": []any{"string", "array"}, "description": "the text (an array of strings for join)"},
			"options":   value.Map{"type": "object", "description": "operation options: from, to, start, end, separator, length, suffix, width, prefix"},
		}, "operation", "input"),
		Fn: func(_ context.Context, c *tool.Call) (value.Value, error) {
			op := c.Str("operation", "")
			opts, _ := c.Params["options"].(value.Map)
			optStr := func(k, def string) string {
				if s, ok := opts[k].(string); ok {
					return s
				}
				return def
			}
			optInt := func(k string, def int) int {
				switch n := opts[k].(type) {
				case int64:
					return int(n)
				case float64:
					return int(n)
				}
				return def
			}
			if op == "join" {
				list, ok := c.Params["input"].(value.List)
				if !ok {
					return nil, fail("text_manipulator", "join needs an array input")
				}
				parts := make([]string, len(list))
				for i, e := range list {
					s, ok := e.(string)
					if !ok {
						return nil, fail("text_manipulator", "join: item %d is not a string", i)
					}
					parts[i] = s
				}
				return value.Map{"output": strings.Join(parts, optStr("separator", " "))}, nil
			}
			in, ok := c.Params["input"].(string)
			if !ok {
				return nil, fail("text_manipulator", "%s needs a string input", op)
			}
			var out value.Value
			switch op {
			case "uppercase":
				out = strings.ToUpper(in)
			case "lowercase":
				out = strings.ToLower(in)
			case "reverse":
				r := []rune(in)
				for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
					r[i], r[j] = r[j], r[i]
				}
				out = string(r)
			case "trim":
				out = strings.TrimSpace(in)
			case "replace":
				out = strings.ReplaceAll(in, optStr("from", ""), optStr("to", ""))
			case "substring":
				r := []rune(in)
				start, end := optInt("start", 0), optInt("end", len(r))
				if start < 0 || end > len(r) || start > end {
					return nil, fail("text_manipulator", "substring range %d..%d is outside 0..%d", start, end, len(r))
				}
				out = string(r[start:end])
			case "split":
				parts := strings.Split(in, optStr("separator", " "))
				l := make(value.List, len(parts))
				for i, p := range parts {
					l[i] = p
				}
				out = l
			case "snake_case":
				ws := words(in)
				for i := range ws {
					ws[i] = strings.ToLower(ws[i])
				}
				out = strings.Join(ws, "_")
			case "camel_case", "pascal_case":
				ws := words(in)
				for i := range ws {
					ws[i] = title(ws[i])
				}
				s := strings.Join(ws, "")
				if op == "camel_case" && s != "" {
					r := []rune(s)
					r[0] = unicode.ToLower(r[0])
					s = string(r)
				}
				out = s
			case "sanitize":
				out = strings.Map(func(r rune) rune {
					if unicode.IsControl(r) && r != '\n' && r != '\t' {
						return -1
					}
					return r
				}, in)
			case "truncate":
				n := optInt("length", 100)
				r := []rune(in)
				if n < 0 {
					return nil, fail("text_manipulator", "length must not be negative")
				}
				if len(r) > n {
					out = string(r[:n]) + optStr("suffix", "...")
				} else {
					out = in
				}
			case "indent":
				prefix := optStr("prefix", strings.Repeat(" ", optInt("width", 2)))
				lines := strings.Split(in, "\n")
				for i, l := range lines {
					if l != "" {
						lines[i] = prefix + l
					}
				}
				out = strings.Join(lines, "\n")
			case "dedent":
				lines := strings.Split(in, "\n")
				common := -1
				for _, l := range lines {
					if strings.TrimSpace(l) == "" {
						continue
					}
					n := len(l) - len(strings.TrimLeft(l, " \t"))
					if common < 0 || n < common {
						common = n
					}
				}
				for i, l := range lines {
					if len(l) >= common && common > 0 {
						lines[i] = l[common:]
					}
				}
				out = strings.Join(lines, "\n")
			case "normalize_whitespace":
				out = strings.Join(strings.Fields(in), " ")
			case "word_wrap":
				width := optInt("width", 80)
				if width < 1 {
					return nil, fail("text_manipulator", "width must be positive")
				}
				var lines []string
				line := ""
				for _, w := range strings.Fields(in) {
					if line != "" && len([]rune(line))+1+len([]rune(w)) > width {
						lines = append(lines, line)
						line = ""
					}
					if line != "" {
						line += " "
					}
					line += w
				}
				if line != "" {
					lines = append(lines, line)
				}
				out = strings.Join(lines, "\n")
			}
			return value.Map{"output": out}, nil
		},
	}
}
