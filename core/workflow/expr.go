package workflow

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// An expression is the text of a condition or of a {{...}} reference:
//
//	steps.check.output.score >= 0.5 and not steps.fetch.failed
//	exists(input.user) or len(loop.item) > 3
//	contains(steps.a.output, "error")
//
// Literals: numbers, 'single' or "double" quoted strings, true, false,
// null. References start with steps, input, loop or shared and continue
// with .field or [index]; steps.<name>.succeeded and .failed are booleans.
// Operators, loosest first: or (||), and (&&), not (!), the comparisons
// == != < <= > >=. Functions: exists(ref), len(x), contains(haystack,
// needle) for strings, lists and map keys.

// node is a parsed expression.
type node interface {
	eval(env env) (value.Value, error)
}

// env resolves references during evaluation.
type env interface {
	lookup(path []pathPart) (value.Value, error)
}

// pathPart is one step of a reference: a field name or a list index.
type pathPart struct {
	field string
	index int
	isIdx bool
}

func (p pathPart) String() string {
	if p.isIdx {
		return fmt.Sprintf("[%d]", p.index)
	}
	return p.field
}

func pathString(path []pathPart) string {
	var b strings.Builder
	for i, p := range path {
		if !p.isIdx && i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p.String())
	}
	return b.String()
}

type (
	literal struct{ v value.Value }
	ref     struct{ path []pathPart }
	unary   struct{ x node }
	binary  struct {
		op   string
		l, r node
	}
	call struct {
		fn   string
		args []node
	}
)

// expr is a compiled expression with its source, for messages.
type expr struct {
	src  string
	root node
}

// parseExpr compiles an expression. Errors are invalid_argument and name
// the position.
func parseExpr(src string) (*expr, error) {
	p := &parser{src: src}
	p.next()
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.errf("unexpected %q", p.tok.text)
	}
	return &expr{src: src, root: n}, nil
}

// refs lists every reference of the expression (for build-time checks).
func (e *expr) refs() [][]pathPart {
	var out [][]pathPart
	var walk func(n node)
	walk = func(n node) {
		switch x := n.(type) {
		case *ref:
			out = append(out, x.path)
		case *unary:
			walk(x.x)
		case *binary:
			walk(x.l)
			walk(x.r)
		case *call:
			for _, a := range x.args {
				walk(a)
			}
		}
	}
	walk(e.root)
	return out
}

func (e *expr) eval(en env) (value.Value, error) {
	v, err := e.root.eval(en)
	if err != nil {
		return nil, errs.Wrap(errs.KindOf(err), err, "in %q", e.src)
	}
	return v, nil
}

// truth evaluates the expression as a condition.
func (e *expr) truth(en env) (bool, error) {
	v, err := e.eval(en)
	if err != nil {
		return false, err
	}
	return value.Truthy(v), nil
}

func (l *literal) eval(env) (value.Value, error) { return l.v, nil }

func (r *ref) eval(en env) (value.Value, error) { return en.lookup(r.path) }

func (u *unary) eval(en env) (value.Value, error) {
	v, err := u.x.eval(en)
	if err != nil {
		return nil, err
	}
	return !value.Truthy(v), nil
}

func (b *binary) eval(en env) (value.Value, error) {
	l, err := b.l.eval(en)
	if err != nil {
		return nil, err
	}
	switch b.op {
	case "and":
		if !value.Truthy(l) {
			return false, nil
		}
		r, err := b.r.eval(en)
		return value.Truthy(r), err
	case "or":
		if value.Truthy(l) {
			return true, nil
		}
		r, err := b.r.eval(en)
		return value.Truthy(r), err
	}
	r, err := b.r.eval(en)
	if err != nil {
		return nil, err
	}
	switch b.op {
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	}
	c, ok := compare(l, r)
	if !ok {
		return nil, errs.New(errs.KindInvalidArgument, "cannot compare %s %s %s", value.TypeOf(l), b.op, value.TypeOf(r))
	}
	switch b.op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	default:
		return c >= 0, nil
	}
}

func equal(a, b value.Value) bool {
	if x, ok := value.Number(a); ok { // a plain Go int equals its int64 and float64
		y, ok := value.Number(b)
		return ok && x == y
	}
	return value.Equal(a, b)
}

