package tests

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/agent"
	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/event"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/value"
)

// remoteProto is one wire protocol as the tests configure it.
type remoteProto struct {
	typ, model, keyEnv, secret string
}

var remoteProtos = []remoteProto{
	{"openai", "gpt-test", "LLMSPELL_TEST_OPENAI_KEY", "sk-openai-fake-7f3a9c2d"},
	{"anthropic", "claude-test", "LLMSPELL_TEST_ANTHROPIC_KEY", "sk-ant-fake-51be02e4"},
	{"ollama", "llama-test", "LLMSPELL_TEST_OLLAMA_KEY", "ollama-fake-c0ffee11"},
}

// name is the provider's name in the config: remote_<type>.
func (p remoteProto) name() string { return "remote_" + p.typ }

// provider is the [providers.remote_<type>] table pointing at f.
func (p remoteProto) provider(f *fakeLLM) config.Provider {
	return config.Provider{Name: p.name(), Type: p.typ, BaseURL: f.baseURL(p.typ), APIKeyEnv: p.keyEnv,
		DefaultModel: p.model, TimeoutMS: 10000}
}

// credential is the key a request carried in the protocol's header.
func (p remoteProto) credential(h http.Header) string {
	if p.typ == "anthropic" {
		return h.Get("x-api-key")
	}
	return strings.TrimPrefix(h.Get("Authorization"), "Bearer ")
}

// newRemoteEngine returns a memory-backed engine with the given providers.
// env, when not nil, is where API keys are looked up instead of the
// process environment (so subtests may run in parallel).
func newRemoteEngine(t *testing.T, env map[string]string, provs ...config.Provider) *engine.Engine {
	t.Helper()
	cfg := config.Default()
	cfg.Providers = provs
	opts := &engine.Options{Config: cfg, LogOutput: io.Discard}
	if env != nil {
		opts.LookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	}
	eng, err := engine.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

// runAgent executes (or streams) in, collecting the text deltas and the
// tool-call fragments.
func runAgent(ctx context.Context, a *agent.Agent, stream bool, in string) (*agent.Result, []string, []provider.ToolCallDelta, error) {
	if !stream {
		res, err := a.Execute(ctx, agent.Input{Text: in})
		return res, nil, nil, err
	}
	var texts []string
	var frags []provider.ToolCallDelta
	res, err := a.Stream(ctx, agent.Input{Text: in}, func(d provider.Delta) error {
		if d.Text != "" {
			texts = append(texts, d.Text)
		}
		if d.ToolCall != nil {
			frags = append(frags, *d.ToolCall)
		}
		return nil
	})
	return res, texts, frags, err
}

func modeName(stream bool) string {
	if stream {
		return "stream"
	}
	return "execute"
}

// drainEvents returns the events queued on sub.
func drainEvents(t *testing.T, sub *event.Subscription) []event.Event {
	t.Helper()
	var out []event.Event
	for {
		ev, ok, err := sub.Receive(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return out
		}
		out = append(out, ev)
	}
}

// dig walks decoded JSON by object keys and list indexes (negative ones
// count from the end); it gives nil for a missing step.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k < 0 {
				k += len(l)
			}
			if k < 0 || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// TestAgentRemoteToolLoop runs an agent with the calculator on each wire
// protocol, executing and streaming: the tool really runs, its result goes
// back to the model with the call's ID, and the answer, usage, deltas,
// events, memory and the requests on the wire are all checked.
func TestAgentRemoteToolLoop(t *testing.T) {
	for _, p := range remoteProtos {
		for _, stream := range []bool{false, true} {
			t.Run(p.typ+"/"+modeName(stream), func(t *testing.T) {
				f := newFakeLLM(t)
				t.Setenv(p.keyEnv, p.secret)
				eng := newRemoteEngine(t, nil, p.provider(f))
				sub, err := eng.Events().Subscribe("agent.*", nil)
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				a, err := eng.Agents().Create(ctx, agent.Config{Name: "calc", Model: p.name(),
					SystemPrompt: "You are a calculator.", Tools: []string{"calculator"}})
				if err != nil {
					t.Fatal(err)
				}
				res, texts, frags, err := runAgent(ctx, a, stream, "What is 6*7?")
				if err != nil {
					t.Fatal(err)
				}

				if len(res.ToolCalls) != 1 {
					t.Fatalf("tool calls: %+v", res.ToolCalls)
				}
				tc := res.ToolCalls[0]
				got, _ := tc.Result.(value.Map)
				if tc.Name != "calculator" || !tc.Success || tc.Arguments["input"] != "6*7" || got["result"] != int64(42) {
					t.Fatalf("tool call: %+v", tc)
				}
				if res.Text != "The tool answered 42." || res.FinishReason != provider.FinishStop {
					t.Fatalf("answer %q finish %q", res.Text, res.FinishReason)
				}
				if res.Usage != (provider.Usage{InputTokens: 30, OutputTokens: 8}) || res.Rounds != 2 {
					t.Fatalf("usage %+v over %d rounds, want 30/8 over 2", res.Usage, res.Rounds)
				}
				if res.Provider != p.name() || res.Model != p.name()+"/"+p.model {
					t.Fatalf("provider %q model %q", res.Provider, res.Model)
				}
				if stream {
					checkDeltas(t, p, res, texts, frags)
				}
				checkHistory(t, p, a.History())
				checkAgentEvents(t, drainEvents(t, sub), res, p.secret)
				checkWire(t, p, f.requests(), stream)
			})
		}
	}
}

