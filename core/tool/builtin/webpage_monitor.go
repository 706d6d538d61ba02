package builtin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// wLineDiff compares two texts line by line (longest common subsequence;
// for very long texts, a cheaper set difference) and returns the removed
// and added lines and a unified-style listing.
func wLineDiff(a, b []string) (removed, added value.List, diff string) {
	removed, added = value.List{}, value.List{}
	var sb strings.Builder
	if len(a)*len(b) > 4_000_000 {
		inA, inB := map[string]int{}, map[string]int{}
		for _, l := range a {
			inA[l]++
		}
		for _, l := range b {
			inB[l]++
		}
		for _, l := range a {
			if inB[l] == 0 {
				removed = append(removed, l)
				sb.WriteString("-" + l + "\n")
			} else {
				inB[l]--
			}
		}
		for _, l := range b {
			if inA[l] == 0 {
				added = append(added, l)
				sb.WriteString("+" + l + "\n")
			} else {
				inA[l]--
			}
		}
		return removed, added, sb.String()
	}
	n, m := len(a), len(b)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			sb.WriteString(" " + a[i] + "\n")
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			removed = append(removed, a[i])
			sb.WriteString("-" + a[i] + "\n")
			i++
		default:
			added = append(added, b[j])
			sb.WriteString("+" + b[j] + "\n")
			j++
		}
	}
	return removed, added, sb.String()
}

func wLines(s string) []string {
	s = strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func webpageMonitorTool() *tool.Tool {
	return &tool.Tool{
		Name: "webpage_monitor", Category: "web", Level: tool.Restricted, Tags: []string{"network", "html", "monitoring"},
		Aliases:     []string{"webpage-monitor"},
		Description: "Fetch a page (or the part a CSS selector picks), compare it with previous_content and return whether it changed, a line diff, and the current content to pass next time.",
		Schema: obj(value.Map{
			"input":             str("page URL (http or https)"),
			"previous_content":  str("content returned by the last check (absent: first check)"),
			"selector":          str("CSS selector: watch only the text of these elements (one line each)"),
			"ignore_whitespace": boolean("collapse runs of spaces before comparing"),
			"operation":         str("ignored; the tool has one operation"),
		}, "input"),
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			const name = "webpage_monitor"
			doc, resp, err := wFetchDoc(ctx, c, name, c.Str("input", ""))
			if err != nil {
				return nil, err
			}
			var lines []string
			if sel := c.Str("selector", ""); sel != "" {
				l, err := wSelect(name, doc, sel)
				if err != nil {
					return nil, err
				}
				for _, s := range l {
					lines = append(lines, s.(string))
				}
			} else {
				lines = wLinesOf(doc.Find("body"))
			}
			ws, _ := c.Params["ignore_whitespace"].(bool)
			norm := func(ls []string) []string {
				if !ws {
					return ls
				}
				out := make([]string, len(ls))
				for i, l := range ls {
					out[i] = strings.Join(strings.Fields(l), " ")
				}
				return out
			}
			current := strings.Join(lines, "\n")
			sum := sha256.Sum256([]byte(current))
			out := value.Map{"url": resp.URL, "status": int64(resp.Status), "current_content": current, "content_hash": hex.EncodeToString(sum[:])}
			prev, had := c.Params["previous_content"].(string)
			if !had {
				out["first_check"], out["changed"] = true, false
				return out, nil
			}
			removed, added, diff := wLineDiff(norm(wLines(prev)), norm(lines))
			out["first_check"] = false
			out["changed"] = len(removed)+len(added) > 0
			out["added"], out["removed"] = added, removed
			if len(removed)+len(added) > 0 {
				out["diff"] = diff
			}
			return out, nil
		},
	}
}
