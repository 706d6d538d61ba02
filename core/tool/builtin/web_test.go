package builtin

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// wTestRegistry registers the built-ins under a policy that lets tools
// reach 127.0.0.1 (the httptest servers) and files under dir.
func wTestRegistry(t *testing.T, allow bool, dir string) *tool.Registry {
	t.Helper()
	p := tool.DefaultPolicy()
	if allow {
		p.AllowHosts = []string{"127.0.0.1"}
	}
	if dir != "" {
		p.FileRoots = []string{dir}
	}
	return wNewRegistry(t, p)
}

// wNewRegistry is newRegistry plus the web and media tools, whether or not
// Register lists them yet.
func wNewRegistry(t *testing.T, p *tool.Policy) *tool.Registry {
	r := newRegistry(t, p)
	for _, tl := range []*tool.Tool{httpRequestTool(), apiTesterTool(), webhookCallerTool(), urlAnalyzerTool(), webScraperTool(),
		webpageMonitorTool(), sitemapCrawlerTool(), webSearchTool(), graphqlQueryTool(), imageProcessorTool(), audioProcessorTool()} {
		if _, ok := r.Get(tl.Name); !ok {
			if err := r.Register(tl); err != nil {
				t.Fatal(err)
			}
		}
	}
	return r
}

func wMap(t *testing.T, env *tool.Envelope) value.Map {
	t.Helper()
	if !env.Success {
		t.Fatalf("tool failed: %v", env.Error)
	}
	return env.Result.(value.Map)
}

func wFailKind(t *testing.T, env *tool.Envelope, kind errs.Kind, text string) {
	t.Helper()
	if env.Success || env.Error == nil || env.Error.Kind != kind || !strings.Contains(env.Error.Message, text) {
		t.Fatalf("want failure %s containing %q, got %+v (%v)", kind, text, env.Map(), env.Error)
	}
}

