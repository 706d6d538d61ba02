package builtin

import (
	"context"
	"fmt"
	"html"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// template_engine renders two syntaxes with one small interpreter:
//
//   - Jinja/Tera: {{ expr }}, {% if %}/{% elif %}/{% else %}/{% endif %},
//     {% for x in xs %} / {% for k, v in map %} ... {% else %} ... {% endfor %}
//     with loop.index, loop.index0, loop.first, loop.last, loop.length,
//     {% set x = expr %}, {# comments #}, filters (expr | upper) and
//     whitespace control ({%- -%}).
//   - Handlebars: {{path}}, {{{raw}}}, {{!comment}}, {{#if}}, {{#unless}},
//     {{#each}} (this, @index, @first, @last, @key, ../parent), {{#with}},
//     {{else}}.
//
// There are no macros, includes or recursion, and every loop iterates a
// finite value; a budget of loop iterations, an output cap, a nesting
// limit and the call's context bound what a template can cost.

const (
	maxTemplateLen    = 1 << 20
	maxTemplateOut    = 1 << 20
	maxTemplateIters  = 100000
	maxTemplateDepth  = 100
	maxTemplateRange  = 10000
	maxTemplateWork   = 16 << 20
	defaultTemplateOp = "render"
)

type tplErr struct{ msg string }

func tplFail(format string, args ...any) { panic(tplErr{fmt.Sprintf(format, args...)}) }

// ---- expressions ----

type texpr interface{}

type (
	tLit  struct{ v value.Value }
	tVar  struct{ name string }
	tAttr struct {
		x   texpr
		key string
	}
	tIndex struct{ x, idx texpr }
	tUnary struct {
		op string
		x  texpr
	}
	tBinary struct {
		op   string
		l, r texpr
	}
	tFilter struct {
		x    texpr
		name string
		args []texpr
	}
	tCall struct {
		name string
		args []texpr
	}
	tList struct{ items []texpr }
)

type exprParser struct {
	toks  []string
	pos   int
	depth int
}

func tokenizeExpr(s string) []string {
	var toks []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '"' || r == '\'':
			j := i + 1
			var b strings.Builder
			b.WriteRune('"')
			for j < len(rs) && rs[j] != r {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
					switch rs[j] {
					case 'n':
						b.WriteRune('\n')
					case 't':
						b.WriteRune('\t')
					default:
						b.WriteRune(rs[j])
					}
				} else {
					b.WriteRune(rs[j])
				}
				j++
			}
			if j >= len(rs) {
				tplFail("unterminated string in %q", s)
			}
			toks = append(toks, b.String())
			i = j + 1
		case unicode.IsDigit(r):
			j := i
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.' && j+1 < len(rs) && unicode.IsDigit(rs[j+1])) {
				j++
			}
			toks = append(toks, string(rs[i:j]))
			i = j
		case unicode.IsLetter(r) || r == '_' || r == '@' || (r == '.' && i+2 < len(rs) && rs[i+1] == '.' && rs[i+2] == '/'):
			j := i
			for j+2 < len(rs) && rs[j] == '.' && rs[j+1] == '.' && rs[j+2] == '/' {
				j += 3
			}
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_' || rs[j] == '@') {
				j++
			}
			toks = append(toks, string(rs[i:j]))
			i = j
		default:
			two := ""
			if i+1 < len(rs) {
				two = string(rs[i : i+2])
			}
			switch two {
			case "==", "!=", "<=", ">=", "&&", "||":
				toks = append(toks, two)
				i += 2
				continue
			}
			if !strings.ContainsRune("+-*/%~|.[](),<>=!:", r) {
				tplFail("unexpected %q in expression %q", string(r), s)
			}
			toks = append(toks, string(r))
			i++
		}
	}
	return toks
}

func parseExpr(s string) texpr {
	p := &exprParser{toks: tokenizeExpr(s)}
	if len(p.toks) == 0 {
		tplFail("empty expression")
	}
	e := p.or()
	if p.pos != len(p.toks) {
		tplFail("unexpected %q in expression %q", p.toks[p.pos], s)
	}
	return e
}

func (p *exprParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *exprParser) accept(ts ...string) string {
	for _, t := range ts {
		if p.peek() == t {
			p.pos++
			return t
		}
	}
	return ""
}

func (p *exprParser) expect(t string) {
	if p.accept(t) == "" {
		tplFail("expected %q, found %q", t, p.peek())
	}
}

func (p *exprParser) enter() func() {
	p.depth++
	if p.depth > maxTemplateDepth {
		tplFail("expression nests deeper than %d levels", maxTemplateDepth)
	}
	return func() { p.depth-- }
}

