package builtin

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

var wMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// wAuth applies an auth parameter: {type: basic, username, password},
// {type: bearer, token} or {type: api_key, key, header (X-API-Key) or
// query_param}.
func wAuth(name string, req *http.Request, a value.Value) error {
	m, _ := a.(value.Map)
	if m == nil {
		return nil
	}
	s := func(k string) string { v, _ := m[k].(string); return v }
	switch s("type") {
	case "basic":
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(s("username")+":"+s("password"))))
	case "bearer":
		if s("token") == "" {
			return fail(name, "bearer auth needs a token")
		}
		req.Header.Set("Authorization", "Bearer "+s("token"))
	case "api_key":
		if s("key") == "" {
			return fail(name, "api_key auth needs a key")
		}
		if q := s("query_param"); q != "" {
			qs := req.URL.Query()
			qs.Set(q, s("key"))
			req.URL.RawQuery = qs.Encode()
		} else {
			h := s("header")
			if h == "" {
				h = "X-API-Key"
			}
			req.Header.Set(h, s("key"))
		}
	case "":
		return fail(name, "auth needs a type (basic, bearer, api_key)")
	default:
		return fail(name, "unknown auth type %q (basic, bearer, api_key)", s("type"))
	}
	if strings.ContainsAny(req.Header.Get("Authorization"), "\r\n") {
		return fail(name, "auth contains a line break")
	}
	return nil
}

// wSend is the request part shared by http_request and api_tester.
func wSend(ctx context.Context, c *tool.Call, name string) (*wResponse, int, error) {
	u, err := wURL(name, c.Str("input", ""))
	if err != nil {
		return nil, 0, err
	}
	method := strings.ToUpper(c.Str("method", "GET"))
	retries, backoff := 0, 200*time.Millisecond
	if r, ok := c.Params["retry"].(value.Map); ok {
		retries = int(min(max(wMapNum(r, "max_retries", 3), 0), 10))
		backoff = time.Duration(min(max(wMapNum(r, "backoff_ms", 200), 1), 60000)) * time.Millisecond
	}
	timeout := time.Duration(wNum(c, "timeout_ms", 0)) * time.Millisecond
	mk := func() (*http.Request, error) {
		body, ctype, err := wBody(c.Params["body"])
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequest(method, u.String(), body)
		if err != nil {
			return nil, err
		}
		req.Header.Set("User-Agent", "llmspell/0.1")
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if err := wHeaders(name, req, c.Params["headers"]); err != nil {
			return nil, err
		}
		return req, wAuth(name, req, c.Params["auth"])
	}
	return wWithRetries(ctx, c, name, retries, backoff, timeout, mk)
}

func wRequestSchema(extra value.Map) value.Map {
	props := value.Map{
		"input":      str("URL (http or https)"),
		"method":     enum("HTTP method (default GET)", wMethods...),
		"headers":    wObj("request headers"),
		"body":       wAny("request body: a string as is, anything else as JSON"),
		"timeout_ms": wInt("timeout of one attempt in milliseconds", 1, 600000),
		"operation":  str("ignored; the tool has one operation"),
		"auth": value.Map{"type": "object", "description": "basic {username, password}, bearer {token} or api_key {key, header or query_param}",
			"properties": value.Map{"type": enum("auth scheme", "basic", "bearer", "api_key"), "username": str("basic user"),
				"password": str("basic password"), "token": str("bearer token"), "key": str("API key"),
				"header": str("API key header (default X-API-Key)"), "query_param": str("put the API key in this query parameter")}},
		"retry": value.Map{"type": "object", "description": "retry transport failures and 429/5xx answers",
			"properties": value.Map{"max_retries": wInt("retries (default 3)", 0, 10), "backoff_ms": wInt("first wait, doubled each time (default 200)", 1, 60000)}},
	}
	for k, v := range extra {
		props[k] = v
	}
	return obj(props, "input")
}

func httpRequestTool() *tool.Tool {
	return &tool.Tool{
		Name: "http_request", Category: "api", Level: tool.Restricted, Aliases: []string{"http-request"}, Tags: []string{"network", "http"},
		Description: "Send an HTTP request (method, headers, body, basic/bearer/API-key auth, retries with backoff, timeout) and return the status, headers and body.",
		Schema:      wRequestSchema(nil),
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			resp, attempts, err := wSend(ctx, c, "http_request")
			if err != nil {
				return nil, err
			}
			out := value.Map{"status": int64(resp.Status), "status_text": http.StatusText(resp.Status), "headers": wHeaderMap(resp.Header),
				"url": resp.URL, "attempts": int64(attempts), "elapsed_ms": float64(resp.Elapsed.Microseconds()) / 1000,
				"ok": resp.Status >= 200 && resp.Status < 300}
			wBodyValue(resp, out)
			return out, nil
		},
	}
}