func wTestServer(t *testing.T) *httptest.Server {
	var flaky atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Test", "yes")
		fmt.Fprint(w, `{"user":{"name":"ada","roles":["admin","dev"]},"n":3}`)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		enc, _ := value.Encode(value.Map{"method": r.Method, "body": string(b), "ctype": r.Header.Get("Content-Type"),
			"auth": r.Header.Get("Authorization"), "key": r.Header.Get("X-API-Key"), "qkey": r.URL.Query().Get("k"),
			"custom": r.Header.Get("X-Custom"), "sig": r.Header.Get("X-Signature-256")})
		w.Write(enc)
	})
	mux.HandleFunc("/flaky", func(w http.ResponseWriter, r *http.Request) {
		if flaky.Add(1)%3 != 0 {
			w.WriteHeader(503)
			return
		}
		fmt.Fprint(w, "finally")
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) { w.Write(bytes.Repeat([]byte("x"), 5000)) })
	mux.HandleFunc("/to-metadata/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/to-v6/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://[::1]:"+r.Host[strings.LastIndex(r.Host, ":")+1:]+"/json", http.StatusFound)
	})
	mux.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/to-v6", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://[::1]:"+r.Host[strings.LastIndex(r.Host, ":")+1:]+"/json", http.StatusFound)
	})
	mux.HandleFunc("/to-json", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/json", http.StatusFound) })
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><title> Test page </title><meta name="description" content="A page"><meta property="og:title" content="OG"><meta charset="utf-8"></head>
<body><h1>Hello</h1><p class="price">12 EUR</p><p class="price">13 EUR</p><script>var x = "hidden";</script>
<a href="/about">About us</a> <a href="https://example.com/x">Ext</a><img src="img/a.png" alt="A"><div id="news">`+r.URL.Query().Get("news")+`</div></body></html>`)
	})
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		req, _ := value.Decode(b)
		q, _ := value.Get(req, "query")
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(q.(string), "__schema") {
			fmt.Fprint(w, `{"data":{"__schema":{"queryType":{"name":"Query"}}}}`)
			return
		}
		v, _ := value.Get(req, "variables.id")
		enc, _ := value.Encode(value.Map{"data": value.Map{"echo": q, "id": v}, "errors": value.List{value.Map{"message": "partial"}}})
		w.Write(enc)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPRequest(t *testing.T) {
	srv := wTestServer(t)
	r := wTestRegistry(t, true, "")
	m := wMap(t, invoke(t, r, "http_request", value.Map{"input": srv.URL + "/json"}))
	if m["status"] != int64(200) || m["headers"].(value.Map)["x-test"] != "yes" || m["ok"] != true {
		t.Fatalf("%v", m)
	}
	if v, _ := value.Get(m["json"], "user.roles.1"); v != "dev" {
		t.Fatalf("json %v", m["json"])
	}
	m = wMap(t, invoke(t, r, "http-request", value.Map{"input": srv.URL + "/echo", "method": "POST", "body": value.Map{"a": int64(1)},
		"headers": value.Map{"X-Custom": "c"}, "auth": value.Map{"type": "bearer", "token": "tok"}}))
	j := m["json"].(value.Map)
	if j["method"] != "POST" || j["body"] != `{"a":1}` || j["ctype"] != "application/json" || j["auth"] != "Bearer tok" || j["custom"] != "c" {
		t.Fatalf("echo %v", j)
	}
	j = wMap(t, invoke(t, r, "http_request", value.Map{"input": srv.URL + "/echo", "auth": value.Map{"type": "basic", "username": "u", "password": "p"}}))["json"].(value.Map)
	if j["auth"] != "Basic dTpw" {
		t.Fatalf("basic %v", j)
	}
	j = wMap(t, invoke(t, r, "http_request", value.Map{"input": srv.URL + "/echo", "auth": value.Map{"type": "api_key", "key": "K"}}))["json"].(value.Map)
	if j["key"] != "K" {
		t.Fatalf("api key %v", j)
	}
	j = wMap(t, invoke(t, r, "http_request", value.Map{"input": srv.URL + "/echo", "auth": value.Map{"type": "api_key", "key": "K", "query_param": "k"}}))["json"].(value.Map)
	if j["qkey"] != "K" {
		t.Fatalf("api key query %v", j)
	}
	// Retries with backoff: 503, 503, then 200.
	m = wMap(t, invoke(t, r, "http_request", value.Map{"input": srv.URL + "/flaky", "retry": value.Map{"max_retries": int64(3), "backoff_ms": int64(5)}}))
	if m["status"] != int64(200) || m["attempts"] != int64(3) || m["body"] != "finally" {
		t.Fatalf("retry %v", m)
	}
	m = wMap(t, invoke(t, r, "http_request", value.Map{"input": srv.URL + "/fail", "retry": value.Map{"max_retries": int64(2), "backoff_ms": int64(1)}}))
	if m["status"] != int64(500) || m["attempts"] != int64(3) || m["ok"] != false {
		t.Fatalf("retry exhausted %v", m)
	}
	start := time.Now()
	wFailKind(t, invoke(t, r, "http_request", value.Map{"input": srv.URL + "/slow", "timeout_ms": int64(100)}), errs.KindTool, "no answer within")
	if time.Since(start) > time.Second {
		t.Fatalf("timeout took %v", time.Since(start))
	}
	// Redirects inside the allowed host are followed.
	if m = wMap(t, invoke(t, r, "http_request", value.Map{"input": srv.URL + "/to-json"})); !strings.HasSuffix(m["url"].(string), "/json") {
		t.Fatalf("redirect %v", m)
	}
	for _, bad := range []value.Map{
		{"input": "ftp://x/y"}, {"input": "http://"}, {"input": srv.URL, "auth": value.Map{"type": "bearer"}},
		{"input": srv.URL, "headers": value.Map{"X": "a\r\nInjected: 1"}},
	} {
		wFailKind(t, invoke(t, r, "http_request", bad), errs.KindTool, "")
	}
	if _, err := r.Invoke(ctx, "http_request", value.Map{"input": srv.URL, "method": "BREW"}); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatalf("bad method: %v", err)
	}
}

func TestHTTPResponseCap(t *testing.T) {
	srv := wTestServer(t)
	p := tool.DefaultPolicy()
	p.AllowHosts = []string{"127.0.0.1"}
	p.MaxOutputBytes = 1000
	r := wNewRegistry(t, p)
	for _, name := range []string{"http_request", "web_scraper", "api_tester", "sitemap_crawler"} {
		wFailKind(t, invoke(t, r, name, value.Map{"input": srv.URL + "/huge"}), errs.KindLimit, "cap")
	}
}

// TestNetworkSSRF: every network tool is denied loopback, link-local/cloud
// metadata and IPv6 loopback by default, 127.0.0.1 is reachable when
// AllowHosts names it, and redirects to denied addresses stay denied.
func TestNetworkSSRF(t *testing.T) {
	srv := wTestServer(t)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	calls := map[string]func(u string) value.Map{
		"http_request":    func(u string) value.Map { return value.Map{"input": u} },
		"api_tester":      func(u string) value.Map { return value.Map{"input": u} },
		"webhook_caller":  func(u string) value.Map { return value.Map{"input": u, "max_retries": int64(0)} },
		"url_analyzer":    func(u string) value.Map { return value.Map{"input": u, "fetch_metadata": true} },
		"web_scraper":     func(u string) value.Map { return value.Map{"input": u} },
		"webpage_monitor": func(u string) value.Map { return value.Map{"input": u} },
		"sitemap_crawler": func(u string) value.Map { return value.Map{"input": u} },
		"web_search":      func(u string) value.Map { return value.Map{"input": "q", "base_url": u} },
		"graphql_query":   func(u string) value.Map { return value.Map{"endpoint": u, "input": "{ a }"} },
	}
	denied := wNewRegistry(t, nil)
	allowed := wTestRegistry(t, true, "")
	for name, mk := range calls {
		for _, u := range []string{srv.URL + "/page", "http://169.254.169.254/latest/meta-data/", "http://[::1]:" + port + "/page", "http://10.0.0.1/", "http://localhost:" + port + "/page"} {
			if _, err := denied.Invoke(ctx, name, mk(u)); !errs.IsKind(err, errs.KindDenied) {
				t.Errorf("%s %s by default: want denied, got %v", name, u, err)
			}
		}
		for _, u := range []string{srv.URL + "/to-metadata", srv.URL + "/to-v6"} {
			if _, err := allowed.Invoke(ctx, name, mk(u)); !errs.IsKind(err, errs.KindDenied) {
				t.Errorf("%s %s (redirect): want denied, got %v", name, u, err)
			}
		}
		if _, err := allowed.Invoke(ctx, name, mk(srv.URL+"/page")); errs.IsKind(err, errs.KindDenied) {
			t.Errorf("%s to allowed 127.0.0.1: %v", name, err)
		}
	}
}

func TestAPITester(t *testing.T) {
	srv := wTestServer(t)
	r := wTestRegistry(t, true, "")
	m := wMap(t, invoke(t, r, "api-tester", value.Map{"input": srv.URL + "/json", "expectations": value.Map{
		"status": int64(200), "json_path": "user.name", "json_value": "ada", "body_contains": "roles",
		"header": value.Map{"X-Test": "yes"}, "max_response_time_ms": int64(5000)}}))
	if m["passed"] != true || len(m["checks"].(value.List)) != 5 {
		t.Fatalf("%v", m)
	}
	m = wMap(t, invoke(t, r, "api_tester", value.Map{"input": srv.URL + "/json", "expectations": value.Map{
		"status": int64(201), "json_path": "$.user.roles.0", "json_value": "dev"}}))
	if m["passed"] != false {
		t.Fatalf("%v", m)
	}
	for _, ch := range m["checks"].(value.List) {
		if ch.(value.Map)["passed"] != false {
			t.Fatalf("check should fail: %v", ch)
		}
	}
	m = wMap(t, invoke(t, r, "api_tester", value.Map{"input": srv.URL + "/json", "expectations": value.Map{"json_path": "n", "status_in": value.List{int64(200), int64(204)}}}))
	if m["passed"] != true {
		t.Fatalf("%v", m)
	}
	if m = wMap(t, invoke(t, r, "api_tester", value.Map{"input": srv.URL + "/fail"})); m["passed"] != false {
		t.Fatalf("default 2xx check: %v", m)
	}
}

func TestWebhookCaller(t *testing.T) {
	srv := wTestServer(t)
	r := wTestRegistry(t, true, "")
	m := wMap(t, invoke(t, r, "webhook-caller", value.Map{"input": srv.URL + "/echo", "payload": value.Map{"event": "done"}, "secret": "s3cret",
		"headers": value.Map{"X-Custom": "h"}}))
	j := m["json"].(value.Map)
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write([]byte(`{"event":"done"}`))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if m["delivered"] != true || j["sig"] != want || m["signature"] != want || j["body"] != `{"event":"done"}` || j["custom"] != "h" || j["method"] != "POST" {
		t.Fatalf("%v", m)
	}
	m = wMap(t, invoke(t, r, "webhook_caller", value.Map{"input": srv.URL + "/flaky", "max_retries": int64(5), "backoff_ms": int64(2)}))
	if m["delivered"] != true || m["attempts"].(int64) < 1 {
		t.Fatalf("%v", m)
	}
	start := time.Now()
	m = wMap(t, invoke(t, r, "webhook_caller", value.Map{"input": srv.URL + "/fail", "max_retries": int64(3), "backoff_ms": int64(20)}))
	if m["delivered"] != false || m["attempts"] != int64(4) || time.Since(start) < 140*time.Millisecond {
		t.Fatalf("backoff 20+40+80 ms: %v after %v", m, time.Since(start))
	}
}

func TestURLAnalyzer(t *testing.T) {
	srv := wTestServer(t)
	r := wTestRegistry(t, true, "")
	m := wMap(t, invoke(t, r, "url-analyzer", value.Map{"input": "https://user:pw@www.example.co.uk:8443/a/b%20c?q=hello+world&tag=x&tag=y&e=%C3%A9#frag"}))
	if m["valid"] != true || m["scheme"] != "https" || m["hostname"] != "www.example.co.uk" || m["port"] != "8443" || m["path"] != "/a/b c" ||
		m["fragment"] != "frag" || m["username"] != "user" || m["has_password"] != true || m["tld"] != "uk" || m["subdomain"] != "www.example" {
		t.Fatalf("%v", m)
	}
	qp := m["query_params"].(value.Map)
	if qp["q"] != "hello world" || qp["e"] != "é" || !value.Equal(qp["tag"], value.List{"x", "y"}) {
		t.Fatalf("%v", qp)
	}
	if m = wMap(t, invoke(t, r, "url_analyzer", value.Map{"input": "not a url"})); m["valid"] != false {
		t.Fatalf("%v", m)
	}
	if m = wMap(t, invoke(t, r, "url_analyzer", value.Map{"input": "http://[::1"})); m["valid"] != false {
		t.Fatalf("%v", m)
	}
	if m = wMap(t, invoke(t, r, "url_analyzer", value.Map{"input": "http://10.1.2.3/"})); m["is_ip"] != true || m["is_private"] != true {
		t.Fatalf("%v", m)
	}
	m = wMap(t, invoke(t, r, "url_analyzer", value.Map{"input": srv.URL + "/page", "fetch_metadata": true}))
	md := m["metadata"].(value.Map)
	if md["status"] != int64(200) || md["title"] != "Test page" || md["meta"].(value.Map)["description"] != "A page" {
		t.Fatalf("%v", md)
	}
}

func TestWebScraper(t *testing.T) {
	srv := wTestServer(t)
	r := wTestRegistry(t, true, "")
	m := wMap(t, invoke(t, r, "web-scraper", value.Map{"input": srv.URL + "/page", "selectors": value.Map{"prices": "p.price", "links": "a @href", "none": "table"}}))
	if m["title"] != "Test page" || strings.Contains(m["text"].(string), "hidden") || !strings.Contains(m["text"].(string), "Hello\n12 EUR\n13 EUR") {
		t.Fatalf("%v", m)
	}
	links := m["links"].(value.List)
	if len(links) != 2 || links[0].(value.Map)["href"] != srv.URL+"/about" || links[0].(value.Map)["text"] != "About us" {
		t.Fatalf("links %v", links)
	}
	if img := m["images"].(value.List)[0].(value.Map); img["src"] != srv.URL+"/img/a.png" || img["alt"] != "A" {
		t.Fatalf("images %v", img)
	}
	if meta := m["meta"].(value.Map); meta["og:title"] != "OG" || meta["charset"] != "utf-8" {
		t.Fatalf("meta %v", meta)
	}
	sel := m["selected"].(value.Map)
	if !value.Equal(sel["prices"], value.List{"12 EUR", "13 EUR"}) || !value.Equal(sel["links"], value.List{"/about", "https://example.com/x"}) || len(sel["none"].(value.List)) != 0 {
		t.Fatalf("selected %v", sel)
	}
	m = wMap(t, invoke(t, r, "web_scraper", value.Map{"input": srv.URL + "/page", "extract": value.List{"meta"}, "selectors": "h1"}))
	if _, ok := m["text"]; ok || !value.Equal(m["selected"], value.List{"Hello"}) {
		t.Fatalf("%v", m)
	}
	wFailKind(t, invoke(t, r, "web_scraper", value.Map{"input": srv.URL + "/page", "selectors": "p[[["}), errs.KindTool, "invalid CSS selector")
	wFailKind(t, invoke(t, r, "web_scraper", value.Map{"input": srv.URL + "/nope"}), errs.KindTool, "404")
}

func TestWebpageMonitor(t *testing.T) {
	srv := wTestServer(t)
	r := wTestRegistry(t, true, "")
	first := wMap(t, invoke(t, r, "webpage-monitor", value.Map{"input": srv.URL + "/page?news=old+story"}))
	if first["first_check"] != true || first["changed"] != false || !strings.Contains(first["current_content"].(string), "old story") {
		t.Fatalf("%v", first)
	}
	same := wMap(t, invoke(t, r, "webpage_monitor", value.Map{"input": srv.URL + "/page?news=old+story", "previous_content": first["current_content"]}))
	if same["changed"] != false || same["content_hash"] != first["content_hash"] {
		t.Fatalf("%v", same)
	}
	next := wMap(t, invoke(t, r, "webpage_monitor", value.Map{"input": srv.URL + "/page?news=new+story", "previous_content": first["current_content"]}))
	if next["changed"] != true || !value.Equal(next["added"], value.List{"new story"}) || !value.Equal(next["removed"], value.List{"old story"}) ||
		!strings.Contains(next["diff"].(string), "-old story\n+new story") {
		t.Fatalf("%v", next)
	}
	sel := wMap(t, invoke(t, r, "webpage_monitor", value.Map{"input": srv.URL + "/page?news=x", "selector": "#news", "previous_content": "y"}))
	if sel["current_content"] != "x" || sel["changed"] != true {
		t.Fatalf("%v", sel)
	}
}

func TestSitemapCrawler(t *testing.T) {
	mux := http.NewServeMux()
	var base string
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>%s/a.xml</loc></sitemap><sitemap><loc>%s/b.xml.gz</loc></sitemap><sitemap><loc>%s/missing.xml</loc></sitemap><sitemap><loc>%s/sitemap.xml</loc></sitemap></sitemapindex>`, base, base, base, base)
	})
	mux.HandleFunc("/a.xml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://e.com/1</loc><lastmod>2026-01-01</lastmod><priority>0.8</priority></url><url><loc> https://e.com/2 </loc><changefreq>daily</changefreq></url></urlset>`)
	})
	mux.HandleFunc("/b.xml.gz", func(w http.ResponseWriter, r *http.Request) {
		zw := gzip.NewWriter(w)
		fmt.Fprint(zw, `<urlset><url><loc>https://e.com/3</loc></url></urlset>`)
		zw.Close()
	})
	mux.HandleFunc("/bad.xml", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html><unclosed") })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base = srv.URL
	r := wTestRegistry(t, true, "")
	m := wMap(t, invoke(t, r, "sitemap-crawler", value.Map{"input": srv.URL + "/sitemap.xml"}))
	urls := m["urls"].(value.List)
	if m["count"] != int64(3) || urls[0].(value.Map)["lastmod"] != "2026-01-01" || urls[1].(value.Map)["loc"] != "https://e.com/2" ||
		urls[2].(value.Map)["loc"] != "https://e.com/3" || len(m["errors"].(value.List)) != 1 || len(m["sitemaps"].(value.List)) != 4 {
		t.Fatalf("%v", m)
	}
	m = wMap(t, invoke(t, r, "sitemap_crawler", value.Map{"input": srv.URL + "/sitemap.xml", "max_urls": int64(1)}))
	if m["count"] != int64(1) || m["truncated"] != true {
		t.Fatalf("%v", m)
	}
	wFailKind(t, invoke(t, r, "sitemap_crawler", value.Map{"input": srv.URL + "/bad.xml"}), errs.KindTool, "not a sitemap")
}

