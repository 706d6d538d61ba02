package builtin

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// The calculator evaluates expressions with a recursive-descent parser:
//
//	expr   = or
//	or     = and { ("||" | "or") and }
//	and    = not { ("&&" | "and") not }
//	not    = ("!" | "not") not | cmp
//	cmp    = sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=") sum ]
//	sum    = prod { ("+" | "-") prod }
//	prod   = unary { ("*" | "/" | "%") unary }
//	unary  = "-" unary | power
//	power  = atom [ ("^" | "**") unary ]
//	atom   = number | name | name "(" args ")" | "(" expr ")" | true | false
//
// Booleans are 1 and 0. Errors (division by zero, overflow, unknown
// names, too long or too deep) are tool errors naming the problem.

const (
	maxExprLen   = 10000
	maxExprDepth = 200
)

var calcFuncs = map[string]struct {
	args int // -1: one or more
	fn   func(a []float64) float64
}{
	"sqrt":  {1, func(a []float64) float64 { return math.Sqrt(a[0]) }},
	"sin":   {1, func(a []float64) float64 { return math.Sin(a[0]) }},
	"cos":   {1, func(a []float64) float64 { return math.Cos(a[0]) }},
	"tan":   {1, func(a []float64) float64 { return math.Tan(a[0]) }},
	"log":   {1, func(a []float64) float64 { return math.Log10(a[0]) }},
	"ln":    {1, func(a []float64) float64 { return math.Log(a[0]) }},
	"exp":   {1, func(a []float64) float64 { return math.Exp(a[0]) }},
	"abs":   {1, func(a []float64) float64 { return math.Abs(a[0]) }},
	"floor": {1, func(a []float64) float64 { return math.Floor(a[0]) }},
	"ceil":  {1, func(a []float64) float64 { return math.Ceil(a[0]) }},
	"round": {1, func(a []float64) float64 { return math.Round(a[0]) }},
	"pow":   {2, func(a []float64) float64 { return math.Pow(a[0], a[1]) }},
	"min": {-1, func(a []float64) float64 {
		m := a[0]
		for _, x := range a[1:] {
			m = math.Min(m, x)
		}
		return m
	}},
	"max": {-1, func(a []float64) float64 {
		m := a[0]
		for _, x := range a[1:] {
			m = math.Max(m, x)
		}
		return m
	}},
}

type calc struct {
	src   []rune
	pos   int
	vars  map[string]float64
	depth int
}

type calcErr struct{ msg string }

func (c *calc) fail(format string, args ...any) {
	panic(calcErr{msg: fmt.Sprintf(format, args...)})
}

func (c *calc) space() {
	for c.pos < len(c.src) && unicode.IsSpace(c.src[c.pos]) {
		c.pos++
	}
}

func (c *calc) accept(tokens ...string) string {
	c.space()
	for _, t := range tokens {
		tr := []rune(t)
		if c.pos+len(tr) <= len(c.src) && string(c.src[c.pos:c.pos+len(tr)]) == t {
			// Word operators must not run into a name ("order" is not "or").
			if unicode.IsLetter(tr[0]) && c.pos+len(tr) < len(c.src) && (unicode.IsLetter(c.src[c.pos+len(tr)]) || unicode.IsDigit(c.src[c.pos+len(tr)]) || c.src[c.pos+len(tr)] == '_') {
				continue
			}
			c.pos += len(tr)
			return t
		}
	}
	return ""
}

