package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/provider/internal/wire/wiretest"
	"github.com/llmspell/llmspell-go/core/provider/openai"
	"github.com/llmspell/llmspell-go/core/value"
)

// setup starts a loopback server with h and returns a client of it.
func setup(t testing.TB, h http.HandlerFunc, tweak ...func(*provider.Config)) provider.Model {
	t.Helper()
	wiretest.NoLeaks(t)
	srv := wiretest.Server(t, h)
	cfg := wiretest.Config(t, srv)
	cfg.Headers = map[string]string{"X-Extra": "yes"}
	for _, f := range tweak {
		f(cfg)
	}
	m, err := openai.New(cfg, "gpt-4o-mini")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func wantKind(t *testing.T, err error, kind errs.Kind) *errs.Error {
	t.Helper()
	if !errs.IsKind(err, kind) {
		t.Fatalf("error = %v (kind %s), want kind %s", err, errs.KindOf(err), kind)
	}
	return errs.As(err)
}

func userReq(text string) *provider.Request {
	return &provider.Request{Messages: []provider.Message{{Role: provider.RoleUser, Content: text}}}
}

const answer = `{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini-2024-07-18",
"choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}],
"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}`

func TestNewNeedsBaseURL(t *testing.T) {
	_, err := openai.New(&provider.Config{}, "gpt-4o")
	wantKind(t, err, errs.KindInvalidArgument)
	m, err := openai.New(&provider.Config{BaseURL: "http://127.0.0.1:1/v1"}, "gpt-4o")
	if err != nil {
		t.Fatal(err)
	}
	c := m.Capabilities()
	if !c.Streaming || !c.Tools || !c.ParallelToolCalls || !c.JSONMode || !c.Vision {
		t.Fatalf("capabilities %+v", c)
	}
	m, _ = openai.New(&provider.Config{BaseURL: "http://127.0.0.1:1/v1"}, "llama-3.1-8b")
	if m.Capabilities().Vision {
		t.Fatal("llama-3.1-8b has no vision")
	}
}

func TestGenerateRequestShape(t *testing.T) {
	var got map[string]any
	var auth, extra, ctype, path string
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		path, auth, extra, ctype = r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("X-Extra"), r.Header.Get("Content-Type")
		got = wiretest.Body(t, r)
		io.WriteString(w, answer)
	})
	temp, topP, seed := 0.2, 0.9, int64(7)
	req := &provider.Request{
		System: "be brief",
		Messages: []provider.Message{
			{Role: provider.RoleUser, Content: "weather in Paris?"},
			{Role: provider.RoleAssistant, ToolCalls: []provider.ToolCall{{ID: "call_1", Name: "weather", Arguments: value.Map{"city": "Paris"}}}},
			{Role: provider.RoleTool, ToolCallID: "call_1", Content: "sunny"},
		},
		Tools: []provider.ToolSpec{{Name: "weather", Description: "current weather",
			Schema: value.Map{"type": "object", "properties": value.Map{"city": value.Map{"type": "string"}}}}},
		Temperature: &temp, TopP: &topP, Seed: &seed, MaxTokens: 64, JSON: true,
	}
	resp, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if path != "/chat/completions" || auth != "Bearer sk-test-secret" || extra != "yes" || ctype != "application/json" {
		t.Fatalf("path %q auth %q extra %q content-type %q", path, auth, extra, ctype)
	}
	want := `{"max_tokens":64,"messages":[{"content":"be brief","role":"system"},` +
		`{"content":"weather in Paris?","role":"user"},` +
		`{"role":"assistant","tool_calls":[{"function":{"arguments":"{\"city\":\"Paris\"}","name":"weather"},"id":"call_1","type":"function"}]},` +
		`{"content":"sunny","role":"tool","tool_call_id":"call_1"}],` +
		`"model":"gpt-4o-mini","response_format":{"type":"json_object"},"seed":7,"temperature":0.2,` +
		`"tools":[{"function":{"description":"current weather","name":"weather","parameters":{"properties":{"city":{"type":"string"}},"type":"object"}},"type":"function"}],` +
		`"top_p":0.9}`
	if b, _ := json.Marshal(got); string(b) != want {
		t.Fatalf("request body\n got %s\nwant %s", b, want)
	}
	if resp.Text != "Hello there" || resp.FinishReason != provider.FinishStop || resp.Usage != (provider.Usage{InputTokens: 9, OutputTokens: 2}) ||
		resp.Model != "gpt-4o-mini-2024-07-18" {
		t.Fatalf("response %+v", resp)
	}
}

