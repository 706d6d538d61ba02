package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/core/workflow"
	"github.com/llmspell/llmspell-go/scripting/host"
)

// memoryEngine returns an engine on the in-memory store (no data folder),
// and its script host with a pool of one runtime per language.
func memoryEngine(b *testing.B) (*engine.Engine, *host.Host) {
	b.Helper()
	cfg := config.Default()
	cfg.Script.PoolSize = 1
	e, err := engine.New(&engine.Options{Config: cfg})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	h, err := host.New(e)
	if err != nil {
		b.Fatal(err)
	}
	return e, h
}

// workflowEngine returns an engine on store ("memory", or "pebble" with
// batched durability) with two Go tools registered: bench_noop returns 1,
// bench_sleep sleeps 20 ms (an I/O-bound step).
func workflowEngine(b *testing.B, store string) (*engine.Engine, *host.Host) {
	b.Helper()
	var e *engine.Engine
	var h *host.Host
	if store == "pebble" {
		e, h = pebbleEngine(b, "batched")
	} else {
		e, h = memoryEngine(b)
	}
	for _, t := range []*tool.Tool{
		{Name: "bench_noop", Description: "returns 1", Category: "bench", Level: tool.Safe, Language: "go",
			Schema: value.Map{"type": "object"},
			Fn:     func(context.Context, *tool.Call) (value.Value, error) { return int64(1), nil }},
		{Name: "bench_sleep", Description: "sleeps 20 ms", Category: "bench", Level: tool.Safe, Language: "go",
			Schema: value.Map{"type": "object"},
			Fn: func(ctx context.Context, _ *tool.Call) (value.Value, error) {
				t := time.NewTimer(20 * time.Millisecond)
				defer t.Stop()
				select {
				case <-t.C:
					return int64(1), nil
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}},
	} {
		if err := e.Tools().Register(t); err != nil {
			b.Fatal(err)
		}
	}
	return e, h
}

// seqDef is a sequential workflow of n steps of toolName, each taking the
// previous step's output as input, in the JSON/table form.
func seqDef(name, toolName string, n int) value.Map {
	steps := make(value.List, n)
	for i := range steps {
		in := value.Map{}
		if i > 0 && toolName == "uuid_generator" {
			in = value.Map{"version": "{{steps.s" + fmt.Sprint(i-1) + ".output.version}}"}
		}
		steps[i] = value.Map{"name": fmt.Sprintf("s%d", i), "type": "tool", "tool": toolName, "input": in}
	}
	return value.Map{"name": name, "type": "sequential", "steps": steps}
}

// parDef is a parallel workflow of n one-step branches of toolName.
func parDef(name, toolName string, n int) value.Map {
	branches := make(value.List, n)
	for i := range branches {
		branches[i] = value.Map{"name": fmt.Sprintf("b%d", i), "steps": value.List{
			value.Map{"name": fmt.Sprintf("s%d", i), "type": "tool", "tool": toolName, "input": value.Map{}}}}
	}
	return value.Map{"name": name, "type": "parallel", "branches": branches}
}

// create reads and registers a definition.
func create(b *testing.B, e *engine.Engine, m value.Map) *workflow.Workflow {
	b.Helper()
	d, err := workflow.FromMap(m, nil)
	if err != nil {
		b.Fatal(err)
	}
	w, err := e.Workflows().Create(d)
	if err != nil {
		b.Fatal(err)
	}
	return w
}

// runLoop executes w once per iteration and checks that it succeeded.
func runLoop(b *testing.B, w *workflow.Workflow, input value.Value) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		res, err := w.Execute(ctx, input, nil)
		if err != nil || !res.Success {
			b.Fatal(err, res)
		}
	}
}

// perStep reports the mean time per step of a workflow of steps steps.
func perStep(b *testing.B, steps int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*steps), "ns/step")
}

