package builtin

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// Helpers shared by the network tools (http_request, api_tester,
// webhook_caller, url_analyzer, web_scraper, webpage_monitor,
// sitemap_crawler, web_search, graphql_query). Every request goes through
// the policy's HTTP client, so addresses are checked after DNS resolution
// and on every redirect; bodies are read up to the policy's output cap.

func wInt(desc string, min, max int64) value.Map {
	return value.Map{"type": "integer", "description": desc, "minimum": min, "maximum": max}
}

func wObj(desc string) value.Map { return value.Map{"type": "object", "description": desc} }

func wAny(desc string) value.Map { return value.Map{"description": desc} }

func wNum(c *tool.Call, name string, def int64) int64 {
	switch n := c.Params[name].(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return def
}

func wMapNum(m value.Map, name string, def int64) int64 {
	switch n := m[name].(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return def
}

// wURL parses an http(s) URL.
func wURL(name, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fail(name, "input URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fail(name, "invalid URL %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fail(name, "URL %q must be http or https", raw)
	}
	if u.Host == "" {
		return nil, fail(name, "URL %q has no host", raw)
	}
	return u, nil
}

// wMaxBody is the largest response body a tool reads.
func wMaxBody(c *tool.Call) int64 {
	if c.Policy.MaxOutputBytes > 0 {
		return c.Policy.MaxOutputBytes
	}
	return 10 << 20
}

// wResponse is a response read in full (up to the cap).
type wResponse struct {
	Status  int
	Header  http.Header
	Body    []byte
	URL     string
	Elapsed time.Duration
}

// wNetErr keeps a policy denial (kind denied) or a tool timeout as it is and
// turns any other transport failure into a tool error.
func wNetErr(name string, ctx context.Context, err error) error {
	var e *errs.Error
	if errors.As(err, &e) && e.Kind == errs.KindDenied {
		return e
	}
	if ctx.Err() != nil {
		if cause := context.Cause(ctx); cause != nil {
			if ce, ok := cause.(*errs.Error); ok {
				return ce
			}
		}
	}
	return fail(name, "request failed: %v", err)
}

// wDo sends one request through the policy client and reads the body up to
// the cap (a larger body is a limit_exceeded failure).
func wDo(ctx context.Context, c *tool.Call, name string, req *http.Request, timeout time.Duration) (*wResponse, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	start := time.Now()
	resp, err := c.Policy.HTTPClient().Do(req.WithContext(ctx))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && timeout > 0 && context.Cause(ctx) == context.DeadlineExceeded {
			return nil, errs.New(errs.KindTool, "%s: no answer within %s", name, timeout)
		}
		return nil, wNetErr(name, ctx, err)
	}
	defer resp.Body.Close()
	max := wMaxBody(c)
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, wNetErr(name, ctx, err)
	}
	if int64(len(body)) > max {
		return nil, errs.New(errs.KindLimit, "%s: response body is over the %d-byte cap", name, max)
	}
	return &wResponse{Status: resp.StatusCode, Header: resp.Header, Body: body, URL: resp.Request.URL.String(), Elapsed: time.Since(start)}, nil
}

// wHeaders sets the string values of a headers map on req.
func wHeaders(name string, req *http.Request, h value.Value) error {
	m, _ := h.(value.Map)
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			switch n := v.(type) {
			case int64:
				s = strconv.FormatInt(n, 10)
			case float64:
				s = strconv.FormatFloat(n, 'f', -1, 64)
			case bool:
				s = strconv.FormatBool(n)
			default:
				return fail(name, "header %s must be a string", k)
			}
		}
		if strings.ContainsAny(k+s, "\r\n") {
			return fail(name, "header %s contains a line break", k)
		}
		req.Header.Set(k, s)
	}
	return nil
}

// wBody encodes a body parameter: a string as is, anything else as JSON.
func wBody(v value.Value) (io.Reader, string, error) {
	switch b := v.(type) {
	case nil:
		return nil, "", nil
	case string:
		return strings.NewReader(b), "", nil
	default:
		enc, err := value.Encode(b)
		if err != nil {
			return nil, "", err
		}
		return bytes.NewReader(enc), "application/json", nil
	}
}

// wHeaderMap returns the response headers as a map (values joined by ", ").
func wHeaderMap(h http.Header) value.Map {
	m := value.Map{}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m[strings.ToLower(k)] = strings.Join(h[k], ", ")
	}
	return m
}

// wBodyValue returns the body as text (base64 when it is not UTF-8), and
// the parsed JSON when the body is JSON.
func wBodyValue(resp *wResponse, out value.Map) {
	if utf8.Valid(resp.Body) {
		out["body"] = string(resp.Body)
	} else {
		out["body"] = base64.StdEncoding.EncodeToString(resp.Body)
		out["body_encoding"] = "base64"
	}
	ct := resp.Header.Get("Content-Type")
	if strings.Contains(ct, "json") || (len(resp.Body) > 0 && (resp.Body[0] == '{' || resp.Body[0] == '[')) {
		if v, err := value.Decode(resp.Body); err == nil {
			out["json"] = v
		}
	}
}

// wRetryable says whether a status is worth retrying.
func wRetryable(status int) bool { return status == 429 || status >= 500 }

// wSleep waits d or until ctx ends.
func wSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// wBackoff is the wait before retry n (0-based): base * 2^n, at most 30 s.
func wBackoff(base time.Duration, n int) time.Duration {
	d := base << min(n, 16)
	return min(d, 30*time.Second)
}

// wWithRetries sends the request made by mk up to 1+retries times, waiting
// with exponential backoff after a transport failure or a 429/5xx answer. A
// policy denial is never retried.
func wWithRetries(ctx context.Context, c *tool.Call, name string, retries int, base time.Duration, timeout time.Duration, mk func() (*http.Request, error)) (*wResponse, int, error) {
	for i := 0; ; i++ {
		req, err := mk()
		if err != nil {
			return nil, i, fail(name, "%v", err)
		}
		resp, err := wDo(ctx, c, name, req, timeout)
		if err == nil && (!wRetryable(resp.Status) || i >= retries) {
			return resp, i + 1, nil
		}
		if err != nil {
			k := errs.KindOf(err)
			if k == errs.KindDenied || k == errs.KindLimit || k == errs.KindTimeout || ctx.Err() != nil || i >= retries {
				return nil, i + 1, err
			}
		}
		if err := wSleep(ctx, wBackoff(base, i)); err != nil {
			return nil, i + 1, wNetErr(name, ctx, err)
		}
	}
}