// checkDeltas: the text arrives in several deltas that make the answer,
// and the tool call in fragments that make its arguments.
func checkDeltas(t *testing.T, p remoteProto, res *agent.Result, texts []string, frags []provider.ToolCallDelta) {
	t.Helper()
	if len(texts) < 2 || strings.Join(texts, "") != res.Text {
		t.Fatalf("text deltas %q do not make %q", texts, res.Text)
	}
	var args strings.Builder
	for _, fr := range frags {
		args.WriteString(fr.Arguments)
	}
	if len(frags) == 0 || frags[0].Name != "calculator" || frags[0].Index != 0 {
		t.Fatalf("tool-call fragments %+v", frags)
	}
	if args.String() != `{"input": "6*7"}` {
		t.Fatalf("fragments make %q", args.String())
	}
	if p.typ != "ollama" && len(frags) < 3 {
		t.Fatalf("arguments came in %d fragments; the server split them in 4", len(frags))
	}
}

// checkHistory: memory holds user, assistant asking for the call, the
// tool's answer to that call, and the final assistant text.
func checkHistory(t *testing.T, p remoteProto, h []provider.Message) {
	t.Helper()
	if len(h) != 4 {
		t.Fatalf("memory has %d messages: %+v", len(h), h)
	}
	if h[0].Role != provider.RoleUser || h[0].Content != "What is 6*7?" {
		t.Fatalf("memory[0] %+v", h[0])
	}
	if h[1].Role != provider.RoleAssistant || len(h[1].ToolCalls) != 1 || h[1].ToolCalls[0].Name != "calculator" {
		t.Fatalf("memory[1] %+v", h[1])
	}
	id := h[1].ToolCalls[0].ID
	wantID := map[string]string{"openai": "call_1", "anthropic": "toolu_01"}[p.typ]
	if id == "" || wantID != "" && id != wantID {
		t.Fatalf("tool call id %q, want %q", id, wantID)
	}
	if h[2].Role != provider.RoleTool || h[2].ToolCallID != id || h[2].Name != "calculator" || !strings.Contains(h[2].Content, "42") {
		t.Fatalf("memory[2] %+v", h[2])
	}
	if h[3].Role != provider.RoleAssistant || h[3].Content != "The tool answered 42." || len(h[3].ToolCalls) != 0 {
		t.Fatalf("memory[3] %+v", h[3])
	}
}

