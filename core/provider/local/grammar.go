package local

import (
	"slices"
	"sort"
	"strings"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/value"
)

// Bounds that make every constrained output finite.
const (
	maxStringLen  = 32 // characters of a free string value
	maxIntDigits  = 9  // digits of an integer (or of a number's integer part)
	maxFracDigits = 6  // digits after a number's decimal point
)

// nodeKind is the kind of one node of a tool-call grammar.
type nodeKind uint8

const (
	nodeChoice  nodeKind = iota // exactly one of several literals
	nodeString                  // a JSON string of printable ASCII
	nodeInteger                 // a JSON integer
	nodeNumber                  // a JSON number without exponent
	nodeAccept                  // the end: no more bytes
)

// node is one step of a grammar. Choice literals are sorted, and none is a
// prefix of another, so the literals still matching a prefix form a
// contiguous range and a literal is complete exactly when it is the only
// one left and fully matched.
type node struct {
	kind   nodeKind
	lits   []string // choice: the literals, sorted
	nexts  []int    // choice: the node after each literal
	next   int      // value kinds: the node after the value
	minLen int      // string: bounds on the number of characters
	maxLen int
	tool   int // the tool whose arguments this node is part of (-1: none yet)
}

// grammar is a byte-level automaton accepting exactly the tool calls
// {"name":"<tool>","arguments":{...}} whose arguments satisfy the offered
// tools' schemas. It is immutable once built; its state is a small value,
// so checking a candidate token never allocates.
type grammar struct {
	nodes []node
	tools []string // the tool names, by index
	// argsStart[i] is the offset of the arguments' '{' in the output of
	// tool i.
	argsStart []int
	// maxBytes bounds the length of any accepted output.
	maxBytes int
}

// grammarState is a position in a grammar.
type grammarState struct {
	node   int
	lo, hi int   // choice: range of literals still matching
	pos    int   // choice: bytes matched; string: characters; number: digits in the current part
	sub    uint8 // string and number sub-state
}

// The sub-states of string and number nodes.
const (
	strOpen  uint8 = iota // expects the opening quote
	strInner              // inside the quotes
)

const (
	numStart uint8 = iota // expects '-' or a digit
	numMinus              // after '-': expects a digit
	numZero               // the integer part is "0"
	numInt                // in the integer part
	numDot                // after '.': expects a digit
	numFrac               // in the fraction
)

// buildGrammar builds the grammar of a call to one of tools. It fails with
// invalid_argument for a schema it cannot constrain (a required property of
// an unsupported type, duplicate tool names).
func buildGrammar(tools []provider.ToolSpec) (*grammar, error) {
	g := &grammar{}
	start := node{kind: nodeChoice, tool: -1}
	g.nodes = append(g.nodes, start) // filled in below
	accept := g.add(node{kind: nodeAccept, tool: -1})
	seen := map[string]bool{}
	maxLen := 0
	for ti, t := range tools {
		if t.Name == "" || seen[t.Name] {
			return nil, errs.New(errs.KindInvalidArgument, "tool names must be unique and non-empty (got %q twice or empty)", t.Name)
		}
		seen[t.Name] = true
		g.tools = append(g.tools, t.Name)
		props, err := schemaProps(t)
		if err != nil {
			return nil, err
		}
		prefix := `{"name":` + quote(t.Name) + `,"arguments":{`
		g.argsStart = append(g.argsStart, len(prefix)-1)
		first, n := g.addObject(props, ti, accept)
		g.nodes[0].lits = append(g.nodes[0].lits, prefix)
		g.nodes[0].nexts = append(g.nodes[0].nexts, first)
		maxLen = max(maxLen, len(prefix)+n)
	}
	if len(g.tools) == 0 {
		return nil, errs.New(errs.KindInvalidArgument, "no tools to call")
	}
	g.maxBytes = maxLen
	for i := range g.nodes {
		if err := g.nodes[i].sortLits(); err != nil {
			return nil, err
		}
	}
	return g, nil
}

func (g *grammar) add(n node) int {
	g.nodes = append(g.nodes, n)
	return len(g.nodes) - 1
}

// prop is one property of an arguments object, in the order it is emitted.
type prop struct {
	key      string
	schema   value.Map
	required bool
}

