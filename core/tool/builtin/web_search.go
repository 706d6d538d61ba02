package builtin

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// wProvider describes one search provider: its default base URL, the
// environment variable of its key, and where results live in its answer.
type wProvider struct {
	base, keyEnv, list, title, link, snippet string
}

var wProviders = map[string]wProvider{
	"duckduckgo": {base: "https://html.duckduckgo.com"},
	"brave":      {base: "https://api.search.brave.com", keyEnv: "BRAVE_API_KEY", list: "web.results", title: "title", link: "url", snippet: "description"},
	"google":     {base: "https://www.googleapis.com", keyEnv: "GOOGLE_API_KEY", list: "items", title: "title", link: "link", snippet: "snippet"},
	"serpapi":    {base: "https://serpapi.com", keyEnv: "SERPAPI_API_KEY", list: "organic_results", title: "title", link: "link", snippet: "snippet"},
	"serperdev":  {base: "https://google.serper.dev", keyEnv: "SERPER_API_KEY", list: "organic", title: "title", link: "link", snippet: "snippet"},
	"tavily":     {base: "https://api.tavily.com", keyEnv: "TAVILY_API_KEY", list: "results", title: "title", link: "url", snippet: "content"},
}

// wDDGLink undoes DuckDuckGo's redirect links (//duckduckgo.com/l/?uddg=...).
func wDDGLink(h string) string {
	if u, err := url.Parse(h); err == nil {
		if t := u.Query().Get("uddg"); t != "" {
			return t
		}
		if u.Scheme == "" && strings.HasPrefix(h, "//") {
			return "https:" + h
		}
	}
	return h
}

func webSearchTool() *tool.Tool {
	names := []string{"duckduckgo", "brave", "google", "serpapi", "serperdev", "tavily"}
	return &tool.Tool{
		Name: "web_search", Category: "web", Level: tool.Restricted, Tags: []string{"network", "search"},
		Aliases:     []string{"web-search"},
		Description: "Search the web through DuckDuckGo (default, no key), Brave, Google Custom Search, SerpAPI, Serper or Tavily; returns title, url and snippet per result.",
		Schema: obj(value.Map{
			"input":       str("the search query"),
			"provider":    enum("search provider (default duckduckgo)", names...),
			"max_results": wInt("results wanted (default 10)", 1, 100),
			"api_key":     str("provider key (default: BRAVE_API_KEY, GOOGLE_API_KEY, SERPAPI_API_KEY, SERPER_API_KEY or TAVILY_API_KEY)"),
			"engine_id":   str("Google Custom Search engine id (cx; default GOOGLE_SEARCH_ENGINE_ID)"),
			"base_url":    str("provider base URL (default the provider's public API; tests point it at loopback)"),
			"operation":   str("ignored; the tool has one operation"),
		}, "input"),
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			const name = "web_search"
			q := strings.TrimSpace(c.Str("input", ""))
			if q == "" {
				return nil, fail(name, "the query is empty")
			}
			pn := c.Str("provider", "duckduckgo")
			p := wProviders[pn]
			base := strings.TrimRight(c.Str("base_url", p.base), "/")
			if _, err := wURL(name, base); err != nil {
				return nil, err
			}
			n := int(wNum(c, "max_results", 10))
			key := c.Str("api_key", "")
			if key == "" && p.keyEnv != "" {
				key = os.Getenv(p.keyEnv)
			}
			if key == "" && p.keyEnv != "" {
				return nil, fail(name, "provider %s needs an API key (api_key or %s)", pn, p.keyEnv)
			}
			var req *http.Request
			var err error
			qs := url.Values{}
			jsonReq := func(path string, body value.Map) {
				enc, _ := value.Encode(body)
				req, err = http.NewRequest("POST", base+path, bytes.NewReader(enc))
				if err == nil {
					req.Header.Set("Content-Type", "application/json")
				}
			}
			switch pn {
			case "duckduckgo":
				qs.Set("q", q)
				req, err = http.NewRequest("GET", base+"/html/?"+qs.Encode(), nil)
			case "brave":
				qs.Set("q", q)
				qs.Set("count", strconv.Itoa(min(n, 20)))
				req, err = http.NewRequest("GET", base+"/res/v1/web/search?"+qs.Encode(), nil)
				if err == nil {
					req.Header.Set("X-Subscription-Token", key)
				}
			case "google":
				cx := c.Str("engine_id", os.Getenv("GOOGLE_SEARCH_ENGINE_ID"))
				if cx == "" {
					return nil, fail(name, "provider google needs engine_id (or GOOGLE_SEARCH_ENGINE_ID)")
				}
				qs.Set("q", q)
				qs.Set("key", key)
				qs.Set("cx", cx)
				qs.Set("num", strconv.Itoa(min(n, 10)))
				req, err = http.NewRequest("GET", base+"/customsearch/v1?"+qs.Encode(), nil)
			case "serpapi":
				qs.Set("q", q)
				qs.Set("api_key", key)
				qs.Set("engine", "google")
				qs.Set("num", strconv.Itoa(n))
				req, err = http.NewRequest("GET", base+"/search.json?"+qs.Encode(), nil)
			case "serperdev":
				jsonReq("/search", value.Map{"q": q, "num": int64(n)})
				if err == nil {
					req.Header.Set("X-API-KEY", key)
				}
			case "tavily":
				jsonReq("/search", value.Map{"api_key": key, "query": q, "max_results": int64(n)})
			}
			if err != nil {
				return nil, fail(name, "%v", err)
			}
			req.Header.Set("User-Agent", "llmspell/0.1")
			resp, err := wDo(ctx, c, name, req, 0)
			if err != nil {
				return nil, err
			}
			if resp.Status >= 400 {
				msg := string(resp.Body)
				if len(msg) > 300 {
					msg = msg[:300]
				}
				return nil, fail(name, "%s answered %d: %s", pn, resp.Status, msg)
			}
			results := value.List{}
			if pn == "duckduckgo" {
				doc, err := goquery.NewDocumentFromReader(bytes.NewReader(resp.Body))
				if err != nil {
					return nil, fail(name, "parse results: %v", err)
				}
				doc.Find(".result").EachWithBreak(func(_ int, s *goquery.Selection) bool {
					a := s.Find("a.result__a").First()
					h, ok := a.Attr("href")
					if !ok {
						return true
					}
					results = append(results, value.Map{"title": wText(a), "url": wDDGLink(h), "snippet": wText(s.Find(".result__snippet").First())})
					return len(results) < n
				})
			} else {
				doc, err := value.Decode(resp.Body)
				if err != nil {
					return nil, fail(name, "%s answered with invalid JSON: %v", pn, err)
				}
				list, _ := value.Get(doc, p.list)
				l, _ := list.(value.List)
				for _, e := range l {
					m, _ := e.(value.Map)
					if m == nil || len(results) >= n {
						continue
					}
					s := func(k string) string { v, _ := m[k].(string); return v }
					results = append(results, value.Map{"title": s(p.title), "url": s(p.link), "snippet": s(p.snippet)})
				}
			}
			return value.Map{"query": q, "provider": pn, "results": results, "count": int64(len(results))}, nil
		},
	}
}
