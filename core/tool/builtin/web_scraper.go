package builtin

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// wFetchDoc fetches an HTML page through the policy client and parses it.
func wFetchDoc(ctx context.Context, c *tool.Call, name, raw string) (*goquery.Document, *wResponse, error) {
	u, err := wURL(name, raw)
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequest("GET", u.String(), nil)
	if err != nil {
		return nil, nil, fail(name, "%v", err)
	}
	req.Header.Set("User-Agent", "llmspell/0.1")
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	resp, err := wDo(ctx, c, name, req, 0)
	if err != nil {
		return nil, nil, err
	}
	if resp.Status >= 400 {
		return nil, nil, fail(name, "%s answered %d %s", resp.URL, resp.Status, http.StatusText(resp.Status))
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(resp.Body))
	if err != nil {
		return nil, nil, fail(name, "parse HTML: %v", err)
	}
	return doc, resp, nil
}

// wText is the whitespace-normalised text of a selection.
func wText(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

var wBlocks = map[string]bool{"address": true, "article": true, "aside": true, "blockquote": true, "br": true, "dd": true, "div": true,
	"dl": true, "dt": true, "fieldset": true, "figcaption": true, "figure": true, "footer": true, "form": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "header": true, "hr": true, "li": true, "main": true, "nav": true, "ol": true,
	"p": true, "pre": true, "section": true, "table": true, "td": true, "th": true, "tr": true, "ul": true, "title": true}

// wLinesOf returns the visible text of a selection as lines: block
// elements break lines, scripts and styles are skipped, spaces collapse.
func wLinesOf(s *goquery.Selection) []string {
	var sb strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			sb.WriteString(n.Data)
			return
		case html.ElementNode:
			switch n.Data {
			case "script", "style", "noscript", "template", "head":
				return
			}
		}
		block := n.Type == html.ElementNode && wBlocks[n.Data]
		if block {
			sb.WriteByte('\n')
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
		if block {
			sb.WriteByte('\n')
		}
	}
	for _, n := range s.Nodes {
		walk(n)
	}
	var out []string
	for _, l := range strings.Split(sb.String(), "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// wSelect runs a CSS selector; "sel @attr" returns that attribute.
func wSelect(name string, doc *goquery.Document, sel string) (value.List, error) {
	attr := ""
	if i := strings.LastIndex(sel, " @"); i >= 0 {
		sel, attr = strings.TrimSpace(sel[:i]), strings.TrimSpace(sel[i+2:])
	}
	m, err := cascadia.Compile(sel)
	if err != nil {
		return nil, fail(name, "invalid CSS selector %q: %v", sel, err)
	}
	out := value.List{}
	doc.FindMatcher(m).Each(func(_ int, s *goquery.Selection) {
		if attr != "" {
			if v, ok := s.Attr(attr); ok {
				out = append(out, v)
			}
		} else {
			out = append(out, wText(s))
		}
	})
	return out, nil
}

func webScraperTool() *tool.Tool {
	return &tool.Tool{
		Name: "web_scraper", Category: "web", Level: tool.Restricted, Tags: []string{"network", "html", "scraping"},
		Aliases:     []string{"web-scraper"},
		Description: "Fetch a web page and extract text, links, images, meta tags and CSS-selector matches (\"selector @attr\" for an attribute).",
		Schema: obj(value.Map{
			"input":     str("page URL (http or https)"),
			"selectors": value.Map{"type": []any{"object", "string"}, "description": "a CSS selector, or an object name -> selector"},
			"extract": value.Map{"type": "array", "description": "what to extract (default all): text, links, images, meta",
				"items": enum("part", "text", "links", "images", "meta")},
			"max_text_length": wInt("longest text returned (default 100000)", 1, 10000000),
			"operation":       str("ignored; the tool has one operation"),
		}, "input"),
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			const name = "web_scraper"
			doc, resp, err := wFetchDoc(ctx, c, name, c.Str("input", ""))
			if err != nil {
				return nil, err
			}
			base, _ := url.Parse(resp.URL)
			abs := func(ref string) string {
				r, err := url.Parse(strings.TrimSpace(ref))
				if err != nil {
					return ref
				}
				return base.ResolveReference(r).String()
			}
			want := map[string]bool{"text": true, "links": true, "images": true, "meta": true}
			if l, ok := c.Params["extract"].(value.List); ok {
				want = map[string]bool{}
				for _, e := range l {
					want[e.(string)] = true
				}
			}
			out := value.Map{"url": resp.URL, "status": int64(resp.Status), "title": strings.TrimSpace(doc.Find("title").First().Text())}
			if want["text"] {
				t := strings.Join(wLinesOf(doc.Find("body")), "\n")
				if max := int(wNum(c, "max_text_length", 100000)); len(t) > max {
					t, out["text_truncated"] = t[:max], true
				}
				out["text"] = t
			}
			if want["links"] {
				links := value.List{}
				doc.Find("a[href]").Each(func(_ int, s *goquery.Selection) {
					h, _ := s.Attr("href")
					links = append(links, value.Map{"href": abs(h), "text": wText(s)})
				})
				out["links"] = links
			}
			if want["images"] {
				imgs := value.List{}
				doc.Find("img[src]").Each(func(_ int, s *goquery.Selection) {
					src, _ := s.Attr("src")
					alt, _ := s.Attr("alt")
					imgs = append(imgs, value.Map{"src": abs(src), "alt": alt})
				})
				out["images"] = imgs
			}
			if want["meta"] {
				out["meta"] = wPageMeta(doc)
			}
			switch s := c.Params["selectors"].(type) {
			case string:
				l, err := wSelect(name, doc, s)
				if err != nil {
					return nil, err
				}
				out["selected"] = l
			case value.Map:
				sel := value.Map{}
				for k, v := range s {
					vs, ok := v.(string)
					if !ok {
						return nil, fail(name, "selector %s must be a string", k)
					}
					l, err := wSelect(name, doc, vs)
					if err != nil {
						return nil, err
					}
					sel[k] = l
				}
				out["selected"] = sel
			}
			return out, nil
		},
	}
}
