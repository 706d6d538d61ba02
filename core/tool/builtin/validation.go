package builtin

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// data_validation checks a value against rules. rules is a list of rule
// objects applied to the input itself, or an object mapping field paths
// ("user.email", "items.0") to a rule or a list of rules. A rule is
// {type, ...}:
//
//	required                       the value is present and not null/""
//	type      expected             string, number, integer, boolean, array, object, null
//	length    min, max             characters of a string, items of an array, keys of an object
//	range     min, max             numbers
//	pattern   pattern              a regular expression (RE2) the string must match
//	enum      values               one of these values
//	email, url, date (format)      string formats (date: a Go layout or iso/rfc3339, default any common form)
//	items     rules                rules for every item of an array
//
// Every rule may carry its own message. Rules other than required skip a
// missing value.

const (
	maxValidationRules  = 1000
	maxValidationErrors = 1000
)

type validator struct {
	errors   value.List
	checked  int
	failFast bool
}

func (v *validator) add(field, rule, msg string, custom value.Value) {
	if s, ok := custom.(string); ok && s != "" {
		msg = s
	}
	if len(v.errors) < maxValidationErrors {
		v.errors = append(v.errors, value.Map{"field": field, "rule": rule, "message": msg})
	}
}

func ruleList(r value.Value) (value.List, error) {
	switch x := r.(type) {
	case value.List:
		return x, nil
	case value.Map:
		return value.List{x}, nil
	case string: // shorthand: "required", "email"
		return value.List{value.Map{"type": x}}, nil
	}
	return nil, fail("data_validation", "a rule must be an object, a list of objects or a rule name")
}

var validationDateLayouts = []string{time.RFC3339Nano, time.RFC3339, "2006-01-02", "2006-01-02 15:04:05", "2006-01-02T15:04:05", time.RFC1123, time.RFC1123Z, time.RFC822, "01/02/2006", "02.01.2006"}

func (v *validator) check(field string, val value.Value, present bool, rules value.List, depth int) error {
	if depth > 32 {
		return fail("data_validation", "item rules nest deeper than 32 levels")
	}
	if len(rules) > maxValidationRules {
		return fail("data_validation", "more than %d rules", maxValidationRules)
	}
	name := field
	if name == "" {
		name = "input"
	}
	for _, raw := range rules {
		if v.failFast && len(v.errors) > 0 {
			return nil
		}
		rule, ok := raw.(value.Map)
		if !ok {
			if s, isStr := raw.(string); isStr {
				rule = value.Map{"type": s}
			} else {
				return fail("data_validation", "rule for %s must be an object", name)
			}
		}
		typ, _ := rule["type"].(string)
		msg := rule["message"]
		v.checked++
		if typ == "required" {
			if !present || val == nil || val == "" {
				v.add(field, typ, name+" is required", msg)
			}
			continue
		}
		if !present || val == nil {
			continue
		}
		minV, hasMin := tplNum(rule["min"])
		maxV, hasMax := tplNum(rule["max"])
		switch typ {
		case "type":
			want, _ := rule["expected"].(string)
			if want == "" {
				want, _ = rule["value"].(string)
			}
			if !typeIs(want, val) {
				v.add(field, typ, fmt.Sprintf("%s must be %s, got %s", name, want, value.TypeOf(val)), msg)
			}
		case "length":
			n := -1
			switch x := val.(type) {
			case string:
				n = len([]rune(x))
			case value.List:
				n = len(x)
			case value.Map:
				n = len(x)
			}
			if n < 0 {
				v.add(field, typ, name+" has no length", msg)
			} else if hasMin && float64(n) < minV {
				v.add(field, typ, fmt.Sprintf("%s must have a length of at least %v, got %d", name, tplText(rule["min"]), n), msg)
			} else if hasMax && float64(n) > maxV {
				v.add(field, typ, fmt.Sprintf("%s must have a length of at most %v, got %d", name, tplText(rule["max"]), n), msg)
			}
		case "range":
			n, ok := tplNum(val)
			if _, isStr := val.(string); !ok || isStr {
				v.add(field, typ, name+" must be a number", msg)
			} else if hasMin && n < minV {
				v.add(field, typ, fmt.Sprintf("%s must be at least %v", name, tplText(rule["min"])), msg)
			} else if hasMax && n > maxV {
				v.add(field, typ, fmt.Sprintf("%s must be at most %v", name, tplText(rule["max"])), msg)
			}
		case "pattern":
			p, _ := rule["pattern"].(string)
			if p == "" {
				p, _ = rule["value"].(string)
			}
			if len(p) > 10000 {
				return fail("data_validation", "pattern longer than 10000 characters")
			}
			re, err := regexp.Compile(p)
			if err != nil {
				return fail("data_validation", "invalid pattern %q for %s: %v", p, name, err)
			}
			s, isStr := val.(string)
			if !isStr || !re.MatchString(s) {
				v.add(field, typ, fmt.Sprintf("%s must match %s", name, p), msg)
			}
		case "enum":
			vals, _ := rule["values"].(value.List)
			found := false
			for _, e := range vals {
				if value.Equal(e, val) {
					found = true
					break
				}
			}
			if !found {
				v.add(field, typ, fmt.Sprintf("%s must be one of %s", name, tplText(vals)), msg)
			}
		case "email":
			s, isStr := val.(string)
			a, err := mail.ParseAddress(s)
			if !isStr || err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") {
				v.add(field, typ, name+" must be an email address", msg)
			}
		case "url":
			s, isStr := val.(string)
			u, err := url.Parse(s)
			if !isStr || err != nil || u.Scheme == "" || u.Host == "" {
				v.add(field, typ, name+" must be an absolute URL", msg)
			} else if schemes, ok := rule["schemes"].(value.List); ok {
				okScheme := false
				for _, sc := range schemes {
					okScheme = okScheme || strings.EqualFold(tplText(sc), u.Scheme)
				}
				if !okScheme {
					v.add(field, typ, fmt.Sprintf("%s must use one of the schemes %s", name, tplText(schemes)), msg)
				}
			}
		case "date":
			s, isStr := val.(string)
			layouts := validationDateLayouts
			if f, ok := rule["format"].(string); ok && f != "" {
				layouts = []string{dateLayout(f)}
			}
			okDate := false
			for _, l := range layouts {
				if _, err := time.Parse(l, s); isStr && err == nil {
					okDate = true
					break
				}
			}
			if !okDate {
				v.add(field, typ, name+" must be a date", msg)
			}
		case "items":
			l, isList := val.(value.List)
			if !isList {
				v.add(field, typ, name+" must be an array", msg)
				continue
			}
			sub, err := ruleList(rule["rules"])
			if err != nil {
				return err
			}
			for i, e := range l {
				if err := v.check(joinField(field, fmt.Sprint(i)), e, true, sub, depth+1); err != nil {
					return err
				}
			}
		default:
			return fail("data_validation", "unknown rule type %q for %s (required, type, length, range, pattern, enum, email, url, date, items)", typ, name)
		}
	}
	return nil
}