func TestWebSearchProviders(t *testing.T) {
	var seen atomic.Value
	mux := http.NewServeMux()
	answer := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			seen.Store(r.Method + " " + r.URL.String() + " " + r.Header.Get("X-Subscription-Token") + r.Header.Get("X-API-KEY") + " " + string(b))
			fmt.Fprint(w, body)
		}
	}
	mux.HandleFunc("/html/", answer(`<div class="result"><a class="result__a" href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fgo.dev%2F&rut=x">The Go <b>language</b></a><a class="result__snippet">Build fast</a></div>
<div class="result"><a class="result__a" href="https://b.example/">B</a></div><div class="result"><a class="result__a" href="https://c.example/">C</a></div>`))
	mux.HandleFunc("/res/v1/web/search", answer(`{"web":{"results":[{"title":"T","url":"https://u","description":"D"}]}}`))
	mux.HandleFunc("/customsearch/v1", answer(`{"items":[{"title":"T","link":"https://u","snippet":"D"}]}`))
	mux.HandleFunc("/search.json", answer(`{"organic_results":[{"title":"T","link":"https://u","snippet":"D"}]}`))
	mux.HandleFunc("/search", answer(`{"organic":[{"title":"T","link":"https://u","snippet":"D"}],"results":[{"title":"T","url":"https://u","content":"D"}]}`))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	r := wTestRegistry(t, true, "")
	m := wMap(t, invoke(t, r, "web-search", value.Map{"input": "golang", "base_url": srv.URL, "max_results": int64(2)}))
	res := m["results"].(value.List)
	if m["provider"] != "duckduckgo" || len(res) != 2 || !value.Equal(res[0], value.Map{"title": "The Go language", "url": "https://go.dev/", "snippet": "Build fast"}) {
		t.Fatalf("%v", m)
	}
	for prov, want := range map[string]string{"brave": "GET /res/v1/web/search?count=10&q=golang k", "google": "GET /customsearch/v1?cx=cx1&key=k&num=10&q=golang",
		"serpapi": "GET /search.json?api_key=k&engine=google&num=10&q=golang", "serperdev": `POST /search k {"num":10,"q":"golang"}`,
		"tavily": `POST /search  {"api_key":"k","max_results":10,"query":"golang"}`} {
		m := wMap(t, invoke(t, r, "web_search", value.Map{"input": "golang", "provider": prov, "api_key": "k", "engine_id": "cx1", "base_url": srv.URL}))
		if !value.Equal(m["results"], value.List{value.Map{"title": "T", "url": "https://u", "snippet": "D"}}) {
			t.Errorf("%s: %v", prov, m)
		}
		if got := seen.Load().(string); !strings.HasPrefix(got, want) {
			t.Errorf("%s sent %q, want %q", prov, got, want)
		}
	}
	t.Setenv("TAVILY_API_KEY", "")
	wFailKind(t, invoke(t, r, "web_search", value.Map{"input": "x", "provider": "tavily", "base_url": srv.URL}), errs.KindTool, "needs an API key")
	wFailKind(t, invoke(t, r, "web_search", value.Map{"input": "  ", "base_url": srv.URL}), errs.KindTool, "empty")
}