func TestGenerateToolCalls(t *testing.T) {
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"model":"m","choices":[{"message":{"role":"assistant","content":null,"tool_calls":[
{"id":"call_a","type":"function","function":{"name":"add","arguments":"{\"a\":1,\"b\":2.5}"}},
{"id":"call_b","type":"function","function":{"name":"now","arguments":""}}]},"finish_reason":"tool_calls"}],
"usage":{"prompt_tokens":1,"completion_tokens":1}}`)
	})
	resp, err := m.Generate(context.Background(), userReq("add"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.FinishReason != provider.FinishToolCalls || len(resp.ToolCalls) != 2 {
		t.Fatalf("response %+v", resp)
	}
	a := resp.ToolCalls[0]
	if a.ID != "call_a" || a.Name != "add" || a.Arguments["a"] != int64(1) || a.Arguments["b"] != 2.5 {
		t.Fatalf("call %+v", a)
	}
	if b := resp.ToolCalls[1]; b.ID != "call_b" || len(b.Arguments) != 0 || b.Arguments == nil {
		t.Fatalf("call %+v", b)
	}
}

func TestGenerateMalformedArguments(t *testing.T) {
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"choices":[{"message":{"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"a\":"}}]},"finish_reason":"tool_calls"}]}`)
	})
	_, err := m.Generate(context.Background(), userReq("x"))
	e := wantKind(t, err, errs.KindProvider)
	if !strings.Contains(e.Message, "malformed arguments") || e.Details["provider"] != "openai" {
		t.Fatalf("error %v %v", e, e.Details)
	}
}

// collect drains s, returning the deltas seen.
func collect(t *testing.T, s provider.Stream) ([]provider.Delta, error) {
	t.Helper()
	var ds []provider.Delta
	_, err := provider.Collect(s, func(d provider.Delta) error { ds = append(ds, d); return nil })
	return ds, err
}

func TestStreamTextSSEFraming(t *testing.T) {
	var got map[string]any
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		got = wiretest.Body(t, r)
		wiretest.Start(w, "text/event-stream")
		wiretest.Write(w, ": keep-alive comment\n\n")
		wiretest.Write(w, "event: completion\r\ndata: {\"model\":\"gpt-4o-mini-x\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\r\n\r\n")
		// One event in two data lines, joined by a newline (JSON space).
		wiretest.Write(w, "data: {\"choices\":[{\"delta\":\ndata: {\"content\":\"Hel\"}}]}\n\n")
		wiretest.Write(w, "id: 3\nretry: 100\ndata:{\"choices\":[{\"delta\":{\"content\":\"lo ✓\"}}]}\r\r")
		wiretest.Write(w, wiretest.SSE(`{"choices":[{"delta":{},"finish_reason":"length"}]}`,
			`{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3}}`, "[DONE]"))
	})
	s, err := m.Stream(context.Background(), userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Text != "Hel" || ds[1].Text != "lo ✓" {
		t.Fatalf("deltas %+v", ds)
	}
	r := s.Response()
	if r.Text != "Hello ✓" || r.FinishReason != provider.FinishLength || r.Usage != (provider.Usage{InputTokens: 5, OutputTokens: 3}) || r.Model != "gpt-4o-mini-x" {
		t.Fatalf("response %+v", r)
	}
	if got["stream"] != true || fmt.Sprint(got["stream_options"]) != "map[include_usage:true]" || got["model"] != "gpt-4o-mini" {
		t.Fatalf("request %v", got)
	}
}

