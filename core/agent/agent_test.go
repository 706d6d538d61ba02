package agent

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/event"
	"github.com/llmspell/llmspell-go/core/hook"
	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// fakeModel answers with a Go function: the unit tests of the loop need
// exact control of what the model asks for. End-to-end tests against the
// real local model and loopback servers live in the engine's tests.
type fakeModel struct {
	answer func(req *provider.Request) (*provider.Response, error)
	calls  atomic.Int32
	mu     sync.Mutex
	seen   []provider.Request
}

func (f *fakeModel) Capabilities() provider.Capabilities {
	return provider.Capabilities{Streaming: true, Tools: true, ParallelToolCalls: true}
}

func (f *fakeModel) Generate(ctx context.Context, req *provider.Request) (*provider.Response, error) {
	f.calls.Add(1)
	f.mu.Lock()
	cp := *req
	cp.Messages = append([]provider.Message(nil), req.Messages...)
	f.seen = append(f.seen, cp)
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, errs.Wrap(errs.KindCancelled, err, "fake")
	}
	return f.answer(req)
}

// Stream splits the text answer into one delta per word.
func (f *fakeModel) Stream(ctx context.Context, req *provider.Request) (provider.Stream, error) {
	resp, err := f.Generate(ctx, req)
	if err != nil {
		return nil, err
	}
	var parts []string
	for i, w := range strings.SplitAfter(resp.Text, " ") {
		if w != "" || i == 0 {
			parts = append(parts, w)
		}
	}
	return &fakeStream{parts: parts, resp: resp}, nil
}

type fakeStream struct {
	parts []string
	resp  *provider.Response
}

func (s *fakeStream) Next() (provider.Delta, error) {
	if len(s.parts) == 0 {
		return provider.Delta{}, io.EOF
	}
	p := s.parts[0]
	s.parts = s.parts[1:]
	return provider.Delta{Text: p}, nil
}
func (s *fakeStream) Response() *provider.Response { return s.resp }
func (s *fakeStream) Close() error                 { return nil }

type fixture struct {
	reg    *Registry
	model  *fakeModel
	tools  *tool.Registry
	hooks  *hook.Registry
	events *event.Bus
	state  *state.Store
}

func newFixture(t *testing.T, answer func(req *provider.Request) (*provider.Response, error)) *fixture {
	t.Helper()
	f := &fixture{model: &fakeModel{answer: answer}}
	f.hooks = hook.New(nil)
	f.events = event.New(nil)
	f.tools = tool.New(nil, f.hooks, f.events)
	store, err := pebblekv.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.state = state.New(store, &state.Options{Durability: state.DurabilitySync})
	t.Cleanup(func() { f.state.Close(); store.Close() })
	models := provider.NewRegistry(map[string]provider.Factory{
		"fake": func(*provider.Config, string) (provider.Model, error) { return f.model, nil },
	}, []provider.Config{{Name: "fake", Type: "fake", DefaultModel: "m1"}}, func(string) (string, bool) { return "", false })
	f.reg = NewRegistry(Deps{Models: models, Tools: f.tools, Hooks: f.hooks, Events: f.events, State: f.state,
		DefaultModel: "fake/m1"})
	must(t, f.tools.Register(&tool.Tool{Name: "add", Description: "adds a and b",
		Schema: value.Map{"type": "object", "required": value.List{"a", "b"},
			"properties": value.Map{"a": value.Map{"type": "number"}, "b": value.Map{"type": "number"}}},
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			a, _ := value.Number(c.Params["a"])
			b, _ := value.Number(c.Params["b"])
			return a + b, nil
		}}))
	must(t, f.tools.Register(&tool.Tool{Name: "nap", Description: "sleeps ms",
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			ms, _ := value.Number(c.Params["ms"])
			select {
			case <-time.After(time.Duration(ms) * time.Millisecond):
				return "rested", nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}}))
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// toolThenAnswer asks for add(2, 3) until it sees a tool result, then
// answers with that result.
func toolThenAnswer(req *provider.Request) (*provider.Response, error) {
	last := req.Messages[len(req.Messages)-1]
	if last.Role == provider.RoleTool {
		return &provider.Response{Text: "The sum is " + last.Content, FinishReason: provider.FinishStop,
			Usage: provider.Usage{InputTokens: 20, OutputTokens: 5}}, nil
	}
	return &provider.Response{ToolCalls: []provider.ToolCall{{ID: "c1", Name: "add", Arguments: value.Map{"a": int64(2), "b": int64(3)}}},
		FinishReason: provider.FinishToolCalls, Usage: provider.Usage{InputTokens: 10, OutputTokens: 3}}, nil
}