func TestGraphQLQuery(t *testing.T) {
	srv := wTestServer(t)
	r := wTestRegistry(t, true, "")
	m := wMap(t, invoke(t, r, "graphql-query", value.Map{"endpoint": srv.URL + "/graphql", "input": "query Q($id: ID) { user(id: $id) { name } }",
		"variables": value.Map{"id": "7"}, "operation_name": "Q"}))
	if v, _ := value.Get(m, "data.id"); v != "7" {
		t.Fatalf("%v", m)
	}
	if v, _ := value.Get(m, "errors.0.message"); v != "partial" {
		t.Fatalf("%v", m)
	}
	m = wMap(t, invoke(t, r, "graphql_query", value.Map{"operation": "introspection", "endpoint": srv.URL + "/graphql"}))
	if v, _ := value.Get(m, "data.__schema.queryType.name"); v != "Query" {
		t.Fatalf("%v", m)
	}
	if m = wMap(t, invoke(t, r, "graphql_query", value.Map{"operation": "mutation", "endpoint": srv.URL + "/graphql", "input": "mutation { add }"})); m["status"] != int64(200) {
		t.Fatalf("%v", m)
	}
	wFailKind(t, invoke(t, r, "graphql_query", value.Map{"endpoint": srv.URL + "/graphql", "input": "# c\nmutation { drop }"}), errs.KindTool, "is a mutation")
	wFailKind(t, invoke(t, r, "graphql_query", value.Map{"operation": "mutation", "endpoint": srv.URL + "/graphql", "input": "{ a }"}), errs.KindTool, "starting with")
	wFailKind(t, invoke(t, r, "graphql_query", value.Map{"endpoint": srv.URL + "/page", "input": "{ a }"}), errs.KindTool, "not a GraphQL")
	p := tool.DefaultPolicy()
	p.MaxLevel = tool.Restricted
	if _, err := wNewRegistry(t, p).Invoke(ctx, "graphql_query", value.Map{"endpoint": srv.URL}); !errs.IsKind(err, errs.KindDenied) {
		t.Fatalf("privileged tool under a restricted engine: %v", err)
	}
}

