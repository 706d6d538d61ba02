package ollama_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/provider/internal/wire/wiretest"
	"github.com/llmspell/llmspell-go/core/provider/ollama"
	"github.com/llmspell/llmspell-go/core/value"
)

func setup(t testing.TB, h http.HandlerFunc, tweak ...func(*provider.Config)) provider.Model {
	t.Helper()
	wiretest.NoLeaks(t)
	srv := wiretest.Server(t, h)
	cfg := wiretest.Config(t, srv)
	cfg.APIKey = ""
	for _, f := range tweak {
		f(cfg)
	}
	m, err := ollama.New(cfg, "llama3.2")
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

const answer = `{"model":"llama3.2","created_at":"2024-07-22T20:33:28.123648Z","message":{"role":"assistant","content":"",
"tool_calls":[{"function":{"name":"weather","arguments":{"city":"Paris","days":3}}},{"function":{"name":"time","arguments":{}}}]},
"done_reason":"stop","done":true,"total_duration":885095291,"load_duration":3753500,"prompt_eval_count":122,"prompt_eval_duration":328493000,"eval_count":33,"eval_duration":552222000}`

func TestNewNeedsBaseURL(t *testing.T) {
	_, err := ollama.New(&provider.Config{}, "llama3.2")
	wantKind(t, err, errs.KindInvalidArgument)
	m, _ := ollama.New(&provider.Config{BaseURL: "http://127.0.0.1:1"}, "llava:7b")
	if c := m.Capabilities(); !c.Vision || !c.Tools || !c.JSONMode || !c.Streaming {
		t.Fatalf("capabilities %+v", c)
	}
}

func TestGenerateRequestShapeAndToolCalls(t *testing.T) {
	var got map[string]any
	var path, auth string
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		path, auth = r.URL.Path, r.Header.Get("Authorization")
		got = wiretest.Body(t, r)
		io.WriteString(w, answer)
	})
	temp, seed := 0.0, int64(42)
	req := &provider.Request{
		System: "be brief",
		Messages: []provider.Message{
			{Role: provider.RoleUser, Content: "weather?"},
			{Role: provider.RoleAssistant, ToolCalls: []provider.ToolCall{{ID: "call_1", Name: "weather", Arguments: value.Map{"city": "Paris"}}}},
			{Role: provider.RoleTool, ToolCallID: "call_1", Name: "weather", Content: "sunny"},
		},
		Tools:       []provider.ToolSpec{{Name: "weather", Schema: value.Map{"type": "object"}}, {Name: "time"}},
		Temperature: &temp, Seed: &seed, MaxTokens: 100, JSON: true,
	}
	resp, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"format":"json","messages":[{"content":"be brief","role":"system"},{"content":"weather?","role":"user"},` +
		`{"content":"","role":"assistant","tool_calls":[{"function":{"arguments":{"city":"Paris"},"name":"weather"}}]},` +
		`{"content":"sunny","role":"tool","tool_name":"weather"}],"model":"llama3.2","options":{"num_predict":100,"seed":42,"temperature":0},` +
		`"stream":false,"tools":[{"function":{"name":"weather","parameters":{"type":"object"}},"type":"function"},` +
		`{"function":{"name":"time","parameters":{"properties":{},"type":"object"}},"type":"function"}]}`
	if b, _ := json.Marshal(got); string(b) != want || path != "/api/chat" || auth != "" {
		t.Fatalf("path %q auth %q request body\n got %s\nwant %s", path, auth, b, want)
	}
	if resp.FinishReason != provider.FinishToolCalls || len(resp.ToolCalls) != 2 || resp.Usage != (provider.Usage{InputTokens: 122, OutputTokens: 33}) {
		t.Fatalf("response %+v", resp)
	}
	a, b := resp.ToolCalls[0], resp.ToolCalls[1]
	if a.Name != "weather" || a.Arguments["days"] != int64(3) || !strings.HasPrefix(a.ID, "call_") || a.ID == b.ID || len(b.Arguments) != 0 {
		t.Fatalf("calls %+v %+v", a, b)
	}
}

// lines is a recorded streamed answer.
var lines = []string{
	`{"model":"llama3.2","created_at":"2024-07-22T20:33:28Z","message":{"role":"assistant","content":"The"},"done":false}`,
	`{"model":"llama3.2","created_at":"2024-07-22T20:33:28Z","message":{"role":"assistant","content":" sky is blüe"},"done":false}`,
	`{"model":"llama3.2","created_at":"2024-07-22T20:33:28Z","message":{"role":"assistant","content":""},"done_reason":"length","done":true,"total_duration":4883583458,"prompt_eval_count":26,"eval_count":2}`,
}

func TestStreamNDJSON(t *testing.T) {
	var got map[string]any
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		got = wiretest.Body(t, r)
		wiretest.Start(w, "application/x-ndjson")
		wiretest.WriteSplit(w, strings.Join(lines, "\n")+"\n", 5)
	})
	s, err := m.Stream(context.Background(), userReq("why?"))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	r, err := provider.Collect(s, func(d provider.Delta) error { texts = append(texts, d.Text); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(texts, "|") != "The| sky is blüe" || r.Text != "The sky is blüe" || r.FinishReason != provider.FinishLength ||
		r.Usage != (provider.Usage{InputTokens: 26, OutputTokens: 2}) {
		t.Fatalf("deltas %q response %+v", texts, r)
	}
	if got["stream"] != true {
		t.Fatalf("request %v", got)
	}
}

func TestStreamToolCalls(t *testing.T) {
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		wiretest.Start(w, "application/x-ndjson")
		wiretest.Write(w, `{"model":"llama3.2","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"weather","arguments":{"city":"Zürich"}}},{"function":{"name":"time","arguments":{}}}]},"done":false}`+"\n")
		wiretest.Write(w, `{"model":"llama3.2","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"prompt_eval_count":5,"eval_count":7}`+"\n")
	})
	s, err := m.Stream(context.Background(), userReq("go"))
	if err != nil {
		t.Fatal(err)
	}
	var calls []provider.ToolCallDelta
	r, err := provider.Collect(s, func(d provider.Delta) error { calls = append(calls, *d.ToolCall); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[0].Index != 0 || calls[1].Index != 1 || calls[0].Arguments != `{"city":"Zürich"}` || calls[0].ID == "" {
		t.Fatalf("deltas %+v", calls)
	}
	if r.FinishReason != provider.FinishToolCalls || len(r.ToolCalls) != 2 || r.ToolCalls[0].Arguments["city"] != "Zürich" || r.ToolCalls[0].ID != calls[0].ID {
		t.Fatalf("response %+v", r)
	}
}

func TestStreamFailures(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		write      func(w http.ResponseWriter)
	}{
		{"error-line", "stream error: model 'llama3.2' not found", func(w http.ResponseWriter) {
			wiretest.Write(w, lines[0]+"\n"+`{"error":"model 'llama3.2' not found"}`+"\n")
		}},
		{"cut", "stream ended early", func(w http.ResponseWriter) { wiretest.Write(w, lines[0]+"\n"+lines[1][:20]); wiretest.Cut(w) }},
		{"eof-before-done", "stream ended early", func(w http.ResponseWriter) { wiretest.Write(w, lines[0]+"\n"+lines[1]+"\n") }},
		{"malformed", "malformed stream chunk 2", func(w http.ResponseWriter) { wiretest.Write(w, lines[0]+"\n{\"message\":\n") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := setup(t, func(w http.ResponseWriter, r *http.Request) {
				wiretest.Start(w, "application/x-ndjson")
				tc.write(w)
			})
			s, err := m.Stream(context.Background(), userReq("go"))
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
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		wiretest.Start(w, "application/x-ndjson")
		wiretest.Write(w, lines[0]+"\n")
		select {
		case <-release:
		case <-r.Context().Done():
		}
		<-r.Context().Done()
		close(ended)
	})
	s, err := m.Stream(context.Background(), userReq("go"))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan provider.Delta, 1)
	go func() { d, _ := s.Next(); got <- d }()
	select {
	case d := <-got:
		if d.Text != "The" {
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

func TestRetriesAndErrors(t *testing.T) {
	var n atomic.Int32
	m := setup(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"error":"server busy"}`)
		default:
			io.WriteString(w, answer)
		}
	})
	if _, err := m.Generate(context.Background(), userReq("hi")); err != nil || n.Load() != 2 {
		t.Fatalf("err %v requests %d", err, n.Load())
	}
	n.Store(0)
	m = setup(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"model \"nope\" not found, try pulling it first"}`)
	})
	_, err := m.Generate(context.Background(), userReq("hi"))
	e := wantKind(t, err, errs.KindProvider)
	if !strings.Contains(e.Message, `http 404: model "nope" not found`) || e.Details["status"] != int64(404) || e.Details["provider"] != "ollama" || n.Load() != 1 {
		t.Fatalf("error %q %v requests %d", e.Message, e.Details, n.Load())
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	m := setup(t, hang, func(c *provider.Config) { c.Timeout = 100 * time.Millisecond })
	_, err := m.Generate(context.Background(), userReq("hi"))
	wantKind(t, err, errs.KindTimeout)
	m = setup(t, func(w http.ResponseWriter, r *http.Request) {
		wiretest.Start(w, "application/x-ndjson")
		wiretest.Write(w, lines[0]+"\n")
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	s, err := m.Stream(ctx, userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Next()
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = s.Next()
	wantKind(t, err, errs.KindCancelled)
}
