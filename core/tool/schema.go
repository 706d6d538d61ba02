package tool

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// Validate checks v against a JSON Schema subset: type (object, array,
// string, number, integer, boolean, null, or a list of them), properties,
// required, additionalProperties (false), items, enum, minimum, maximum,
// minLength, maxLength, minItems, maxItems, pattern. The error is
// invalid_argument and names the field ("params.options.limit").
func Validate(schema value.Map, v value.Value) error {
	return validate(schema, v, "params", 0)
}

func typeMatches(t string, v value.Value) bool {
	switch t {
	case "object":
		_, ok := v.(value.Map)
		return ok
	case "array":
		_, ok := v.(value.List)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		switch v.(type) {
		case int64, float64:
			return true
		}
	case "integer":
		switch n := v.(type) {
		case int64:
			return true
		case float64:
			return n == math.Trunc(n)
		}
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}

func num(v value.Value) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

func validate(schema value.Map, v value.Value, path string, depth int) error {
	if depth > 64 {
		return errs.New(errs.KindLimit, "%s: nested too deeply", path)
	}
	fail := func(format string, args ...any) error {
		return errs.New(errs.KindInvalidArgument, "%s %s", path, fmt.Sprintf(format, args...)).With("field", path)
	}
	switch t := schema["type"].(type) {
	case string:
		if !typeMatches(t, v) {
			return fail("must be %s, got %s", article(t), describe(v))
		}
	case value.List:
		ok := false
		var names []string
		for _, e := range t {
			if s, _ := e.(string); typeMatches(s, v) {
				ok = true
			}
			names = append(names, fmt.Sprint(e))
		}
		if !ok {
			return fail("must be one of the types %s, got %s", strings.Join(names, ", "), describe(v))
		}
	}
	if enum, ok := schema["enum"].(value.List); ok {
		found := false
		for _, e := range enum {
			if value.Equal(e, v) {
				found = true
				break
			}
		}
		if !found {
			return fail("must be one of %s", listText(enum))
		}
	}
	if n, ok := num(v); ok {
		if mn, ok := num(schema["minimum"]); ok && n < mn {
			return fail("must be at least %v", schema["minimum"])
		}
		if mx, ok := num(schema["maximum"]); ok && n > mx {
			return fail("must be at most %v", schema["maximum"])
		}
	}
	if s, ok := v.(string); ok {
		if mn, ok := num(schema["minLength"]); ok && float64(len([]rune(s))) < mn {
			return fail("must be at least %v characters", schema["minLength"])
		}
		if mx, ok := num(schema["maxLength"]); ok && float64(len([]rune(s))) > mx {
			return fail("must be at most %v characters", schema["maxLength"])
		}
		if p, ok := schema["pattern"].(string); ok {
			re, err := regexp.Compile(p)
			if err == nil && !re.MatchString(s) {
				return fail("must match %q", p)
			}
		}
	}
	if l, ok := v.(value.List); ok {
		if mn, ok := num(schema["minItems"]); ok && float64(len(l)) < mn {
			return fail("must have at least %v items", schema["minItems"])
		}
		if mx, ok := num(schema["maxItems"]); ok && float64(len(l)) > mx {
			return fail("must have at most %v items", schema["maxItems"])
		}
		if items, ok := schema["items"].(value.Map); ok {
			for i, e := range l {
				if err := validate(items, e, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
					return err
				}
			}
		}
	}
	if m, ok := v.(value.Map); ok {
		props, _ := schema["properties"].(value.Map)
		for _, r := range listOf(schema["required"]) {
			name, _ := r.(string)
			if _, present := m[name]; !present || m[name] == nil {
				return errs.New(errs.KindInvalidArgument, "%s.%s is required", path, name).With("field", path+"."+name)
			}
		}
		for _, k := range value.SortedKeys(m) {
			ps, known := props[k].(value.Map)
			if !known {
				if ap, ok := schema["additionalProperties"].(bool); ok && !ap {
					return errs.New(errs.KindInvalidArgument, "%s.%s is not a known parameter (known: %s)", path, k, keysText(props)).With("field", path+"."+k)
				}
				continue
			}
			if m[k] == nil {
				continue // null means "not given"
			}
			if err := validate(ps, m[k], path+"."+k, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func listOf(v value.Value) value.List { l, _ := v.(value.List); return l }

func article(t string) string {
	switch t {
	case "object", "array", "integer":
		return "an " + t
	}
	return "a " + t
}

func describe(v value.Value) string {
	switch v.(type) {
	case nil:
		return "null"
	case value.Map:
		return "an object"
	case value.List:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

func listText(l value.List) string {
	parts := make([]string, len(l))
	for i, e := range l {
		b, _ := value.Encode(e)
		parts[i] = string(b)
	}
	return strings.Join(parts, ", ")
}

func keysText(m value.Map) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}
