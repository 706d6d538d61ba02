package anthropic_test

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
	"github.com/llmspell/llmspell-go/core/provider/anthropic"
	"github.com/llmspell/llmspell-go/core/provider/internal/wire/wiretest"
	"github.com/llmspell/llmspell-go/core/value"
)

func setup(t testing.TB, h http.HandlerFunc, tweak ...func(*provider.Config)) provider.Model {
	t.Helper()
	wiretest.NoLeaks(t)
	srv := wiretest.Server(t, h)
	cfg := wiretest.Config(t, srv)
	for _, f := range tweak {
		f(cfg)
	}
	m, err := anthropic.New(cfg, "claude-3-5-haiku-latest")
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

// ev formats one SSE event with its event line, as the API sends it.
func ev(name, data string) string { return "event: " + name + "\ndata: " + data + "\n\n" }

const answer = `{"id":"msg_01","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022",
"content":[{"type":"text","text":"Let me check."},{"type":"tool_use","id":"toolu_01","name":"weather","input":{"city":"Paris","days":2}}],
"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":12}}`

func TestNewNeedsBaseURL(t *testing.T) {
	_, err := anthropic.New(&provider.Config{}, "claude-3-5-haiku-latest")
	wantKind(t, err, errs.KindInvalidArgument)
	m, _ := anthropic.New(&provider.Config{BaseURL: "http://127.0.0.1:1"}, "claude-3-5-haiku-latest")
	if c := m.Capabilities(); !c.Streaming || !c.Tools || !c.ParallelToolCalls || c.JSONMode {
		t.Fatalf("capabilities %+v", c)
	}
}

func TestGenerateRequestShape(t *testing.T) {
	var got map[string]any
	var hdr http.Header
	var path string
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		path, hdr = r.URL.Path, r.Header.Clone()
		got = wiretest.Body(t, r)
		io.WriteString(w, answer)
	})
	temp := 0.5
	req := &provider.Request{
		System: "be brief",
		Messages: []provider.Message{
			{Role: provider.RoleUser, Content: "weather in Paris and Rome?"},
			{Role: provider.RoleAssistant, Content: "Checking.", ToolCalls: []provider.ToolCall{
				{ID: "toolu_a", Name: "weather", Arguments: value.Map{"city": "Paris"}},
				{ID: "toolu_b", Name: "weather", Arguments: value.Map{"city": "Rome"}}}},
			{Role: provider.RoleTool, ToolCallID: "toolu_a", Content: "sunny"},
			{Role: provider.RoleTool, ToolCallID: "toolu_b", Content: "rain"},
		},
		Tools: []provider.ToolSpec{{Name: "weather", Description: "current weather",
			Schema: value.Map{"type": "object", "properties": value.Map{"city": value.Map{"type": "string"}}, "required": value.List{"city"}}}},
		Temperature: &temp,
	}
	resp, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if path != "/v1/messages" || hdr.Get("x-api-key") != "sk-test-secret" || hdr.Get("anthropic-version") != "2023-06-01" ||
		hdr.Get("Content-Type") != "application/json" || hdr.Get("Authorization") != "" {
		t.Fatalf("path %q headers %v", path, hdr)
	}
	want := `{"max_tokens":1024,"messages":[` +
		`{"content":[{"text":"weather in Paris and Rome?","type":"text"}],"role":"user"},` +
		`{"content":[{"text":"Checking.","type":"text"},{"id":"toolu_a","input":{"city":"Paris"},"name":"weather","type":"tool_use"},` +
		`{"id":"toolu_b","input":{"city":"Rome"},"name":"weather","type":"tool_use"}],"role":"assistant"},` +
		`{"content":[{"content":"sunny","tool_use_id":"toolu_a","type":"tool_result"},{"content":"rain","tool_use_id":"toolu_b","type":"tool_result"}],"role":"user"}],` +
		`"model":"claude-3-5-haiku-latest","system":"be brief","temperature":0.5,` +
		`"tools":[{"description":"current weather","input_schema":{"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"},"name":"weather"}]}`
	if b, _ := json.Marshal(got); string(b) != want {
		t.Fatalf("request body\n got %s\nwant %s", b, want)
	}
	if resp.Text != "Let me check." || resp.FinishReason != provider.FinishToolCalls || resp.Usage != (provider.Usage{InputTokens: 30, OutputTokens: 12}) ||
		len(resp.ToolCalls) != 1 || resp.ToolCalls[0].ID != "toolu_01" || resp.ToolCalls[0].Arguments["days"] != int64(2) {
		t.Fatalf("response %+v", resp)
	}
}

