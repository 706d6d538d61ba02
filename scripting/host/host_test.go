package host_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/internal/testmodels"
	"github.com/llmspell/llmspell-go/scripting/host"
)

func newHost(t testing.TB, cfg *config.Config) *host.Host {
	t.Helper()
	eng, err := engine.New(&engine.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	h, err := host.New(eng)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

type vectorCase struct {
	Name    string         `json:"name"`
	Lang    string         `json:"lang"`
	Source  string         `json:"source"`
	Args    any            `json:"args"`
	Options map[string]any `json:"options"`
	Expect  struct {
		Result any     `json:"result"`
		Output *string `json:"output"`
		Error  *struct {
			Code            string `json:"code"`
			MessageContains string `json:"message_contains"`
		} `json:"error"`
	} `json:"expect"`
}

// TestVectors runs the cross-language vectors that every binding runs too.
func TestVectors(t *testing.T) {
	data, err := os.ReadFile("../../tests/vectors/run.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Cases []vectorCase }
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	h := newHost(t, nil)
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			req := host.Request{Language: c.Lang, Source: c.Source}
			if c.Args != nil {
				raw, _ := json.Marshal(c.Args)
				req.Args, _ = value.Decode(raw)
			}
			if n, ok := c.Options["name"].(string); ok {
				req.Name = n
			}
			if ms, ok := c.Options["timeout_ms"].(float64); ok {
				req.Timeout = time.Duration(ms) * time.Millisecond
			}
			if n, ok := c.Options["max_output_bytes"].(float64); ok {
				req.MaxOutput = int64(n)
			}
			res, err := h.Run(context.Background(), req)
			if c.Expect.Error != nil {
				if err == nil {
					t.Fatalf("want error %s, got result %v", c.Expect.Error.Code, res.Value)
				}
				if errs.KindOf(err).String() != c.Expect.Error.Code || !strings.Contains(err.Error(), c.Expect.Error.MessageContains) {
					t.Fatalf("error = %v (kind %s), want kind %s containing %q", err, errs.KindOf(err), c.Expect.Error.Code, c.Expect.Error.MessageContains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(c.Expect.Result)
			want, _ := value.Decode(raw)
			if !value.Equal(res.Value, want) {
				got, _ := value.Encode(res.Value)
				t.Fatalf("result %s, want %s", got, raw)
			}
			if c.Expect.Output != nil && string(res.Output) != *c.Expect.Output {
				t.Fatalf("output %q, want %q", res.Output, *c.Expect.Output)
			}
		})
	}
}

func TestGlobalsDoNotLeakBetweenRuns(t *testing.T) {
	cfg := config.Default()
	cfg.Script.PoolSize = 1
	h := newHost(t, cfg)
	ctx := context.Background()
	for _, lang := range []string{"lua", "js"} {
		set := map[string]string{"lua": "leak = 1; x_global = 2; return 1", "js": "leak = 1; let y = 2; return 1;"}[lang]
		get := map[string]string{"lua": "return leak == nil and x_global == nil", "js": "let y = 3; return typeof leak === 'undefined';"}[lang]
		for i := 0; i < 3; i++ {
			if _, err := h.Run(ctx, host.Request{Language: lang, Source: set}); err != nil {
				t.Fatal(err)
			}
			res, err := h.Run(ctx, host.Request{Language: lang, Source: get})
			if err != nil || res.Value != true {
				t.Fatalf("%s: leaked: %v %v", lang, res, err)
			}
		}
	}
}

func TestCancelStopsBusyLoop(t *testing.T) {
	h := newHost(t, nil)
	for _, c := range []struct{ lang, src string }{{"lua", "while true do end"}, {"js", "for(;;){}"}} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := h.Run(ctx, host.Request{Language: c.lang, Source: c.src})
		if !errs.IsKind(err, errs.KindCancelled) {
			t.Fatalf("%s: err = %v", c.lang, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%s: cancel took %v", c.lang, d)
		}
	}
}

func TestTimeoutFromConfig(t *testing.T) {
	cfg := config.Default()
	cfg.Script.TimeoutMS = 300
	h := newHost(t, cfg)
	start := time.Now()
	_, err := h.Run(context.Background(), host.Request{Language: "lua", Source: "while true do end"})
	if !errs.IsKind(err, errs.KindTimeout) || time.Since(start) > 2*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
	// The runtime pool still works after a stopped run.
	res, err := h.Run(context.Background(), host.Request{Language: "lua", Source: "return 7"})
	if err != nil || res.Value != int64(7) {
		t.Fatalf("after timeout: %v %v", res, err)
	}
}

func TestCaughtOutputLimitStillStops(t *testing.T) {
	h := newHost(t, nil)
	src := "for(;;){ try { print('xxxxxxxxxx'); } catch (e) {} }"
	_, err := h.Run(context.Background(), host.Request{Language: "js", Source: src, MaxOutput: 100})
	if !errs.IsKind(err, errs.KindLimit) {
		t.Fatalf("err = %v", err)
	}
	src = "while true do pcall(print, 'xxxxxxxxxx') end"
	_, err = h.Run(context.Background(), host.Request{Language: "lua", Source: src, MaxOutput: 100})
	if !errs.IsKind(err, errs.KindLimit) {
		t.Fatalf("lua err = %v", err)
	}
}

func TestErrorCodesVisibleToScripts(t *testing.T) {
	h := newHost(t, nil)
	lua := `local ok, e = pcall(Utils.hash, 'x', 'nope'); return {ok = ok, code = e.code, msg = tostring(e)}`
	res, err := h.Run(context.Background(), host.Request{Language: "lua", Source: lua})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Value.(value.Map)
	if m["ok"] != false || m["code"] != "invalid_argument" || !strings.HasPrefix(m["msg"].(string), "invalid_argument: ") {
		t.Fatalf("lua error shape: %v", m)
	}
	js := `try { Utils.hash('x', 'nope'); } catch (e) { return {code: e.code, type: e instanceof TypeError, msg: e.message}; }`
	res, err = h.Run(context.Background(), host.Request{Language: "js", Source: js})
	if err != nil {
		t.Fatal(err)
	}
	m = res.Value.(value.Map)
	if m["code"] != "invalid_argument" || m["type"] != true || !strings.HasPrefix(m["msg"].(string), "invalid_argument: ") {
		t.Fatalf("js error shape: %v", m)
	}
	// An uncaught API error keeps its kind.
	_, err = h.Run(context.Background(), host.Request{Language: "js", Source: "Utils.sleep(-1)"})
	if !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatalf("uncaught: %v", err)
	}
}

func TestSmallGlobalsBothLanguages(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Storage.DataDir = dir
	h := newHost(t, cfg)
	scripts := map[string]string{
		"lua": `local t = Debug.timer("x"); Utils.sleep(5); local ms = t:stop()
local u = Utils.uuid()
Logger.info("hello", {k = 1}); Debug.info("dbg")
return {ms_ok = ms >= 4, uuid_len = #u, now_ok = Utils.now() > 1.7e12, backend = Config.get("storage.backend"),
  missing = Config.get("nope.nope") == nil, b3 = Utils.hash("abc", "blake3"), req = require("llmspell").JSON ~= nil,
  pretty = JSON.stringify({a = {1}}, {pretty = true})}`,
		"js": `var t = Debug.timer("x"); Utils.sleep(5); var ms = t.stop();
var u = Utils.uuid();
Logger.info("hello", {k: 1}); Debug.info("dbg");
return {ms_ok: ms >= 4, uuid_len: u.length, now_ok: Utils.now() > 1.7e12, backend: Config.get("storage.backend"),
  missing: Config.get("nope.nope") === null, b3: Utils.hash("abc", "blake3"), req: true,
  pretty: JSON.stringify({a: [1]}, {pretty: true})};`,
	}
	var results []value.Value
	for _, lang := range []string{"lua", "js"} {
		res, err := h.Run(context.Background(), host.Request{Language: lang, Source: scripts[lang]})
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		results = append(results, res.Value)
	}
	want := value.Map{"ms_ok": true, "uuid_len": int64(36), "now_ok": true, "backend": "pebble", "missing": true,
		"b3": "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85", "req": true,
		"pretty": "{\n  \"a\": [\n    1\n  ]\n}"}
	for i, r := range results {
		if !value.Equal(r, want) {
			got, _ := value.Encode(r)
			t.Fatalf("lang %d: %s", i, got)
		}
	}
}

func TestConcurrentRuns(t *testing.T) {
	h := newHost(t, nil)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				lang := []string{"lua", "js"}[(g+i)%2]
				res, err := h.Run(context.Background(), host.Request{Language: lang, Source: "print(ARGS.n); return ARGS.n * 2", Args: value.Map{"n": int64(g*100 + i)}})
				if err != nil {
					t.Error(err)
					return
				}
				if res.Value != int64((g*100+i)*2) || string(res.Output) != strings.TrimSpace(string(res.Output))+"\n" {
					t.Errorf("got %v %q", res.Value, res.Output)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestCloseCancelsRunsAndRejectsNew(t *testing.T) {
	eng, _ := engine.New(nil)
	h, _ := host.New(eng)
	errc := make(chan error, 1)
	go func() {
		_, err := h.Run(context.Background(), host.Request{Language: "js", Source: "for(;;){}"})
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	before := runtime.NumGoroutine()
	eng.Close()
	if err := <-errc; !errs.IsKind(err, errs.KindCancelled) {
		t.Fatalf("in-flight run: %v", err)
	}
	if _, err := h.Run(context.Background(), host.Request{Source: "return 1"}); !errs.IsKind(err, errs.KindClosed) {
		t.Fatalf("after close: %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("goroutines leaked: %d -> %d", before, after)
	}
}

func TestRunFileAndBadInput(t *testing.T) {
	h := newHost(t, nil)
	dir := t.TempDir()
	p := filepath.Join(dir, "spell.js")
	os.WriteFile(p, []byte("return 1 + 1;"), 0o600)
	res, err := h.RunFile(context.Background(), p, host.Request{})
	if err != nil || res.Value != int64(2) {
		t.Fatalf("run file: %v %v", res, err)
	}
	if _, err := h.RunFile(context.Background(), filepath.Join(dir, "none.lua"), host.Request{}); !errs.IsKind(err, errs.KindNotFound) {
		t.Fatalf("missing: %v", err)
	}
	if _, err := h.RunFile(context.Background(), p+".txt", host.Request{}); err == nil {
		t.Fatal("unknown extension must fail")
	}
	if _, err := h.Run(context.Background(), host.Request{Source: "return '\xff'"}); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatalf("bad utf8: %v", err)
	}
	if _, err := h.Run(context.Background(), host.Request{Source: "local function f() return f() + 1 end return f()"}); !errs.IsKind(err, errs.KindScript) {
		t.Fatalf("deep recursion: %v", err)
	}
	if _, err := h.Run(context.Background(), host.Request{Language: "js", Source: "function f() { return f() + 1; } return f();"}); !errs.IsKind(err, errs.KindScript) {
		t.Fatalf("deep recursion js: %v", err)
	}
	if _, err := h.Run(context.Background(), host.Request{Source: "local t = {} t.self = t return t"}); !errs.IsKind(err, errs.KindScript) {
		t.Fatalf("cycle: %v", err)
	}
}

func TestLoggerRedactsSecrets(t *testing.T) {
	var logs strings.Builder
	eng, err := engine.New(&engine.Options{LogOutput: &logs})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	h, _ := host.New(eng)
	src := `Logger.warn("calling", {api_key = "abc", note = "sk-ant-api03-abcdefghijklmnop", user = "bob"})`
	if _, err := h.Run(context.Background(), host.Request{Source: src}); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if strings.Contains(out, "abc ") || strings.Contains(out, "sk-ant") || !strings.Contains(out, "user=bob") || !strings.Contains(out, "api_key=[REDACTED]") {
		t.Fatalf("log not redacted: %s", out)
	}
}

func TestScriptHandlersRunOnTheRunAndAreRemovedAfter(t *testing.T) {
	eng, _ := engine.New(nil)
	defer eng.Close()
	h, _ := host.New(eng)
	// Another goroutine publishes while the script sleeps; the script's
	// handler is served on the run's goroutine during Utils.sleep.
	go func() {
		for i := 0; i < 50; i++ {
			eng.Events().Publish("ext.tick", int64(i), nil)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	for _, c := range []struct{ lang, src string }{
		{"lua", `local n = 0; Event.subscribe("ext.*", function(ev) n = n + 1 end); Utils.sleep(60); return n`},
		{"js", `let n = 0; Event.subscribe("ext.*", (ev) => { n++; }); Utils.sleep(60); return n;`},
	} {
		res, err := h.Run(context.Background(), host.Request{Language: c.lang, Source: c.src})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.Value.(int64); n < 3 {
			t.Fatalf("%s: handler ran %v times during the sleep", c.lang, res.Value)
		}
	}
	if subs := eng.Events().Stats().Subscriptions; len(subs) != 0 {
		t.Fatalf("run left %d subscriptions", len(subs))
	}
	// A run with handlers is still stopped by its timeout.
	_, err := h.Run(context.Background(), host.Request{Language: "js", Timeout: 200 * time.Millisecond,
		Source: `Event.subscribe("x", () => {}); for(;;){}`})
	if !errs.IsKind(err, errs.KindTimeout) {
		t.Fatalf("timeout with handlers: %v", err)
	}
	if subs := eng.Events().Stats().Subscriptions; len(subs) != 0 {
		t.Fatalf("failed run left %d subscriptions", len(subs))
	}
}

func TestScriptHookServesOtherGoroutinesAndEndsWithItsRun(t *testing.T) {
	eng, _ := engine.New(nil)
	defer eng.Close()
	h, _ := host.New(eng)
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		_, err := h.Run(ctx, host.Request{Language: "js", Source: `
Hook.register("BeforeStateWrite", (c) => ({type: "modified", data: {value: "hooked:" + c.data.value}}));
State.set("global", "ready", true);
Utils.sleep(300);`})
		done <- err
	}()
	// Wait until the spell's hook is in place, then write from this
	// goroutine: the hook runs on the spell's goroutine at a safe point.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if v, _, _ := eng.State().Get(ctx, state.Global, "ready"); v != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := eng.State().Set(ctx, state.Global, "from_go", "x"); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := eng.State().Get(ctx, state.Global, "from_go"); v != "hooked:x" {
		t.Fatalf("cross-goroutine hook: %v", v)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(eng.Hooks().List("")); n != 0 {
		t.Fatalf("%d hooks outlived their run", n)
	}
	eng.State().Set(ctx, state.Global, "after", "y")
	if v, _, _ := eng.State().Get(ctx, state.Global, "after"); v != "y" {
		t.Fatalf("after the run: %v", v)
	}
}

func TestEventJournalFromScripts(t *testing.T) {
	cfg := config.Default()
	cfg.Storage.DataDir = t.TempDir()
	cfg.Events.Persist = true
	cfg.Events.PersistPatterns = "app.*, state.*"
	h := newHost(t, cfg)
	src := `Event.publish("app.a", {n = 1}, {correlation_id = "req-1"})
State.set("k", 1)
Event.publish("app.b", {n = 2}, {correlation_id = "req-1"})
Event.publish("noise.x", {}, {correlation_id = "req-1"})
local tl = Event.timeline("req-1")
local all = Event.query({pattern = "state.*"})
return {#tl, tl[1].type, tl[2].type, #all}`
	res, err := h.Run(context.Background(), host.Request{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if !value.Equal(res.Value, value.List{int64(2), "app.a", "app.b", int64(1)}) {
		b, _ := value.Encode(res.Value)
		t.Fatalf("journal: %s", b)
	}
	off := newHost(t, nil)
	if _, err := off.Run(context.Background(), host.Request{Source: `return Event.timeline("x")`}); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatalf("journal off: %v", err)
	}
}

func TestHookMetricsAndRecordsOffFromScripts(t *testing.T) {
	off := newHost(t, nil)
	for _, src := range []string{`return Hook.metrics()`, `return Hook.records()`} {
		_, err := off.Run(context.Background(), host.Request{Source: src})
		if !errs.IsKind(err, errs.KindInvalidArgument) || !strings.Contains(err.Error(), "hooks.") {
			t.Fatalf("%s with the feature off: %v", src, err)
		}
	}
	// A bad filter is reported before the feature check.
	_, err := off.Run(context.Background(), host.Request{Source: `return Hook.records({limit = "x"})`, Language: "lua"})
	if !errs.IsKind(err, errs.KindInvalidArgument) || !strings.Contains(err.Error(), "filter.limit") {
		t.Fatalf("bad filter: %v", err)
	}
}

// TestCancelStopsAgentInsideScriptTool cancels a run while its agent (on
// the real local model) is inside a script-defined tool that never returns:
// the run stops promptly in both languages, and the runtime pool still
// works.
func TestCancelStopsAgentInsideScriptTool(t *testing.T) {
	cfg := config.Default()
	cfg.Models.Dir = testmodels.Dir(t)
	h := newHost(t, cfg)
	srcs := map[string]string{
		"lua": `Tool.register({name = "spin_lua", description = "spins", handler = function() while true do end end})
local a = Agent.create({name = "spinner_lua", tools = {"spin_lua"}, max_tokens = 8})
return a:execute("go")`,
		"js": `Tool.register({name: "spin_js", description: "spins", handler: () => { for (;;) {} }});
const a = Agent.create({name: "spinner_js", tools: ["spin_js"], max_tokens: 8});
return a.execute("go");`,
	}
	for _, lang := range []string{"lua", "js"} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		_, err := h.Run(ctx, host.Request{Language: lang, Source: srcs[lang]})
		if !errs.IsKind(err, errs.KindCancelled) {
			t.Fatalf("%s: err = %v", lang, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("%s: cancel took %v", lang, d)
		}
		res, err := h.Run(context.Background(), host.Request{Language: lang, Source: "return 7"})
		if err != nil || res.Value != int64(7) {
			t.Fatalf("%s after cancel: %v %v", lang, res, err)
		}
	}
}

// TestCancelStopsWorkflowMidRun cancels a run inside a long workflow loop
// whose steps are script functions: the run stops promptly, the checkpoint
// says cancelled, and the pool still works.
func TestCancelStopsWorkflowMidRun(t *testing.T) {
	h := newHost(t, nil)
	srcs := map[string]string{
		"lua": `local w = Workflow.loop({name = "spin_lua", iterator = {while_condition = "true", max_iterations = 100000}, aggregate = "none",
  body = {steps = {{name = "s", type = "function", fn = function(ctx) Utils.sleep(5) return ctx.loop.index end}}}})
return w:execute(nil, {run_id = "spin-lua"})`,
		"js": `const w = Workflow.loop({name: "spin_js", iterator: {while_condition: "true", max_iterations: 100000}, aggregate: "none",
  body: {steps: [{name: "s", type: "function", fn: (ctx) => { Utils.sleep(5); return ctx.loop.index; }}]}});
return w.execute(null, {run_id: "spin-js"});`,
	}
	for _, lang := range []string{"lua", "js"} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		_, err := h.Run(ctx, host.Request{Language: lang, Source: srcs[lang]})
		if !errs.IsKind(err, errs.KindCancelled) {
			t.Fatalf("%s: err = %v", lang, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("%s: cancel took %v", lang, d)
		}
		rec, err := h.Engine().Workflows().RunRecord("spin-" + lang)
		if err != nil || rec["status"] != "cancelled" || len(rec["steps"].(value.List)) == 0 {
			t.Fatalf("%s record: %v %v", lang, rec["status"], err)
		}
		if _, ok := h.Engine().Workflows().Get("spin_" + lang); ok {
			t.Fatalf("%s: the workflow with script functions outlived its run", lang)
		}
	}
}