func TestHTTPEdgeCases(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/deep", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(bytes.Repeat([]byte("["), 100000))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/bin", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte{0xff, 0xfe, 0x00}) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	r := wTestRegistry(t, true, "")
	// Deeply nested JSON is returned as text, without a parsed form.
	m := wMap(t, invoke(t, r, "http_request", value.Map{"input": srv.URL + "/deep"}))
	if _, ok := m["json"]; ok || len(m["body"].(string)) != 100000 {
		t.Fatalf("deep JSON: json=%v", m["json"] != nil)
	}
	if m = wMap(t, invoke(t, r, "http_request", value.Map{"input": srv.URL + "/bin"})); m["body"] != "//4A" || m["body_encoding"] != "base64" {
		t.Fatalf("binary body: %v", m)
	}
	// A cancelled call returns promptly.
	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	start := time.Now()
	env, err := r.Invoke(cctx, "http_request", value.Map{"input": srv.URL + "/slow"})
	if time.Since(start) > 2*time.Second || (err == nil && env.Success) {
		t.Fatalf("cancel: %v %v after %v", env, err, time.Since(start))
	}
	// HTTPS verifies certificates: a self-signed test server is refused (not denied).
	tls := httptest.NewTLSServer(mux)
	defer tls.Close()
	wFailKind(t, invoke(t, r, "http_request", value.Map{"input": tls.URL + "/bin"}), errs.KindTool, "certificate")
	if _, err := wNewRegistry(t, nil).Invoke(ctx, "http_request", value.Map{"input": tls.URL + "/bin"}); !errs.IsKind(err, errs.KindDenied) {
		t.Fatalf("https to loopback by default: %v", err)
	}
}

func TestNetworkPolicyTimeout(t *testing.T) {
	srv := wTestServer(t)
	p := tool.DefaultPolicy()
	p.AllowHosts = []string{"127.0.0.1"}
	p.Timeout = 300 * time.Millisecond
	r := wNewRegistry(t, p)
	for _, name := range []string{"http_request", "web_scraper", "webhook_caller"} {
		start := time.Now()
		if _, err := r.Invoke(ctx, name, value.Map{"input": srv.URL + "/slow"}); !errs.IsKind(err, errs.KindTimeout) {
			t.Errorf("%s: want timeout, got %v", name, err)
		}
		if d := time.Since(start); d > 1500*time.Millisecond {
			t.Errorf("%s: timeout took %v", name, d)
		}
	}
}