func TestStreamParallelToolCallsSplit(t *testing.T) {
	chunks := []string{
		`{"choices":[{"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_A","type":"function","function":{"name":"weather","arguments":""}}]}}]}`,
		`{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]}}]}`,
		`{"choices":[{"delta":{"tool_calls":[{"index":1,"id":"call_B","type":"function","function":{"name":"calc","arguments":"{\"x\": 1"}}]}}]}`,
		`{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\": \"Zü"}}]}}]}`,
		`{"choices":[{"delta":{"tool_calls":[{"index":1,"function":{"arguments":"2.5e"}}]}}]}`,
		`{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"rich \u2713\"}"}}]}}]}`,
		`{"choices":[{"delta":{"tool_calls":[{"index":1,"function":{"arguments":"1, \"s\": \"日本\"}"}}]}}]}`,
		`{"choices":[{"delta":{},"finish_reason":"tool_calls"}]}`,
		`{"choices":[],"usage":{"prompt_tokens":20,"completion_tokens":10}}`,
		"[DONE]",
	}
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		wiretest.Start(w, "text/event-stream")
		// Three-byte writes cut lines, "ü", "✓", "日本" and JSON tokens.
		wiretest.WriteSplit(w, wiretest.SSE(chunks...), 3)
	})
	s, err := m.Stream(context.Background(), userReq("go"))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 7 {
		t.Fatalf("deltas %d, want 7", len(ds))
	}
	first := ds[0].ToolCall
	if first == nil || first.Index != 0 || first.ID != "call_A" || first.Name != "weather" {
		t.Fatalf("first delta %+v", first)
	}
	if d := ds[2].ToolCall; d.Index != 1 || d.ID != "call_B" || d.Arguments != `{"x": 1` {
		t.Fatalf("third delta %+v", d)
	}
	r := s.Response()
	if r.FinishReason != provider.FinishToolCalls || len(r.ToolCalls) != 2 || r.Usage.OutputTokens != 10 {
		t.Fatalf("response %+v", r)
	}
	a, b := r.ToolCalls[0], r.ToolCalls[1]
	if a.ID != "call_A" || a.Name != "weather" || a.Arguments["city"] != "Zürich ✓" {
		t.Fatalf("call A %+v", a)
	}
	if b.ID != "call_B" || b.Name != "calc" || b.Arguments["x"] != 12.5e1 || b.Arguments["s"] != "日本" {
		t.Fatalf("call B %+v", b)
	}
}

func TestStreamMalformedToolArguments(t *testing.T) {
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		wiretest.Start(w, "text/event-stream")
		wiretest.Write(w, wiretest.SSE(`{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{\"a\""}}]}}]}`, "[DONE]"))
	})
	s, err := m.Stream(context.Background(), userReq("go"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = collect(t, s)
	wantKind(t, err, errs.KindProvider)
}

func TestStreamIsIncremental(t *testing.T) {
	release := make(chan struct{})
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		wiretest.Start(w, "text/event-stream")
		wiretest.Write(w, wiretest.SSE(`{"choices":[{"delta":{"content":"first"}}]}`))
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		wiretest.Write(w, wiretest.SSE(`{"choices":[{"delta":{"content":" second"}}]}`, "[DONE]"))
	})
	s, err := m.Stream(context.Background(), userReq("go"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := make(chan provider.Delta, 1)
	go func() {
		d, _ := s.Next()
		got <- d
	}()
	select {
	case d := <-got:
		if d.Text != "first" {
			t.Fatalf("first delta %+v", d)
		}
	case <-time.After(5 * time.Second):
		close(release)
		t.Fatal("the first delta did not arrive before the stream ended")
	}
	close(release)
	d, err := s.Next()
	if err != nil || d.Text != " second" {
		t.Fatalf("second delta %+v %v", d, err)
	}
	if _, err := s.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	if s.Response().Text != "first second" {
		t.Fatalf("response %+v", s.Response())
	}
}

func TestStreamBroken(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(w http.ResponseWriter)
	}{
		{"cut", wiretest.Cut},
		{"eof-before-done", func(http.ResponseWriter) {}},
		{"cut-mid-line", func(w http.ResponseWriter) { wiretest.Write(w, `data: {"choices":[{"de`); wiretest.Cut(w) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := setup(t, func(w http.ResponseWriter, r *http.Request) {
				wiretest.Start(w, "text/event-stream")
				wiretest.Write(w, wiretest.SSE(`{"choices":[{"delta":{"content":"partial"}}]}`))
				tc.end(w)
			})
			s, err := m.Stream(context.Background(), userReq("go"))
			if err != nil {
				t.Fatal(err)
			}
			ds, err := collect(t, s)
			e := wantKind(t, err, errs.KindProvider)
			if !strings.Contains(e.Message, "stream ended early") || len(ds) != 1 {
				t.Fatalf("error %q after %d deltas", e.Message, len(ds))
			}
			if r := s.Response(); r.FinishReason != provider.FinishError || r.Text != "partial" {
				t.Fatalf("partial response %+v", r)
			}
		})
	}
}