func (p *exprParser) or() texpr {
	defer p.enter()()
	l := p.and()
	for p.accept("or", "||") != "" {
		l = tBinary{"or", l, p.and()}
	}
	return l
}

func (p *exprParser) and() texpr {
	l := p.not()
	for p.accept("and", "&&") != "" {
		l = tBinary{"and", l, p.not()}
	}
	return l
}

func (p *exprParser) not() texpr {
	if p.accept("not", "!") != "" {
		defer p.enter()()
		return tUnary{"not", p.not()}
	}
	return p.cmp()
}

func (p *exprParser) cmp() texpr {
	l := p.concat()
	for {
		if op := p.accept("==", "!=", "<=", ">=", "<", ">", "in"); op != "" {
			l = tBinary{op, l, p.concat()}
		} else if p.peek() == "not" && p.pos+1 < len(p.toks) && p.toks[p.pos+1] == "in" {
			p.pos += 2
			l = tUnary{"not", tBinary{"in", l, p.concat()}}
		} else {
			return l
		}
	}
}

func (p *exprParser) concat() texpr {
	l := p.sum()
	for p.accept("~") != "" {
		l = tBinary{"~", l, p.sum()}
	}
	return l
}

func (p *exprParser) sum() texpr {
	l := p.prod()
	for {
		op := p.accept("+", "-")
		if op == "" {
			return l
		}
		l = tBinary{op, l, p.prod()}
	}
}

func (p *exprParser) prod() texpr {
	l := p.unary()
	for {
		op := p.accept("*", "/", "%")
		if op == "" {
			return l
		}
		l = tBinary{op, l, p.unary()}
	}
}

func (p *exprParser) unary() texpr {
	if p.accept("-") != "" {
		defer p.enter()()
		return tUnary{"-", p.unary()}
	}
	return p.filtered()
}

func (p *exprParser) filtered() texpr {
	x := p.postfix()
	for p.accept("|") != "" {
		name := p.peek()
		if !isIdent(name) {
			tplFail("expected a filter name after '|', found %q", name)
		}
		p.pos++
		f := tFilter{x: x, name: name}
		if p.accept("(") != "" {
			f.args = p.args()
		} else if p.accept(":") != "" { // Handlebars-ish / Liquid-ish "default: 'x'"
			f.args = []texpr{p.postfix()}
		}
		x = f
	}
	return x
}

func (p *exprParser) args() []texpr {
	var args []texpr
	if p.accept(")") != "" {
		return args
	}
	for {
		args = append(args, p.or())
		if p.accept(",") != "" {
			continue
		}
		p.expect(")")
		return args
	}
}

func isIdent(t string) bool {
	if t == "" {
		return false
	}
	r := []rune(t)[0]
	return unicode.IsLetter(r) || r == '_' || r == '@' || strings.HasPrefix(t, "../")
}

func (p *exprParser) postfix() texpr {
	x := p.primary()
	for {
		switch {
		case p.accept(".") != "":
			k := p.peek()
			if !isIdent(k) && (k == "" || !unicode.IsDigit([]rune(k)[0])) {
				tplFail("expected a name after '.', found %q", k)
			}
			p.pos++
			x = tAttr{x, k}
		case p.accept("[") != "":
			idx := p.or()
			p.expect("]")
			x = tIndex{x, idx}
		default:
			return x
		}
	}
}

func (p *exprParser) primary() texpr {
	t := p.peek()
	if t == "" {
		tplFail("unexpected end of expression")
	}
	p.pos++
	switch {
	case t == "(":
		defer p.enter()()
		e := p.or()
		p.expect(")")
		return e
	case t == "[":
		defer p.enter()()
		var items []texpr
		if p.accept("]") == "" {
			for {
				items = append(items, p.or())
				if p.accept(",") != "" {
					continue
				}
				p.expect("]")
				break
			}
		}
		return tList{items}
	case strings.HasPrefix(t, `"`):
		return tLit{t[1:]}
	case unicode.IsDigit([]rune(t)[0]):
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			return tLit{n}
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			tplFail("bad number %q", t)
		}
		return tLit{f}
	case isIdent(t):
		switch t {
		case "true", "True":
			return tLit{true}
		case "false", "False":
			return tLit{false}
		case "none", "None", "null", "nil":
			return tLit{nil}
		}
		if p.accept("(") != "" {
			return tCall{t, p.args()}
		}
		return tVar{t}
	}
	tplFail("unexpected %q in expression", t)
	return nil
}

// ---- template nodes ----

type tnode interface{}

