package builtin

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// wPageMeta reads the title, meta tags and canonical link of an HTML page.
func wPageMeta(doc *goquery.Document) value.Map {
	meta := value.Map{}
	doc.Find("meta").Each(func(_ int, s *goquery.Selection) {
		k, _ := s.Attr("name")
		if k == "" {
			k, _ = s.Attr("property")
		}
		if k == "" {
			if cs, ok := s.Attr("charset"); ok {
				meta["charset"] = cs
			}
			return
		}
		if v, ok := s.Attr("content"); ok {
			meta[strings.ToLower(k)] = v
		}
	})
	return meta
}

func urlAnalyzerTool() *tool.Tool {
	return &tool.Tool{
		Name: "url_analyzer", Category: "web", Level: tool.Safe, Tags: []string{"url", "web"},
		Aliases:     []string{"url-analyzer"},
		Description: "Split a URL into its parts, decode its query parameters and check it; optionally fetch the page's status, title and meta tags.",
		Schema: obj(value.Map{
			"input":          str("the URL"),
			"fetch_metadata": boolean("also fetch the URL (through the network policy) for status, content type, title and meta"),
			"operation":      str("ignored; the tool has one operation"),
		}, "input"),
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			raw := strings.TrimSpace(c.Str("input", ""))
			u, err := url.Parse(raw)
			if err != nil {
				return value.Map{"input": raw, "valid": false, "error": err.Error()}, nil
			}
			problems := value.List{}
			if u.Scheme == "" {
				problems = append(problems, "no scheme")
			}
			if u.Host == "" && u.Opaque == "" {
				problems = append(problems, "no host")
			}
			if (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() == "" {
				problems = append(problems, "http URL without a host name")
			}
			params := value.Map{}
			q, qerr := url.ParseQuery(u.RawQuery)
			if qerr != nil {
				problems = append(problems, "query: "+qerr.Error())
			}
			keys := make([]string, 0, len(q))
			for k := range q {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if len(q[k]) == 1 {
					params[k] = q[k][0]
				} else {
					l := value.List{}
					for _, v := range q[k] {
						l = append(l, v)
					}
					params[k] = l
				}
			}
			host := u.Hostname()
			out := value.Map{"input": raw, "valid": len(problems) == 0, "scheme": u.Scheme, "host": u.Host, "hostname": host,
				"port": u.Port(), "path": u.Path, "raw_query": u.RawQuery, "query_params": params, "fragment": u.Fragment,
				"is_absolute": u.IsAbs(), "normalized": u.String()}
			if len(problems) > 0 {
				out["problems"] = problems
			}
			if u.User != nil {
				out["username"] = u.User.Username()
				_, hasPw := u.User.Password()
				out["has_password"] = hasPw
			}
			if ip := net.ParseIP(host); ip != nil {
				out["is_ip"] = true
				out["is_private"] = ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()
			} else if host != "" {
				out["is_ip"] = false
				labels := strings.Split(host, ".")
				out["tld"] = labels[len(labels)-1]
				if len(labels) >= 2 {
					out["domain"] = strings.Join(labels[len(labels)-2:], ".")
				}
				if len(labels) > 2 {
					out["subdomain"] = strings.Join(labels[:len(labels)-2], ".")
				}
			}
			if fetch, _ := c.Params["fetch_metadata"].(bool); fetch {
				if _, err := wURL("url_analyzer", raw); err != nil {
					return nil, err
				}
				req, err := http.NewRequest("GET", raw, nil)
				if err != nil {
					return nil, fail("url_analyzer", "%v", err)
				}
				req.Header.Set("User-Agent", "llmspell/0.1")
				resp, err := wDo(ctx, c, "url_analyzer", req, 0)
				if err != nil {
					return nil, err
				}
				md := value.Map{"status": int64(resp.Status), "content_type": resp.Header.Get("Content-Type"),
					"content_length": int64(len(resp.Body)), "final_url": resp.URL}
				if strings.Contains(resp.Header.Get("Content-Type"), "html") {
					if doc, err := goquery.NewDocumentFromReader(bytes.NewReader(resp.Body)); err == nil {
						md["title"] = strings.TrimSpace(doc.Find("title").First().Text())
						md["meta"] = wPageMeta(doc)
					}
				}
				out["metadata"] = md
			}
			return out, nil
		},
	}
}