func TestGenerateFinishReasons(t *testing.T) {
	for reason, want := range map[string]string{"end_turn": provider.FinishStop, "max_tokens": provider.FinishLength,
		"stop_sequence": provider.FinishStop, "tool_use": provider.FinishToolCalls} {
		m := setup(t, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"content":[{"type":"text","text":"x"}],"stop_reason":%q,"usage":{"input_tokens":1,"output_tokens":1}}`, reason)
		})
		resp, err := m.Generate(context.Background(), &provider.Request{
			Messages: []provider.Message{{Role: provider.RoleSystem, Content: "sys"}, {Role: provider.RoleUser, Content: "x"}}, MaxTokens: 9, JSON: true})
		if err != nil || resp.FinishReason != want {
			t.Fatalf("%s: %+v %v", reason, resp, err)
		}
	}
}

func TestGenerateSystemAndJSON(t *testing.T) {
	var got map[string]any
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		got = wiretest.Body(t, r)
		io.WriteString(w, answer)
	})
	_, err := m.Generate(context.Background(), &provider.Request{System: "top",
		Messages: []provider.Message{{Role: provider.RoleSystem, Content: "inner"}, {Role: provider.RoleUser, Content: "x"}}, MaxTokens: 9, JSON: true})
	if err != nil {
		t.Fatal(err)
	}
	if got["system"] != "top\n\ninner\n\nRespond with a single JSON object and nothing else." || got["max_tokens"] != float64(9) || len(got["messages"].([]any)) != 1 {
		t.Fatalf("request %v", got)
	}
}

// textStream is a recorded text answer: message_start, a text block with
// pings between its deltas, message_delta and message_stop.
var textStream = ev("message_start", `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}`) +
	ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`) +
	ev("ping", `{"type": "ping"}`) +
	ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`) +
	": a comment line\n\n" +
	ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", wörld"}}`) +
	ev("content_block_stop", `{"type":"content_block_stop","index":0}`) +
	ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":15}}`) +
	ev("message_stop", `{"type":"message_stop"}`)