type (
	nText struct{ s string }
	nOut  struct {
		x   texpr
		raw bool
	}
	nIf struct {
		conds  []texpr
		bodies [][]tnode
		els    []tnode
	}
	nFor struct {
		key, val string // val "" in Handlebars each: the item becomes this
		iter     texpr
		body     []tnode
		els      []tnode
	}
	nWith struct {
		x    texpr
		body []tnode
		els  []tnode
	}
	nSet struct {
		name string
		x    texpr
	}
)

type ttag struct {
	kind string // text, out, raw, stmt, hbs-open, hbs-close, hbs-else
	s    string
	line int
}

// lexTemplate splits the source into text and tags.
func lexTemplate(src string, hbs bool) []ttag {
	var out []ttag
	line := 1
	trimNext := false
	for len(src) > 0 {
		i := strings.Index(src, "{")
		for i >= 0 && (i+1 >= len(src) || !strings.ContainsRune("{%#", rune(src[i+1]))) {
			j := strings.Index(src[i+1:], "{")
			if j < 0 {
				i = -1
			} else {
				i += 1 + j
			}
		}
		if i < 0 {
			i = len(src)
		}
		text := src[:i]
		if trimNext {
			text = strings.TrimLeftFunc(text, unicode.IsSpace)
			trimNext = false
		}
		if i == len(src) {
			out = append(out, ttag{"text", text, line})
			break
		}
		open := src[i : i+2]
		closeTok := map[string]string{"{{": "}}", "{%": "%}", "{#": "#}"}[open]
		body := src[i+2:]
		triple := hbs && open == "{{" && strings.HasPrefix(body, "{")
		if triple {
			body = body[1:]
			closeTok = "}}}"
		}
		end := strings.Index(body, closeTok)
		if end < 0 {
			tplFail("line %d: %s is never closed with %s", line, open, closeTok)
		}
		inner := body[:end]
		rest := body[end+len(closeTok):]
		if strings.HasPrefix(inner, "-") {
			text = strings.TrimRightFunc(text, unicode.IsSpace)
			inner = inner[1:]
		}
		if strings.HasSuffix(inner, "-") {
			trimNext = true
			inner = inner[:len(inner)-1]
		}
		out = append(out, ttag{"text", text, line})
		line += strings.Count(src[:i], "\n")
		inner = strings.TrimSpace(inner)
		switch {
		case open == "{#":
		case open == "{%":
			out = append(out, ttag{"stmt", inner, line})
		case triple:
			out = append(out, ttag{"raw", inner, line})
		case hbs && strings.HasPrefix(inner, "!"):
		case hbs && strings.HasPrefix(inner, "#"):
			out = append(out, ttag{"hbs-open", strings.TrimSpace(inner[1:]), line})
		case hbs && strings.HasPrefix(inner, "/"):
			out = append(out, ttag{"hbs-close", strings.TrimSpace(inner[1:]), line})
		case hbs && (inner == "else" || inner == "^"):
			out = append(out, ttag{"hbs-else", "", line})
		case hbs && strings.HasPrefix(inner, "&"):
			out = append(out, ttag{"raw", strings.TrimSpace(inner[1:]), line})
		default:
			out = append(out, ttag{"out", inner, line})
		}
		line += strings.Count(src[i:len(src)-len(rest)], "\n")
		src = rest
	}
	return out
}

type tplParser struct {
	tags  []ttag
	pos   int
	depth int
	hbs   bool
}

