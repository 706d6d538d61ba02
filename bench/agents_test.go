package bench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/agent"
	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/internal/testmodels"
)

// loopbackOpenAI answers every chat completion with a fixed short answer,
// as JSON or as an SSE stream of ten deltas: the provider's own time is a
// loopback round trip, so what is left is our overhead.
func loopbackOpenAI(b *testing.B) string {
	b.Helper()
	answer := `{"id":"c","object":"chat.completion","model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3}}`
	var sse strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&sse, "data: {\"id\":\"c\",\"model\":\"bench\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"w%d \"}}]}\n\n", i)
	}
	sse.WriteString("data: {\"id\":\"c\",\"model\":\"bench\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":10}}\n\ndata: [DONE]\n\n")
	stream := sse.String()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, r.ContentLength)
		r.Body.Read(body)
		if strings.Contains(string(body), `"stream":true`) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.Write([]byte(stream))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(answer))
	}))
	b.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

// agentEngine is an in-memory engine with a loopback OpenAI-compatible
// provider "loop" and, when the shared models are there, the local model.
func agentEngine(b *testing.B, baseURL string) *engine.Engine {
	b.Helper()
	cfg := config.Default()
	cfg.Models.Dir = testmodels.RepoShared()
	cfg.Providers = []config.Provider{{Name: "loop", Type: "openai", BaseURL: baseURL, DefaultModel: "bench", MaxRetries: -1}}
	e, err := engine.New(&engine.Options{Config: cfg})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	return e
}

// BenchmarkAgents measures agent creation, provider resolution, the
// overhead of an execute against a loopback provider (compare with the
// provider call alone), streaming, and memory per agent.
func BenchmarkAgents(b *testing.B) {
	url := loopbackOpenAI(b)
	b.Run("create_llm", func(b *testing.B) {
		e := agentEngine(b, url)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.Agents().Create(ctx, agent.Config{Name: "a", Model: "loop/bench", Tools: []string{"calculator"}}); err != nil {
				b.Fatal(err)
			}
			e.Agents().Remove("a")
		}
	})
	b.Run("resolve_provider", func(b *testing.B) {
		e := agentEngine(b, url)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.Providers().Resolve("loop/bench"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("provider_generate_loopback", func(b *testing.B) {
		e := agentEngine(b, url)
		m, err := e.Providers().Resolve("loop/bench")
		if err != nil {
			b.Fatal(err)
		}
		req := &provider.Request{Messages: []provider.Message{{Role: provider.RoleUser, Content: "hi"}}}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Generate(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("execute_loopback", func(b *testing.B) {
		e := agentEngine(b, url)
		a, err := e.Agents().Create(ctx, agent.Config{Name: "a", Model: "loop/bench", MaxConversationLength: -1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Execute(ctx, agent.Input{Text: "hi"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stream_loopback_10_deltas", func(b *testing.B) {
		e := agentEngine(b, url)
		a, err := e.Agents().Create(ctx, agent.Config{Name: "a", Model: "loop/bench", MaxConversationLength: -1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			if _, err := a.Stream(ctx, agent.Input{Text: "hi"}, func(provider.Delta) error { n++; return nil }); err != nil {
				b.Fatal(err)
			}
		}
		if n == 0 {
			b.Fatal("no deltas")
		}
	})
	b.Run("memory_per_agent", func(b *testing.B) {
		e := agentEngine(b, url)
		const n = 1000
		var before, after runtime.MemStats
		for b.Loop() {
			runtime.GC()
			runtime.ReadMemStats(&before)
			for i := 0; i < n; i++ {
				if _, err := e.Agents().Create(ctx, agent.Config{Name: fmt.Sprint("m", i), Model: "loop/bench", Tools: []string{"calculator"}}); err != nil {
					b.Fatal(err)
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			for i := 0; i < n; i++ {
				e.Agents().Remove(fmt.Sprint("m", i))
			}
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/agent")
	})
}

// BenchmarkLocalModel measures the in-process stories260K model through
// the provider interface: tokens per second of greedy generation, and an
// agent execute with a tool call (constrained decoding, the tool, the
// answer).
func BenchmarkLocalModel(b *testing.B) {
	testmodels.Dir(b)
	e := agentEngine(b, "http://127.0.0.1:1/v1")
	b.Run("tokens", func(b *testing.B) {
		m, err := e.Providers().Resolve("local/stories260K")
		if err != nil {
			b.Fatal(err)
		}
		zero := 0.0
		req := &provider.Request{Messages: []provider.Message{{Role: provider.RoleUser, Content: "Once upon a time"}},
			Temperature: &zero, MaxTokens: 128}
		b.ReportAllocs()
		tokens := 0
		for b.Loop() {
			resp, err := m.Generate(ctx, req)
			if err != nil {
				b.Fatal(err)
			}
			tokens += resp.Usage.OutputTokens + resp.Usage.InputTokens
		}
		b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
	})
	b.Run("stream_per_delta", func(b *testing.B) {
		zero := 0.0
		a, err := e.Agents().Create(ctx, agent.Config{Name: "s", Temperature: &zero, MaxTokens: 64, MaxConversationLength: -1})
		if err != nil {
			b.Fatal(err)
		}
		deltas := 0
		for b.Loop() {
			if _, err := a.Stream(ctx, agent.Input{Text: "Once"}, func(provider.Delta) error { deltas++; return nil }); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(deltas), "ns/delta")
	})
	b.Run("execute_tool_call", func(b *testing.B) {
		zero := 0.0
		a, err := e.Agents().Create(ctx, agent.Config{Name: "t", Tools: []string{"uuid_generator"}, Temperature: &zero,
			MaxTokens: 16, MaxConversationLength: -1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Execute(ctx, agent.Input{Text: "Once upon a time"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