func (c *calc) enter() {
	c.depth++
	if c.depth > maxExprDepth {
		c.fail("expression nests deeper than %d levels", maxExprDepth)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (c *calc) expr() float64 {
	c.enter()
	defer func() { c.depth-- }()
	v := c.and()
	for c.accept("||", "or") != "" {
		r := c.and()
		v = b2f(v != 0 || r != 0)
	}
	return v
}

func (c *calc) and() float64 {
	v := c.not()
	for c.accept("&&", "and") != "" {
		r := c.not()
		v = b2f(v != 0 && r != 0)
	}
	return v
}

func (c *calc) not() float64 {
	if c.accept("!=") != "" { // not a negation: give it back
		c.pos -= 2
	} else if c.accept("!", "not") != "" {
		c.enter()
		defer func() { c.depth-- }()
		return b2f(c.not() == 0)
	}
	return c.cmp()
}

func (c *calc) cmp() float64 {
	v := c.sum()
	switch c.accept("==", "!=", "<=", ">=", "<", ">") {
	case "==":
		return b2f(v == c.sum())
	case "!=":
		return b2f(v != c.sum())
	case "<=":
		return b2f(v <= c.sum())
	case ">=":
		return b2f(v >= c.sum())
	case "<":
		return b2f(v < c.sum())
	case ">":
		return b2f(v > c.sum())
	}
	return v
}

func (c *calc) sum() float64 {
	v := c.prod()
	for {
		switch c.accept("+", "-") {
		case "+":
			v += c.prod()
		case "-":
			v -= c.prod()
		default:
			return v
		}
	}
}

func (c *calc) prod() float64 {
	v := c.unary()
	for {
		switch c.accept("**", "*", "/", "%") {
		case "**":
			c.pos -= 2
			return v
		case "*":
			v *= c.unary()
		case "/":
			d := c.unary()
			if d == 0 {
				c.fail("division by zero")
			}
			v /= d
		case "%":
			d := c.unary()
			if d == 0 {
				c.fail("modulo by zero")
			}
			v = math.Mod(v, d)
		default:
			return v
		}
	}
}

func (c *calc) unary() float64 {
	if c.accept("-") != "" {
		c.enter()
		defer func() { c.depth-- }()
		return -c.unary()
	}
	if c.accept("+") != "" {
		return c.unary()
	}
	return c.power()
}

func (c *calc) power() float64 {
	v := c.atom()
	if c.accept("**", "^") != "" {
		c.enter()
		defer func() { c.depth-- }()
		v = math.Pow(v, c.unary())
	}
	return v
}

func (c *calc) atom() float64 {
	c.space()
	if c.pos >= len(c.src) {
		c.fail("unexpected end of expression")
	}
	r := c.src[c.pos]
	switch {
	case r == '(':
		c.pos++
		v := c.expr()
		if c.accept(")") == "" {
			c.fail("missing ')' at position %d", c.pos)
		}
		return v
	case unicode.IsDigit(r) || r == '.':
		start := c.pos
		for c.pos < len(c.src) && (unicode.IsDigit(c.src[c.pos]) || c.src[c.pos] == '.' || c.src[c.pos] == 'e' || c.src[c.pos] == 'E' ||
			((c.src[c.pos] == '+' || c.src[c.pos] == '-') && (c.src[c.pos-1] == 'e' || c.src[c.pos-1] == 'E'))) {
			c.pos++
		}
		v, err := strconv.ParseFloat(string(c.src[start:c.pos]), 64)
		if err != nil {
			c.fail("bad number %q", string(c.src[start:c.pos]))
		}
		return v
	case unicode.IsLetter(r) || r == '_':
		start := c.pos
		for c.pos < len(c.src) && (unicode.IsLetter(c.src[c.pos]) || unicode.IsDigit(c.src[c.pos]) || c.src[c.pos] == '_') {
			c.pos++
		}
		name := string(c.src[start:c.pos])
		switch name {
		case "true":
			return 1
		case "false":
			return 0
		case "pi":
			return math.Pi
		case "e":
			return math.E
		}
		if c.accept("(") != "" {
			f, ok := calcFuncs[name]
			if !ok {
				c.fail("unknown function %q", name)
			}
			var args []float64
			if c.accept(")") == "" {
				for {
					args = append(args, c.expr())
					if c.accept(",") != "" {
						continue
					}
					if c.accept(")") == "" {
						c.fail("missing ')' after the arguments of %s", name)
					}
					break
				}
			}
			if (f.args >= 0 && len(args) != f.args) || (f.args < 0 && len(args) == 0) {
				c.fail("%s takes %d argument(s), got %d", name, max(f.args, 1), len(args))
			}
			return f.fn(args)
		}
		v, ok := c.vars[name]
		if !ok {
			c.fail("unknown variable %q", name)
		}
		return v
	}
	c.fail("unexpected %q at position %d", string(r), c.pos)
	return 0
}

// Evaluate computes an expression with variables.
func Evaluate(expr string, vars map[string]float64) (result float64, err error) {
	if len(expr) > maxExprLen {
		return 0, errs.New(errs.KindTool, "calculator: expression longer than %d characters", maxExprLen)
	}
	c := &calc{src: []rune(expr), vars: vars}
	defer func() {
		if p := recover(); p != nil {
			ce, ok := p.(calcErr)
			if !ok {
				panic(p)
			}
			err = errs.New(errs.KindTool, "calculator: %s", ce.msg)
		}
	}()
	v := c.expr()
	c.space()
	if c.pos != len(c.src) {
		c.fail("unexpected %q at position %d", string(c.src[c.pos]), c.pos)
	}
	if math.IsNaN(v) {
		c.fail("the result is not a number")
	}
	if math.IsInf(v, 0) {
		c.fail("the result overflows")
	}
	return v, nil
}

func calculatorTool() *tool.Tool {
	return &tool.Tool{
		Name: "calculator", Category: "utility", Level: tool.Safe, Tags: []string{"math"},
		Description: "Evaluate arithmetic, comparison and logic expressions with math functions and variables.",
		Schema: obj(value.Map{
			"operation": enum("evaluate (default), validate or functions", "evaluate", "validate", "functions"),
			"input":     value.Map{"type": "string", "description": "the expression", "maxLength": int64(maxExprLen)},
			"variables": value.Map{"type": "object", "description": "variable values (numbers)"},
		}),
		Fn: func(_ context.Context, c *tool.Call) (value.Value, error) {
			op := c.Str("operation", "evaluate")
			if op == "functions" {
				names := make([]string, 0, len(calcFuncs))
				for n := range calcFuncs {
					names = append(names, n)
				}
				sort.Strings(names)
				l := make(value.List, len(names))
				for i, n := range names {
					l[i] = n
				}
				return value.Map{"functions": l}, nil
			}
			expr := strings.TrimSpace(c.Str("input", ""))
			if expr == "" {
				return nil, fail("calculator", "input expression is empty")
			}
			vars := map[string]float64{}
			if m, ok := c.Params["variables"].(value.Map); ok {
				for k, v := range m {
					switch n := v.(type) {
					case int64:
						vars[k] = float64(n)
					case float64:
						vars[k] = n
					case bool:
						vars[k] = b2f(n)
					default:
						return nil, fail("calculator", "variable %q must be a number", k)
					}
				}
			}
			v, err := Evaluate(expr, vars)
			if op == "validate" {
				res := value.Map{"valid": err == nil}
				if err != nil {
					res["error"] = err.Error()
				}
				return res, nil
			}
			if err != nil {
				return nil, err
			}
			var result value.Value = v
			if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
				result = int64(v)
			}
			return value.Map{"result": result, "expression": expr}, nil
		},
	}
}