// parseNodes reads nodes until one of the stop statements (Jinja keywords
// or Handlebars closers) and returns the nodes and the stop tag.
func (p *tplParser) parseNodes(stops ...string) ([]tnode, *ttag) {
	p.depth++
	if p.depth > maxTemplateDepth {
		tplFail("blocks nest deeper than %d levels", maxTemplateDepth)
	}
	defer func() { p.depth-- }()
	var nodes []tnode
	for p.pos < len(p.tags) {
		t := &p.tags[p.pos]
		p.pos++
		switch t.kind {
		case "text":
			if t.s != "" {
				nodes = append(nodes, nText{t.s})
			}
		case "out", "raw":
			nodes = append(nodes, nOut{parseExprAt(t), t.kind == "raw"})
		case "hbs-else":
			if tplContains(stops, "else") {
				return nodes, t
			}
			tplFail("line %d: {{else}} outside a block", t.line)
		case "hbs-close":
			if tplContains(stops, "/"+t.s) {
				return nodes, t
			}
			tplFail("line %d: {{/%s}} closes nothing open", t.line, t.s)
		case "hbs-open":
			nodes = append(nodes, p.hbsBlock(t))
		case "stmt":
			word, rest, _ := strings.Cut(t.s, " ")
			rest = strings.TrimSpace(rest)
			if tplContains(stops, word) {
				return nodes, t
			}
			switch word {
			case "if":
				n := nIf{conds: []texpr{parseExprAt(&ttag{s: rest, line: t.line})}}
				for {
					body, stop := p.parseNodes("elif", "else", "endif")
					if stop == nil {
						tplFail("line %d: {%% if %%} is never closed with {%% endif %%}", t.line)
					}
					sw, srest, _ := strings.Cut(stop.s, " ")
					switch sw {
					case "elif":
						n.bodies = append(n.bodies, body)
						n.conds = append(n.conds, parseExprAt(&ttag{s: strings.TrimSpace(srest), line: stop.line}))
						continue
					case "else":
						n.bodies = append(n.bodies, body)
						els, stop2 := p.parseNodes("endif")
						if stop2 == nil {
							tplFail("line %d: {%% if %%} is never closed with {%% endif %%}", t.line)
						}
						n.els = els
					default:
						n.bodies = append(n.bodies, body)
					}
					break
				}
				nodes = append(nodes, n)
			case "for":
				vars, iter, ok := strings.Cut(rest, " in ")
				if !ok {
					tplFail("line %d: {%% for %%} needs 'x in items'", t.line)
				}
				n := nFor{iter: parseExprAt(&ttag{s: strings.TrimSpace(iter), line: t.line})}
				names := strings.Split(vars, ",")
				for i := range names {
					names[i] = strings.TrimSpace(names[i])
					if !isIdent(names[i]) {
						tplFail("line %d: bad loop variable %q", t.line, names[i])
					}
				}
				switch len(names) {
				case 1:
					n.val = names[0]
				case 2:
					n.key, n.val = names[0], names[1]
				default:
					tplFail("line %d: a loop takes one or two variables", t.line)
				}
				body, stop := p.parseNodes("else", "endfor")
				if stop == nil {
					tplFail("line %d: {%% for %%} is never closed with {%% endfor %%}", t.line)
				}
				n.body = body
				if strings.HasPrefix(stop.s, "else") {
					n.els, stop = p.parseNodes("endfor")
					if stop == nil {
						tplFail("line %d: {%% for %%} is never closed with {%% endfor %%}", t.line)
					}
				}
				nodes = append(nodes, n)
			case "set":
				name, x, ok := strings.Cut(rest, "=")
				name = strings.TrimSpace(name)
				if !ok || !isIdent(name) {
					tplFail("line %d: {%% set %%} needs 'name = expr'", t.line)
				}
				nodes = append(nodes, nSet{name, parseExprAt(&ttag{s: x, line: t.line})})
			case "raw":
				var b strings.Builder
				for p.pos < len(p.tags) && !(p.tags[p.pos].kind == "stmt" && p.tags[p.pos].s == "endraw") {
					b.WriteString(rawText(p.tags[p.pos]))
					p.pos++
				}
				if p.pos >= len(p.tags) {
					tplFail("line %d: {%% raw %%} is never closed", t.line)
				}
				p.pos++
				nodes = append(nodes, nText{b.String()})
			case "endif", "endfor", "else", "elif", "endraw":
				tplFail("line %d: unexpected {%% %s %%}", t.line, t.s)
			default:
				tplFail("line %d: unknown statement %q", t.line, word)
			}
		}
	}
	return nodes, nil
}

func rawText(t ttag) string {
	switch t.kind {
	case "stmt":
		return "{% " + t.s + " %}"
	case "out":
		return "{{ " + t.s + " }}"
	}
	return t.s
}

func (p *tplParser) hbsBlock(t *ttag) tnode {
	helper, arg, _ := strings.Cut(t.s, " ")
	arg = strings.TrimSpace(arg)
	if arg == "" {
		tplFail("line %d: {{#%s}} needs an argument", t.line, helper)
	}
	x := parseExprAt(&ttag{s: arg, line: t.line})
	body, stop := p.parseNodes("else", "/"+helper)
	if stop == nil {
		tplFail("line %d: {{#%s}} is never closed with {{/%s}}", t.line, helper, helper)
	}
	var els []tnode
	if stop.kind == "hbs-else" {
		if els, stop = p.parseNodes("/" + helper); stop == nil {
			tplFail("line %d: {{#%s}} is never closed with {{/%s}}", t.line, helper, helper)
		}
	}
	switch helper {
	case "if":
		return nIf{conds: []texpr{x}, bodies: [][]tnode{body}, els: els}
	case "unless":
		return nIf{conds: []texpr{tUnary{"not", x}}, bodies: [][]tnode{body}, els: els}
	case "each":
		return nFor{iter: x, body: body, els: els}
	case "with":
		return nWith{x: x, body: body, els: els}
	}
	tplFail("line %d: unknown block helper %q (if, unless, each, with)", t.line, helper)
	return nil
}