func TestToolLoopRunsRealToolAndFeedsResultBack(t *testing.T) {
	f := newFixture(t, toolThenAnswer)
	a, err := f.reg.Create(context.Background(), Config{Name: "calc", Tools: []string{"add"}, SystemPrompt: "be exact"})
	must(t, err)
	res, err := a.Execute(context.Background(), Input{Text: "what is 2+3?"})
	must(t, err)
	if res.Text != `The sum is {"result":5,"success":true}` {
		t.Fatalf("text %q", res.Text)
	}
	if len(res.ToolCalls) != 1 || !res.ToolCalls[0].Success || res.ToolCalls[0].Result != float64(5) {
		t.Fatalf("tool calls %+v", res.ToolCalls)
	}
	if res.Usage != (provider.Usage{InputTokens: 30, OutputTokens: 8}) || res.Rounds != 2 || res.FinishReason != "stop" {
		t.Fatalf("usage %+v rounds %d finish %s", res.Usage, res.Rounds, res.FinishReason)
	}
	first := f.model.seen[0]
	if first.System != "be exact" || len(first.Tools) != 1 || first.Tools[0].Name != "add" || first.Tools[0].Schema["type"] != "object" {
		t.Fatalf("first request %+v", first)
	}
	hist := a.History()
	roles := []string{}
	for _, m := range hist {
		roles = append(roles, m.Role)
	}
	if strings.Join(roles, ",") != "user,assistant,tool,assistant" || hist[2].ToolCallID != "c1" {
		t.Fatalf("memory %v", hist)
	}
	m := res.Map()
	if m["metadata"].(value.Map)["provider"] != "fake" || m["usage"].(value.Map)["input_tokens"] != int64(30) {
		t.Fatalf("map %v", m)
	}
	// The second execute sends the memory first.
	_, err = a.Execute(context.Background(), Input{Text: "again"})
	must(t, err)
	if n := len(f.model.seen[2].Messages); n != 5 {
		t.Fatalf("second turn sent %d messages, want memory 4 + 1", n)
	}
}

func TestParallelToolCallsRunConcurrently(t *testing.T) {
	f := newFixture(t, func(req *provider.Request) (*provider.Response, error) {
		if req.Messages[len(req.Messages)-1].Role == provider.RoleTool {
			return &provider.Response{Text: "done"}, nil
		}
		var calls []provider.ToolCall
		for i := 0; i < 4; i++ {
			calls = append(calls, provider.ToolCall{ID: fmt.Sprint("n", i), Name: "nap", Arguments: value.Map{"ms": int64(150)}})
		}
		return &provider.Response{ToolCalls: calls}, nil
	})
	a, err := f.reg.Create(context.Background(), Config{Name: "napper", Tools: []string{"nap"}})
	must(t, err)
	start := time.Now()
	res, err := a.Execute(context.Background(), Input{Text: "rest"})
	must(t, err)
	if d := time.Since(start); d > 450*time.Millisecond {
		t.Fatalf("4 calls of 150 ms took %s: not parallel", d)
	}
	if len(res.ToolCalls) != 4 {
		t.Fatalf("%d calls", len(res.ToolCalls))
	}
	for i, c := range res.ToolCalls {
		if c.ID != fmt.Sprint("n", i) || !c.Success {
			t.Fatalf("call %d: %+v", i, c)
		}
	}
}

