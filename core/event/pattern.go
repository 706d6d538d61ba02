package event

import (
	"strings"

	"github.com/llmspell/llmspell-go/core/errs"
)

// validatePattern checks a subscription pattern.
func validatePattern(p string) error {
	if p == "" {
		return errs.New(errs.KindInvalidArgument, "event pattern is empty")
	}
	if strings.ContainsAny(p, " \t\r\n\x00") {
		return errs.New(errs.KindInvalidArgument, "event pattern %q contains whitespace or NUL", p)
	}
	for _, seg := range strings.Split(p, ".") {
		if seg == "" {
			return errs.New(errs.KindInvalidArgument, "event pattern %q has an empty segment", p)
		}
	}
	return nil
}

// validateType checks an event type: dot-separated, non-empty segments, no
// wildcards.
func validateType(t string) error {
	if t == "" {
		return errs.New(errs.KindInvalidArgument, "event type is empty")
	}
	if len(t) > 256 {
		return errs.New(errs.KindInvalidArgument, "event type is longer than 256 bytes")
	}
	if strings.ContainsAny(t, "* \t\r\n\x00") {
		return errs.New(errs.KindInvalidArgument, "event type %q contains '*', whitespace or NUL", t)
	}
	for _, seg := range strings.Split(t, ".") {
		if seg == "" {
			return errs.New(errs.KindInvalidArgument, "event type %q has an empty segment", t)
		}
	}
	return nil
}

// trie holds dotted patterns segment by segment. A "*" child matches one
// or more segments.
type trie struct {
	children map[string]*trie
	star     *trie
	subs     []*Subscription // patterns ending here
}

func (t *trie) insert(segs []string, s *Subscription) {
	node := t
	for _, seg := range segs {
		if seg == "*" {
			if node.star == nil {
				node.star = &trie{}
			}
			node = node.star
			continue
		}
		if node.children == nil {
			node.children = map[string]*trie{}
		}
		next := node.children[seg]
		if next == nil {
			next = &trie{}
			node.children[seg] = next
		}
		node = next
	}
	node.subs = append(node.subs, s)
}

// match adds to out every subscription whose pattern matches segs.
func (t *trie) match(segs []string, out map[*Subscription]struct{}) {
	if len(segs) == 0 {
		for _, s := range t.subs {
			out[s] = struct{}{}
		}
		return
	}
	if next := t.children[segs[0]]; next != nil {
		next.match(segs[1:], out)
	}
	if t.star != nil {
		// "*" consumes one or more segments.
		for i := 1; i <= len(segs); i++ {
			t.star.match(segs[i:], out)
		}
	}
}

// index is the compiled form of a subscription set.
type index struct {
	all      []*Subscription // pattern "*"
	prefixes []*Subscription // "foo*" string prefixes
	tree     trie
}

func buildIndex(subs []*Subscription) *index {
	ix := &index{}
	for _, s := range subs {
		p := s.pattern
		switch {
		case p == "*":
			ix.all = append(ix.all, s)
		case strings.HasSuffix(p, "*") && !strings.HasSuffix(p, ".*") && !strings.Contains(p[:len(p)-1], "*"):
			ix.prefixes = append(ix.prefixes, s)
		default:
			ix.tree.insert(strings.Split(p, "."), s)
		}
	}
	return ix
}

// lookup returns the subscriptions matching typ, in subscription order.
func (ix *index) lookup(typ string) []*Subscription {
	set := map[*Subscription]struct{}{}
	for _, s := range ix.all {
		set[s] = struct{}{}
	}
	for _, s := range ix.prefixes {
		if strings.HasPrefix(typ, s.pattern[:len(s.pattern)-1]) {
			set[s] = struct{}{}
		}
	}
	ix.tree.match(strings.Split(typ, "."), set)
	out := make([]*Subscription, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sortByID(out)
	return out
}