func parseExprAt(t *ttag) texpr {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(tplErr); ok && t.line > 0 {
				panic(tplErr{fmt.Sprintf("line %d: %s", t.line, e.msg)})
			}
			panic(r)
		}
	}()
	return parseExpr(t.s)
}

func tplContains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// ---- rendering ----

type tplFrame struct {
	this value.Value
	vars value.Map
}

type tplRenderer struct {
	ctx    context.Context
	out    strings.Builder
	frames []*tplFrame
	escape bool
	iters  int
	maxOut int
	work   int
}

func (r *tplRenderer) lookup(name string) value.Value {
	up := 0
	for strings.HasPrefix(name, "../") {
		up++
		name = name[3:]
	}
	frames := r.frames
	if up > 0 {
		// ../ steps out of the innermost "this" scopes.
		n := len(frames) - 1
		for up > 0 && n > 0 {
			if frames[n].this != nil {
				up--
			}
			n--
		}
		frames = frames[:n+1]
	}
	if name == "this" || name == "." {
		for i := len(frames) - 1; i >= 0; i-- {
			if frames[i].this != nil {
				return frames[i].this
			}
		}
		return nil
	}
	for i := len(frames) - 1; i >= 0; i-- {
		f := frames[i]
		if v, ok := f.vars[name]; ok {
			return v
		}
		if m, ok := f.this.(value.Map); ok {
			if v, ok := m[name]; ok {
				return v
			}
		}
	}
	return nil
}