func TestRoundLimitForcesAnAnswer(t *testing.T) {
	f := newFixture(t, func(req *provider.Request) (*provider.Response, error) {
		if req.ToolChoice == provider.ToolChoiceNone {
			return &provider.Response{Text: "giving up"}, nil
		}
		return &provider.Response{ToolCalls: []provider.ToolCall{{Name: "add", Arguments: value.Map{"a": 1, "b": 1}}}}, nil
	})
	a, err := f.reg.Create(context.Background(), Config{Name: "loop", Tools: []string{"add"}, MaxToolRounds: 3})
	must(t, err)
	res, err := a.Execute(context.Background(), Input{Text: "go"})
	must(t, err)
	if res.Rounds != 4 || len(res.ToolCalls) != 3 || res.Text != "giving up" {
		t.Fatalf("rounds %d calls %d text %q", res.Rounds, len(res.ToolCalls), res.Text)
	}
	// A model that ignores tool_choice "none" gets no more tool runs, and
	// its unanswered calls stay out of the memory.
	stubborn := newFixture(t, func(req *provider.Request) (*provider.Response, error) {
		return &provider.Response{Text: "again", ToolCalls: []provider.ToolCall{{ID: "s", Name: "add", Arguments: value.Map{"a": 1, "b": 1}}}}, nil
	})
	b, err := stubborn.reg.Create(context.Background(), Config{Name: "stubborn", Tools: []string{"add"}, MaxToolRounds: 1})
	must(t, err)
	res, err = b.Execute(context.Background(), Input{Text: "go"})
	must(t, err)
	h := b.History()
	if res.FinishReason != "max_tool_rounds" || len(res.ToolCalls) != 1 || res.Text != "again\nagain" || len(h[len(h)-1].ToolCalls) != 0 {
		t.Fatalf("stubborn: %+v, last memory %+v", res, h[len(h)-1])
	}
}

func TestBadToolCallsAreReportedToTheModel(t *testing.T) {
	f := newFixture(t, func(req *provider.Request) (*provider.Response, error) {
		last := req.Messages[len(req.Messages)-1]
		if last.Role == provider.RoleTool {
			return &provider.Response{Text: "saw: " + last.Content}, nil
		}
		return &provider.Response{ToolCalls: []provider.ToolCall{
			{ID: "x", Name: "rm_rf", Arguments: value.Map{}},
			{ID: "y", Name: "add", Arguments: value.Map{"a": "not a number"}},
		}}, nil
	})
	a, err := f.reg.Create(context.Background(), Config{Name: "bad", Tools: []string{"add"}})
	must(t, err)
	res, err := a.Execute(context.Background(), Input{Text: "go"})
	must(t, err)
	if res.ToolCalls[0].Success || !strings.Contains(res.ToolCalls[0].Error, "not offered") {
		t.Fatalf("unknown tool: %+v", res.ToolCalls[0])
	}
	if res.ToolCalls[1].Success || res.ToolCalls[1].Error == "" {
		t.Fatalf("bad args: %+v", res.ToolCalls[1])
	}
	if !strings.Contains(res.Text, `"success":false`) {
		t.Fatalf("model did not see the failure: %q", res.Text)
	}
	last := f.model.seen[len(f.model.seen)-1].Messages
	if tm := last[len(last)-1]; tm.Role != provider.RoleTool || !tm.IsError {
		t.Fatalf("failed tool result not marked: %+v", tm)
	}
}