func compare(a, b value.Value) (int, bool) {
	if x, ok := value.Number(a); ok {
		y, ok := value.Number(b)
		if !ok {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	if x, ok := a.(string); ok {
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	}
	return 0, false
}

func (c *call) eval(en env) (value.Value, error) {
	switch c.fn {
	case "exists":
		r, ok := c.args[0].(*ref)
		if !ok {
			return nil, errs.New(errs.KindInvalidArgument, "exists() takes a reference")
		}
		v, err := en.lookup(r.path)
		if err != nil {
			if errs.KindOf(err) == errs.KindNotFound {
				return false, nil
			}
			return nil, err
		}
		return v != nil, nil
	case "len":
		v, err := c.args[0].eval(en)
		if err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case string:
			return int64(len([]rune(x))), nil
		case value.List:
			return int64(len(x)), nil
		case value.Map:
			return int64(len(x)), nil
		case nil:
			return int64(0), nil
		}
		return nil, errs.New(errs.KindInvalidArgument, "len() of %s", value.TypeOf(v))
	case "contains":
		h, err := c.args[0].eval(en)
		if err != nil {
			return nil, err
		}
		n, err := c.args[1].eval(en)
		if err != nil {
			return nil, err
		}
		switch x := h.(type) {
		case string:
			s, ok := n.(string)
			return ok && strings.Contains(x, s), nil
		case value.List:
			for _, e := range x {
				if equal(e, n) {
					return true, nil
				}
			}
			return false, nil
		case value.Map:
			s, ok := n.(string)
			if !ok {
				return false, nil
			}
			_, has := x[s]
			return has, nil
		}
		return false, nil
	}
	return nil, errs.New(errs.KindInvalidArgument, "unknown function %s", c.fn)
}

// ---- the parser ----------------------------------------------------------

type tokKind int

const (
	tEOF tokKind = iota
	tNum
	tStr
	tIdent
	tOp
)

type token struct {
	kind tokKind
	text string
	num  value.Value
	pos  int
}

type parser struct {
	src string
	i   int
	tok token
}

func (p *parser) errf(format string, args ...any) error {
	return errs.New(errs.KindInvalidArgument, "expression %q at %d: %s", p.src, p.tok.pos+1, fmt.Sprintf(format, args...))
}

func (p *parser) next() {
	s := p.src
	for p.i < len(s) && (s[p.i] == ' ' || s[p.i] == '\t' || s[p.i] == '\n' || s[p.i] == '\r') {
		p.i++
	}
	start := p.i
	if p.i >= len(s) {
		p.tok = token{kind: tEOF, pos: start}
		return
	}
	c := s[p.i]
	switch {
	case c >= '0' && c <= '9' || c == '-' && p.i+1 < len(s) && s[p.i+1] >= '0' && s[p.i+1] <= '9':
		p.i++
		for p.i < len(s) && (s[p.i] >= '0' && s[p.i] <= '9' || s[p.i] == '.' || s[p.i] == 'e' || s[p.i] == 'E') {
			p.i++
		}
		text := s[start:p.i]
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			p.tok = token{kind: tNum, text: text, num: n, pos: start}
		} else if f, err := strconv.ParseFloat(text, 64); err == nil {
			p.tok = token{kind: tNum, text: text, num: f, pos: start}
		} else {
			p.tok = token{kind: tOp, text: text, pos: start} // reported as unexpected
		}
	case c == '"' || c == '\'':
		p.i++
		var b strings.Builder
		for p.i < len(s) && s[p.i] != c {
			if s[p.i] == '\\' && p.i+1 < len(s) {
				p.i++
			}
			b.WriteByte(s[p.i])
			p.i++
		}
		if p.i >= len(s) {
			p.tok = token{kind: tOp, text: "unterminated string", pos: start}
			return
		}
		p.i++
		p.tok = token{kind: tStr, text: b.String(), pos: start}
	case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		for p.i < len(s) && (s[p.i] == '_' || s[p.i] == '-' || s[p.i] >= 'a' && s[p.i] <= 'z' || s[p.i] >= 'A' && s[p.i] <= 'Z' || s[p.i] >= '0' && s[p.i] <= '9') {
			p.i++
		}
		p.tok = token{kind: tIdent, text: s[start:p.i], pos: start}
	default:
		for _, op := range []string{"==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", ",", ".", "[", "]"} {
			if strings.HasPrefix(s[p.i:], op) {
				p.i += len(op)
				p.tok = token{kind: tOp, text: op, pos: start}
				return
			}
		}
		p.i++
		p.tok = token{kind: tOp, text: s[start:p.i], pos: start}
	}
}