func tplText(v value.Value) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	b, err := value.Encode(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func tplNum(v value.Value) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case bool:
		return b2f(x), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

func tplNumValue(f float64) value.Value {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	return f
}

func (r *tplRenderer) eval(x texpr) value.Value {
	switch e := x.(type) {
	case tLit:
		return e.v
	case tVar:
		return r.lookup(e.name)
	case tAttr:
		return tplIndex(r.eval(e.x), e.key)
	case tIndex:
		return tplIndex(r.eval(e.x), r.eval(e.idx))
	case tList:
		l := make(value.List, len(e.items))
		for i, it := range e.items {
			l[i] = r.eval(it)
		}
		return l
	case tUnary:
		v := r.eval(e.x)
		if e.op == "not" {
			return !value.Truthy(v)
		}
		n, ok := tplNum(v)
		if !ok {
			tplFail("cannot negate %s", tplText(v))
		}
		return tplNumValue(-n)
	case tBinary:
		switch e.op {
		case "and":
			l := r.eval(e.l)
			if !value.Truthy(l) {
				return false
			}
			return value.Truthy(r.eval(e.r))
		case "or":
			l := r.eval(e.l)
			if value.Truthy(l) {
				return true
			}
			return value.Truthy(r.eval(e.r))
		}
		return r.binary(e.op, r.eval(e.l), r.eval(e.r))
	case tFilter:
		args := make([]value.Value, len(e.args))
		for i, a := range e.args {
			args[i] = r.eval(a)
		}
		return r.filter(e.name, r.eval(e.x), args)
	case tCall:
		args := make([]value.Value, len(e.args))
		for i, a := range e.args {
			args[i] = r.eval(a)
		}
		if e.name == "range" {
			var lo, hi, step float64 = 0, 0, 1
			nums := make([]float64, len(args))
			for i, a := range args {
				n, ok := tplNum(a)
				if !ok {
					tplFail("range takes numbers")
				}
				nums[i] = n
			}
			switch len(nums) {
			case 1:
				hi = nums[0]
			case 2:
				lo, hi = nums[0], nums[1]
			case 3:
				lo, hi, step = nums[0], nums[1], nums[2]
			default:
				tplFail("range takes 1 to 3 arguments")
			}
			if step == 0 {
				tplFail("range step is zero")
			}
			if math.Abs((hi-lo)/step) > maxTemplateRange {
				tplFail("range of more than %d items", maxTemplateRange)
			}
			out := value.List{}
			for i := lo; (step > 0 && i < hi) || (step < 0 && i > hi); i += step {
				out = append(out, tplNumValue(i))
			}
			return out
		}
		tplFail("unknown function %q", e.name)
	}
	tplFail("bad expression")
	return nil
}

func tplIndex(v, k value.Value) value.Value {
	switch x := v.(type) {
	case value.Map:
		return x[tplText(k)]
	case value.List:
		if n, ok := tplNum(k); ok {
			i := int(n)
			if i < 0 {
				i += len(x)
			}
			if i >= 0 && i < len(x) {
				return x[i]
			}
			return nil
		}
		switch k {
		case "length", "size":
			return int64(len(x))
		case "first":
			if len(x) > 0 {
				return x[0]
			}
		case "last":
			if len(x) > 0 {
				return x[len(x)-1]
			}
		}
	case string:
		if k == "length" {
			return int64(len([]rune(x)))
		}
	}
	return nil
}

func (r *tplRenderer) binary(op string, l, rv value.Value) value.Value {
	switch op {
	case "==":
		return value.Equal(l, rv) || (tplIsNum(l) && tplIsNum(rv) && tplNumEq(l, rv))
	case "!=":
		return !(value.Equal(l, rv) || (tplIsNum(l) && tplIsNum(rv) && tplNumEq(l, rv)))
	case "~":
		s := tplText(l) + tplText(rv)
		r.charge(len(s))
		return s
	case "in":
		switch c := rv.(type) {
		case value.List:
			for _, e := range c {
				if value.Equal(e, l) {
					return true
				}
			}
			return false
		case value.Map:
			_, ok := c[tplText(l)]
			return ok
		case string:
			return strings.Contains(c, tplText(l))
		}
		return false
	}
	if op == "+" {
		if ls, ok := l.(string); ok {
			s := ls + tplText(rv)
			r.charge(len(s))
			return s
		}
		if ll, ok := l.(value.List); ok {
			if rl, ok := rv.(value.List); ok {
				r.charge(len(ll) + len(rl))
				return append(append(value.List{}, ll...), rl...)
			}
		}
	}
	a, ok1 := tplNum(l)
	b, ok2 := tplNum(rv)
	if !ok1 || !ok2 {
		if ls, ok := l.(string); ok {
			if rs, ok := rv.(string); ok {
				switch op {
				case "<":
					return ls < rs
				case ">":
					return ls > rs
				case "<=":
					return ls <= rs
				case ">=":
					return ls >= rs
				}
			}
		}
		tplFail("%s needs numbers, got %s and %s", op, tplText(l), tplText(rv))
	}
	switch op {
	case "<":
		return a < b
	case ">":
		return a > b
	case "<=":
		return a <= b
	case ">=":
		return a >= b
	case "+":
		return tplNumValue(a + b)
	case "-":
		return tplNumValue(a - b)
	case "*":
		return tplNumValue(a * b)
	case "/":
		if b == 0 {
			tplFail("division by zero")
		}
		return tplNumValue(a / b)
	case "%":
		if b == 0 {
			tplFail("modulo by zero")
		}
		return tplNumValue(math.Mod(a, b))
	}
	tplFail("unknown operator %s", op)
	return nil
}

func tplIsNum(v value.Value) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

func tplNumEq(a, b value.Value) bool {
	x, _ := tplNum(a)
	y, _ := tplNum(b)
	return x == y
}

// safeString marks filter output that must not be HTML-escaped again.
type tplSafe string

func (r *tplRenderer) filter(name string, v value.Value, args []value.Value) value.Value {
	if s, ok := v.(tplSafe); ok {
		v = string(s)
	}
	arg := func(i int, def value.Value) value.Value {
		if i < len(args) {
			return args[i]
		}
		return def
	}
	switch name {
	case "upper", "upcase":
		return strings.ToUpper(tplText(v))
	case "lower", "downcase":
		return strings.ToLower(tplText(v))
	case "title":
		words := strings.Fields(tplText(v))
		for i, w := range words {
			rs := []rune(strings.ToLower(w))
			rs[0] = unicode.ToUpper(rs[0])
			words[i] = string(rs)
		}
		return strings.Join(words, " ")
	case "capitalize":
		rs := []rune(strings.ToLower(tplText(v)))
		if len(rs) > 0 {
			rs[0] = unicode.ToUpper(rs[0])
		}
		return string(rs)
	case "trim", "strip":
		return strings.TrimSpace(tplText(v))
	case "length", "count", "size":
		switch x := v.(type) {
		case value.List:
			return int64(len(x))
		case value.Map:
			return int64(len(x))
		case nil:
			return int64(0)
		}
		return int64(len([]rune(tplText(v))))
	case "default", "d":
		if !value.Truthy(v) {
			return arg(0, "")
		}
		return v
	case "join":
		l, _ := v.(value.List)
		parts := make([]string, len(l))
		for i, e := range l {
			parts[i] = tplText(e)
		}
		s := strings.Join(parts, tplText(arg(0, "")))
		r.charge(len(s))
		return s
	case "first":
		if l, ok := v.(value.List); ok && len(l) > 0 {
			return l[0]
		}
		return nil
	case "last":
		if l, ok := v.(value.List); ok && len(l) > 0 {
			return l[len(l)-1]
		}
		return nil
	case "reverse":
		if l, ok := v.(value.List); ok {
			out := make(value.List, len(l))
			for i, e := range l {
				out[len(l)-1-i] = e
			}
			return out
		}
		rs := []rune(tplText(v))
		for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
			rs[i], rs[j] = rs[j], rs[i]
		}
		return string(rs)
	case "sort":
		l, _ := v.(value.List)
		r.charge(len(l))
		out := append(value.List{}, l...)
		sort.SliceStable(out, func(i, j int) bool {
			a, ok1 := tplNum(out[i])
			b, ok2 := tplNum(out[j])
			if ok1 && ok2 && tplIsNum(out[i]) && tplIsNum(out[j]) {
				return a < b
			}
			return tplText(out[i]) < tplText(out[j])
		})
		return out
	case "keys":
		if m, ok := v.(value.Map); ok {
			out := value.List{}
			for _, k := range value.SortedKeys(m) {
				out = append(out, k)
			}
			return out
		}
		return value.List{}
	case "replace":
		s := strings.ReplaceAll(tplText(v), tplText(arg(0, "")), tplText(arg(1, "")))
		r.charge(len(s))
		return s
	case "truncate":
		n, _ := tplNum(arg(0, int64(255)))
		rs := []rune(tplText(v))
		if len(rs) > int(n) && n >= 0 {
			return string(rs[:int(n)]) + "..."
		}
		return string(rs)
	case "round":
		n, _ := tplNum(v)
		p, _ := tplNum(arg(0, int64(0)))
		m := math.Pow(10, p)
		return tplNumValue(math.Round(n*m) / m)
	case "abs":
		n, _ := tplNum(v)
		return tplNumValue(math.Abs(n))
	case "int":
		n, _ := tplNum(v)
		return int64(n)
	case "float":
		n, _ := tplNum(v)
		return n
	case "string":
		return tplText(v)
	case "json", "tojson", "json_encode":
		return tplText(v)
	case "escape", "e":
		return tplSafe(html.EscapeString(tplText(v)))
	case "safe":
		return tplSafe(tplText(v))
	case "urlencode":
		return strings.NewReplacer(" ", "%20", "&", "%26", "?", "%3F", "=", "%3D", "#", "%23", "/", "%2F", "+", "%2B").Replace(tplText(v))
	}
	tplFail("unknown filter %q", name)
	return nil
}

