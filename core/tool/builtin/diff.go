package builtin

import (
	"context"
	"strconv"
	"strings"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// diff_calculator diffs text line by line with our own engine (common
// prefix and suffix, then an exact LCS for small middles and patience
// anchors on lines unique to both sides for large ones, so the cost stays
// near linear on big inputs) and JSON structurally (added, removed and
// changed paths as JSON Pointers).

const (
	maxDiffBytes   = 2 << 20
	maxDiffLines   = 20000
	maxDiffChanges = 10000
)

func diffLines(s string) []string {
	if s == "" {
		return []string{}
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n"
	}
	return lines
}

func textDiff(oldT, newT, format string, ctxLines int) (value.Map, error) {
	a, b := diffLines(oldT), diffLines(newT)
	if len(a) > maxDiffLines || len(b) > maxDiffLines {
		return nil, errs.New(errs.KindLimit, "diff_calculator: more than %d lines", maxDiffLines)
	}
	adds, dels, same := 0, 0, 0
	ops := diffOpCodes(a, b)
	for _, op := range ops {
		switch op.Tag {
		case 'e':
			same += op.I2 - op.I1
		case 'r':
			dels += op.I2 - op.I1
			adds += op.J2 - op.J1
		case 'd':
			dels += op.I2 - op.I1
		case 'i':
			adds += op.J2 - op.J1
		}
	}
	var out strings.Builder
	switch format {
	case "context":
		writeContext(&out, a, b, ops, ctxLines)
	case "simple":
		for _, op := range ops {
			for i := op.I1; i < op.I2 && op.Tag != 'i'; i++ {
				if op.Tag == 'e' {
					out.WriteString("  " + a[i])
				} else {
					out.WriteString("- " + a[i])
				}
			}
			for j := op.J1; j < op.J2 && (op.Tag == 'r' || op.Tag == 'i'); j++ {
				out.WriteString("+ " + b[j])
			}
		}
	case "inline":
		// Changed lines show word-level changes as [-old-]{+new+}.
		for _, op := range ops {
			switch op.Tag {
			case 'e':
				for _, l := range a[op.I1:op.I2] {
					out.WriteString(l)
				}
			case 'd':
				for _, l := range a[op.I1:op.I2] {
					out.WriteString("[-" + strings.TrimSuffix(l, "\n") + "-]\n")
				}
			case 'i':
				for _, l := range b[op.J1:op.J2] {
					out.WriteString("{+" + strings.TrimSuffix(l, "\n") + "+}\n")
				}
			case 'r':
				out.WriteString(inlineWords(strings.Join(a[op.I1:op.I2], ""), strings.Join(b[op.J1:op.J2], "")))
			}
		}
	default:
		writeUnified(&out, a, b, ops, ctxLines)
	}
	sim := 1.0
	if len(a)+len(b) > 0 {
		sim = 2 * float64(same) / float64(len(a)+len(b))
	}
	return value.Map{"diff": out.String(), "additions": int64(adds), "deletions": int64(dels), "unchanged": int64(same),
		"identical": adds == 0 && dels == 0, "similarity": sim}, nil
}

// inlineWords marks word changes between two blocks of text.
func inlineWords(a, b string) string {
	split := func(s string) []string {
		var out []string
		start := 0
		for i := 1; i <= len(s); i++ {
			if i == len(s) || (s[i] == ' ' || s[i] == '\n') != (s[i-1] == ' ' || s[i-1] == '\n') {
				out = append(out, s[start:i])
				start = i
			}
		}
		return out
	}
	wa, wb := split(a), split(b)
	if len(wa) > 5000 || len(wb) > 5000 {
		return "[-" + a + "-]{+" + b + "+}"
	}
	var out strings.Builder
	for _, op := range diffOpCodes(wa, wb) {
		switch op.Tag {
		case 'e':
			out.WriteString(strings.Join(wa[op.I1:op.I2], ""))
		case 'd':
			out.WriteString("[-" + strings.Join(wa[op.I1:op.I2], "") + "-]")
		case 'i':
			out.WriteString("{+" + strings.Join(wb[op.J1:op.J2], "") + "+}")
		case 'r':
			out.WriteString("[-" + strings.Join(wa[op.I1:op.I2], "") + "-]{+" + strings.Join(wb[op.J1:op.J2], "") + "+}")
		}
	}
	return out.String()
}

// jsonDiff lists the paths (JSON Pointers) where two values differ.
type jsonDiffer struct {
	changes value.List
}

func ptrEscape(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

func (d *jsonDiffer) add(op, path string, oldV, newV value.Value) {
	if len(d.changes) >= maxDiffChanges {
		return
	}
	c := value.Map{"op": op, "path": path}
	if op != "added" {
		c["old"] = oldV
	}
	if op != "removed" {
		c["new"] = newV
	}
	d.changes = append(d.changes, c)
}

func (d *jsonDiffer) walk(path string, a, b value.Value) {
	switch x := a.(type) {
	case value.Map:
		if y, ok := b.(value.Map); ok {
			for _, k := range value.SortedKeys(x) {
				if yv, ok := y[k]; ok {
					d.walk(path+"/"+ptrEscape(k), x[k], yv)
				} else {
					d.add("removed", path+"/"+ptrEscape(k), x[k], nil)
				}
			}
			for _, k := range value.SortedKeys(y) {
				if _, ok := x[k]; !ok {
					d.add("added", path+"/"+ptrEscape(k), nil, y[k])
				}
			}
			return
		}
	case value.List:
		if y, ok := b.(value.List); ok {
			for i := 0; i < max(len(x), len(y)); i++ {
				p := path + "/" + strconv.Itoa(i)
				switch {
				case i >= len(x):
					d.add("added", p, nil, y[i])
				case i >= len(y):
					d.add("removed", p, x[i], nil)
				default:
					d.walk(p, x[i], y[i])
				}
			}
			return
		}
	}
	if !value.Equal(a, b) {
		d.add("changed", path, a, b)
	}
}

func diffJSONParam(c *tool.Call, name string) (value.Value, error) {
	v, ok := c.Params[name]
	if !ok {
		return nil, fail("diff_calculator", "json diff needs %s", name)
	}
	if s, ok := v.(string); ok {
		parsed, err := value.DecodeString(s)
		if err != nil {
			if errs.IsKind(err, errs.KindLimit) {
				return nil, errs.New(errs.KindLimit, "diff_calculator: %s: %s", name, errs.As(err).Message)
			}
			return nil, fail("diff_calculator", "%s is not valid JSON: %s", name, errs.As(err).Message)
		}
		return parsed, nil
	}
	return v, nil
}

func diffTool() *tool.Tool {
	return &tool.Tool{
		Name: "diff_calculator", Category: "utility", Level: tool.Safe, Tags: []string{"diff", "text", "json"},
		Description: "Diff two texts (unified, context, inline or simple) or two JSON values (changed paths).",
		Schema: obj(value.Map{
			"operation":     enum("diff (default)", "diff"),
			"type":          enum("text (default) or json", "text", "json"),
			"old_text":      value.Map{"type": "string", "description": "text: the old version", "maxLength": int64(maxDiffBytes)},
			"new_text":      value.Map{"type": "string", "description": "text: the new version", "maxLength": int64(maxDiffBytes)},
			"old_json":      value.Map{"description": "json: the old value (or JSON text)"},
			"new_json":      value.Map{"description": "json: the new value (or JSON text)"},
			"format":        enum("text output: unified (default), context, inline or simple", "unified", "context", "inline", "simple"),
			"context_lines": value.Map{"type": "integer", "description": "unified/context: lines of context (default 3)", "minimum": int64(0), "maximum": int64(1000)},
		}),
		Fn: func(_ context.Context, c *tool.Call) (value.Value, error) {
			if c.Str("type", "text") == "json" {
				a, err := diffJSONParam(c, "old_json")
				if err != nil {
					return nil, err
				}
				b, err := diffJSONParam(c, "new_json")
				if err != nil {
					return nil, err
				}
				d := &jsonDiffer{changes: value.List{}}
				d.walk("", a, b)
				counts := map[string]int64{}
				for _, ch := range d.changes {
					counts[ch.(value.Map)["op"].(string)]++
				}
				res := value.Map{"changes": d.changes, "identical": len(d.changes) == 0,
					"added": counts["added"], "removed": counts["removed"], "changed": counts["changed"]}
				if len(d.changes) >= maxDiffChanges {
					res["truncated"] = true
				}
				return res, nil
			}
			oldT, ok1 := c.Params["old_text"].(string)
			newT, ok2 := c.Params["new_text"].(string)
			if !ok1 || !ok2 {
				return nil, fail("diff_calculator", "text diff needs old_text and new_text")
			}
			n := 3
			if v, ok := tplNum(c.Params["context_lines"]); ok {
				n = int(v)
			}
			res, err := textDiff(oldT, newT, c.Str("format", "unified"), n)
			if err != nil {
				return nil, err
			}
			return res, nil
		},
	}
}