func (p *parser) or() (node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.tok.text == "or" && p.tok.kind == tIdent || p.tok.text == "||" {
		p.next()
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &binary{op: "or", l: l, r: r}
	}
	return l, nil
}

func (p *parser) and() (node, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.tok.text == "and" && p.tok.kind == tIdent || p.tok.text == "&&" {
		p.next()
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = &binary{op: "and", l: l, r: r}
	}
	return l, nil
}

func (p *parser) not() (node, error) {
	if p.tok.text == "not" && p.tok.kind == tIdent || p.tok.text == "!" {
		p.next()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &unary{x: x}, nil
	}
	return p.cmp()
}

func (p *parser) cmp() (node, error) {
	l, err := p.primary()
	if err != nil {
		return nil, err
	}
	switch p.tok.text {
	case "==", "!=", "<", "<=", ">", ">=":
		if p.tok.kind != tOp {
			return l, nil
		}
		op := p.tok.text
		p.next()
		r, err := p.primary()
		if err != nil {
			return nil, err
		}
		return &binary{op: op, l: l, r: r}, nil
	}
	return l, nil
}

// roots are the names a reference may start with.
var roots = map[string]bool{"steps": true, "input": true, "loop": true, "shared": true}

func (p *parser) primary() (node, error) {
	t := p.tok
	switch t.kind {
	case tNum:
		p.next()
		return &literal{v: t.num}, nil
	case tStr:
		p.next()
		return &literal{v: t.text}, nil
	case tIdent:
		switch t.text {
		case "true", "false":
			p.next()
			return &literal{v: t.text == "true"}, nil
		case "null", "nil":
			p.next()
			return &literal{v: nil}, nil
		case "exists", "len", "contains":
			p.next()
			return p.call(t.text)
		}
		if !roots[t.text] {
			return nil, p.errf("unknown name %q (references start with steps, input, loop or shared)", t.text)
		}
		return p.ref()
	case tOp:
		if t.text == "(" {
			p.next()
			n, err := p.or()
			if err != nil {
				return nil, err
			}
			if p.tok.text != ")" {
				return nil, p.errf("missing )")
			}
			p.next()
			return n, nil
		}
	case tEOF:
		return nil, p.errf("unexpected end")
	}
	return nil, p.errf("unexpected %q", t.text)
}

func (p *parser) call(fn string) (node, error) {
	if p.tok.text != "(" {
		return nil, p.errf("%s needs (", fn)
	}
	p.next()
	var args []node
	for p.tok.text != ")" {
		a, err := p.or()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		if p.tok.text == "," {
			p.next()
		} else if p.tok.text != ")" {
			return nil, p.errf("expected , or )")
		}
	}
	p.next()
	want := map[string]int{"exists": 1, "len": 1, "contains": 2}[fn]
	if len(args) != want {
		return nil, p.errf("%s takes %d argument(s), got %d", fn, want, len(args))
	}
	return &call{fn: fn, args: args}, nil
}

func (p *parser) ref() (node, error) {
	path := []pathPart{{field: p.tok.text}}
	p.next()
	for {
		switch p.tok.text {
		case ".":
			p.next()
			if p.tok.kind != tIdent && p.tok.kind != tNum {
				return nil, p.errf("expected a field name after .")
			}
			path = append(path, pathPart{field: p.tok.text})
			p.next()
			continue
		case "[":
			p.next()
			var part pathPart
			switch {
			case p.tok.kind == tNum:
				n, ok := p.tok.num.(int64)
				if !ok || n < 0 {
					return nil, p.errf("an index must be a whole number >= 0")
				}
				part = pathPart{index: int(n), isIdx: true}
			case p.tok.kind == tStr:
				part = pathPart{field: p.tok.text}
			default:
				return nil, p.errf("expected an index or a quoted key in []")
			}
			p.next()
			if p.tok.text != "]" {
				return nil, p.errf("missing ]")
			}
			p.next()
			path = append(path, part)
			continue
		}
		return &ref{path: path}, nil
	}
}