// charge counts work against the output cap so string building in
// expressions cannot grow without bound.
func (r *tplRenderer) charge(n int) {
	r.work += n
	if n > r.maxOut || r.work > maxTemplateWork {
		tplFail("output would exceed %d bytes", r.maxOut)
	}
}

func (r *tplRenderer) write(s string) {
	if r.out.Len()+len(s) > r.maxOut {
		tplFail("output would exceed %d bytes", r.maxOut)
	}
	r.out.WriteString(s)
}

func (r *tplRenderer) tick() {
	r.iters++
	if r.iters > maxTemplateIters {
		tplFail("loops ran more than %d iterations", maxTemplateIters)
	}
	if r.iters%1024 == 0 && r.ctx.Err() != nil {
		tplFail("cancelled: %v", context.Cause(r.ctx))
	}
}

func (r *tplRenderer) render(nodes []tnode) {
	for _, n := range nodes {
		switch x := n.(type) {
		case nText:
			r.write(x.s)
		case nOut:
			v := r.eval(x.x)
			if s, ok := v.(tplSafe); ok {
				r.write(string(s))
			} else if r.escape && !x.raw {
				r.write(html.EscapeString(tplText(v)))
			} else {
				r.write(tplText(v))
			}
		case nSet:
			r.frames[len(r.frames)-1].vars[x.name] = r.eval(x.x)
		case nIf:
			done := false
			for i, c := range x.conds {
				if value.Truthy(r.eval(c)) {
					r.render(x.bodies[i])
					done = true
					break
				}
			}
			if !done {
				r.render(x.els)
			}
		case nWith:
			v := r.eval(x.x)
			if !value.Truthy(v) {
				r.render(x.els)
				continue
			}
			r.frames = append(r.frames, &tplFrame{this: v, vars: value.Map{}})
			r.render(x.body)
			r.frames = r.frames[:len(r.frames)-1]
		case nFor:
			r.loop(x)
		}
	}
}