func joinField(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func typeIs(want string, v value.Value) bool {
	switch want {
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		return tplIsNum(v)
	case "integer":
		switch n := v.(type) {
		case int64:
			return true
		case float64:
			return n == float64(int64(n))
		}
		return false
	case "boolean", "bool":
		_, ok := v.(bool)
		return ok
	case "array", "list":
		_, ok := v.(value.List)
		return ok
	case "object", "map":
		_, ok := v.(value.Map)
		return ok
	case "null":
		return v == nil
	}
	return false
}

// lookupField follows a dotted path through maps and lists.
func lookupField(v value.Value, path string) (value.Value, bool) {
	if path == "" || path == "." {
		return v, true
	}
	cur := v
	for _, part := range strings.Split(path, ".") {
		switch x := cur.(type) {
		case value.Map:
			next, ok := x[part]
			if !ok {
				return nil, false
			}
			cur = next
		case value.List:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// ValidateData checks data against rules and returns the errors.
func ValidateData(data value.Value, rules value.Value, failFast bool) (value.Map, error) {
	v := &validator{errors: value.List{}, failFast: failFast}
	switch r := rules.(type) {
	case value.List:
		if err := v.check("", data, true, r, 0); err != nil {
			return nil, err
		}
	case value.Map:
		if _, isRule := r["type"].(string); isRule {
			if err := v.check("", data, true, value.List{r}, 0); err != nil {
				return nil, err
			}
			break
		}
		for _, field := range value.SortedKeys(r) {
			list, err := ruleList(r[field])
			if err != nil {
				return nil, err
			}
			val, present := lookupField(data, field)
			if err := v.check(field, val, present, list, 0); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fail("data_validation", "rules must be a list of rules or an object of field rules")
	}
	return value.Map{"valid": len(v.errors) == 0, "errors": v.errors, "checked": int64(v.checked)}, nil
}

func validationTool() *tool.Tool {
	return &tool.Tool{
		Name: "data_validation", Category: "utility", Level: tool.Safe, Tags: []string{"validation", "data"},
		Description: "Validate data against rules: required, type, length, range, pattern, enum, email, url, date and array items.",
		Schema: obj(value.Map{
			"operation": enum("validate (default)", "validate"),
			"input":     value.Map{"description": "the data to check (any JSON value)"},
			"rules":     value.Map{"type": value.List{"array", "object"}, "description": "a list of rules for the input, or an object of field path -> rule(s)"},
			"fail_fast": boolean("stop at the first error"),
		}, "rules"),
		Fn: func(_ context.Context, c *tool.Call) (value.Value, error) {
			ff, _ := c.Params["fail_fast"].(bool)
			return ValidateData(c.Params["input"], c.Params["rules"], ff)
		},
	}
}