func TestStreamText(t *testing.T) {
	var got map[string]any
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		got = wiretest.Body(t, r)
		wiretest.Start(w, "text/event-stream")
		wiretest.WriteSplit(w, textStream, 4)
	})
	s, err := m.Stream(context.Background(), userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	r, err := provider.Collect(s, func(d provider.Delta) error { texts = append(texts, d.Text); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(texts, "|") != "Hello|, wörld" || r.Text != "Hello, wörld" || r.FinishReason != provider.FinishLength ||
		r.Usage != (provider.Usage{InputTokens: 25, OutputTokens: 15}) || r.Model != "claude-3-5-haiku-20241022" {
		t.Fatalf("deltas %q response %+v", texts, r)
	}
	if got["stream"] != true {
		t.Fatalf("request %v", got)
	}
}

func TestStreamParallelToolUse(t *testing.T) {
	body := ev("message_start", `{"type":"message_start","message":{"model":"claude-3-5-haiku-20241022","usage":{"input_tokens":40,"output_tokens":1}}}`) +
		ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`) +
		ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking both."}}`) +
		ev("content_block_stop", `{"type":"content_block_stop","index":0}`) +
		ev("content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_A","name":"weather","input":{}}}`) +
		ev("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}`) +
		ev("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Zü"}}`) +
		ev("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"rich\", \"days\": 1"}}`) +
		ev("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"0}"}}`) +
		ev("content_block_stop", `{"type":"content_block_stop","index":1}`) +
		ev("content_block_start", `{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_B","name":"time","input":{}}}`) +
		ev("content_block_stop", `{"type":"content_block_stop","index":2}`) +
		ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":60}}`) +
		ev("message_stop", `{"type":"message_stop"}`)
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		wiretest.Start(w, "text/event-stream")
		wiretest.WriteSplit(w, body, 3)
	})
	s, err := m.Stream(context.Background(), userReq("go"))
	if err != nil {
		t.Fatal(err)
	}
	var calls []provider.ToolCallDelta
	r, err := provider.Collect(s, func(d provider.Delta) error {
		if d.ToolCall != nil {
			calls = append(calls, *d.ToolCall)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 5 || calls[0] != (provider.ToolCallDelta{Index: 0, ID: "toolu_A", Name: "weather"}) ||
		calls[1].Index != 0 || calls[1].Arguments != `{"city": "Zü` || calls[4] != (provider.ToolCallDelta{Index: 1, ID: "toolu_B", Name: "time"}) {
		t.Fatalf("tool deltas %+v", calls)
	}
	if r.Text != "Checking both." || r.FinishReason != provider.FinishToolCalls || len(r.ToolCalls) != 2 || r.Usage.OutputTokens != 60 {
		t.Fatalf("response %+v", r)
	}
	if a := r.ToolCalls[0]; a.ID != "toolu_A" || a.Arguments["city"] != "Zürich" || a.Arguments["days"] != int64(10) {
		t.Fatalf("call A %+v", a)
	}
	if b := r.ToolCalls[1]; b.ID != "toolu_B" || b.Name != "time" || b.Arguments == nil || len(b.Arguments) != 0 {
		t.Fatalf("call B %+v", b)
	}
}

func TestStreamErrorEvent(t *testing.T) {
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		wiretest.Start(w, "text/event-stream")
		wiretest.Write(w, textStream[:strings.Index(textStream, "event: ping")])
		wiretest.Write(w, ev("error", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`))
	})
	s, err := m.Stream(context.Background(), userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = provider.Collect(s, nil)
	if e := wantKind(t, err, errs.KindProvider); !strings.Contains(e.Message, "Overloaded") || e.Details["provider"] != "anthropic" {
		t.Fatalf("error %q %v", e.Message, e.Details)
	}
}

func TestStreamBrokenAndMalformed(t *testing.T) {
	cut := strings.Index(textStream, "event: content_block_stop")
	for _, tc := range []struct {
		name, want string
		write      func(w http.ResponseWriter)
	}{
		{"cut", "stream ended early", func(w http.ResponseWriter) { wiretest.Write(w, textStream[:cut]); wiretest.Cut(w) }},
		{"eof-before-message_stop", "stream ended early", func(w http.ResponseWriter) { wiretest.Write(w, textStream[:cut]) }},
		{"malformed", "malformed stream chunk 3", func(w http.ResponseWriter) {
			wiretest.Write(w, textStream[:strings.Index(textStream, "event: ping")]+ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{`))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := setup(t, func(w http.ResponseWriter, r *http.Request) {
				wiretest.Start(w, "text/event-stream")
				tc.write(w)
			})
			s, err := m.Stream(context.Background(), userReq("hi"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = provider.Collect(s, nil)
			if e := wantKind(t, err, errs.KindProvider); !strings.Contains(e.Message, tc.want) {
				t.Fatalf("error %q, want %q", e.Message, tc.want)
			}
		})
	}
}

func TestStreamIsIncrementalAndClose(t *testing.T) {
	release, ended := make(chan struct{}), make(chan struct{})
	first := strings.Index(textStream, ": a comment")
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		wiretest.Start(w, "text/event-stream")
		wiretest.Write(w, textStream[:first])
		select {
		case <-release:
		case <-r.Context().Done():
		}
		<-r.Context().Done()
		close(ended)
	})
	s, err := m.Stream(context.Background(), userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan provider.Delta, 1)
	go func() { d, _ := s.Next(); got <- d }()
	select {
	case d := <-got:
		if d.Text != "Hello" {
			t.Fatalf("first delta %+v", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first delta did not arrive before the stream ended")
	}
	close(release)
	done := make(chan error, 1)
	go func() { _, err := s.Next(); done <- err }()
	time.Sleep(30 * time.Millisecond)
	s.Close()
	s.Close()
	if err := <-done; !errors.Is(err, errs.ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not see the request end")
	}
}

func TestRetries(t *testing.T) {
	var n atomic.Int32
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`)
		case 2:
			w.WriteHeader(529)
			io.WriteString(w, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
		default:
			io.WriteString(w, answer)
		}
	})
	start := time.Now()
	resp, err := m.Generate(context.Background(), userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 950*time.Millisecond || n.Load() != 3 || resp.Text != "Let me check." {
		t.Fatalf("waited %v, requests %d, response %+v", waited, n.Load(), resp)
	}
}

func TestStatusErrors(t *testing.T) {
	for _, tc := range []struct {
		status  int
		body    string
		message string
	}{
		{400, `{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}`, "http 400: max_tokens: Field required"},
		{401, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key KEY"}}`, "http 401: invalid x-api-key [redacted]"},
	} {
		var n atomic.Int32
		m := setup(t, func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.WriteHeader(tc.status)
			io.WriteString(w, strings.ReplaceAll(tc.body, "KEY", r.Header.Get("x-api-key")))
		})
		_, err := m.Generate(context.Background(), userReq("hi"))
		e := wantKind(t, err, errs.KindProvider)
		if !strings.Contains(e.Message, tc.message) || e.Details["status"] != int64(tc.status) || n.Load() != 1 ||
			strings.Contains(err.Error(), "sk-test-secret") {
			t.Fatalf("error %q details %v requests %d", e.Message, e.Details, n.Load())
		}
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	m := setup(t, hang, func(c *provider.Config) { c.Timeout = 100 * time.Millisecond })
	_, err := m.Generate(context.Background(), userReq("hi"))
	wantKind(t, err, errs.KindTimeout)
	m = setup(t, hang)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = m.Stream(ctx, userReq("hi"))
	wantKind(t, err, errs.KindCancelled)
}