// schemaProps lists the properties a tool's arguments may have: the
// required ones in the order of "required", then the optional ones by name.
// Optional properties of unsupported types are left out.
func schemaProps(t provider.ToolSpec) ([]prop, error) {
	props, _ := t.Schema["properties"].(value.Map)
	var out []prop
	done := map[string]bool{}
	req, _ := t.Schema["required"].(value.List)
	for _, r := range req {
		k, ok := r.(string)
		if !ok || done[k] {
			continue
		}
		ps, _ := props[k].(value.Map)
		if !supported(ps) {
			return nil, errs.New(errs.KindInvalidArgument, "tool %q: required property %q has a schema the local provider cannot constrain (supported: string, integer, number, boolean, enum of strings)", t.Name, k)
		}
		done[k] = true
		out = append(out, prop{key: k, schema: ps, required: true})
	}
	for _, k := range value.SortedKeys(props) {
		ps, _ := props[k].(value.Map)
		if done[k] || !supported(ps) {
			continue
		}
		out = append(out, prop{key: k, schema: ps})
	}
	return out, nil
}

// supported reports whether a property schema can be constrained. A
// missing schema (an untyped required property) counts as a string.
func supported(ps value.Map) bool {
	if enum, ok := ps["enum"].(value.List); ok {
		if len(enum) == 0 {
			return false
		}
		for _, e := range enum {
			if _, ok := e.(string); !ok {
				return false
			}
		}
		return true
	}
	switch ps["type"] {
	case nil, "string", "integer", "number", "boolean":
		return true
	}
	return false
}

// addObject adds the nodes of an arguments object after its '{' and
// returns the first node and the maximum length of the rest of the output
// (including the closing "}}").
func (g *grammar) addObject(props []prop, tool, accept int) (int, int) {
	nreq := 0
	for _, p := range props {
		if p.required {
			nreq++
		}
	}
	// after[j+1] is the choice after property j has been emitted (j = -1:
	// right after '{').
	after := make([]int, len(props)+1)
	for j := range after {
		after[j] = g.add(node{kind: nodeChoice, tool: tool})
	}
	values := make([]int, len(props))
	vmax := make([]int, len(props))
	for m, p := range props {
		values[m], vmax[m] = g.addValue(p.schema, after[m+1], tool)
	}
	total := 2 // "}}"
	for j := -1; j < len(props); j++ {
		sep := ","
		if j < 0 {
			sep = ""
		}
		n := &g.nodes[after[j+1]]
		last := j + 1
		if j+1 >= nreq {
			last = len(props) - 1
			n.lits = append(n.lits, "}}")
			n.nexts = append(n.nexts, accept)
		}
		for m := j + 1; m <= last && m < len(props); m++ {
			n.lits = append(n.lits, sep+quote(props[m].key)+":")
			n.nexts = append(n.nexts, values[m])
		}
	}
	for m, p := range props {
		total += 1 + len(quote(p.key)) + 1 + vmax[m]
	}
	return after[0], total
}

// addValue adds the node of one property value and returns it and the
// value's maximum length.
func (g *grammar) addValue(ps value.Map, next, tool int) (int, int) {
	if enum, ok := ps["enum"].(value.List); ok {
		n := node{kind: nodeChoice, tool: tool}
		longest := 0
		for _, e := range enum {
			lit := quote(e.(string))
			if slices.Contains(n.lits, lit) {
				continue
			}
			n.lits = append(n.lits, lit)
			n.nexts = append(n.nexts, next)
			longest = max(longest, len(lit))
		}
		return g.add(n), longest
	}
	switch ps["type"] {
	case "integer":
		return g.add(node{kind: nodeInteger, next: next, tool: tool}), 1 + maxIntDigits
	case "number":
		return g.add(node{kind: nodeNumber, next: next, tool: tool}), 2 + maxIntDigits + maxFracDigits
	case "boolean":
		return g.add(node{kind: nodeChoice, lits: []string{"false", "true"}, nexts: []int{next, next}, tool: tool}), 5
	}
	lo, hi := 0, maxStringLen
	if v, ok := intField(ps, "maxLength"); ok && v >= 0 && v < hi {
		hi = v
	}
	if v, ok := intField(ps, "minLength"); ok && v > 0 {
		lo = min(v, hi)
	}
	return g.add(node{kind: nodeString, next: next, minLen: lo, maxLen: hi, tool: tool}), hi + 2
}

func intField(m value.Map, k string) (int, bool) {
	switch v := m[k].(type) {
	case int64:
		return int(v), true
	case float64:
		return int(v), true
	}
	return 0, false
}

// quote returns s as a JSON string.
func quote(s string) string { return string(value.AppendString(nil, s)) }

// sortLits sorts a choice's literals (keeping each literal's next node)
// and checks that none is a prefix of another.
func (n *node) sortLits() error {
	if n.kind != nodeChoice {
		return nil
	}
	idx := make([]int, len(n.lits))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return n.lits[idx[a]] < n.lits[idx[b]] })
	lits := make([]string, len(idx))
	nexts := make([]int, len(idx))
	for i, j := range idx {
		lits[i], nexts[i] = n.lits[j], n.nexts[j]
	}
	n.lits, n.nexts = lits, nexts
	for i := 1; i < len(lits); i++ {
		if strings.HasPrefix(lits[i], lits[i-1]) {
			return errs.New(errs.KindInvalidArgument, "tool grammar: %q is a prefix of %q", lits[i-1], lits[i])
		}
	}
	return nil
}