func (r *tplRenderer) loop(x nFor) {
	v := r.eval(x.iter)
	type item struct {
		key value.Value
		val value.Value
	}
	var items []item
	switch c := v.(type) {
	case value.List:
		for i, e := range c {
			items = append(items, item{int64(i), e})
		}
	case value.Map:
		for _, k := range value.SortedKeys(c) {
			items = append(items, item{k, c[k]})
		}
	case string:
		for i, ch := range []rune(c) {
			items = append(items, item{int64(i), string(ch)})
		}
	}
	if len(items) == 0 {
		r.render(x.els)
		return
	}
	for i, it := range items {
		r.tick()
		loop := value.Map{"index": int64(i + 1), "index0": int64(i), "first": i == 0, "last": i == len(items)-1,
			"length": int64(len(items)), "revindex": int64(len(items) - i), "revindex0": int64(len(items) - i - 1)}
		f := &tplFrame{vars: value.Map{"loop": loop, "@index": int64(i), "@first": i == 0, "@last": i == len(items)-1}}
		if _, ok := it.key.(string); ok {
			f.vars["@key"] = it.key
		}
		if x.val == "" { // Handlebars each: the item is this
			f.this = it.val
			if f.this == nil {
				f.this = value.Map{}
			}
		} else if _, isMap := v.(value.Map); isMap && x.key == "" {
			f.vars[x.val] = it.key // Jinja: a map yields its keys
		} else {
			f.vars[x.val] = it.val
			if x.key != "" {
				f.vars[x.key] = it.key // the map key, or the list index
			}
		}
		r.frames = append(r.frames, f)
		r.render(x.body)
		r.frames = r.frames[:len(r.frames)-1]
	}
}

// RenderTemplate renders src with data. syntax is "auto" (Handlebars when
// the source has block helpers like {{#if}}, else Jinja), "jinja", "tera"
// or "handlebars".
func RenderTemplate(ctx context.Context, src string, data value.Map, syntax string, escape bool, maxOut int) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			e, ok := p.(tplErr)
			if !ok {
				panic(p)
			}
			err = fail("template_engine", "%s", e.msg)
		}
	}()
	hbs := false
	switch syntax {
	case "handlebars", "hbs", "mustache":
		hbs = true
	case "", "auto":
		hbs = strings.Contains(src, "{{#") || strings.Contains(src, "{{/") || strings.Contains(src, "{{{")
	}
	p := &tplParser{tags: lexTemplate(src, hbs), hbs: hbs}
	nodes, stop := p.parseNodes()
	if stop != nil {
		tplFail("line %d: unexpected %q", stop.line, stop.s)
	}
	if maxOut <= 0 || maxOut > maxTemplateOut {
		maxOut = maxTemplateOut
	}
	if data == nil {
		data = value.Map{}
	}
	r := &tplRenderer{ctx: ctx, escape: escape, maxOut: maxOut, frames: []*tplFrame{{this: data, vars: value.Map{}}}}
	r.render(nodes)
	return r.out.String(), nil
}

func templateTool() *tool.Tool {
	return &tool.Tool{
		Name: "template_engine", Category: "utility", Level: tool.Restricted, Tags: []string{"template", "text"},
		Description: "Render a Jinja/Tera-style or Handlebars-style template with a context.",
		Schema: obj(value.Map{
			"operation":   enum("render (default)", "render"),
			"input":       value.Map{"type": "string", "description": "the template", "maxLength": int64(maxTemplateLen)},
			"context":     value.Map{"type": "object", "description": "the values the template reads"},
			"engine":      enum("syntax: auto (default), jinja, tera or handlebars", "auto", "jinja", "tera", "handlebars"),
			"escape_html": boolean("HTML-escape {{ }} output (default false; | safe and {{{ }}} skip it)"),
			"max_output":  value.Map{"type": "integer", "description": "output cap in bytes (default and at most 1 MiB)", "minimum": int64(1), "maximum": int64(maxTemplateOut)},
		}, "input"),
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			data, _ := c.Params["context"].(value.Map)
			escape, _ := c.Params["escape_html"].(bool)
			maxOut := maxTemplateOut
			if n, ok := tplNum(c.Params["max_output"]); ok {
				maxOut = int(n)
			}
			out, err := RenderTemplate(ctx, c.Str("input", ""), data, c.Str("engine", "auto"), escape, maxOut)
			if err != nil {
				if ctx.Err() != nil {
					return nil, errs.New(errs.KindTimeout, "template_engine: %v", context.Cause(ctx))
				}
				return nil, err
			}
			return value.Map{"output": out, "length": int64(len(out))}, nil
		},
	}
}