func TestBuildTimeErrors(t *testing.T) {
	f := newFixture(t, toolThenAnswer)
	ctx := context.Background()
	temp := 3.0
	cases := []struct {
		cfg  Config
		kind errs.Kind
	}{
		{Config{Name: "a", Tools: []string{"no_such_tool"}}, errs.KindNotFound},
		{Config{Name: "b", Model: "nowhere/x"}, errs.KindNotFound},
		{Config{Name: "c", Type: "robot"}, errs.KindInvalidArgument},
		{Config{Name: "d", Temperature: &temp}, errs.KindInvalidArgument},
		{Config{Name: "bad name!"}, errs.KindInvalidArgument},
		{Config{Name: "e", MaxTokens: -1}, errs.KindInvalidArgument},
		{Config{Name: "f", Model: "/x"}, errs.KindInvalidArgument},
	}
	for _, c := range cases {
		_, err := f.reg.Create(ctx, c.cfg)
		if errs.KindOf(err) != c.kind {
			t.Errorf("%+v: got %v, want %s", c.cfg, err, c.kind)
		}
	}
	_, err := f.reg.Create(ctx, Config{Name: "dup"})
	must(t, err)
	if _, err := f.reg.Create(ctx, Config{Name: "dup"}); errs.KindOf(err) != errs.KindConflict {
		t.Fatalf("duplicate: %v", err)
	}
	a, _ := f.reg.Get("dup")
	if _, err := a.Execute(ctx, Input{}); errs.KindOf(err) != errs.KindInvalidArgument {
		t.Fatalf("empty input: %v", err)
	}
	if _, err := a.Execute(ctx, Input{Text: "x", Parameters: value.Map{"temperature": "hot"}}); errs.KindOf(err) != errs.KindInvalidArgument {
		t.Fatalf("bad parameter: %v", err)
	}
	if !f.reg.Remove("dup") || f.reg.Remove("dup") {
		t.Fatal("remove")
	}
}

func TestHooksShapeTheRun(t *testing.T) {
	f := newFixture(t, func(req *provider.Request) (*provider.Response, error) {
		return &provider.Response{Text: "system was: " + req.System}, nil
	})
	ctx := context.Background()
	_, err := f.hooks.Register(hook.BeforeModelCall, func(ctx context.Context, hc *hook.Context) (hook.Result, error) {
		d := hc.Data.(value.Map)
		d["system"] = "patched"
		return hook.Result{Kind: hook.Modified, Data: d}, nil
	}, nil)
	must(t, err)
	a, err := f.reg.Create(ctx, Config{Name: "h", SystemPrompt: "orig"})
	must(t, err)
	res, err := a.Execute(ctx, Input{Text: "hi"})
	must(t, err)
	if res.Text != "system was: patched" {
		t.Fatalf("modified: %q", res.Text)
	}
	id, err := f.hooks.Register(hook.BeforeAgentExecution, func(ctx context.Context, hc *hook.Context) (hook.Result, error) {
		if hc.Data.(value.Map)["text"] == "forbidden" {
			return hook.Result{Kind: hook.Cancel, Reason: "not allowed"}, nil
		}
		return hook.Result{Kind: hook.Continue}, nil
	}, nil)
	must(t, err)
	_, err = a.Execute(ctx, Input{Text: "forbidden"})
	if errs.KindOf(err) != errs.KindCancelled || !strings.Contains(err.Error(), "not allowed") {
		t.Fatalf("cancel: %v", err)
	}
	f.hooks.Unregister(id)
	_, err = f.hooks.Register(hook.AfterAgentExecution, func(ctx context.Context, hc *hook.Context) (hook.Result, error) {
		return hook.Result{Kind: hook.Replace, Data: value.Map{"text": "replaced"}}, nil
	}, nil)
	must(t, err)
	res, err = a.Execute(ctx, Input{Text: "hi"})
	must(t, err)
	if res.Text != "replaced" {
		t.Fatalf("replace: %q", res.Text)
	}
}

