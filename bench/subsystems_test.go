package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/zeebo/blake3"

	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/event"
	"github.com/llmspell/llmspell-go/core/hook"
	"github.com/llmspell/llmspell-go/core/session"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/tool/builtin"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/scripting/host"
)

// pebbleEngine returns an engine on a pebble store in a temporary folder
// with the given state durability, and its script host.
func pebbleEngine(b *testing.B, durability string) (*engine.Engine, *host.Host) {
	b.Helper()
	cfg := config.Default()
	cfg.Storage.DataDir = b.TempDir()
	cfg.State.Durability = durability
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

var ctx = context.Background()

// BenchmarkStateGo measures state writes (both durability modes) and reads
// from Go on pebble.
func BenchmarkStateGo(b *testing.B) {
	for _, d := range []string{"batched", "sync"} {
		b.Run("set/"+d, func(b *testing.B) {
			e, _ := pebbleEngine(b, d)
			v := value.Map{"name": "agent", "n": int64(1), "tags": value.List{"a", "b"}}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if err := e.State().Set(ctx, state.Global, fmt.Sprintf("k%d", i%1000), v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("get", func(b *testing.B) {
		e, _ := pebbleEngine(b, "batched")
		for i := 0; i < 1000; i++ {
			e.State().Set(ctx, state.Global, fmt.Sprintf("k%d", i), value.Map{"n": int64(i)})
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if _, _, err := e.State().Get(ctx, state.Global, fmt.Sprintf("k%d", i%1000)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("list100", func(b *testing.B) {
		e, _ := pebbleEngine(b, "batched")
		sc := state.Scope{Kind: "agent", ID: "a"}
		for i := 0; i < 100; i++ {
			e.State().Set(ctx, sc, fmt.Sprintf("k%03d", i), int64(i))
		}
		b.ReportAllocs()
		for b.Loop() {
			if keys, err := e.State().Keys(ctx, sc, nil); err != nil || len(keys) != 100 {
				b.Fatal(len(keys), err)
			}
		}
	})
}

// scriptLoops are per-call figures for the newer globals: one run loops
// ARGS.n times.
var scriptLoops = []struct{ name, lua, js string }{
	{"State.set", `for i = 1, ARGS.n do State.set("k" .. (i % 1000), i) end`,
		`for (let i = 0; i < ARGS.n; i++) State.set("k" + (i % 1000), i);`},
	{"State.get", `State.set("k", {a = 1}) for i = 1, ARGS.n do State.get("k") end`,
		`State.set("k", {a: 1}); for (let i = 0; i < ARGS.n; i++) State.get("k");`},
	{"Event.publish", `for i = 1, ARGS.n do Event.publish("bench.tick", i) end`,
		`for (let i = 0; i < ARGS.n; i++) Event.publish("bench.tick", i);`},
	{"Tool.invoke", `for i = 1, ARGS.n do Tool.invoke("base64_encoder", {input = "hello"}) end`,
		`for (let i = 0; i < ARGS.n; i++) Tool.invoke("base64_encoder", {input: "hello"});`},
	{"hooked State.set", `Hook.register("BeforeStateWrite", function(ctx) return nil end) for i = 1, ARGS.n do State.set("k", i) end`,
		`Hook.register("BeforeStateWrite", (c) => null); for (let i = 0; i < ARGS.n; i++) State.set("k", i);`},
}

// BenchmarkScriptSubsystems measures state, events, tools and hooks from
// Lua and JS (pebble store, batched durability), per call.
func BenchmarkScriptSubsystems(b *testing.B) {
	for _, lang := range []string{host.Lua, host.JavaScript} {
		for _, s := range scriptLoops {
			src := s.lua
			if lang == host.JavaScript {
				src = s.js
			}
			b.Run(lang+"/"+s.name, func(b *testing.B) {
				_, h := pebbleEngine(b, "batched")
				if _, err := h.Run(ctx, host.Request{Language: lang, Source: src, Args: value.Map{"n": int64(10)}}); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				if _, err := h.Run(ctx, host.Request{Language: lang, Source: src, Args: value.Map{"n": int64(b.N)}}); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// BenchmarkSessions measures session create and save, and artifact store
// at three sizes, incompressible and compressible (LZ4).
func BenchmarkSessions(b *testing.B) {
	b.Run("create", func(b *testing.B) {
		e, _ := pebbleEngine(b, "batched")
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.Sessions().Create(ctx, session.CreateOptions{Name: "s", Tags: []string{"a"}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("save", func(b *testing.B) {
		e, _ := pebbleEngine(b, "batched")
		s, _ := e.Sessions().Create(ctx, session.CreateOptions{Name: "s"})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.Sessions().Save(ctx, s.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, size := range []int{1 << 10, 100 << 10, 1 << 20} {
		for _, lz4 := range []bool{false, true} {
			name := map[int]string{1 << 10: "1KB", 100 << 10: "100KB", 1 << 20: "1MB"}[size]
			if lz4 {
				name += "-lz4"
			}
			b.Run("artifact/"+name, func(b *testing.B) {
				e, _ := pebbleEngine(b, "batched")
				s, _ := e.Sessions().Create(ctx, session.CreateOptions{})
				content := make([]byte, size)
				rand.Read(content)
				if lz4 {
					content = bytes.Repeat([]byte("llmspell artifacts compress well "), size/33+1)[:size]
				}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					i++
					content[0], content[1], content[2] = byte(i), byte(i>>8), byte(i>>16) // no dedup
					// A new session now and then stays under its artifact limit.
					if i%5000 == 0 {
						s, _ = e.Sessions().Create(ctx, session.CreateOptions{})
					}
					if _, err := e.Sessions().Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "x"}, content); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkBLAKE3 hashes 1 MiB.
func BenchmarkBLAKE3(b *testing.B) {
	data := make([]byte, 1<<20)
	rand.Read(data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		blake3.Sum256(data)
	}
}

// BenchmarkMigrate measures one migrated value (rename + convert + default)
// per op.
func BenchmarkMigrate(b *testing.B) {
	e, _ := pebbleEngine(b, "batched")
	st := e.State()
	st.Update(ctx, func(tx *state.Tx) error {
		for i := 0; i < b.N; i++ {
			tx.Set(state.Scope{Kind: "user", ID: "u"}, fmt.Sprintf("k%08d", i), value.Map{"name": "n", "age": "42"})
		}
		return nil
	})
	st.RegisterSchema(state.Schema{Version: "1.0.0", Migrations: []state.Transform{
		{Op: "rename", From: "name", To: "full_name"}, {Op: "convert", Field: "age", Type: "integer"}, {Op: "default", Field: "tier", Value: "free"}}})
	b.ReportAllocs()
	b.ResetTimer()
	if _, _, err := e.Migrate(ctx, "1.0.0", engine.MigrateOptions{SkipBackup: true}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEvents measures publishing to 1 and 100 pattern subscribers
// (drop_oldest buffers, nobody reading).
func BenchmarkEvents(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("publish/%d", n), func(b *testing.B) {
			bus := event.New(nil)
			defer bus.Close()
			for i := 0; i < n; i++ {
				p := []string{"agent.*", "*", "agent.execution.started", "*.started", "agent*"}[i%5]
				bus.Subscribe(p, &event.SubscribeOptions{BufferSize: 64})
			}
			b.ReportAllocs()
			for b.Loop() {
				bus.Publish("agent.execution.started", nil, nil)
			}
		})
	}
}

// BenchmarkHooks measures one hook and a chain of five at a point, and the
// breaker-check cost of a registry with no hook at the point.
func BenchmarkHooks(b *testing.B) {
	for _, n := range []int{0, 1, 5} {
		b.Run(fmt.Sprintf("chain/%d", n), func(b *testing.B) {
			r := hook.New(nil)
			for i := 0; i < n; i++ {
				r.Register(hook.BeforeToolExecution, func(context.Context, *hook.Context) (hook.Result, error) { return hook.Result{}, nil }, nil)
			}
			op := func(context.Context, value.Value) (value.Value, error) { return nil, nil }
			b.ReportAllocs()
			for b.Loop() {
				r.Around(ctx, hook.BeforeToolExecution, hook.AfterToolExecution, hook.Component{Type: "tool", Name: "t"}, nil, op)
			}
		})
	}
}

// BenchmarkTools measures the registry with every built-in tool, and tool
// calls from Go.
func BenchmarkTools(b *testing.B) {
	b.Run("registry_init", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := tool.New(nil, nil, nil)
			if err := builtin.Register(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	e, _ := pebbleEngine(b, "batched")
	kb := string(bytes.Repeat([]byte("x"), 1<<10))
	mb := string(bytes.Repeat([]byte("x"), 1<<20))
	for _, c := range []struct {
		name, tool string
		params     value.Map
	}{
		{"uuid_generator", "uuid_generator", value.Map{}},
		{"base64_1KB", "base64_encoder", value.Map{"input": kb}},
		{"sha256_1KB", "hash_calculator", value.Map{"input": kb}},
		{"sha256_1MB", "hash_calculator", value.Map{"input": mb}},
		{"blake3_1MB", "hash_calculator", value.Map{"input": mb, "algorithm": "blake3"}},
		{"calculator", "calculator", value.Map{"input": "sqrt(2) * (3 + 4) ^ 2 / max(1, 2, 3)"}},
		{"json_processor_1MB", "json_processor", value.Map{"operation": "query", "input": jsonDoc(1 << 20), "query": "[.items[] | select(.n % 2 == 0) | .name] | length"}},
	} {
		b.Run("invoke/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				env, err := e.Tools().Invoke(ctx, c.tool, c.params)
				if err != nil || !env.Success {
					b.Fatal(err, env)
				}
			}
		})
	}
}

// BenchmarkToolHookOverhead measures the same trivial tool call with no
// hook and with one no-op Go hook at BeforeToolExecution and one at
// AfterToolExecution: the report gives the overhead as a percentage.
func BenchmarkToolHookOverhead(b *testing.B) {
	for _, hooked := range []bool{false, true} {
		name := "plain"
		if hooked {
			name = "hooked"
		}
		b.Run(name, func(b *testing.B) {
			e, _ := pebbleEngine(b, "batched")
			if hooked {
				noop := func(context.Context, *hook.Context) (hook.Result, error) { return hook.Result{}, nil }
				for _, p := range []hook.Point{hook.BeforeToolExecution, hook.AfterToolExecution} {
					if _, err := e.Hooks().Register(p, noop, nil); err != nil {
						b.Fatal(err)
					}
				}
			}
			params := value.Map{"input": "hello world"}
			b.ReportAllocs()
			for b.Loop() {
				env, err := e.Tools().Invoke(ctx, "base64_encoder", params)
				if err != nil || !env.Success {
					b.Fatal(err, env)
				}
			}
		})
	}
}

// jsonDoc builds a JSON document of about size bytes: {"items": [...]}.
func jsonDoc(size int) string {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"n":%d,"name":"item-%d","tags":["a","b"],"ok":true}`, i, i)
	}
	b.WriteString("]}")
	return b.String()
}