// enter returns the initial state of node i.
func (g *grammar) enter(i int) grammarState {
	return grammarState{node: i, hi: len(g.nodes[i].lits)}
}

// initial returns the start state.
func (g *grammar) initial() grammarState { return g.enter(0) }

// accepted reports whether st is the end of a complete tool call.
func (g *grammar) accepted(st grammarState) bool { return g.nodes[st.node].kind == nodeAccept }

// tool returns the index of the tool being called in st, or -1 while the
// name is not yet complete.
func (g *grammar) tool(st grammarState) int { return g.nodes[st.node].tool }

// forced returns the rest of the literal that must come next in st (a
// key, punctuation, or a tool name once the prefix is unambiguous), or ""
// when the output is not fixed there.
func (g *grammar) forced(st grammarState) string {
	n := &g.nodes[st.node]
	if n.kind != nodeChoice || st.hi-st.lo != 1 {
		return ""
	}
	return n.lits[st.lo][st.pos:]
}

// advance feeds text to the automaton. It returns false when text does not
// keep the output a valid prefix. It does not allocate.
func (g *grammar) advance(st grammarState, text string) (grammarState, bool) {
	for i := 0; i < len(text); i++ {
		var ok bool
		if st, ok = g.step(st, text[i]); !ok {
			return st, false
		}
	}
	return st, true
}

// step feeds one byte.
func (g *grammar) step(st grammarState, c byte) (grammarState, bool) {
	n := &g.nodes[st.node]
	switch n.kind {
	case nodeChoice:
		lo, hi := st.lo, st.hi
		for lo < hi && (len(n.lits[lo]) <= st.pos || n.lits[lo][st.pos] != c) {
			lo++
		}
		end := lo
		for end < hi && len(n.lits[end]) > st.pos && n.lits[end][st.pos] == c {
			end++
		}
		if lo == end {
			return st, false
		}
		st.lo, st.hi, st.pos = lo, end, st.pos+1
		if len(n.lits[lo]) == st.pos { // complete; no other literal extends it
			return g.enter(n.nexts[lo]), true
		}
		return st, true
	case nodeString:
		if st.sub == strOpen {
			if c != '"' {
				return st, false
			}
			st.sub = strInner
			return st, true
		}
		if c == '"' {
			if st.pos < n.minLen {
				return st, false
			}
			return g.enter(n.next), true
		}
		if c < 0x20 || c > 0x7e || c == '\\' || st.pos >= n.maxLen {
			return st, false
		}
		st.pos++
		return st, true
	case nodeInteger, nodeNumber:
		isDigit := c >= '0' && c <= '9'
		frac := n.kind == nodeNumber
		switch st.sub {
		case numStart:
			switch {
			case c == '-':
				st.sub = numMinus
				return st, true
			case c == '0':
				st.sub = numZero
				return st, true
			case isDigit:
				st.sub, st.pos = numInt, 1
				return st, true
			}
			return st, false
		case numMinus:
			switch {
			case c == '0':
				st.sub = numZero
				return st, true
			case isDigit:
				st.sub, st.pos = numInt, 1
				return st, true
			}
			return st, false
		case numDot:
			if isDigit {
				st.sub, st.pos = numFrac, 1
				return st, true
			}
			return st, false
		case numInt:
			if isDigit && st.pos < maxIntDigits {
				st.pos++
				return st, true
			}
		case numFrac:
			if isDigit && st.pos < maxFracDigits {
				st.pos++
				return st, true
			}
		}
		if frac && c == '.' && (st.sub == numZero || st.sub == numInt) {
			st.sub, st.pos = numDot, 0
			return st, true
		}
		// The number is complete; the byte belongs to what follows.
		return g.step(g.enter(n.next), c)
	}
	return st, false
}

// mask sets the logits of tokens that cannot follow in state st to -Inf.
// prev is the token before the candidate (for the leading-space rule after
// BOS). It does not allocate.
func (g *grammar) mask(st grammarState, logits []float32, tok *tokenizer, prev int) {
	for id := range logits {
		if id == tokenUnk || id == tokenBOS || id == tokenEOS {
			logits[id] = negInf()
			continue
		}
		p := tok.piece(prev, id)
		if p == "" {
			logits[id] = negInf()
			continue
		}
		if _, ok := g.advance(st, p); !ok {
			logits[id] = negInf()
		}
	}
}