// BenchmarkWorkflows measures workflows of trivial tool steps from Go:
// building (reading the table form and the build-time checks), and a run
// of each type. Every run checkpoints each finished step in the engine
// store: "memory" is the in-memory store, "pebble" the pebble store with
// batched durability (the default: writes are synced by the group commit,
// not per step).
func BenchmarkWorkflows(b *testing.B) {
	b.Run("build/seq10", func(b *testing.B) {
		e, _ := workflowEngine(b, "memory")
		m := seqDef("seq10", "uuid_generator", 10)
		b.ReportAllocs()
		for b.Loop() {
			d, err := workflow.FromMap(m, nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.Workflows().Build(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The tool calls alone, for the per-step overhead.
	for _, name := range []string{"uuid_generator", "bench_noop"} {
		b.Run("tool/"+name, func(b *testing.B) {
			e, _ := workflowEngine(b, "memory")
			b.ReportAllocs()
			for b.Loop() {
				env, err := e.Tools().Invoke(ctx, name, value.Map{})
				if err != nil || !env.Success {
					b.Fatal(err, env)
				}
			}
		})
	}
	for _, store := range []string{"memory", "pebble"} {
		// One step: the fixed cost of a run (hooks, events, the run
		// record written at the start and the end).
		b.Run("seq1_noop/"+store, func(b *testing.B) {
			e, _ := workflowEngine(b, store)
			runLoop(b, create(b, e, seqDef("seq1", "bench_noop", 1)), nil)
		})
		b.Run("seq10/"+store, func(b *testing.B) {
			e, _ := workflowEngine(b, store)
			runLoop(b, create(b, e, seqDef("seq10", "uuid_generator", 10)), nil)
			perStep(b, 10)
		})
		b.Run("seq10_noop/"+store, func(b *testing.B) {
			e, _ := workflowEngine(b, store)
			runLoop(b, create(b, e, seqDef("seq10", "bench_noop", 10)), nil)
			perStep(b, 10)
		})
		b.Run("parallel10/"+store, func(b *testing.B) {
			e, _ := workflowEngine(b, store)
			runLoop(b, create(b, e, parDef("par10", "uuid_generator", 10)), nil)
			perStep(b, 10)
		})
		b.Run("conditional/"+store, func(b *testing.B) {
			e, _ := workflowEngine(b, store)
			w := create(b, e, value.Map{"name": "cond", "type": "conditional", "branches": value.List{
				value.Map{"name": "big", "condition": "input.n > 5 and not contains(input.tags, 'skip')",
					"steps": value.List{value.Map{"name": "yes", "tool": "uuid_generator"}}},
				value.Map{"name": "small", "steps": value.List{value.Map{"name": "no", "tool": "uuid_generator"}}},
			}})
			runLoop(b, w, value.Map{"n": int64(7), "tags": value.List{"a", "b"}})
		})
		b.Run("loop10/"+store, func(b *testing.B) {
			e, _ := workflowEngine(b, store)
			w := create(b, e, value.Map{"name": "loop10", "type": "loop", "aggregate": "collect",
				"iterator": value.Map{"range": value.Map{"start": int64(0), "end": int64(10)}},
				"body":     value.List{value.Map{"name": "u", "tool": "uuid_generator"}}})
			runLoop(b, w, nil)
			perStep(b, 10)
		})
	}
	// I/O-bound steps: 8 steps that each wait 20 ms, one after the other
	// and as 8 parallel branches (memory store).
	b.Run("sleep8/sequential", func(b *testing.B) {
		e, _ := workflowEngine(b, "memory")
		runLoop(b, create(b, e, seqDef("sleep_seq", "bench_sleep", 8)), nil)
	})
	b.Run("sleep8/parallel", func(b *testing.B) {
		e, _ := workflowEngine(b, "memory")
		runLoop(b, create(b, e, parDef("sleep_par", "bench_sleep", 8)), nil)
	})
}

// workflowScripts run the 10-step sequential workflow of BenchmarkWorkflows
// (uuid_generator steps, each referencing the one before) ARGS.n times,
// built in the script on the first run and found by name afterwards.
var workflowScripts = map[string]string{
	host.Lua: `
local w = Workflow.get("seq10")
if not w then
  local steps = {}
  for i = 0, 9 do
    local input = {}
    if i > 0 then input = {version = "{{steps.s" .. (i - 1) .. ".output.version}}"} end
    steps[#steps + 1] = {name = "s" .. i, type = "tool", tool = "uuid_generator", input = input}
  end
  w = Workflow.sequential({name = "seq10", steps = steps})
end
for i = 1, ARGS.n do
  local r = w:execute()
  if not r.success then error(r.error) end
end`,
	host.JavaScript: `
let w = Workflow.get("seq10");
if (!w) {
  const steps = [];
  for (let i = 0; i < 10; i++) {
    const input = i > 0 ? {version: "{{steps.s" + (i - 1) + ".output.version}}"} : {};
    steps.push({name: "s" + i, type: "tool", tool: "uuid_generator", input: input});
  }
  w = Workflow.sequential({name: "seq10", steps: steps});
}
for (let i = 0; i < ARGS.n; i++) {
  const r = w.execute();
  if (!r.success) throw new Error(r.error);
}`,
}

// workflowFnScripts run a 10-step sequential workflow whose steps are
// functions written in the script (each served on the run's own
// goroutine), ARGS.n times.
var workflowFnScripts = map[string]string{
	host.Lua: `
local steps = {}
for i = 0, 9 do
  steps[#steps + 1] = {name = "f" .. i, type = "function", fn = function(ctx) return i end}
end
local w = Workflow.sequential({name = "fn10", steps = steps})
for i = 1, ARGS.n do
  local r = w:execute()
  if not r.success then error(r.error) end
end`,
	host.JavaScript: `
const steps = [];
for (let i = 0; i < 10; i++) steps.push({name: "f" + i, type: "function", fn: (ctx) => i});
const w = Workflow.sequential({name: "fn10", steps: steps});
for (let i = 0; i < ARGS.n; i++) {
  const r = w.execute();
  if (!r.success) throw new Error(r.error);
}`,
}

// BenchmarkScriptWorkflows measures, per run, the 10-step sequential
// workflow of uuid_generator steps executed from Lua and JS (memory store,
// pooled host), and the same with the steps written as script functions.
func BenchmarkScriptWorkflows(b *testing.B) {
	for _, lang := range []string{host.Lua, host.JavaScript} {
		for _, c := range []struct {
			name string
			src  map[string]string
		}{{"seq10", workflowScripts}, {"fn10", workflowFnScripts}} {
			b.Run(lang+"/"+c.name, func(b *testing.B) {
				_, h := workflowEngine(b, "memory")
				req := host.Request{Language: lang, Source: c.src[lang], Args: value.Map{"n": int64(3)}}
				if _, err := h.Run(ctx, req); err != nil {
					b.Fatal(err)
				}
				req.Args = value.Map{"n": int64(b.N)}
				b.ReportAllocs()
				b.ResetTimer()
				if _, err := h.Run(ctx, req); err != nil {
					b.Fatal(err)
				}
				perStep(b, 10)
			})
		}
	}
}
