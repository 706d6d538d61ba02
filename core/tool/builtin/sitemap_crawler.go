package builtin

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"strings"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// wSitemap is either a <urlset> or a <sitemapindex>.
type wSitemap struct {
	XMLName xml.Name
	URLs    []struct {
		Loc        string `xml:"loc"`
		LastMod    string `xml:"lastmod"`
		ChangeFreq string `xml:"changefreq"`
		Priority   string `xml:"priority"`
	} `xml:"url"`
	Sitemaps []struct {
		Loc string `xml:"loc"`
	} `xml:"sitemap"`
}

func sitemapCrawlerTool() *tool.Tool {
	return &tool.Tool{
		Name: "sitemap_crawler", Category: "web", Level: tool.Restricted, Tags: []string{"network", "sitemap", "crawling"},
		Aliases:     []string{"sitemap-crawler"},
		Description: "Read a sitemap.xml (gzip too), following sitemap indexes, and list its URLs with lastmod, changefreq and priority.",
		Schema: obj(value.Map{
			"input":        str("sitemap URL (http or https)"),
			"max_urls":     wInt("stop after this many URLs (default 1000)", 1, 100000),
			"max_sitemaps": wInt("fetch at most this many sitemaps (default 50)", 1, 1000),
			"operation":    str("ignored; the tool has one operation"),
		}, "input"),
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			const name = "sitemap_crawler"
			maxURLs, maxMaps := int(wNum(c, "max_urls", 1000)), int(wNum(c, "max_sitemaps", 50))
			queue := []string{c.Str("input", "")}
			seen := map[string]bool{}
			urls, fetched, problems := value.List{}, value.List{}, value.List{}
			truncated := false
			for len(queue) > 0 && len(urls) < maxURLs {
				loc := queue[0]
				queue = queue[1:]
				if seen[loc] {
					continue
				}
				if len(fetched) >= maxMaps {
					truncated = true
					break
				}
				seen[loc] = true
				u, err := wURL(name, loc)
				if err != nil {
					if len(fetched) == 0 {
						return nil, err
					}
					problems = append(problems, err.Error())
					continue
				}
				req, _ := http.NewRequest("GET", u.String(), nil)
				req.Header.Set("User-Agent", "llmspell/0.1")
				resp, err := wDo(ctx, c, name, req, 0)
				if err != nil {
					if len(fetched) == 0 || errs.KindOf(err) == errs.KindDenied {
						return nil, err
					}
					problems = append(problems, err.Error())
					continue
				}
				fetched = append(fetched, loc)
				if resp.Status >= 400 {
					if len(fetched) == 1 {
						return nil, fail(name, "%s answered %d", loc, resp.Status)
					}
					problems = append(problems, loc+": status "+http.StatusText(resp.Status))
					continue
				}
				body := resp.Body
				if len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b {
					zr, err := gzip.NewReader(bytes.NewReader(body))
					if err != nil {
						problems = append(problems, loc+": "+err.Error())
						continue
					}
					max := wMaxBody(c)
					body, err = io.ReadAll(io.LimitReader(zr, max+1))
					if err != nil || int64(len(body)) > max {
						return nil, errs.New(errs.KindLimit, "%s: %s decompresses to more than %d bytes", name, loc, max)
					}
				}
				var sm wSitemap
				if err := xml.Unmarshal(body, &sm); err != nil {
					if len(fetched) == 1 {
						return nil, fail(name, "%s is not a sitemap: %v", loc, err)
					}
					problems = append(problems, loc+": "+err.Error())
					continue
				}
				for _, s := range sm.Sitemaps {
					queue = append(queue, strings.TrimSpace(s.Loc))
				}
				for _, e := range sm.URLs {
					if len(urls) >= maxURLs {
						truncated = true
						break
					}
					m := value.Map{"loc": strings.TrimSpace(e.Loc)}
					if e.LastMod != "" {
						m["lastmod"] = strings.TrimSpace(e.LastMod)
					}
					if e.ChangeFreq != "" {
						m["changefreq"] = strings.TrimSpace(e.ChangeFreq)
					}
					if e.Priority != "" {
						m["priority"] = strings.TrimSpace(e.Priority)
					}
					urls = append(urls, m)
				}
			}
			if len(queue) > 0 {
				truncated = true
			}
			out := value.Map{"urls": urls, "count": int64(len(urls)), "sitemaps": fetched, "truncated": truncated}
			if len(problems) > 0 {
				out["errors"] = problems
			}
			return out, nil
		},
	}
}
