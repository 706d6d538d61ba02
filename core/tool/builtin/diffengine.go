package builtin

import (
	"fmt"
	"sort"
	"strings"
)

// diffOp is one step of an edit script, as in Python's difflib: tag e
// (equal), d (delete a[I1:I2]), i (insert b[J1:J2]) or r (replace).
type diffOp struct {
	Tag            byte
	I1, I2, J1, J2 int
}

const (
	maxLCSCells    = 4 << 20 // exact LCS below this many cells
	maxDiffRecurse = 64
)

// diffOpCodes returns the edit script turning a into b.
func diffOpCodes(a, b []string) []diffOp {
	var pairs [][2]int
	diffMatch(a, b, 0, len(a), 0, len(b), &pairs, 0)
	var ops []diffOp
	i, j := 0, 0
	emit := func(tag byte, i1, i2, j1, j2 int) {
		if n := len(ops); n > 0 && ops[n-1].Tag == tag && ops[n-1].I2 == i1 && ops[n-1].J2 == j1 {
			ops[n-1].I2, ops[n-1].J2 = i2, j2
			return
		}
		ops = append(ops, diffOp{tag, i1, i2, j1, j2})
	}
	gap := func(i2, j2 int) {
		switch {
		case i < i2 && j < j2:
			emit('r', i, i2, j, j2)
		case i < i2:
			emit('d', i, i2, j, j)
		case j < j2:
			emit('i', i, i, j, j2)
		}
	}
	for _, p := range pairs {
		gap(p[0], p[1])
		emit('e', p[0], p[0]+1, p[1], p[1]+1)
		i, j = p[0]+1, p[1]+1
	}
	gap(len(a), len(b))
	return ops
}

// diffMatch appends matching index pairs of a[alo:ahi] and b[blo:bhi] in
// increasing order.
func diffMatch(a, b []string, alo, ahi, blo, bhi int, pairs *[][2]int, depth int) {
	for alo < ahi && blo < bhi && a[alo] == b[blo] {
		*pairs = append(*pairs, [2]int{alo, blo})
		alo, blo = alo+1, blo+1
	}
	var tail [][2]int
	for alo < ahi && blo < bhi && a[ahi-1] == b[bhi-1] {
		ahi, bhi = ahi-1, bhi-1
		tail = append(tail, [2]int{ahi, bhi})
	}
	defer func() {
		for k := len(tail) - 1; k >= 0; k-- {
			*pairs = append(*pairs, tail[k])
		}
	}()
	n, m := ahi-alo, bhi-blo
	if n == 0 || m == 0 {
		return
	}
	if n*m <= maxLCSCells {
		diffLCS(a, b, alo, ahi, blo, bhi, pairs)
		return
	}
	if depth >= maxDiffRecurse {
		return
	}
	// Patience: lines occurring once on each side, kept in the longest
	// increasing run of their positions in b.
	type cnt struct{ na, nb, ia, ib int }
	seen := map[string]*cnt{}
	for i := alo; i < ahi; i++ {
		c := seen[a[i]]
		if c == nil {
			c = &cnt{}
			seen[a[i]] = c
		}
		c.na++
		c.ia = i
	}
	for j := blo; j < bhi; j++ {
		if c := seen[b[j]]; c != nil {
			c.nb++
			c.ib = j
		}
	}
	var uniq [][2]int
	for i := alo; i < ahi; i++ {
		if c := seen[a[i]]; c.na == 1 && c.nb == 1 {
			uniq = append(uniq, [2]int{i, c.ib})
		}
	}
	anchors := longestIncreasing(uniq)
	if len(anchors) == 0 {
		return // nothing reliable to align on: one replaced block
	}
	pi, pj := alo, blo
	for _, an := range anchors {
		diffMatch(a, b, pi, an[0], pj, an[1], pairs, depth+1)
		*pairs = append(*pairs, an)
		pi, pj = an[0]+1, an[1]+1
	}
	diffMatch(a, b, pi, ahi, pj, bhi, pairs, depth+1)
}

// longestIncreasing keeps the longest run of pairs increasing in both
// coordinates (pairs are sorted by the first), by patience sorting.
func longestIncreasing(ps [][2]int) [][2]int {
	var tops []int // index into ps of the top of each pile
	prev := make([]int, len(ps))
	for k, p := range ps {
		h := sort.Search(len(tops), func(x int) bool { return ps[tops[x]][1] > p[1] })
		if h > 0 {
			prev[k] = tops[h-1]
		} else {
			prev[k] = -1
		}
		if h == len(tops) {
			tops = append(tops, k)
		} else {
			tops[h] = k
		}
	}
	if len(tops) == 0 {
		return nil
	}
	out := make([][2]int, len(tops))
	for k, x := len(tops)-1, tops[len(tops)-1]; k >= 0; k, x = k-1, prev[x] {
		out[k] = ps[x]
	}
	return out
}

