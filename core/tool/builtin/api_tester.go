package builtin

import (
	"context"
	"net/http"
	"strings"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

func apiTesterTool() *tool.Tool {
	expect := value.Map{"type": "object", "description": "what the response must satisfy",
		"properties": value.Map{
			"status":               wInt("expected status code", 100, 599),
			"status_in":            value.Map{"type": "array", "items": value.Map{"type": "integer"}, "description": "any of these status codes"},
			"json_path":            str("dotted path into the JSON body (a.b.0.c)"),
			"json_value":           wAny("value expected at json_path (without it, the path must exist)"),
			"body_contains":        str("text the body must contain"),
			"header":               wObj("headers the response must have, with these values"),
			"max_response_time_ms": wInt("slowest acceptable answer", 1, 600000),
		}}
	return &tool.Tool{
		Name: "api_tester", Category: "web", Level: tool.Restricted, Tags: []string{"network", "http", "testing"},
		Aliases:     []string{"api-tester"},
		Description: "Call an HTTP API and check the answer against expectations (status, JSON path value, body text, headers, time); returns each check and the timing.",
		Schema:      wRequestSchema(value.Map{"expectations": expect}),
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			resp, _, err := wSend(ctx, c, "api_tester")
			if err != nil {
				return nil, err
			}
			out := value.Map{"status": int64(resp.Status), "status_text": http.StatusText(resp.Status), "headers": wHeaderMap(resp.Header),
				"response_time_ms": float64(resp.Elapsed.Microseconds()) / 1000}
			wBodyValue(resp, out)
			checks := value.List{}
			passed := true
			add := func(name string, ok bool, want, got value.Value) {
				passed = passed && ok
				checks = append(checks, value.Map{"check": name, "passed": ok, "expected": want, "actual": got})
			}
			e, _ := c.Params["expectations"].(value.Map)
			if s, ok := e["status"]; ok {
				add("status", wMapNum(e, "status", -1) == int64(resp.Status), s, int64(resp.Status))
			}
			if l, ok := e["status_in"].(value.List); ok {
				in := false
				for _, s := range l {
					if n, ok := s.(int64); ok && n == int64(resp.Status) {
						in = true
					} else if f, ok := s.(float64); ok && int(f) == resp.Status {
						in = true
					}
				}
				add("status_in", in, l, int64(resp.Status))
			}
			if p, ok := e["json_path"].(string); ok {
				doc, isJSON := out["json"]
				var got value.Value
				found := false
				if isJSON {
					got, found = value.Get(doc, strings.TrimPrefix(strings.TrimPrefix(p, "$"), "."))
				}
				if want, ok := e["json_value"]; ok {
					add("json_path "+p, found && value.Equal(got, want), want, got)
				} else {
					add("json_path "+p+" exists", found, true, found)
				}
			}
			if s, ok := e["body_contains"].(string); ok {
				add("body_contains", strings.Contains(string(resp.Body), s), s, nil)
			}
			if h, ok := e["header"].(value.Map); ok {
				for k, v := range h {
					want, _ := v.(string)
					add("header "+k, resp.Header.Get(k) == want, want, resp.Header.Get(k))
				}
			}
			if _, ok := e["max_response_time_ms"]; ok {
				ms := wMapNum(e, "max_response_time_ms", 0)
				add("response_time", resp.Elapsed.Milliseconds() <= ms, ms, out["response_time_ms"])
			}
			if len(checks) == 0 {
				add("status 2xx", resp.Status >= 200 && resp.Status < 300, "2xx", int64(resp.Status))
			}
			out["checks"], out["passed"] = checks, passed
			return out, nil
		},
	}
}