func TestEventsTellTheStory(t *testing.T) {
	f := newFixture(t, toolThenAnswer)
	sub, err := f.events.Subscribe("agent.*", &event.SubscribeOptions{BufferSize: 64})
	must(t, err)
	a, err := f.reg.Create(context.Background(), Config{Name: "ev", Tools: []string{"add"}})
	must(t, err)
	_, err = a.Execute(context.Background(), Input{Text: "2+3"})
	must(t, err)
	var types []string
	corr := map[string]bool{}
	for {
		ev, ok, _ := sub.Receive(context.Background(), 50*time.Millisecond)
		if !ok {
			break
		}
		types = append(types, ev.Type)
		if ev.CorrelationID != "" {
			corr[ev.CorrelationID] = true
		}
	}
	want := "agent.created,agent.execution.started,agent.model_call.completed,agent.tool_call.started," +
		"agent.tool_call.completed,agent.model_call.completed,agent.execution.completed"
	if strings.Join(types, ",") != want {
		t.Fatalf("events %v", types)
	}
	if len(corr) != 1 {
		t.Fatalf("correlation ids %v", corr)
	}
}

func TestMemorySavedAndLoadedThroughPebble(t *testing.T) {
	f := newFixture(t, toolThenAnswer)
	ctx := context.Background()
	a, err := f.reg.Create(ctx, Config{Name: "mem", Tools: []string{"add"}})
	must(t, err)
	_, err = a.Execute(ctx, Input{Text: "2+3"})
	must(t, err)
	must(t, a.SaveState(ctx))
	f.reg.Remove("mem")
	b, err := f.reg.Create(ctx, Config{Name: "mem", Tools: []string{"add"}})
	must(t, err)
	if len(b.History()) != 0 {
		t.Fatal("fresh agent has memory")
	}
	ok, err := b.LoadState(ctx)
	must(t, err)
	h := b.History()
	if !ok || len(h) != 4 || h[1].ToolCalls[0].Name != "add" || h[1].ToolCalls[0].Arguments["a"] != int64(2) || h[2].ToolCallID != "c1" {
		t.Fatalf("loaded %v %+v", ok, h)
	}
	b.ClearHistory()
	if len(b.History()) != 0 {
		t.Fatal("clear")
	}
	c, err := f.reg.Create(ctx, Config{Name: "never-saved"})
	must(t, err)
	if ok, err := c.LoadState(ctx); ok || err != nil {
		t.Fatalf("load of nothing: %v %v", ok, err)
	}
}

func TestMemoryIsBounded(t *testing.T) {
	f := newFixture(t, toolThenAnswer)
	a, err := f.reg.Create(context.Background(), Config{Name: "short", Tools: []string{"add"}, MaxConversationLength: 6})
	must(t, err)
	for i := 0; i < 3; i++ {
		_, err = a.Execute(context.Background(), Input{Text: "2+3"})
		must(t, err)
	}
	h := a.History()
	if len(h) > 6 || h[0].Role == provider.RoleTool {
		t.Fatalf("memory %d, first %s", len(h), h[0].Role)
	}
	none, err := f.reg.Create(context.Background(), Config{Name: "none", MaxConversationLength: -1})
	must(t, err)
	_, err = none.Execute(context.Background(), Input{Text: "hi"})
	must(t, err)
	if len(none.History()) != 0 {
		t.Fatal("memory kept when disabled")
	}
}

func TestTextOfEveryRoundJoinsTheResult(t *testing.T) {
	f := newFixture(t, func(req *provider.Request) (*provider.Response, error) {
		last := req.Messages[len(req.Messages)-1]
		if last.Role == provider.RoleTool {
			return &provider.Response{Text: "It is 5."}, nil
		}
		return &provider.Response{Text: "Let me add.", ToolCalls: []provider.ToolCall{{ID: "c", Name: "add", Arguments: value.Map{"a": 2, "b": 3}}}}, nil
	})
	a, err := f.reg.Create(context.Background(), Config{Name: "talker", Tools: []string{"add"}})
	must(t, err)
	var deltas []string
	res, err := a.Stream(context.Background(), Input{Text: "2+3"}, func(d provider.Delta) error {
		deltas = append(deltas, d.Text)
		return nil
	})
	must(t, err)
	if res.Text != "Let me add.\nIt is 5." || strings.Join(deltas, "") != res.Text {
		t.Fatalf("text %q deltas %q", res.Text, deltas)
	}
}

