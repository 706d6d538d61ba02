package hook

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

var ctx = context.Background()

func TestParsePoint(t *testing.T) {
	for in, want := range map[string]Point{
		"BeforeStateWrite": BeforeStateWrite, "before_state_write": BeforeStateWrite, "state:before_write": BeforeStateWrite,
		"agent:before_execution": BeforeAgentExecution, "agent:error": AgentError, "system:startup": SystemStartup,
		"tool:after_execution": AfterToolExecution, "custom:my_point": "custom:my_point",
	} {
		got, err := ParsePoint(in)
		if err != nil || got != want {
			t.Errorf("ParsePoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "BeforeNothing", "custom:", "custom:a b", "state:sideways"} {
		if _, err := ParsePoint(bad); !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Errorf("ParsePoint(%q) accepted", bad)
		}
	}
}

func TestParseResult(t *testing.T) {
	r, _ := ParseResult(value.Map{"type": "retry", "delay_ms": int64(5), "max_attempts": int64(4)})
	if r.Kind != Retry || r.Delay != 5*time.Millisecond || r.MaxAttempts != 4 {
		t.Fatalf("%+v", r)
	}
	if r, _ := ParseResult(nil); r.Kind != Continue {
		t.Fatal("nil")
	}
	if r, _ := ParseResult(value.Map{"type": "cancel"}); r.Reason == "" {
		t.Fatal("cancel needs a default reason")
	}
	for _, bad := range []value.Value{"stop", value.Map{"type": "explode"}, value.Map{"type": "redirect"}, int64(3)} {
		if _, err := ParseResult(bad); !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestPriorityAndModifiedChain(t *testing.T) {
	r := New(nil)
	var order []string
	add := func(name string, prio int, res Result) {
		r.Register(BeforeStateWrite, func(_ context.Context, hc *Context) (Result, error) {
			order = append(order, name+":"+string(hc.Data.(string)))
			return res, nil
		}, &RegisterOptions{Name: name, Priority: prio})
	}
	add("c", 50, Result{Kind: Continue})
	add("a", -100, Result{Kind: Modified, Data: "A"})
	add("b", 0, Result{Kind: Modified, Data: "B"})
	add("b2", 0, Result{Kind: Skipped})
	out := r.Run(ctx, &Context{Point: BeforeStateWrite, Data: "x"})
	if strings.Join(order, ",") != "a:x,b:A,b2:B,c:B" || out.Data != "B" || out.Result.Kind != Continue || out.Ran != 4 {
		t.Fatalf("order %v out %+v", order, out)
	}
	infos := r.List(BeforeStateWrite)
	if len(infos) != 4 || infos[0].Name != "a" || infos[3].Name != "c" {
		t.Fatalf("list %+v", infos)
	}
	if !r.Unregister(infos[0].ID) || r.Unregister(infos[0].ID) {
		t.Fatal("unregister")
	}
}

func TestAroundResults(t *testing.T) {
	r := New(nil)
	calls := 0
	op := func(_ context.Context, d value.Value) (value.Value, error) {
		calls++
		return d.(string) + "!", nil
	}
	comp := Component{Type: "tool", Name: "t"}
	// No hooks: op runs.
	if v, _ := r.Around(ctx, BeforeToolExecution, AfterToolExecution, comp, "a", op); v != "a!" || calls != 1 {
		t.Fatal("plain")
	}
	id, _ := r.Register(BeforeToolExecution, func(_ context.Context, hc *Context) (Result, error) {
		switch hc.Data {
		case "cancel":
			return Result{Kind: Cancel, Reason: "nope"}, nil
		case "replace":
			return Result{Kind: Replace, Data: "replaced"}, nil
		case "cache":
			return Result{Kind: Cache, TTL: time.Minute}, nil
		case "modify":
			return Result{Kind: Modified, Data: "modified"}, nil
		}
		return Result{}, nil
	}, nil)
	r.Register(AfterToolExecution, func(_ context.Context, hc *Context) (Result, error) {
		if hc.Data == "modified!" {
			return Result{Kind: Modified, Data: "after:" + hc.Data.(string)}, nil
		}
		return Result{}, nil
	}, nil)
	calls = 0
	if _, err := r.Around(ctx, BeforeToolExecution, AfterToolExecution, comp, "cancel", op); !errs.IsKind(err, errs.KindCancelled) || !strings.Contains(err.Error(), "nope") || calls != 0 {
		t.Fatalf("cancel: %v calls %d", err, calls)
	}
	if v, _ := r.Around(ctx, BeforeToolExecution, AfterToolExecution, comp, "replace", op); v != "replaced" || calls != 0 {
		t.Fatalf("replace: %v calls %d", v, calls)
	}
	for i := 0; i < 3; i++ {
		if v, _ := r.Around(ctx, BeforeToolExecution, AfterToolExecution, comp, "cache", op); v != "cache!" {
			t.Fatal("cache value")
		}
	}
	if calls != 1 {
		t.Fatalf("cache: op ran %d times", calls)
	}
	if v, _ := r.Around(ctx, BeforeToolExecution, AfterToolExecution, comp, "modify", op); v != "after:modified!" {
		t.Fatalf("modified before and after: %v", v)
	}
	r.Unregister(id)
	// Retry: op fails twice, then works.
	r.Register(BeforeToolExecution, func(context.Context, *Context) (Result, error) {
		return Result{Kind: Retry, Delay: time.Millisecond, MaxAttempts: 3}, nil
	}, nil)
	n := 0
	flaky := func(context.Context, value.Value) (value.Value, error) {
		n++
		if n < 3 {
			return nil, errors.New("flaky")
		}
		return "ok", nil
	}
	if v, err := r.Around(ctx, BeforeToolExecution, "", comp, nil, flaky); v != "ok" || err != nil || n != 3 {
		t.Fatalf("retry: %v %v after %d", v, err, n)
	}
	n = -10
	if _, err := r.Around(ctx, BeforeToolExecution, "", comp, nil, flaky); err == nil || n != -7 {
		t.Fatalf("retry bound: %v after %d", err, n)
	}
}

func TestBreakerOpensOnFailuresAndSlowCallsThenRecovers(t *testing.T) {
	now := time.Unix(0, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	var events []bool
	r := New(&Options{Now: clock, SlowCall: 5 * time.Millisecond, OnBreaker: func(_ Info, open bool) { events = append(events, open) }})
	fail := true
	id, _ := r.Register(SystemStartup, func(context.Context, *Context) (Result, error) {
		if fail {
			return Result{}, errors.New("boom")
		}
		return Result{}, nil
	}, nil)
	run := func() int { return r.Run(ctx, &Context{Point: SystemStartup}).Ran }
	for i := 0; i < 3; i++ {
		run()
	}
	if run() != 0 {
		t.Fatal("breaker did not open after 3 failures")
	}
	info := r.List(SystemStartup)[0]
	if info.Breaker != "open" || info.Skipped != 1 || info.Failures != 3 {
		t.Fatalf("info %+v", info)
	}
	advance(16 * time.Second) // past OpenFor: half-open, one trial
	fail = false
	if run() != 1 || r.List(SystemStartup)[0].Breaker != "closed" {
		t.Fatal("breaker did not close after a good trial")
	}
	if len(events) != 2 || !events[0] || events[1] {
		t.Fatalf("breaker events %v", events)
	}
	r.Unregister(id)
	// Two slow calls open it too.
	r.Register(SystemShutdown, func(context.Context, *Context) (Result, error) {
		time.Sleep(10 * time.Millisecond)
		return Result{}, nil
	}, nil)
	r.Run(ctx, &Context{Point: SystemShutdown})
	r.Run(ctx, &Context{Point: SystemShutdown})
	if r.List(SystemShutdown)[0].Breaker != "open" {
		t.Fatal("slow calls did not open the breaker")
	}
}

func TestPanickingHookAndFilter(t *testing.T) {
	r := New(nil)
	r.Register(BeforeToolExecution, func(context.Context, *Context) (Result, error) { panic("bug") }, nil)
	r.Register(BeforeToolExecution, func(context.Context, *Context) (Result, error) {
		return Result{Kind: Cancel, Reason: "only tools named x"}, nil
	}, &RegisterOptions{ComponentFilter: "agent"})
	out := r.Run(ctx, &Context{Point: BeforeToolExecution, Component: Component{Type: "tool"}})
	if out.Result.Kind != Continue || r.List("")[0].Failures != 1 {
		t.Fatalf("out %+v", out)
	}
	if _, err := r.Register("Nowhere", func(context.Context, *Context) (Result, error) { return Result{}, nil }, nil); err == nil {
		t.Fatal("unknown point accepted")
	}
}

func BenchmarkRunChain(b *testing.B) {
	for _, n := range []int{1, 5} {
		b.Run(map[int]string{1: "single", 5: "chain-5"}[n], func(b *testing.B) {
			r := New(nil)
			for i := 0; i < n; i++ {
				r.Register(BeforeStateWrite, func(context.Context, *Context) (Result, error) { return Result{}, nil }, nil)
			}
			hc := &Context{Point: BeforeStateWrite, Data: "x"}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r.Run(ctx, hc)
			}
		})
	}
}