// checkAgentEvents: the agent.* events of one execute, in order, tied by
// the result's correlation ID, with no key in them.
func checkAgentEvents(t *testing.T, evs []event.Event, res *agent.Result, secret string) {
	t.Helper()
	want := []string{"agent.created", "agent.execution.started", "agent.model_call.completed", "agent.tool_call.started",
		"agent.tool_call.completed", "agent.model_call.completed", "agent.execution.completed"}
	var got []string
	for _, ev := range evs {
		got = append(got, ev.Type)
		if ev.Type != "agent.created" && ev.CorrelationID != res.CorrelationID {
			t.Errorf("%s has correlation id %q, want %q", ev.Type, ev.CorrelationID, res.CorrelationID)
		}
		b, _ := value.Encode(ev.Map())
		if strings.Contains(string(b), secret) {
			t.Errorf("event %s holds the key: %s", ev.Type, b)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("events\n got %v\nwant %v", got, want)
	}
	done, _ := evs[len(evs)-1].Data.(value.Map)
	if u, _ := done["usage"].(value.Map); u["input_tokens"] != int64(30) || u["output_tokens"] != int64(8) {
		t.Fatalf("completed event %v", done)
	}
}

// checkWire: what the agent sent in each protocol's own shape.
func checkWire(t *testing.T, p remoteProto, reqs []fakeRequest, stream bool) {
	t.Helper()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	for i, r := range reqs {
		if r.Protocol != p.typ || p.credential(r.Header) != p.secret {
			t.Fatalf("request %d: protocol %s, credential %q", i, r.Protocol, p.credential(r.Header))
		}
		if r.Body["model"] != p.model || r.Body["stream"] != stream && !(r.Body["stream"] == nil && !stream) {
			t.Fatalf("request %d: model %v stream %v", i, r.Body["model"], r.Body["stream"])
		}
	}
	first, second := reqs[0].Body, reqs[1].Body
	var schema any
	switch p.typ {
	case "openai":
		if dig(first, "messages", 0, "role") != "system" || dig(first, "messages", 0, "content") != "You are a calculator." {
			t.Fatalf("system prompt: %v", dig(first, "messages", 0))
		}
		if stream && dig(first, "stream_options", "include_usage") != true {
			t.Fatalf("stream_options: %v", first["stream_options"])
		}
		if dig(first, "tools", 0, "type") != "function" || dig(first, "tools", 0, "function", "name") != "calculator" {
			t.Fatalf("tools: %v", first["tools"])
		}
		schema = dig(first, "tools", 0, "function", "parameters")
		call := dig(second, "messages", -2, "tool_calls", 0)
		if dig(call, "id") != "call_1" || dig(call, "function", "name") != "calculator" || dig(call, "function", "arguments") != `{"input":"6*7"}` {
			t.Fatalf("assistant tool call sent back: %v", call)
		}
		if dig(second, "messages", -1, "role") != "tool" || dig(second, "messages", -1, "tool_call_id") != "call_1" {
			t.Fatalf("tool message: %v", dig(second, "messages", -1))
		}
	case "anthropic":
		if reqs[0].Header.Get("anthropic-version") != "2023-06-01" || first["system"] != "You are a calculator." || first["max_tokens"] == nil {
			t.Fatalf("anthropic request: version %q system %v max_tokens %v", reqs[0].Header.Get("anthropic-version"), first["system"], first["max_tokens"])
		}
		if dig(first, "tools", 0, "name") != "calculator" {
			t.Fatalf("tools: %v", first["tools"])
		}
		schema = dig(first, "tools", 0, "input_schema")
		use := dig(second, "messages", -2, "content", -1)
		if dig(second, "messages", -2, "role") != "assistant" || dig(use, "type") != "tool_use" || dig(use, "id") != "toolu_01" ||
			dig(use, "input", "input") != "6*7" {
			t.Fatalf("assistant tool_use sent back: %v", dig(second, "messages", -2))
		}
		res := dig(second, "messages", -1, "content", 0)
		if dig(second, "messages", -1, "role") != "user" || dig(res, "type") != "tool_result" || dig(res, "tool_use_id") != "toolu_01" {
			t.Fatalf("tool_result: %v", dig(second, "messages", -1))
		}
	case "ollama":
		if dig(first, "messages", 0, "role") != "system" || dig(first, "messages", 0, "content") != "You are a calculator." {
			t.Fatalf("system prompt: %v", dig(first, "messages", 0))
		}
		if dig(first, "tools", 0, "function", "name") != "calculator" {
			t.Fatalf("tools: %v", first["tools"])
		}
		schema = dig(first, "tools", 0, "function", "parameters")
		if dig(second, "messages", -2, "tool_calls", 0, "function", "arguments", "input") != "6*7" {
			t.Fatalf("assistant tool call sent back: %v", dig(second, "messages", -2))
		}
		if dig(second, "messages", -1, "role") != "tool" || dig(second, "messages", -1, "tool_name") != "calculator" {
			t.Fatalf("tool message: %v", dig(second, "messages", -1))
		}
	}
	if dig(schema, "type") != "object" || dig(schema, "properties", "input", "type") != "string" {
		t.Fatalf("calculator schema sent: %v", schema)
	}
	if len(reqs[1].Body["tools"].([]any)) != 1 {
		t.Fatalf("second call offers tools %v", reqs[1].Body["tools"])
	}
}

// TestAgentRemoteRetryAfter: a 429 with Retry-After: 1 is waited out and
// retried, and the agent answers.
func TestAgentRemoteRetryAfter(t *testing.T) {
	for _, p := range remoteProtos {
		for _, stream := range []bool{false, true} {
			t.Run(p.typ+"/"+modeName(stream), func(t *testing.T) {
				t.Parallel()
				f := newFakeLLM(t)
				f.inject(fakeFault{Status: http.StatusTooManyRequests, RetryAfter: "1"})
				eng := newRemoteEngine(t, map[string]string{p.keyEnv: p.secret}, p.provider(f))
				a, err := eng.Agents().Create(context.Background(), agent.Config{Name: "a", Model: p.name()})
				if err != nil {
					t.Fatal(err)
				}
				res, _, _, err := runAgent(context.Background(), a, stream, "hi")
				if err != nil {
					t.Fatal(err)
				}
				reqs := f.requests()
				if res.Text != "You said: hi" || len(reqs) != 2 {
					t.Fatalf("text %q after %d requests", res.Text, len(reqs))
				}
				// The backoff alone would wait 250-500 ms; Retry-After asks 1 s.
				if gap := reqs[1].At.Sub(reqs[0].At); gap < 900*time.Millisecond || gap > 5*time.Second {
					t.Fatalf("retried after %v, want about 1s", gap)
				}
			})
		}
	}
}

// TestAgentRemoteErrors: a status that persists through the retries, or
// one that is not retried, fails the execute with provider_error and the
// status in the details; the key the server echoes is in neither the
// error nor the events.
func TestAgentRemoteErrors(t *testing.T) {
	cases := []struct {
		status, retries, attempts int
	}{
		{http.StatusInternalServerError, 1, 2},
		{http.StatusUnauthorized, 3, 1},
	}
	for _, p := range remoteProtos {
		for _, c := range cases {
			for _, stream := range []bool{false, true} {
				t.Run(p.typ+"/"+http.StatusText(c.status)+"/"+modeName(stream), func(t *testing.T) {
					t.Parallel()
					f := newFakeLLM(t)
					f.failAlways(c.status)
					pc := p.provider(f)
					pc.MaxRetries = int64(c.retries)
					eng := newRemoteEngine(t, map[string]string{p.keyEnv: p.secret}, pc)
					sub, err := eng.Events().Subscribe("agent.execution.*", nil)
					if err != nil {
						t.Fatal(err)
					}
					a, err := eng.Agents().Create(context.Background(), agent.Config{Name: "a", Model: p.name(), Tools: []string{"calculator"}})
					if err != nil {
						t.Fatal(err)
					}
					_, _, _, err = runAgent(context.Background(), a, stream, "hi")
					if !errs.IsKind(err, errs.KindProvider) {
						t.Fatalf("error %v, want provider_error", err)
					}
					e := errs.As(err)
					if e.Details["status"] != int64(c.status) || e.Details["provider"] != p.name() {
						t.Fatalf("details %v of %v", e.Details, err)
					}
					if strings.Contains(err.Error(), p.secret) || !strings.Contains(err.Error(), "[redacted]") {
						t.Fatalf("error text %q (the server echoed the key)", err.Error())
					}
					if n := len(f.requests()); n != c.attempts {
						t.Fatalf("%d attempts, want %d", n, c.attempts)
					}
					evs := drainEvents(t, sub)
					if len(evs) != 2 || evs[1].Type != "agent.execution.failed" {
						t.Fatalf("events %v", evs)
					}
					if d, _ := evs[1].Data.(value.Map); d["kind"] != "provider_error" || strings.Contains(d["error"].(string), p.secret) {
						t.Fatalf("failed event %v", d)
					}
					b, _ := value.Encode(value.List{eng.Providers().List()[0], eng.Agents().List()[0].Info()})
					if strings.Contains(string(b), p.secret) {
						t.Fatalf("listings hold the key: %s", b)
					}
				})
			}
		}
	}
}

// TestAgentRemoteCancelMidStream: cancelling the execute's context while
// the answer streams ends the execute with cancelled and the request on
// the server.
func TestAgentRemoteCancelMidStream(t *testing.T) {
	for _, p := range remoteProtos {
		t.Run(p.typ, func(t *testing.T) {
			t.Parallel()
			f := newFakeLLM(t)
			f.stallStreams()
			eng := newRemoteEngine(t, map[string]string{}, p.provider(f))
			a, err := eng.Agents().Create(context.Background(), agent.Config{Name: "a", Model: p.name()})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var got []string
			start := time.Now()
			_, err = a.Stream(ctx, agent.Input{Text: "tell me a long story"}, func(d provider.Delta) error {
				got = append(got, d.Text)
				cancel()
				return nil
			})
			if !errs.IsKind(err, errs.KindCancelled) {
				t.Fatalf("error %v, want cancelled", err)
			}
			if len(got) != 1 || got[0] != "You " {
				t.Fatalf("deltas before the cancel: %q", got)
			}
			select {
			case <-f.gone:
			case <-time.After(5 * time.Second):
				t.Fatal("the server never saw the request end")
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("cancel took %v", d)
			}
			if h := a.History(); len(h) != 0 {
				t.Fatalf("a cancelled turn was remembered: %+v", h)
			}
		})
	}
}

// TestAgentRemoteFallback: a provider whose server always fails hands each
// call to its fallback, which runs the whole tool loop.
func TestAgentRemoteFallback(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(modeName(stream), func(t *testing.T) {
			t.Parallel()
			bad, good := newFakeLLM(t), newFakeLLM(t)
			bad.failAlways(http.StatusServiceUnavailable)
			anth := remoteProtos[1]
			flaky := config.Provider{Name: "flaky", Type: "openai", BaseURL: bad.baseURL("openai"), DefaultModel: "gpt-flaky",
				MaxRetries: -1, Fallback: anth.name() + "/" + anth.model}
			eng := newRemoteEngine(t, map[string]string{anth.keyEnv: anth.secret}, flaky, anth.provider(good))
			a, err := eng.Agents().Create(context.Background(), agent.Config{Name: "a", Model: "flaky", Tools: []string{"calculator"}})
			if err != nil {
				t.Fatal(err)
			}
			res, _, _, err := runAgent(context.Background(), a, stream, "What is 6*7?")
			if err != nil {
				t.Fatal(err)
			}
			if res.Text != "The tool answered 42." || len(res.ToolCalls) != 1 || !res.ToolCalls[0].Success {
				t.Fatalf("result %+v", res)
			}
			if nb, ng := len(bad.requests()), len(good.requests()); nb != 2 || ng != 2 {
				t.Fatalf("primary saw %d requests, fallback %d; want 2 and 2", nb, ng)
			}
			if got := good.requests()[0]; got.Body["model"] != "claude-test" || got.Header.Get("x-api-key") != anth.secret {
				t.Fatalf("fallback request: model %v", got.Body["model"])
			}
		})
	}
}