func TestFallbackAnswerIsLabelled(t *testing.T) {
	f := newFixture(t, toolThenAnswer)
	failing := &fakeModel{answer: func(*provider.Request) (*provider.Response, error) {
		return nil, errs.New(errs.KindProvider, "down")
	}}
	models := provider.NewRegistry(map[string]provider.Factory{
		"fake": func(c *provider.Config, _ string) (provider.Model, error) {
			if c.Name == "flaky" {
				return failing, nil
			}
			return f.model, nil
		},
	}, []provider.Config{{Name: "flaky", Type: "fake", DefaultModel: "m", Fallback: "good/m2"}, {Name: "good", Type: "fake", DefaultModel: "m2"}},
		func(string) (string, bool) { return "", false })
	reg := NewRegistry(Deps{Models: models, Tools: f.tools})
	for _, base := range []string{"", "http://127.0.0.1:9/v1"} {
		a, err := reg.Create(context.Background(), Config{Name: "fb" + fmt.Sprint(len(base)), Model: "flaky/m", Tools: []string{"add"}, BaseURL: base})
		must(t, err)
		res, err := a.Execute(context.Background(), Input{Text: "2+3"})
		must(t, err)
		if res.Provider != "good" {
			t.Fatalf("base %q: answered by %q, want good", base, res.Provider)
		}
		_, err = a.Stream(context.Background(), Input{Text: "2+3"}, func(provider.Delta) error { return nil })
		must(t, err)
	}
}

func TestStreamDeliversDeltasInOrder(t *testing.T) {
	f := newFixture(t, func(req *provider.Request) (*provider.Response, error) {
		return &provider.Response{Text: "once upon a time"}, nil
	})
	a, err := f.reg.Create(context.Background(), Config{Name: "s"})
	must(t, err)
	var got []string
	res, err := a.Stream(context.Background(), Input{Text: "tell"}, func(d provider.Delta) error {
		got = append(got, d.Text)
		return nil
	})
	must(t, err)
	if strings.Join(got, "|") != "once |upon |a |time" || res.Text != "once upon a time" {
		t.Fatalf("deltas %q text %q", got, res.Text)
	}
	stop := errs.New(errs.KindCancelled, "enough")
	_, err = a.Stream(context.Background(), Input{Text: "tell"}, func(d provider.Delta) error { return stop })
	if errs.KindOf(err) != errs.KindCancelled {
		t.Fatalf("callback error: %v", err)
	}
}

func TestCancellationAndTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	f := newFixture(t, func(req *provider.Request) (*provider.Response, error) {
		if req.Messages[len(req.Messages)-1].Role == provider.RoleTool {
			return &provider.Response{Text: "done"}, nil
		}
		return &provider.Response{ToolCalls: []provider.ToolCall{{Name: "nap", Arguments: value.Map{"ms": int64(5000)}}}}, nil
	})
	a, err := f.reg.Create(context.Background(), Config{Name: "slow", Tools: []string{"nap"}})
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = a.Execute(ctx, Input{Text: "go"})
	if errs.KindOf(err) != errs.KindCancelled || time.Since(start) > 2*time.Second {
		t.Fatalf("cancel: %v after %s", err, time.Since(start))
	}
	b, err := f.reg.Create(context.Background(), Config{Name: "slow2", Tools: []string{"nap"}, Timeout: 80 * time.Millisecond})
	must(t, err)
	_, err = b.Execute(context.Background(), Input{Text: "go"})
	if errs.KindOf(err) != errs.KindTimeout || !strings.Contains(err.Error(), "slow2") {
		t.Fatalf("timeout: %v", err)
	}
}