// walk follows the rest of a path into a value.
func walk(v value.Value, path []pathPart, what string) (value.Value, error) {
	for i, p := range path {
		switch x := v.(type) {
		case value.Map:
			if p.isIdx {
				return nil, errs.New(errs.KindInvalidArgument, "%s: [%d] on a map", what, p.index)
			}
			e, ok := x[p.field]
			if !ok {
				return nil, nil
			}
			v = e
		case value.List:
			idx := p.index
			if !p.isIdx {
				n, err := strconv.Atoi(p.field)
				if err != nil {
					return nil, errs.New(errs.KindInvalidArgument, "%s: field %q of a list", what, p.field)
				}
				idx = n
			}
			if idx >= len(x) {
				return nil, nil
			}
			v = x[idx]
		case nil:
			return nil, nil
		default:
			return nil, errs.New(errs.KindInvalidArgument, "%s: %s has no field %q", what, value.TypeOf(v), pathString(path[i:]))
		}
	}
	return v, nil
}

// ---- templates ------------------------------------------------------------

// template is a value whose strings may hold {{expressions}}.
type template struct {
	raw   value.Value
	exprs map[string]*expr // by source text
	plain bool             // no {{ anywhere: resolve returns raw
}

// compileTemplate parses every {{...}} in v.
func compileTemplate(v value.Value) (*template, error) {
	t := &template{raw: v, exprs: map[string]*expr{}}
	var scan func(v value.Value) error
	scan = func(v value.Value) error {
		switch x := v.(type) {
		case string:
			for rest := x; ; {
				i := strings.Index(rest, "{{")
				if i < 0 {
					break
				}
				j := strings.Index(rest[i:], "}}")
				if j < 0 {
					return errs.New(errs.KindInvalidArgument, "unclosed {{ in %q", x)
				}
				src := strings.TrimSpace(rest[i+2 : i+j])
				if _, ok := t.exprs[src]; !ok {
					e, err := parseExpr(src)
					if err != nil {
						return err
					}
					t.exprs[src] = e
				}
				rest = rest[i+j+2:]
			}
		case value.List:
			for _, e := range x {
				if err := scan(e); err != nil {
					return err
				}
			}
		case value.Map:
			for _, e := range x {
				if err := scan(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := scan(v); err != nil {
		return nil, err
	}
	t.plain = len(t.exprs) == 0
	return t, nil
}

func (t *template) refs() [][]pathPart {
	var out [][]pathPart
	for _, e := range t.exprs {
		out = append(out, e.refs()...)
	}
	return out
}

// resolve returns the value with every {{expression}} replaced: a string
// that is exactly one {{...}} becomes the referenced value itself (a map
// stays a map); inside other text a value is written as text (JSON for
// lists and maps).
func (t *template) resolve(en env) (value.Value, error) {
	if t == nil {
		return nil, nil
	}
	if t.plain {
		return t.raw, nil
	}
	var res func(v value.Value) (value.Value, error)
	res = func(v value.Value) (value.Value, error) {
		switch x := v.(type) {
		case string:
			trimmed := strings.TrimSpace(x)
			if strings.HasPrefix(trimmed, "{{") && strings.HasSuffix(trimmed, "}}") && strings.Count(trimmed, "{{") == 1 {
				return t.exprs[strings.TrimSpace(trimmed[2:len(trimmed)-2])].eval(en)
			}
			var b strings.Builder
			rest := x
			for {
				i := strings.Index(rest, "{{")
				if i < 0 {
					b.WriteString(rest)
					break
				}
				j := strings.Index(rest[i:], "}}")
				b.WriteString(rest[:i])
				v, err := t.exprs[strings.TrimSpace(rest[i+2:i+j])].eval(en)
				if err != nil {
					return nil, err
				}
				b.WriteString(text(v))
				rest = rest[i+j+2:]
			}
			return b.String(), nil
		case value.List:
			out := make(value.List, len(x))
			for i, e := range x {
				r, err := res(e)
				if err != nil {
					return nil, err
				}
				out[i] = r
			}
			return out, nil
		case value.Map:
			out := make(value.Map, len(x))
			for k, e := range x {
				r, err := res(e)
				if err != nil {
					return nil, err
				}
				out[k] = r
			}
			return out, nil
		}
		return v, nil
	}
	return res(t.raw)
}

// text writes a value into a string template.
func text(v value.Value) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	}
	b, err := value.Encode(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