// TestAgentRemoteScripts runs the agent_remote.lua/js pair against the
// three loopback protocols, configured as [providers.remote_<type>]; both
// must pass their checks and return the same JSON.
func TestAgentRemoteScripts(t *testing.T) {
	f, failing := newFakeLLM(t), newFakeLLM(t)
	failing.failAlways(http.StatusBadRequest)
	var provs []config.Provider
	for _, p := range remoteProtos {
		t.Setenv(p.keyEnv, p.secret)
		provs = append(provs, p.provider(f))
	}
	const adhocEnv, adhocKey = "LLMSPELL_TEST_ADHOC_KEY", "sk-adhoc-fake-99aa"
	t.Setenv(adhocEnv, adhocKey)
	args := value.Map{"openai_url": f.baseURL("openai"), "key_env": adhocEnv, "failing_url": failing.baseURL("openai")}
	tweak := func(c *config.Config) { c.Providers = provs }
	var enc [2]string
	for i, file := range []string{"scripts/agent_remote.lua", "scripts/agent_remote.js"} {
		enc[i] = runFileJSON(t, newPebbleHost(t, tweak), file, args)
	}
	if enc[0] != enc[1] {
		t.Fatalf("Lua and JS differ:\nlua: %s\njs:  %s", enc[0], enc[1])
	}
	if testing.Verbose() {
		t.Logf("result: %s", enc[0])
	}
	for _, want := range []string{`"adhoc":"You said: hello"`, `"failure":"provider_error"`,
		`"remote_openai":{"arguments":{"input":"6*7"},"chunks":4,"finish":"stop","model":"remote_openai/gpt-test"`,
		`"roles":["user","assistant","tool","assistant","user","assistant","tool","assistant"]`,
		`"usage":{"input_tokens":30,"output_tokens":8}`} {
		if !strings.Contains(enc[0], want) {
			t.Errorf("result lacks %s:\n%s", want, enc[0])
		}
	}
	var adhoc int
	for _, r := range f.requests() {
		if r.Body["model"] == "gpt-adhoc" {
			adhoc++
			if r.Header.Get("Authorization") != "Bearer "+adhocKey {
				t.Errorf("ad-hoc agent sent %q", r.Header.Get("Authorization"))
			}
		}
	}
	// Per language: 3 providers x 2 turns x 2 rounds, and one ad-hoc call.
	if n := len(f.requests()); adhoc != 2 || n != 2*(3*2*2+1) {
		t.Fatalf("%d requests (%d ad hoc)", n, adhoc)
	}
}