func TestBasicAgentAndAgentsAsTools(t *testing.T) {
	f := newFixture(t, func(req *provider.Request) (*provider.Response, error) {
		last := req.Messages[len(req.Messages)-1]
		if last.Role == provider.RoleTool {
			return &provider.Response{Text: "echo said " + last.Content}, nil
		}
		return &provider.Response{ToolCalls: []provider.ToolCall{{Name: "ask_echo", Arguments: value.Map{"input": "ping"}}}}, nil
	})
	ctx := context.Background()
	echo, err := f.reg.Create(ctx, Config{Name: "echo", Type: TypeBasic})
	must(t, err)
	res, err := echo.Execute(ctx, Input{Text: "hello"})
	must(t, err)
	if res.Text != "hello" {
		t.Fatalf("basic: %q", res.Text)
	}
	_, err = f.reg.WrapAsTool("echo", "ask_echo", "")
	must(t, err)
	boss, err := f.reg.Create(ctx, Config{Name: "boss", Tools: []string{"ask_echo"}})
	must(t, err)
	res, err = boss.Execute(ctx, Input{Text: "ask echo"})
	must(t, err)
	if !strings.Contains(res.Text, `"text":"ping"`) {
		t.Fatalf("agent as tool: %q", res.Text)
	}
	if _, err := f.reg.WrapAsTool("ghost", "", ""); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("unknown agent: %v", err)
	}
	if _, err := f.reg.WrapAsTool("echo", "ask_echo", ""); errs.KindOf(err) != errs.KindConflict {
		t.Fatalf("tool name taken: %v", err)
	}
}

func TestSelfCallingAgentIsBounded(t *testing.T) {
	f := newFixture(t, func(req *provider.Request) (*provider.Response, error) {
		last := req.Messages[len(req.Messages)-1]
		if last.Role == provider.RoleTool {
			return &provider.Response{Text: last.Content}, nil
		}
		return &provider.Response{ToolCalls: []provider.ToolCall{{Name: "agent_ouro", Arguments: value.Map{"input": "again"}}}}, nil
	})
	ctx := context.Background()
	_, err := f.reg.Create(ctx, Config{Name: "ouro"})
	must(t, err)
	_, err = f.reg.WrapAsTool("ouro", "", "")
	must(t, err)
	f.reg.Remove("ouro")
	a, err := f.reg.Create(ctx, Config{Name: "ouro", Tools: []string{"agent_ouro"}})
	must(t, err)
	res, err := a.Execute(ctx, Input{Text: "start"})
	must(t, err)
	if !strings.Contains(res.Text, "nested") {
		t.Fatalf("recursion not bounded: %q", res.Text)
	}
}

func TestConcurrentExecutes(t *testing.T) {
	f := newFixture(t, toolThenAnswer)
	a, err := f.reg.Create(context.Background(), Config{Name: "busy", Tools: []string{"add"}, MaxConversationLength: 1000})
	must(t, err)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if _, err := a.Execute(context.Background(), Input{Text: "2+3"}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if n := len(a.History()); n != 8*10*4 {
		t.Fatalf("memory has %d messages, want %d", n, 320)
	}
}

func TestInputMapRoundTrip(t *testing.T) {
	in := Input{Text: "hi", Messages: []provider.Message{{Role: provider.RoleUser, Content: "before"}}, Parameters: value.Map{"temperature": 0.5}}
	back, err := InputFromValue(in.Map())
	if err != nil || back.Text != "hi" || len(back.Messages) != 1 || back.Messages[0].Content != "before" || back.Parameters["temperature"] != 0.5 {
		t.Fatalf("%+v %v", back, err)
	}
}