func TestStreamMalformedChunk(t *testing.T) {
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		wiretest.Start(w, "text/event-stream")
		wiretest.Write(w, wiretest.SSE(`{"choices":[{"delta":{"content":"ok"}}]}`, `{"choices":[{"delta":`, "[DONE]"))
	})
	s, err := m.Stream(context.Background(), userReq("go"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = collect(t, s)
	e := wantKind(t, err, errs.KindProvider)
	if !strings.Contains(e.Message, "malformed stream chunk 2") {
		t.Fatalf("error %q", e.Message)
	}
}

func TestStreamErrorEvent(t *testing.T) {
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		wiretest.Start(w, "text/event-stream")
		wiretest.Write(w, wiretest.SSE(`{"error":{"message":"model overloaded","type":"server_error"}}`))
	})
	s, err := m.Stream(context.Background(), userReq("go"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = collect(t, s)
	if e := wantKind(t, err, errs.KindProvider); !strings.Contains(e.Message, "model overloaded") {
		t.Fatalf("error %q", e.Message)
	}
}

func TestRetryAfter429(t *testing.T) {
	var n atomic.Int32
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"message":"rate limited","type":"requests"}}`)
			return
		}
		io.WriteString(w, answer)
	})
	start := time.Now()
	resp, err := m.Generate(context.Background(), userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 950*time.Millisecond || waited > 5*time.Second {
		t.Fatalf("waited %v, want about 1 s", waited)
	}
	if n.Load() != 2 || resp.Text != "Hello there" {
		t.Fatalf("requests %d, response %+v", n.Load(), resp)
	}
}

func TestRetry500ThenStream(t *testing.T) {
	var n atomic.Int32
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			http.Error(w, `{"error":{"message":"oops"}}`, http.StatusInternalServerError)
			return
		}
		wiretest.Start(w, "text/event-stream")
		wiretest.Write(w, wiretest.SSE(`{"choices":[{"delta":{"content":"ok"}}]}`, "[DONE]"))
	})
	s, err := m.Stream(context.Background(), userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collect(t, s); err != nil || s.Response().Text != "ok" || n.Load() != 2 {
		t.Fatalf("err %v, response %+v, requests %d", err, s.Response(), n.Load())
	}
}

func TestStatusErrors(t *testing.T) {
	for _, tc := range []struct {
		status   int
		retries  int
		body     string
		requests int32
		message  string
	}{
		{400, 0, `{"error":{"message":"messages: must not be empty","type":"invalid_request_error"}}`, 1, "http 400: messages: must not be empty"},
		{401, 0, `{"error":{"message":"Incorrect API key provided: Bearer sk-test-secret"}}`, 1, "http 401: Incorrect API key provided: Bearer [redacted]"},
		{503, 2, `{"error":{"message":"busy"}}`, 3, "http 503: busy"},
		{529, -1, `overloaded`, 1, "http 529: overloaded"},
		{502, 1, ``, 2, "http 502: Bad Gateway"},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			var n atomic.Int32
			m := setup(t, func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				w.WriteHeader(tc.status)
				io.WriteString(w, strings.ReplaceAll(tc.body, "Bearer sk-test-secret", r.Header.Get("Authorization")))
			}, func(c *provider.Config) { c.MaxRetries = tc.retries })
			_, err := m.Generate(context.Background(), userReq("hi"))
			e := wantKind(t, err, errs.KindProvider)
			if !strings.Contains(e.Message, tc.message) || e.Details["status"] != int64(tc.status) || e.Details["provider"] != "openai" {
				t.Fatalf("error %q details %v", e.Message, e.Details)
			}
			if strings.Contains(fmt.Sprintf("%v %+v", err, e.Details), "sk-test-secret") {
				t.Fatal("the key leaked into the error")
			}
			if n.Load() != tc.requests {
				t.Fatalf("requests %d, want %d", n.Load(), tc.requests)
			}
		})
	}
}

func TestTimeouts(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
	short := func(c *provider.Config) { c.Timeout = 100 * time.Millisecond }
	t.Run("generate", func(t *testing.T) {
		m := setup(t, hang, short)
		start := time.Now()
		_, err := m.Generate(context.Background(), userReq("hi"))
		wantKind(t, err, errs.KindTimeout)
		if time.Since(start) > 3*time.Second {
			t.Fatal("timeout took too long")
		}
	})
	t.Run("stream-headers", func(t *testing.T) {
		m := setup(t, hang, short)
		_, err := m.Stream(context.Background(), userReq("hi"))
		wantKind(t, err, errs.KindTimeout)
	})
	t.Run("stream-idle", func(t *testing.T) {
		m := setup(t, func(w http.ResponseWriter, r *http.Request) {
			wiretest.Start(w, "text/event-stream")
			for i := 0; i < 3; i++ { // data every 50 ms keeps a 300 ms idle timer alive
				wiretest.Write(w, wiretest.SSE(`{"choices":[{"delta":{"content":"x"}}]}`))
				time.Sleep(50 * time.Millisecond)
			}
			hang(w, r)
		}, func(c *provider.Config) { c.Timeout = 300 * time.Millisecond })
		s, err := m.Stream(context.Background(), userReq("hi"))
		if err != nil {
			t.Fatal(err)
		}
		ds, err := collect(t, s)
		wantKind(t, err, errs.KindTimeout)
		if len(ds) != 3 {
			t.Fatalf("deltas %d, want 3", len(ds))
		}
	})
	t.Run("ctx-deadline", func(t *testing.T) {
		m := setup(t, hang)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := m.Generate(ctx, userReq("hi"))
		wantKind(t, err, errs.KindTimeout)
	})
}

func TestCancelDuringRetryWait(t *testing.T) {
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := m.Generate(ctx, userReq("hi"))
	wantKind(t, err, errs.KindCancelled)
	if time.Since(start) > 3*time.Second {
		t.Fatal("the retry wait ignored the cancellation")
	}
}

// midStream starts a stream that sends one delta and then waits; ended is
// closed when the server sees the request end.
func midStream(t *testing.T) (provider.Model, chan struct{}) {
	ended := make(chan struct{})
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		wiretest.Start(w, "text/event-stream")
		wiretest.Write(w, wiretest.SSE(`{"choices":[{"delta":{"content":"one"}}]}`))
		select {
		case <-r.Context().Done():
			close(ended)
		case <-time.After(10 * time.Second):
		}
	})
	return m, ended
}

func TestCancelMidStream(t *testing.T) {
	m, ended := midStream(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := m.Stream(ctx, userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if d, err := s.Next(); err != nil || d.Text != "one" {
		t.Fatalf("first %+v %v", d, err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = s.Next()
	wantKind(t, err, errs.KindCancelled)
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not see the request end")
	}
}

func TestCloseMidStream(t *testing.T) {
	m, ended := midStream(t)
	s, err := m.Stream(context.Background(), userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Next()
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, errs.ErrClosed) {
			t.Fatalf("Next after Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Next")
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not see the request end")
	}
	if _, err := s.Next(); !errors.Is(err, errs.ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
}

func TestConnectionRefusedIsRetried(t *testing.T) {
	srv := wiretest.Server(t, func(http.ResponseWriter, *http.Request) {})
	cfg := wiretest.Config(t, srv)
	srv.Close()
	cfg.MaxRetries = 2
	m, _ := openai.New(cfg, "gpt-4o-mini")
	start := time.Now()
	_, err := m.Generate(context.Background(), userReq("hi"))
	e := wantKind(t, err, errs.KindProvider)
	if strings.Contains(e.Message, "sk-test-secret") || time.Since(start) < 5*time.Millisecond {
		t.Fatalf("error %q after %v", e.Message, time.Since(start))
	}
}
