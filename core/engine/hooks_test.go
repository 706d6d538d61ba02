package engine_test

import (
	"context"
	"testing"

	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/hook"
	"github.com/llmspell/llmspell-go/core/session"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
)

func TestHooksReachStateSessionsEventsAndSystem(t *testing.T) {
	ctx := context.Background()
	var startup, shutdown int
	count := func(n *int) hook.Func {
		return func(context.Context, *hook.Context) (hook.Result, error) { *n++; return hook.Result{}, nil }
	}
	e, err := engine.New(&engine.Options{Hooks: []engine.HookSpec{
		{Point: hook.SystemStartup, Fn: count(&startup)},
		{Point: hook.SystemShutdown, Fn: count(&shutdown)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := e.Events().Subscribe("state.*", nil)
	sessSub, _ := e.Events().Subscribe("session.*", nil)
	e.Hooks().Register(hook.BeforeStateWrite, func(_ context.Context, hc *hook.Context) (hook.Result, error) {
		d := hc.Data.(value.Map)
		switch d["key"] {
		case "modify":
			return hook.Result{Kind: hook.Modified, Data: value.Map{"value": "changed by hook"}}, nil
		case "cancel":
			return hook.Result{Kind: hook.Cancel, Reason: "not this key"}, nil
		case "replace":
			return hook.Result{Kind: hook.Replace}, nil
		}
		return hook.Result{}, nil
	}, nil)
	st := e.State()
	st.Set(ctx, state.Global, "modify", "original")
	if v, _, _ := st.Get(ctx, state.Global, "modify"); v != "changed by hook" {
		t.Fatalf("modified: %v", v)
	}
	if err := st.Set(ctx, state.Global, "cancel", 1.0); !errs.IsKind(err, errs.KindCancelled) {
		t.Fatalf("cancel: %v", err)
	}
	if err := st.Set(ctx, state.Global, "replace", 1.0); err != nil {
		t.Fatal(err)
	}
	if ok, _ := st.Exists(ctx, state.Global, "replace"); ok {
		t.Fatal("replaced write was stored")
	}
	ev, ok, _ := sub.Receive(ctx, 0)
	if !ok || ev.Type != "state.write" || ev.Data.(value.Map)["key"] != "modify" || ev.Source != "engine" {
		t.Fatalf("state event: %+v %v", ev, ok)
	}
	if _, ok, _ := sub.Receive(ctx, 0); ok {
		t.Fatal("cancelled or replaced writes published events")
	}
	s, _ := e.Sessions().Create(ctx, session.CreateOptions{Name: "x"})
	e.Sessions().Transition(ctx, s.ID, session.StatusCompleted, "")
	for _, want := range []string{"session.created", "session.ended"} {
		if ev, ok, _ := sessSub.Receive(ctx, 0); !ok || ev.Type != want {
			t.Fatalf("want %s, got %+v", want, ev)
		}
	}
	// Event emit hooks: cancel one type.
	e.Hooks().Register(hook.BeforeEventEmit, func(_ context.Context, hc *hook.Context) (hook.Result, error) {
		if hc.Component.Name == "blocked.type" {
			return hook.Result{Kind: hook.Cancel, Reason: "blocked"}, nil
		}
		return hook.Result{}, nil
	}, nil)
	if _, err := e.Events().Publish("blocked.type", nil, nil); !errs.IsKind(err, errs.KindCancelled) {
		t.Fatalf("event cancel: %v", err)
	}
	e.Close()
	if startup != 1 || shutdown != 1 {
		t.Fatalf("startup %d shutdown %d", startup, shutdown)
	}
}

func TestBuiltinHooksFromConfig(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.Hooks.Metrics = true
	cfg.Hooks.Record = true
	cfg.Hooks.Deny = "tool:process_executor"
	cfg.Hooks.RateLimitPerS = 1
	cfg.Hooks.RateLimitBurst = 2
	e, err := engine.New(&engine.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	viol, _ := e.Events().Subscribe("security.violation", nil)
	op := func(context.Context, value.Value) (value.Value, error) { return "ran", nil }
	_, err = e.Hooks().Around(ctx, hook.BeforeToolExecution, hook.AfterToolExecution, hook.Component{Type: "tool", Name: "process_executor"}, nil, op)
	if !errs.IsKind(err, errs.KindDenied) {
		t.Fatalf("deny: %v", err)
	}
	if ev, ok, _ := viol.Receive(ctx, 0); !ok || ev.Data.(value.Map)["reason"] == nil {
		t.Fatal("no security.violation event")
	}
	calc := hook.Component{Type: "tool", Name: "calculator"}
	for i := 0; i < 2; i++ {
		if v, err := e.Hooks().Around(ctx, hook.BeforeToolExecution, hook.AfterToolExecution, calc, nil, op); err != nil || v != "ran" {
			t.Fatalf("call %d: %v %v", i, v, err)
		}
	}
	if _, err := e.Hooks().Around(ctx, hook.BeforeToolExecution, hook.AfterToolExecution, calc, nil, op); !errs.IsKind(err, errs.KindCancelled) {
		t.Fatalf("rate limit: %v", err)
	}
	e.State().Set(ctx, state.Global, "k", int64(1))
	counts := e.Metrics().Snapshot()["counts"].(value.Map)
	if counts["BeforeStateWrite"] != int64(1) || counts["BeforeToolExecution"] == nil {
		t.Fatalf("metrics %v", counts)
	}
	recs, err := e.HookRecords("", 0)
	if err != nil || len(recs) < 5 {
		t.Fatalf("records: %d %v", len(recs), err)
	}
	if _, err := engine.New(&engine.Options{Config: func() *config.Config { c := config.Default(); c.Hooks.Deny = "tool"; return c }()}); err != nil {
		t.Fatalf("a deny entry without a name denies the whole type: %v", err)
	}
}
