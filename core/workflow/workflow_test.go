package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/agent"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/event"
	"github.com/llmspell/llmspell-go/core/hook"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

type fixture struct {
	reg    *Registry
	tools  *tool.Registry
	hooks  *hook.Registry
	events *event.Bus
	store  kv.Store
	flaky  atomic.Int32
}

func newFixture(t testing.TB, dir string) *fixture {
	t.Helper()
	f := &fixture{hooks: hook.New(nil), events: event.New(nil)}
	f.tools = tool.New(nil, f.hooks, f.events)
	if dir == "" {
		dir = t.TempDir()
	}
	st, err := pebblekv.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.store = st
	agents := agent.NewRegistry(agent.Deps{Tools: f.tools, Hooks: f.hooks, Events: f.events})
	if _, err := agents.Create(context.Background(), agent.Config{Name: "echo", Type: agent.TypeBasic}); err != nil {
		t.Fatal(err)
	}
	f.reg = NewRegistry(Deps{Tools: f.tools, Agents: agents, Hooks: f.hooks, Events: f.events, Store: st, Sync: st.Sync})
	reg := func(name string, fn tool.Func) {
		if err := f.tools.Register(&tool.Tool{Name: name, Fn: fn}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	reg("uuid", func(ctx context.Context, c *tool.Call) (value.Value, error) {
		n++
		return value.Map{"uuid": fmt.Sprintf("id-%d-%d", time.Now().UnixNano(), n)}, nil
	})
	reg("hash", func(ctx context.Context, c *tool.Call) (value.Value, error) {
		sum := sha256.Sum256([]byte(c.Str("input", "")))
		return value.Map{"hash": hex.EncodeToString(sum[:])}, nil
	})
	reg("concat", func(ctx context.Context, c *tool.Call) (value.Value, error) {
		return text(c.Params["a"]) + "|" + text(c.Params["b"]), nil
	})
	reg("nap", func(ctx context.Context, c *tool.Call) (value.Value, error) {
		ms, _ := value.Number(c.Params["ms"])
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
			return c.Params["tag"], nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	reg("boom", func(ctx context.Context, c *tool.Call) (value.Value, error) {
		return nil, errs.New(errs.KindTool, "boom")
	})
	reg("flaky", func(ctx context.Context, c *tool.Call) (value.Value, error) {
		if f.flaky.Add(1) < 3 {
			return nil, errs.New(errs.KindTool, "not yet")
		}
		return "third time", nil
	})
	reg("double", func(ctx context.Context, c *tool.Call) (value.Value, error) {
		v, _ := value.Number(c.Params["input"])
		return v * 2, nil
	})
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) build(t testing.TB, m value.Map) *Workflow {
	t.Helper()
	d, err := FromMap(m, nil)
	must(t, err)
	w, err := f.reg.Build(d)
	must(t, err)
	return w
}

func steps(ss ...value.Map) value.List {
	out := make(value.List, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

var ctx = context.Background()

func TestSequentialDataFlow(t *testing.T) {
	f := newFixture(t, "")
	w := f.build(t, value.Map{"name": "pipe", "type": "sequential", "steps": steps(
		value.Map{"name": "id", "type": "tool", "tool": "uuid"},
		value.Map{"name": "digest", "tool": "hash", "input": value.Map{"input": "{{steps.id.output.uuid}}"}},
		value.Map{"name": "both", "tool": "concat", "input": value.Map{"a": "{{steps.id.output.uuid}}", "b": "{{ steps.digest.output.hash }}"}},
		value.Map{"name": "say", "agent": "echo", "input": "user {{input.user}} got {{steps.digest.output}}"},
	)})
	res, err := w.Execute(ctx, value.Map{"user": "ada"}, nil)
	must(t, err)
	if !res.Success || res.Status != StatusCompleted || len(res.Steps) != 4 {
		t.Fatalf("%+v", res.Map())
	}
	id := res.Steps[0].Output.(value.Map)["uuid"].(string)
	sum := sha256.Sum256([]byte(id))
	h := hex.EncodeToString(sum[:])
	if res.Steps[1].Output.(value.Map)["hash"] != h || res.Steps[2].Output != id+"|"+h {
		t.Fatalf("data flow: %v", res.Map())
	}
	if res.Output != `user ada got {"hash":"`+h+`"}` {
		t.Fatalf("output %q", res.Output)
	}
}

func TestBuildTimeErrors(t *testing.T) {
	f := newFixture(t, "")
	_, err := f.reg.Create(&Def{Name: "child", Steps: []Step{{Name: "a", Type: StepTool, Tool: "uuid"}}})
	must(t, err)
	cases := []struct {
		def  value.Map
		kind errs.Kind
		want string
	}{
		{value.Map{"name": "x", "steps": steps(value.Map{"name": "a", "tool": "uuid"}, value.Map{"name": "b", "tool": "nope"})}, errs.KindNotFound, `no tool named "nope"`},
		{value.Map{"name": "x", "steps": steps(value.Map{"name": "a", "agent": "ghost", "input": "hi"})}, errs.KindNotFound, `no agent named "ghost"`},
		{value.Map{"name": "x", "steps": steps(value.Map{"name": "a", "tool": "hash", "input": value.Map{"input": "{{steps.b.output}}"}}, value.Map{"name": "b", "tool": "uuid"})}, errs.KindInvalidArgument, "no step \"b\" runs before"},
		{value.Map{"name": "x", "steps": steps(value.Map{"name": "a", "tool": "hash", "input": "{{steps.zzz.output}}"})}, errs.KindInvalidArgument, `no step "zzz"`},
		{value.Map{"name": "x", "type": "loop", "iterator": value.Map{"while_condition": "true"}, "body": value.Map{"steps": steps(value.Map{"tool": "uuid"})}}, errs.KindInvalidArgument, "needs max_iterations"},
		{value.Map{"name": "x", "steps": steps(value.Map{"name": "a", "workflow": "nowhere"})}, errs.KindNotFound, `no workflow named "nowhere"`},
		{value.Map{"name": "x", "steps": steps(value.Map{"name": "a", "workflow": "x"})}, errs.KindInvalidArgument, "contains itself"},
		{value.Map{"name": "x", "type": "spiral", "steps": steps(value.Map{"tool": "uuid"})}, errs.KindInvalidArgument, "not one of"},
		{value.Map{"name": "x", "steps": steps(value.Map{"name": "a", "tool": "uuid"}, value.Map{"name": "a", "tool": "uuid"})}, errs.KindInvalidArgument, "two steps"},
		{value.Map{"name": "x", "steps": steps(value.Map{"name": "a", "tool": "uuid", "when": "steps.a.output >"})}, errs.KindInvalidArgument, "expression"},
		{value.Map{"name": "x", "steps": steps(value.Map{"name": "a", "tool": "hash", "input": "{{loop.item}}"})}, errs.KindInvalidArgument, "outside a loop"},
		{value.Map{"name": "x", "type": "loop", "iterator": value.Map{"range": value.Map{"start": 0, "end": 10, "step": -1}}, "body": steps(value.Map{"tool": "uuid"})}, errs.KindInvalidArgument, "never ends"},
		{value.Map{"name": "x", "steps": steps(value.Map{"name": "a"})}, errs.KindInvalidArgument, "needs a type"},
		{value.Map{"name": "x", "type": "sequential"}, errs.KindInvalidArgument, "needs steps"},
	}
	for _, c := range cases {
		d, err := FromMap(c.def, nil)
		if err == nil {
			_, err = f.reg.Build(d)
		}
		if errs.KindOf(err) != c.kind || !strings.Contains(fmt.Sprint(err), c.want) {
			t.Errorf("%v:\n got %v\nwant %s containing %q", c.def, err, c.kind, c.want)
		}
	}
	// Cycles through registered workflows: a -> b -> a.
	_, err = f.reg.Create(&Def{Name: "b", Steps: []Step{{Name: "s", Type: StepWorkflow, WorkflowName: "child"}}})
	must(t, err)
	f.reg.Remove("child")
	_, err = f.reg.Create(&Def{Name: "child", Steps: []Step{{Name: "s", Type: StepWorkflow, WorkflowName: "b"}}})
	if err == nil || !strings.Contains(err.Error(), "contains itself") {
		t.Fatalf("cycle through names: %v", err)
	}
	// Unknown keys and wrong types, all at once.
	_, err = FromMap(value.Map{"name": 5, "colour": "red", "steps": "no"}, nil)
	for _, want := range []string{"name must be a string", `unknown key "colour"`, "steps must be a list"} {
		if !strings.Contains(fmt.Sprint(err), want) {
			t.Errorf("%v lacks %q", err, want)
		}
	}
}

func TestRuntimeReferenceToStepThatDidNotRun(t *testing.T) {
	f := newFixture(t, "")
	w := f.build(t, value.Map{"name": "x", "steps": steps(
		value.Map{"name": "maybe", "tool": "uuid", "when": "input.go == true"},
		value.Map{"name": "use", "tool": "hash", "input": value.Map{"input": "{{steps.maybe.output.uuid}}"}},
	)})
	res, err := w.Execute(ctx, value.Map{"go": false}, nil)
	must(t, err)
	if res.Success || !res.Steps[0].Skipped || errs.KindOf(res.Error) != errs.KindNotFound || !strings.Contains(res.Error.Error(), "has not run") {
		t.Fatalf("%v", res.Map())
	}
}

func TestParallel(t *testing.T) {
	f := newFixture(t, "")
	nap := func(name string, ms int) value.Map {
		return value.Map{"name": name, "steps": steps(value.Map{"name": name + "_nap", "tool": "nap", "input": value.Map{"ms": ms, "tag": name}})}
	}
	w := f.build(t, value.Map{"name": "fan", "type": "parallel", "branches": value.List{nap("a", 150), nap("b", 150), nap("c", 150)}})
	start := time.Now()
	res, err := w.Execute(ctx, nil, nil)
	must(t, err)
	if d := time.Since(start); d > 400*time.Millisecond || !res.Success {
		t.Fatalf("3 × 150 ms in parallel took %s: %v", d, res.Map())
	}
	if out := res.Output.(value.Map); out["a"] != "a" || out["b"] != "b" || out["c"] != "c" {
		t.Fatalf("merge: %v", res.Output)
	}
	one := f.build(t, value.Map{"name": "fan1", "type": "parallel", "max_concurrency": 1, "branches": value.List{nap("a", 100), nap("b", 100), nap("c", 100)}})
	start = time.Now()
	_, err = one.Execute(ctx, nil, nil)
	must(t, err)
	if d := time.Since(start); d < 290*time.Millisecond {
		t.Fatalf("max_concurrency 1 took only %s", d)
	}
	// A required branch failing cancels the others at once; an optional
	// one does not fail the workflow.
	failing := f.build(t, value.Map{"name": "ff", "type": "parallel", "branches": value.List{
		nap("slow", 3000), value.Map{"name": "bad", "steps": steps(value.Map{"name": "b", "tool": "boom"})}}})
	start = time.Now()
	res, err = failing.Execute(ctx, nil, nil)
	must(t, err)
	if res.Success || time.Since(start) > time.Second || !strings.Contains(res.Error.Error(), "boom") {
		t.Fatalf("fail fast: %s %v", time.Since(start), res.Map())
	}
	opt := f.build(t, value.Map{"name": "opt", "type": "parallel", "branches": value.List{
		nap("ok", 10), value.Map{"name": "bad", "optional": true, "steps": steps(value.Map{"name": "b", "tool": "boom"})}}})
	res, err = opt.Execute(ctx, nil, nil)
	must(t, err)
	if !res.Success || res.Output.(value.Map)["ok"] != "ok" {
		t.Fatalf("optional: %v", res.Map())
	}
	// A branch that panics is a failed branch, not a crash.
	d := &Def{Name: "panicky", Type: Parallel, Branches: []Branch{
		{Name: "p", Steps: []Step{{Name: "p", Type: StepFunction, Fn: func(context.Context, *StepContext) (value.Value, error) { panic("kaboom") }}}},
		{Name: "q", Steps: []Step{{Name: "q", Type: StepTool, Tool: "uuid"}}},
	}}
	pw, err := f.reg.Build(d)
	must(t, err)
	res, err = pw.Execute(ctx, nil, nil)
	must(t, err)
	if res.Success || !strings.Contains(res.Error.Error(), "kaboom") || errs.KindOf(res.Error) != errs.KindInternal {
		t.Fatalf("panic: %v", res.Map())
	}
}

func TestConditional(t *testing.T) {
	f := newFixture(t, "")
	m := value.Map{"name": "route", "type": "conditional", "default_branch": "other", "branches": value.List{
		value.Map{"name": "big", "condition": "input.n > 10 and not (input.n > 100)", "steps": steps(value.Map{"name": "b", "tool": "concat", "input": value.Map{"a": "big", "b": "{{input.n}}"}})},
		value.Map{"name": "word", "condition": "contains(input.tags, 'x')", "steps": steps(value.Map{"name": "w", "tool": "concat", "input": value.Map{"a": "word"}})},
		value.Map{"name": "other", "steps": steps(value.Map{"name": "o", "tool": "concat", "input": value.Map{"a": "other"}})},
	}}
	w := f.build(t, m)
	for _, c := range []struct {
		in   value.Value
		want string
	}{
		{value.Map{"n": 50, "tags": value.List{"x"}}, "big|50"},
		{value.Map{"n": 500, "tags": value.List{"x"}}, "word|"},
		{value.Map{"n": 1, "tags": value.List{}}, "other|"},
	} {
		res, err := w.Execute(ctx, c.in, nil)
		must(t, err)
		if res.Output != c.want {
			t.Errorf("%v: %v", c.in, res.Output)
		}
	}
	m["run_all"], m["name"] = true, "route_all"
	res, err := f.build(t, m).Execute(ctx, value.Map{"n": 50, "tags": value.List{"x"}}, nil)
	must(t, err)
	if out := res.Output.(value.Map); out["big"] != "big|50" || out["word"] != "word|" || out["other"] != nil {
		t.Fatalf("run_all: %v", res.Output)
	}
	// A condition on a previous output, inside a sequence.
	seq := f.build(t, value.Map{"name": "s", "steps": steps(
		value.Map{"name": "d", "tool": "double", "input": value.Map{"input": "{{input.x}}"}},
		value.Map{"name": "only_big", "tool": "concat", "when": "steps.d.output >= 10 and steps.d.succeeded", "input": value.Map{"a": "big"}},
	)})
	res, _ = seq.Execute(ctx, value.Map{"x": 3}, nil)
	if !res.Steps[1].Skipped || res.Output != float64(6) {
		t.Fatalf("when false: %v", res.Map())
	}
	res, _ = seq.Execute(ctx, value.Map{"x": 7}, nil)
	if res.Steps[1].Skipped || res.Output != "big|" {
		t.Fatalf("when true: %v", res.Map())
	}
}

func TestLoops(t *testing.T) {
	f := newFixture(t, "")
	body := value.Map{"steps": steps(value.Map{"name": "d", "tool": "double", "input": value.Map{"input": "{{loop.item}}"}})}
	for _, c := range []struct {
		agg  string
		n    int
		want string
	}{{"collect", 0, "[0,2,4,6,8]"}, {"last", 0, "8"}, {"first_n", 2, "[0,2]"}, {"last_n", 2, "[6,8]"}, {"none", 0, "null"}} {
		w := f.build(t, value.Map{"name": "l_" + c.agg, "type": "loop", "iterator": value.Map{"range": value.Map{"start": 0, "end": 5}},
			"body": body, "aggregate": c.agg, "aggregate_n": c.n})
		res, err := w.Execute(ctx, nil, nil)
		must(t, err)
		got, _ := value.Encode(res.Output)
		if string(got) != c.want {
			t.Errorf("%s: %s", c.agg, got)
		}
	}
	// Over a collection from an earlier step, with the index.
	over := f.build(t, value.Map{"name": "over", "steps": steps(
		value.Map{"name": "list", "type": "function", "fn": "concat", "input": value.Map{"a": "x"}},
		value.Map{"name": "each", "workflow": value.Map{"name": "each_inner", "type": "loop", "iterator": value.Map{"collection": "{{input.items}}"},
			"body": steps(value.Map{"name": "c", "tool": "concat", "input": value.Map{"a": "{{loop.index}}", "b": "{{loop.item}}"}})}, "input": value.Map{"items": "{{input.words}}"}},
	)})
	res, err := over.Execute(ctx, value.Map{"words": value.List{"a", "b", "c"}}, nil)
	must(t, err)
	if got, _ := value.Encode(res.Output); string(got) != `["0|a","1|b","2|c"]` {
		t.Fatalf("collection: %s", got)
	}
	// While with a shared counter and a bound; break_when.
	counter := func(ctx context.Context, sc *StepContext) (value.Value, error) {
		n, _ := value.Number(sc.GetShared("n"))
		sc.SetShared("n", n+1)
		return n + 1, nil
	}
	wd := &Def{Name: "while", Type: Loop, Iterator: &Iterator{While: &Cond{Expr: "len(shared) == 0 or shared.n < 4"}, MaxIterations: 100},
		Steps: []Step{{Name: "inc", Type: StepFunction, Fn: counter}}, Aggregate: LastOnly}
	ww, err := f.reg.Build(wd)
	must(t, err)
	res, err = ww.Execute(ctx, nil, nil)
	must(t, err)
	if res.Output != float64(4) {
		t.Fatalf("while: %v", res.Map())
	}
	bd := &Def{Name: "bounded", Type: Loop, Iterator: &Iterator{While: &Cond{Expr: "true"}, MaxIterations: 7},
		Steps: []Step{{Name: "inc", Type: StepFunction, Fn: counter}}}
	bw, err := f.reg.Build(bd)
	must(t, err)
	res, err = bw.Execute(ctx, nil, nil)
	must(t, err)
	if len(res.Output.(value.List)) != 7 {
		t.Fatalf("max_iterations: %v", res.Output)
	}
	brk := f.build(t, value.Map{"name": "brk", "type": "loop", "iterator": value.Map{"range": value.Map{"start": 1, "end": 100}, "break_when": "steps.d.output >= 6"},
		"body": body})
	res, err = brk.Execute(ctx, nil, nil)
	must(t, err)
	if got, _ := value.Encode(res.Output); string(got) != "[2,4,6]" {
		t.Fatalf("break_when: %s", got)
	}
}

func TestErrorStrategies(t *testing.T) {
	f := newFixture(t, "")
	mk := func(name, strategy string) *Workflow {
		return f.build(t, value.Map{"name": name, "error_strategy": strategy, "steps": steps(
			value.Map{"name": "a", "tool": "uuid"},
			value.Map{"name": "bad", "tool": "boom"},
			value.Map{"name": "after", "tool": "concat", "input": value.Map{"a": "{{steps.bad.failed}}"}},
		)})
	}
	res, err := mk("ff", FailFast).Execute(ctx, nil, nil)
	must(t, err)
	if res.Success || len(res.Steps) != 2 || res.Status != StatusFailed || errs.KindOf(res.Error) != errs.KindTool {
		t.Fatalf("fail_fast: %v", res.Map())
	}
	res, err = mk("cont", Continue).Execute(ctx, nil, nil)
	must(t, err)
	if !res.Success || len(res.Steps) != 3 || res.Steps[1].Success || res.Output != "true|" {
		t.Fatalf("continue: %v", res.Map())
	}
	r := f.build(t, value.Map{"name": "retry", "error_strategy": "retry", "retry": value.Map{"max_attempts": 4, "backoff_ms": 5},
		"steps": steps(value.Map{"name": "f", "tool": "flaky"})})
	res, err = r.Execute(ctx, nil, nil)
	must(t, err)
	if !res.Success || res.Steps[0].Attempts != 3 || res.Output != "third time" {
		t.Fatalf("retry: %v", res.Map())
	}
	f.flaky.Store(-10)
	r2 := f.build(t, value.Map{"name": "retry2", "steps": steps(value.Map{"name": "f", "tool": "flaky", "error_strategy": "retry", "retry": value.Map{"max_attempts": 2, "backoff_ms": 1}})})
	res, _ = r2.Execute(ctx, nil, nil)
	if res.Success || res.Steps[0].Attempts != 2 {
		t.Fatalf("retry bound: %v", res.Map())
	}
}

func TestTimeoutsAndCancellation(t *testing.T) {
	f := newFixture(t, "")
	w := f.build(t, value.Map{"name": "slow", "steps": steps(value.Map{"name": "n", "tool": "nap", "timeout_ms": 50, "input": value.Map{"ms": 2000}})})
	start := time.Now()
	res, err := w.Execute(ctx, nil, nil)
	must(t, err)
	if res.Success || errs.KindOf(res.Error) != errs.KindTimeout || time.Since(start) > time.Second {
		t.Fatalf("step timeout: %v", res.Map())
	}
	wt := f.build(t, value.Map{"name": "slow_wf", "timeout_ms": 60, "steps": steps(value.Map{"name": "n", "tool": "nap", "input": value.Map{"ms": 2000}})})
	_, err = wt.Execute(ctx, nil, nil)
	if errs.KindOf(err) != errs.KindTimeout {
		t.Fatalf("workflow timeout: %v", err)
	}
	c, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	start = time.Now()
	_, err = f.build(t, value.Map{"name": "c", "steps": steps(value.Map{"name": "a", "tool": "uuid"}, value.Map{"name": "n", "tool": "nap", "input": value.Map{"ms": 5000}})}).
		Execute(c, nil, &RunOptions{RunID: "cancel-me"})
	if errs.KindOf(err) != errs.KindCancelled || time.Since(start) > time.Second {
		t.Fatalf("cancel: %v", err)
	}
	rec, err := f.reg.RunRecord("cancel-me")
	must(t, err)
	if rec["status"] != StatusCancelled || len(rec["steps"].(value.List)) != 1 {
		t.Fatalf("record: %v", rec)
	}
}

func TestHooksAndEvents(t *testing.T) {
	f := newFixture(t, "")
	sub, err := f.events.Subscribe("workflow.*", &event.SubscribeOptions{BufferSize: 100})
	must(t, err)
	_, err = f.hooks.Register(hook.BeforeWorkflowStage, func(ctx context.Context, hc *hook.Context) (hook.Result, error) {
		if hc.Data.(value.Map)["step"] == "b" {
			return hook.Result{Kind: hook.Replace, Data: "from hook"}, nil
		}
		return hook.Result{Kind: hook.Continue}, nil
	}, nil)
	must(t, err)
	w := f.build(t, value.Map{"name": "hooked", "steps": steps(value.Map{"name": "a", "tool": "uuid"}, value.Map{"name": "b", "tool": "boom"})})
	res, err := w.Execute(ctx, nil, nil)
	must(t, err)
	if !res.Success || res.Output != "from hook" {
		t.Fatalf("replace: %v", res.Map())
	}
	var types []string
	for {
		ev, ok, _ := sub.Receive(ctx, 20*time.Millisecond)
		if !ok {
			break
		}
		types = append(types, ev.Type)
		if ev.CorrelationID != res.RunID {
			t.Fatalf("correlation %q", ev.CorrelationID)
		}
	}
	if strings.Join(types, ",") != "workflow.started,workflow.step.started,workflow.step.completed,workflow.step.started,workflow.step.completed,workflow.completed" {
		t.Fatalf("events %v", types)
	}
	_, err = f.hooks.Register(hook.BeforeWorkflowStart, func(ctx context.Context, hc *hook.Context) (hook.Result, error) {
		return hook.Result{Kind: hook.Cancel, Reason: "not today"}, nil
	}, nil)
	must(t, err)
	errSeen := false
	_, err = f.hooks.Register(hook.WorkflowError, func(ctx context.Context, hc *hook.Context) (hook.Result, error) {
		errSeen = true
		return hook.Result{Kind: hook.Continue}, nil
	}, nil)
	must(t, err)
	_, err = w.Execute(ctx, nil, nil)
	if errs.KindOf(err) != errs.KindCancelled || !errSeen {
		t.Fatalf("start cancel: %v %v", err, errSeen)
	}
}

func TestInputStepPausesAndResumes(t *testing.T) {
	f := newFixture(t, "")
	w := f.build(t, value.Map{"name": "approve", "steps": steps(
		value.Map{"name": "id", "tool": "uuid"},
		value.Map{"name": "ok", "type": "input", "prompt": "approve?"},
		value.Map{"name": "done", "tool": "concat", "input": value.Map{"a": "{{steps.ok.output}}", "b": "{{steps.id.output.uuid}}"}},
	)})
	res, err := w.Execute(ctx, nil, nil)
	must(t, err)
	if res.Status != StatusWaitingInput || res.PendingStep != "ok" || res.Prompt != "approve?" || res.Success {
		t.Fatalf("pause: %v", res.Map())
	}
	id := res.Steps[0].Output.(value.Map)["uuid"]
	if _, err := f.reg.Resume(ctx, res.RunID, nil, nil); errs.KindOf(err) != errs.KindInvalidArgument {
		t.Fatalf("resume without input: %v", err)
	}
	res2, err := f.reg.Resume(ctx, res.RunID, "yes", nil)
	must(t, err)
	if !res2.Success || res2.Output != fmt.Sprint("yes|", id) || !res2.Steps[0].Restored {
		t.Fatalf("resume: %v", res2.Map())
	}
	if _, err := f.reg.Resume(ctx, res.RunID, "again", nil); errs.KindOf(err) != errs.KindConflict {
		t.Fatalf("resume a completed run: %v", err)
	}
	if _, err := f.reg.Resume(ctx, "no-such-run", nil, nil); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("unknown run: %v", err)
	}
	if _, err := f.reg.Resume(ctx, "../etc", nil, nil); errs.KindOf(err) != errs.KindInvalidArgument {
		t.Fatalf("bad run id: %v", err)
	}
}

func TestNestingAndWorkflowsAsTools(t *testing.T) {
	f := newFixture(t, "")
	_, err := f.reg.Create(&Def{Name: "inner", Steps: []Step{{Name: "h", Type: StepTool, Tool: "hash", Input: value.Map{"input": "{{input.text}}"}}},
		Output: "{{steps.h.output.hash}}"})
	must(t, err)
	outer := f.build(t, value.Map{"name": "outer", "steps": steps(
		value.Map{"name": "sub", "workflow": "inner", "input": value.Map{"text": "abc"}},
		value.Map{"name": "again", "type": "workflow", "workflow": value.Map{"name": "inline", "steps": steps(value.Map{"name": "c", "tool": "concat", "input": value.Map{"a": "{{input}}"}})}, "input": "{{steps.sub.output}}"},
	)})
	res, err := outer.Execute(ctx, nil, nil)
	must(t, err)
	if res.Output != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad|" {
		t.Fatalf("nested: %v", res.Map())
	}
	paths := []string{}
	for _, s := range res.Steps {
		paths = append(paths, s.Path)
	}
	if strings.Join(paths, ",") != "sub/h,sub,again/c,again" {
		t.Fatalf("paths %v", paths)
	}
	tl, err := f.reg.WrapAsTool("inner", "", "")
	must(t, err)
	env, err := f.tools.Invoke(ctx, tl.Name, value.Map{"input": value.Map{"text": "abc"}})
	must(t, err)
	if !env.Success || env.Result.(value.Map)["output"] != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("as tool: %+v", env)
	}
}

func TestDefinitionRoundTrip(t *testing.T) {
	m := value.Map{"name": "rt", "type": "loop", "iterator": value.Map{"range": value.Map{"start": int64(0), "end": int64(3), "step": int64(1)}, "max_iterations": int64(3)},
		"steps": steps(value.Map{"name": "d", "type": "tool", "tool": "double", "input": value.Map{"input": "{{loop.item}}"}, "when": "loop.index >= 0",
			"retry": value.Map{"max_attempts": int64(2), "backoff_ms": int64(5)}, "timeout_ms": int64(100), "error_strategy": "retry"}),
		"aggregate": "last", "error_strategy": "continue", "timeout_ms": int64(1000)}
	d, err := FromMap(m, nil)
	must(t, err)
	back, ok := d.Map()
	if !ok {
		t.Fatal("not serializable")
	}
	a, _ := value.Encode(m)
	b, _ := value.Encode(back)
	if string(a) != string(b) {
		t.Fatalf("round trip:\n%s\n%s", a, b)
	}
	d.Steps[0].Fn = func(context.Context, *StepContext) (value.Value, error) { return nil, nil }
	if _, ok := d.Map(); ok {
		t.Fatal("a host function is not serializable")
	}
}

func TestExpressions(t *testing.T) {
	rn := &run{input: value.Map{"n": int64(5), "s": "hello", "l": value.List{int64(1), "two"}, "m": value.Map{"k": true}}, shared: &shared{m: value.Map{"x": 1.5}}}
	sc := &scope{steps: map[string]*StepResult{"a": {Name: "a", Success: true, Output: value.Map{"v": int64(3)}}}, run: rn,
		loop: value.Map{"item": "it", "index": int64(2)}}
	rn.shared.m["y"] = nil
	for src, want := range map[string]bool{
		"input.n == 5":                                true,
		"input.n > 4.5 and input.n <= 5":              true,
		"not input.m.k":                               false,
		"input.s == 'hello' || false":                 true,
		"contains(input.l, 'two')":                    true,
		"contains(input.s, \"ell\")":                  true,
		"contains(input.m, 'k')":                      true,
		"len(input.l) == 2":                           true,
		"input.l[1] == 'two'":                         true,
		"exists(input.nope)":                          false,
		"exists(steps.a.output)":                      true,
		"steps.a.output.v >= 3 and steps.a.succeeded": true,
		"steps.a.failed":                              false,
		"loop.index == 2 and loop.item != 'x'":        true,
		"shared.x < 2":                                true,
		"(input.n == 1 or input.n == 5) and !false":   true,
		"null == input.missing":                       true,
		"-1 < 0":                                      true,
	} {
		e, err := parseExpr(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		got, err := e.truth(sc)
		if err != nil || got != want {
			t.Errorf("%s = %v (%v), want %v", src, got, err, want)
		}
	}
	for _, bad := range []string{"", "input.n ==", "foo.bar", "(input.n", "exists(1)", "len()", "input.n = 5", "'open", "input[-1]"} {
		e, err := parseExpr(bad)
		if err == nil {
			if _, err = e.truth(sc); err == nil {
				t.Errorf("%q parsed and ran", bad)
			}
		}
	}
	e, _ := parseExpr("input.s > 3")
	if _, err := e.truth(sc); err == nil {
		t.Error("string > number compared")
	}
	e, _ = parseExpr("steps.zz.output")
	if _, err := e.truth(sc); errs.KindOf(err) != errs.KindNotFound {
		t.Errorf("missing step: %v", err)
	}
	tm, err := compileTemplate(value.Map{"whole": "{{input.l}}", "mixed": "n={{input.n}} l={{input.l}}", "list": value.List{"{{loop.item}}"}, "plain": "x"})
	must(t, err)
	v, err := tm.resolve(sc)
	must(t, err)
	got, _ := value.Encode(v)
	if string(got) != `{"list":["it"],"mixed":"n=5 l=[1,\"two\"]","plain":"x","whole":[1,"two"]}` {
		t.Fatalf("template: %s", got)
	}
	if _, err := compileTemplate("{{input.n"); err == nil {
		t.Fatal("unclosed template")
	}
}

// TestKilledRunResumesInANewProcess runs a workflow in a child process,
// kills it with SIGKILL while its second step runs, and resumes the run
// here: the first step's output comes from the checkpoint, the rest runs.
func TestKilledRunResumesInANewProcess(t *testing.T) {
	if os.Getenv("WORKFLOW_CHILD_DIR") != "" {
		childRun(t)
		return
	}
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledRunResumesInANewProcess$")
	cmd.Env = append(os.Environ(), "WORKFLOW_CHILD_DIR="+filepath.Join(dir, "db"), "WORKFLOW_READY="+ready)
	must(t, cmd.Start())
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("child never reached step 2")
		}
		time.Sleep(10 * time.Millisecond)
	}
	must(t, cmd.Process.Kill())
	cmd.Wait()
	f := newFixture(t, filepath.Join(dir, "db"))
	w := killable(t, f, "")
	rec, err := f.reg.RunRecord("run-1")
	must(t, err)
	if rec["status"] != StatusRunning {
		t.Fatalf("record after kill: %v", rec)
	}
	first := rec["steps"].(value.List)[0].(value.Map)["output"]
	res, err := f.reg.Resume(ctx, "run-1", nil, nil)
	must(t, err)
	if !res.Success || !res.Steps[0].Restored || !equal(res.Steps[0].Output, first) || res.Steps[1].Restored {
		t.Fatalf("resume: %v", res.Map())
	}
	if res.Output != "second|"+first.(value.Map)["uuid"].(string) {
		t.Fatalf("output %v", res.Output)
	}
	_ = w
}

// killable registers the workflow of the kill test; with ready set, its
// second step signals and then hangs.
func killable(t testing.TB, f *fixture, ready string) *Workflow {
	second := func(ctx context.Context, sc *StepContext) (value.Value, error) {
		if ready != "" {
			os.WriteFile(ready, nil, 0o600)
			<-ctx.Done()
		}
		return "second", nil
	}
	w, err := f.reg.Create(&Def{Name: "killable", Steps: []Step{
		{Name: "id", Type: StepTool, Tool: "uuid"},
		{Name: "wait", Type: StepFunction, Fn: second},
		{Name: "end", Type: StepTool, Tool: "concat", Input: value.Map{"a": "{{steps.wait.output}}", "b": "{{steps.id.output.uuid}}"}},
	}})
	must(t, err)
	return w
}

func childRun(t *testing.T) {
	f := newFixture(t, os.Getenv("WORKFLOW_CHILD_DIR"))
	w := killable(t, f, os.Getenv("WORKFLOW_READY"))
	w.Execute(ctx, nil, &RunOptions{RunID: "run-1"})
	t.Fatal("the child should have been killed")
}

func TestParallelWaitAll(t *testing.T) {
	f := newFixture(t, "")
	w := f.build(t, value.Map{"name": "wa", "type": "parallel", "wait_all": true, "branches": value.List{
		value.Map{"name": "slow", "steps": steps(value.Map{"name": "s", "tool": "nap", "input": value.Map{"ms": 150, "tag": "done"}})},
		value.Map{"name": "bad", "steps": steps(value.Map{"name": "b", "tool": "boom"})}}})
	start := time.Now()
	res, err := w.Execute(ctx, nil, nil)
	must(t, err)
	if res.Success || time.Since(start) < 140*time.Millisecond {
		t.Fatalf("wait_all returned after %s: %v", time.Since(start), res.Map())
	}
	var slow *StepResult
	for _, s := range res.Steps {
		if s.Name == "s" {
			slow = s
		}
	}
	if slow == nil || !slow.Success || slow.Output != "done" {
		t.Fatalf("the slow branch did not finish: %v", res.Map())
	}
}

// TestConcurrentRunsOfOneWorkflow runs one workflow from 8 goroutines at
// once: runs share the checked definition and nothing else.
func TestConcurrentRunsOfOneWorkflow(t *testing.T) {
	f := newFixture(t, "")
	w := f.build(t, value.Map{"name": "conc", "type": "loop", "iterator": value.Map{"collection": "{{input.items}}"},
		"body": steps(value.Map{"name": "d", "tool": "double", "input": value.Map{"input": "{{loop.item}}"}})})
	errc := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 20; i++ {
				res, err := w.Execute(ctx, value.Map{"items": value.List{int64(g), int64(i)}}, nil)
				if err == nil && (!res.Success || !equal(res.Output, value.List{float64(2 * g), float64(2 * i)})) {
					err = fmt.Errorf("run %d/%d: %v", g, i, res.Map())
				}
				if err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}

// TestResumeFromSavedDefinition resumes a run whose workflow is not
// registered (a new process that only knows the run id): the definition
// saved with the run is used. One with host functions cannot be.
func TestResumeFromSavedDefinition(t *testing.T) {
	f := newFixture(t, "")
	w := f.build(t, value.Map{"name": "unregistered", "steps": steps(
		value.Map{"name": "id", "tool": "uuid"},
		value.Map{"name": "q", "type": "input"},
		value.Map{"name": "c", "tool": "concat", "input": value.Map{"a": "{{steps.q.output}}", "b": "{{steps.id.output.uuid}}"}},
	)})
	res, err := w.Execute(ctx, nil, &RunOptions{RunID: "saved-def"})
	must(t, err)
	if res.Status != StatusWaitingInput {
		t.Fatalf("%v", res.Map())
	}
	res2, err := f.reg.Resume(ctx, "saved-def", "ok", nil)
	must(t, err)
	if !res2.Success || res2.Output != "ok|"+res.Steps[0].Output.(value.Map)["uuid"].(string) {
		t.Fatalf("%v", res2.Map())
	}
	fn, err := f.reg.Build(&Def{Name: "hosted", Steps: []Step{
		{Name: "q", Type: StepInput},
		{Name: "f", Type: StepFunction, Fn: func(context.Context, *StepContext) (value.Value, error) { return 1, nil }}}})
	must(t, err)
	_, err = fn.Execute(ctx, nil, &RunOptions{RunID: "hosted-1"})
	must(t, err)
	if _, err := f.reg.Resume(ctx, "hosted-1", "x", nil); errs.KindOf(err) != errs.KindNotFound || !strings.Contains(err.Error(), "register it again") {
		t.Fatalf("host functions: %v", err)
	}
}

// TestOldRunsArePruned keeps at most MaxRuns run records: the oldest
// finished runs go (header, steps and index), a paused run stays.
func TestOldRunsArePruned(t *testing.T) {
	f := newFixture(t, "")
	f.reg.deps.MaxRuns = 20
	paused := f.build(t, value.Map{"name": "p", "steps": steps(value.Map{"name": "q", "type": "input"})})
	res, err := paused.Execute(ctx, nil, &RunOptions{RunID: "keep-me"})
	must(t, err)
	if res.Status != StatusWaitingInput {
		t.Fatal(res.Map())
	}
	w := f.build(t, value.Map{"name": "w", "steps": steps(value.Map{"name": "u", "tool": "uuid"}, value.Map{"name": "v", "tool": "uuid"})})
	var first, last string
	for i := 0; i < 100; i++ {
		res, err := w.Execute(ctx, nil, nil)
		must(t, err)
		if i == 0 {
			first = res.RunID
		}
		last = res.RunID
	}
	f.reg.prune() // settle: pruning otherwise runs every 16 runs
	count := 0
	f.store.Scan([]byte(idxPrefix), func(_, _ []byte) bool { count++; return true })
	if count != 20 {
		t.Fatalf("%d runs indexed, want 20", count)
	}
	if _, err := f.reg.RunRecord("keep-me"); err != nil {
		t.Fatalf("the paused run was pruned: %v", err)
	}
	if _, err := f.reg.RunRecord(last); err != nil {
		t.Fatalf("the newest run was pruned: %v", err)
	}
	if _, err := f.reg.RunRecord(first); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("the oldest run is still there: %v", err)
	}
	leftover := 0
	f.store.Scan([]byte(runPrefix+first), func(_, _ []byte) bool { leftover++; return true })
	if leftover != 0 {
		t.Fatalf("%d keys of a pruned run remain", leftover)
	}
	if _, err := f.reg.Resume(ctx, "keep-me", "yes", nil); err != nil {
		t.Fatal(err)
	}
}

func TestRunOptionsFromMap(t *testing.T) {
	o, err := RunOptionsFromMap(value.Map{"run_id": "r1", "timeout_ms": int64(250)}, "options")
	if err != nil || o.RunID != "r1" || o.Timeout != 250*time.Millisecond {
		t.Fatalf("%+v %v", o, err)
	}
	for _, bad := range []value.Map{{"run_id": int64(1)}, {"timeout_ms": int64(-1)}, {"timeout_ms": 1.5}, {"colour": "red"}} {
		if _, err := RunOptionsFromMap(bad, "options_json"); errs.KindOf(err) != errs.KindInvalidArgument || !strings.Contains(err.Error(), "options_json") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}