// diffLCS appends an exact longest common subsequence.
func diffLCS(a, b []string, alo, ahi, blo, bhi int, pairs *[][2]int) {
	n, m := ahi-alo, bhi-blo
	t := make([]int32, (n+1)*(m+1))
	w := m + 1
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[alo+i] == b[blo+j] {
				t[i*w+j] = t[(i+1)*w+j+1] + 1
			} else if t[(i+1)*w+j] >= t[i*w+j+1] {
				t[i*w+j] = t[(i+1)*w+j]
			} else {
				t[i*w+j] = t[i*w+j+1]
			}
		}
	}
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[alo+i] == b[blo+j]:
			*pairs = append(*pairs, [2]int{alo + i, blo + j})
			i, j = i+1, j+1
		case t[(i+1)*w+j] >= t[i*w+j+1]:
			i++
		default:
			j++
		}
	}
}

// diffGroups splits the script into hunks with n lines of context.
func diffGroups(ops []diffOp, n int) [][]diffOp {
	if len(ops) == 0 || (len(ops) == 1 && ops[0].Tag == 'e') {
		return nil
	}
	ops = append([]diffOp{}, ops...)
	if c := &ops[0]; c.Tag == 'e' {
		c.I1, c.J1 = max(c.I1, c.I2-n), max(c.J1, c.J2-n)
	}
	if c := &ops[len(ops)-1]; c.Tag == 'e' {
		c.I2, c.J2 = min(c.I2, c.I1+n), min(c.J2, c.J1+n)
	}
	var groups [][]diffOp
	var g []diffOp
	for _, c := range ops {
		if c.Tag == 'e' && c.I2-c.I1 > 2*n {
			g = append(g, diffOp{'e', c.I1, min(c.I2, c.I1+n), c.J1, min(c.J2, c.J1+n)})
			groups = append(groups, g)
			g = nil
			c.I1, c.J1 = max(c.I1, c.I2-n), max(c.J1, c.J2-n)
		}
		g = append(g, c)
	}
	if len(g) > 0 && !(len(g) == 1 && g[0].Tag == 'e') {
		groups = append(groups, g)
	}
	return groups
}

func unifiedRange(start, stop int) string {
	b, l := start+1, stop-start
	if l == 1 {
		return fmt.Sprint(b)
	}
	if l == 0 {
		b--
	}
	return fmt.Sprintf("%d,%d", b, l)
}

func contextRange(start, stop int) string {
	b, l := start+1, stop-start
	if l == 0 {
		b--
	}
	if l <= 1 {
		return fmt.Sprint(b)
	}
	return fmt.Sprintf("%d,%d", b, b+l-1)
}

func writeUnified(out *strings.Builder, a, b []string, ops []diffOp, n int) {
	for k, g := range diffGroups(ops, n) {
		if k == 0 {
			out.WriteString("--- old\n+++ new\n")
		}
		first, last := g[0], g[len(g)-1]
		fmt.Fprintf(out, "@@ -%s +%s @@\n", unifiedRange(first.I1, last.I2), unifiedRange(first.J1, last.J2))
		for _, c := range g {
			if c.Tag == 'e' {
				for _, l := range a[c.I1:c.I2] {
					out.WriteString(" " + l)
				}
				continue
			}
			for _, l := range a[c.I1:c.I2] {
				out.WriteString("-" + l)
			}
			for _, l := range b[c.J1:c.J2] {
				out.WriteString("+" + l)
			}
		}
	}
}

func writeContext(out *strings.Builder, a, b []string, ops []diffOp, n int) {
	prefix := map[byte]string{'i': "+ ", 'd': "- ", 'r': "! ", 'e': "  "}
	for k, g := range diffGroups(ops, n) {
		if k == 0 {
			out.WriteString("*** old\n--- new\n")
		}
		first, last := g[0], g[len(g)-1]
		out.WriteString("***************\n")
		fmt.Fprintf(out, "*** %s ****\n", contextRange(first.I1, last.I2))
		for _, c := range g {
			if c.Tag == 'r' || c.Tag == 'd' {
				for _, c := range g {
					if c.Tag != 'i' {
						for _, l := range a[c.I1:c.I2] {
							out.WriteString(prefix[c.Tag] + l)
						}
					}
				}
				break
			}
		}
		fmt.Fprintf(out, "--- %s ----\n", contextRange(first.J1, last.J2))
		for _, c := range g {
			if c.Tag == 'r' || c.Tag == 'i' {
				for _, c := range g {
					if c.Tag != 'd' {
						for _, l := range b[c.J1:c.J2] {
							out.WriteString(prefix[c.Tag] + l)
						}
					}
				}
				break
			}
		}
	}
}
