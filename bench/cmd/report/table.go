package main

import (
	"fmt"
	"math"
	"strings"
)

// Reference figures of the Rust LLMSpell system. Where it gives a range,
// the ratio uses the midpoint.
const (
	mib = 1 << 20

	refInjectionNs = 3e6        // global injection (runtime with all globals): 2–4 ms
	refMemoryBytes = 13.5 * mib // memory baseline: 12–15 MB
	refBinaryBytes = 50 * mib   // binary: ~50 MB
	refBridgeNs    = 1e6        // bridge overhead, script→host call: < 1 ms
)

// row is one line of the table. Val and Ref are in nanoseconds for times
// and bytes for sizes; Ref 0 means no reference figure.
type row struct {
	Group   string
	Name    string
	Val     float64
	Mem     bool // Val is bytes, not nanoseconds
	NA      string
	Text    string // a value in its own unit (tokens/s), shown as is
	Ref     float64
	RefText string
	Note    string
}

// table builds the rows from the raw figures.
func (r *report) table() []row {
	var rows []row
	group := ""
	add := func(x row) {
		x.Group = group
		rows = append(rows, x)
	}
	// goRow adds a Go benchmark in ns/op, with its allocations as a note.
	goRow := func(name, bench string, ref float64, refText, note string) {
		x := row{Name: name, Ref: ref, RefText: refText}
		b, ok := r.Go[bench]
		if !ok {
			x.NA = r.why("go", bench)
		} else {
			x.Val = b.NsPerOp
			x.Note = fmt.Sprintf("%s B, %s allocs per op", num(b.BytesPerOp), num(b.AllocsPerOp))
			if note != "" {
				x.Note = note + "; " + x.Note
			}
		}
		add(x)
	}
	// mapRow adds a figure from a JSON object; scale turns it into ns or
	// bytes.
	mapRow := func(step string, m map[string]any, name, key string, scale float64, mem bool, ref float64, refText, note string) {
		x := row{Name: name, Mem: mem, Ref: ref, RefText: refText, Note: note}
		if v, ok := m[key].(float64); ok && v >= 0 { // -1: the step skipped it
			x.Val = v * scale
		} else {
			x.NA = r.why(step, key)
		}
		add(x)
	}
	// optRow adds a figure in µs only when the step reported it.
	optRow := func(step string, m map[string]any, name, key, note string) {
		if _, ok := m[key]; ok {
			mapRow(step, m, name, key, 1e3, false, 0, "", note)
		}
	}

	group = "Engine"
	goRow("Engine create + close, Go (`engine.New`, in memory)", "BenchmarkEngineNew", 0, "", "")
	goRow("Engine + script host create + close, Go (pool_size 0)", "BenchmarkEngineNewHost", 0, "", "")
	mapRow("c", r.C, "`llmspell_engine_new` + `llmspell_engine_free` from C (default config)", "engine_new_free_us", 1e3, false, 0, "",
		"the default pool of 4+4 runtimes is built in the background")
	mapRow("c", r.C, "First call into the loaded library, from C", "first_call_us", 1e3, false, 0, "",
		"waits for the Go runtime and package init that dlopen started")

	group = "Script runtime (global injection)"
	goRow("Lua runtime with all globals (`lua.New`)", "BenchmarkRuntimeNew/lua", refInjectionNs, "2–4 ms", "")
	goRow("JS runtime with all globals (`js.New`)", "BenchmarkRuntimeNew/js", refInjectionNs, "2–4 ms", "")
	goRow("Empty Lua run, `host.Run`, runtime from the pool", "BenchmarkHostRunEmpty/lua/pooled", refInjectionNs, "2–4 ms", "")
	goRow("Empty JS run, `host.Run`, runtime from the pool", "BenchmarkHostRunEmpty/js/pooled", refInjectionNs, "2–4 ms", "")
	goRow("Empty Lua run, `host.Run`, no pool (build + run + drop)", "BenchmarkHostRunEmpty/lua/unpooled", refInjectionNs, "2–4 ms", "")
	goRow("Empty JS run, `host.Run`, no pool (build + run + drop)", "BenchmarkHostRunEmpty/js/unpooled", refInjectionNs, "2–4 ms", "")

	group = "Bridge: script → Go call"
	goRow("Lua → Go, `Utils.now()`, per call", "BenchmarkScriptToGo/lua/Utils.now", refBridgeNs, "< 1 ms", "")
	goRow("Lua → Go, `JSON.parse` of a small object, per call", "BenchmarkScriptToGo/lua/JSON.parse", refBridgeNs, "< 1 ms", "")
	goRow("JS → Go, `Utils.now()`, per call", "BenchmarkScriptToGo/js/Utils.now", refBridgeNs, "< 1 ms", "")
	goRow("JS → Go, `JSON.parse` of a small object, per call", "BenchmarkScriptToGo/js/JSON.parse", refBridgeNs, "< 1 ms", "")
	goRow("Lua empty loop iteration (baseline, in `host.Run`)", "BenchmarkScriptToGo/lua/empty_loop", 0, "", "")
	goRow("JS empty loop iteration (baseline, in `host.Run`)", "BenchmarkScriptToGo/js/empty_loop", 0, "", "")

	group = "Calling conventions and cancellation"
	goRow("goja call, direct `func(goja.FunctionCall) goja.Value`", "BenchmarkGojaCall/direct", 0, "", "")
	goRow("goja call, reflection-bound `func(a, b int) int`", "BenchmarkGojaCall/reflect", 0, "",
		r.slower("BenchmarkGojaCall/reflect", "BenchmarkGojaCall/direct", "direct"))
	for _, loop := range []string{"arith", "table"} {
		goRow("gopher-lua busy loop ("+loop+"), per iteration, no context", "BenchmarkLuaBusyLoop/"+loop+"/plain", 0, "", "")
		goRow("gopher-lua busy loop ("+loop+"), per iteration, `L.SetContext`", "BenchmarkLuaBusyLoop/"+loop+"/set_context", 0, "",
			r.slower("BenchmarkLuaBusyLoop/"+loop+"/set_context", "BenchmarkLuaBusyLoop/"+loop+"/plain", "no context"))
	}

	goRow("Goroutine hand-off + wait, from an ordinary goroutine", "BenchmarkHandoff/unlocked", 0, "", "")
	goRow("Goroutine hand-off + wait, from a thread-locked goroutine (a cgo caller)", "BenchmarkHandoff/locked_thread", 0, "",
		"what capi's runOnGoroutine pays on every `llmspell_engine_run`")

	group = "C ABI from C"
	mapRow("c", r.C, "`llmspell_version_number` (bare C → Go call)", "version_ns", 1, false, 0, "", "")
	mapRow("c", r.C, "`llmspell_engine_ping`", "ping_ns", 1, false, 0, "", "handle lookup + refcount")
	mapRow("c", r.C, "`llmspell_engine_ping` with an error out-param", "ping_err_ns", 1, false, 0, "", "")
	mapRow("c", r.C, "Empty Lua `llmspell_engine_run` + `llmspell_free`", "run_lua_empty_us", 1e3, false, 0, "", "compare the pooled `host.Run` rows: the rest is the hand-off")
	mapRow("c", r.C, "Empty JS `llmspell_engine_run` + `llmspell_free`", "run_js_empty_us", 1e3, false, 0, "", "")
	mapRow("c", r.C, "`return 1` in Lua through `llmspell_engine_run`", "run_lua_return1_us", 1e3, false, 0, "", "")
	mapRow("c", r.C, "`return 1` in JS through `llmspell_engine_run`", "run_js_return1_us", 1e3, false, 0, "", "")

	group = "C ABI from the bindings"
	mapRow("python", r.Python, "Python (ctypes): `Engine.ping()`", "ping_us", 1e3, false, 0, "", "")
	mapRow("python", r.Python, "Python: empty Lua run", "run_lua_us", 1e3, false, 0, "", "")
	mapRow("python", r.Python, "Python: empty JS run", "run_js_us", 1e3, false, 0, "", "")
	optRow("python", r.Python, "Python: `engine.state.set` of a small dict (pebble)", "state_set_us", "batched durability")
	optRow("python", r.Python, "Python: `engine.state.get` (pebble)", "state_get_us", "")
	mapRow("node", r.Node, "Node, main thread: `engine.ping()`", "ping_main_us", 1e3, false, 0, "", "N-API addon")
	mapRow("node", r.Node, "Node, worker thread: `engine.ping()`", "ping_worker_us", 1e3, false, 0, "", "N-API addon")
	if r.Node != nil {
		if _, ok := r.Node["koffi_main_us"]; ok {
			mapRow("node", r.Node, "Node, main thread, koffi: `llmspell_engine_ping`", "koffi_main_us", 1e3, false, 0, "", "golang/go#68587")
			mapRow("node", r.Node, "Node, koffi `fn.async`: `llmspell_engine_ping`", "koffi_async_us", 1e3, false, 0, "", "")
			mapRow("node", r.Node, "Node, worker thread, koffi: `llmspell_engine_ping`", "koffi_worker_us", 1e3, false, 0, "", "")
		} else {
			add(row{Name: "Node, koffi: `llmspell_engine_ping`", NA: "koffi not installed (comparison only)"})
		}
	}
	mapRow("node", r.Node, "Node: `await engine.run('return 1')`, Lua", "run_lua_us", 1e3, false, 0, "", "")
	mapRow("node", r.Node, "Node: `await engine.run('return 1;')`, JS", "run_js_us", 1e3, false, 0, "", "")
	mapRow("node", r.Node, "Node: `engine.runSync('return 1')`, Lua", "run_lua_sync_us", 1e3, false, 0, "", "")
	mapRow("node", r.Node, "Node: `engine.runSync('return 1;')`, JS", "run_js_sync_us", 1e3, false, 0, "", "")
	optRow("node", r.Node, "Node: `engine.state.set` of a small object (pebble)", "state_set_us", "batched durability")
	optRow("node", r.Node, "Node: `engine.state.get` (pebble)", "state_get_us", "")
	mapRow("rust", r.Rust, "Rust: `Engine::ping()`", "ping_ns", 1, false, 0, "", "")
	mapRow("rust", r.Rust, "Rust: `return 1` in Lua", "run_lua_us", 1e3, false, 0, "", "")
	mapRow("rust", r.Rust, "Rust: `return 1` in JS", "run_js_us", 1e3, false, 0, "", "")

	group = "State (pebble)"
	goRow("State write, Go, batched durability", "BenchmarkStateGo/set/batched", 3e6, "< 3 ms", "")
	goRow("State write, Go, sync durability (fsync per write)", "BenchmarkStateGo/set/sync", 3e6, "< 3 ms", "")
	goRow("State read, Go", "BenchmarkStateGo/get", 1e6, "< 1 ms", "")
	goRow("State list of 100 keys, Go", "BenchmarkStateGo/list100", 5e6, "< 5 ms", "")
	goRow("State.set from Lua, per call", "BenchmarkScriptSubsystems/lua/State.set", 3e6, "< 3 ms", "")
	goRow("State.set from JS, per call", "BenchmarkScriptSubsystems/js/State.set", 3e6, "< 3 ms", "")
	goRow("State.get from Lua, per call", "BenchmarkScriptSubsystems/lua/State.get", 1e6, "< 1 ms", "")
	goRow("State.get from JS, per call", "BenchmarkScriptSubsystems/js/State.get", 1e6, "< 1 ms", "")
	goRow("Migration, per item (rename + convert + default)", "BenchmarkMigrate", 2070, "2.07 µs", "")

	group = "Sessions and artifacts (pebble)"
	goRow("Session create", "BenchmarkSessions/create", 24500, "24.5 µs", "")
	goRow("Session save", "BenchmarkSessions/save", 15300, "15.3 µs", "batched durability: the group commit syncs within the window, no fsync on the caller")
	goRow("Artifact store 1 KB", "BenchmarkSessions/artifact/1KB", 1e6, "< 1 ms", "")
	goRow("Artifact store 100 KB", "BenchmarkSessions/artifact/100KB", 1e6, "< 1 ms", "")
	goRow("Artifact store 1 MB", "BenchmarkSessions/artifact/1MB", 1e6, "< 1 ms", "chunks of 64 KiB and more are blob files beside pebble (written, renamed; fsynced by the group commit)")
	goRow("Artifact store 1 KB, compressible", "BenchmarkSessions/artifact/1KB-lz4", 5e6, "< 5 ms", "under the 10 KB threshold: not compressed")
	goRow("Artifact store 100 KB, LZ4", "BenchmarkSessions/artifact/100KB-lz4", 5e6, "< 5 ms", "")
	goRow("Artifact store 1 MB, LZ4", "BenchmarkSessions/artifact/1MB-lz4", 5e6, "< 5 ms", "")
	goRow("BLAKE3 of 1 MB", "BenchmarkBLAKE3", 2e6, "< 2 ms", "")

	group = "Events and hooks"
	goRow("Event publish, 1 subscriber", "BenchmarkEvents/publish/1", 1e9/90000, "90K events/s", "")
	goRow("Event publish, 100 pattern subscribers", "BenchmarkEvents/publish/100", 0, "", "")
	goRow("Event.publish from Lua, per call", "BenchmarkScriptSubsystems/lua/Event.publish", 1e9/90000, "90K events/s", "")
	goRow("Event.publish from JS, per call", "BenchmarkScriptSubsystems/js/Event.publish", 1e9/90000, "90K events/s", "")
	goRow("Hooked operation, no hook at the point (Around)", "BenchmarkHooks/chain/0", 0, "", "the cost every call site pays")
	goRow("Hooked operation, one Go hook", "BenchmarkHooks/chain/1", 1e5, "< 0.1 ms", "")
	goRow("Hooked operation, chain of five Go hooks", "BenchmarkHooks/chain/5", 5e5, "< 0.5 ms", "")
	mapRow("c", r.C, "Event publish + pull (`llmspell_subscription_next`) from C", "event_pull_us", 1e3, false, 1e9/90000, "90K events/s", "both event JSON strings copied out and freed")
	mapRow("c", r.C, "Event delivery to a C callback, per event", "event_callback_us", 1e3, false, 1e9/90000, "90K events/s", "bursts of 256 publishes, timed until the dispatcher delivered all")
	goRow("Tool call (base64 of a word), no hook", "BenchmarkToolHookOverhead/plain", 0, "", "")
	goRow("The same with a no-op Go hook before and after", "BenchmarkToolHookOverhead/hooked", 0, "< 2 % overhead",
		r.hookCost("BenchmarkToolHookOverhead/hooked", "BenchmarkToolHookOverhead/plain"))
	goRow("State.set with a Lua hook at BeforeStateWrite, per call", "BenchmarkScriptSubsystems/lua/hooked_State.set", 0, "", "compare with State.set from Lua")
	goRow("State.set with a JS hook at BeforeStateWrite, per call", "BenchmarkScriptSubsystems/js/hooked_State.set", 0, "", "compare with State.set from JS")

	group = "Tools"
	goRow("Tool registry with every built-in tool", "BenchmarkTools/registry_init", 1e7, "< 10 ms", "built-ins registered so far")
	goRow("uuid_generator from Go", "BenchmarkTools/invoke/uuid_generator", 2e6, "< 2 ms", "")
	goRow("base64_encoder of 1 KB from Go", "BenchmarkTools/invoke/base64_1KB", 2e6, "< 2 ms", "")
	goRow("hash_calculator SHA-256 of 1 KB", "BenchmarkTools/invoke/sha256_1KB", 2e6, "< 2 ms", "")
	goRow("hash_calculator SHA-256 of 1 MB", "BenchmarkTools/invoke/sha256_1MB", 0, "", "")
	goRow("hash_calculator BLAKE3 of 1 MB", "BenchmarkTools/invoke/blake3_1MB", 0, "", "")
	goRow("calculator", "BenchmarkTools/invoke/calculator", 2e6, "< 2 ms", "")
	goRow("json_processor, jq filter over a 1 MB document", "BenchmarkTools/invoke/json_processor_1MB", 0, "", "")
	mapRow("c", r.C, "`llmspell_tool_invoke` (uuid_generator) from C", "tool_invoke_us", 1e3, false, 2e6, "< 2 ms", "")
	goRow("Tool.invoke from Lua (base64 of a word), per call", "BenchmarkScriptSubsystems/lua/Tool.invoke", 2e6, "< 2 ms", "")
	goRow("Tool.invoke from JS (base64 of a word), per call", "BenchmarkScriptSubsystems/js/Tool.invoke", 2e6, "< 2 ms", "")

	group = "Agents and providers"
	goRow("Agent create (llm, one tool) + remove, Go", "BenchmarkAgents/create_llm", 10e6, "~10 ms", "")
	goRow("Provider resolution (`provider/model` to a cached client)", "BenchmarkAgents/resolve_provider", 0, "", "")
	goRow("Provider call alone against a loopback OpenAI server", "BenchmarkAgents/provider_generate_loopback", 0, "", "HTTP round trip and JSON, no agent")
	goRow("Agent execute against the same loopback server", "BenchmarkAgents/execute_loopback", 0, "",
		r.over("BenchmarkAgents/execute_loopback", "BenchmarkAgents/provider_generate_loopback", "the agent's own overhead"))
	goRow("Agent stream of 10 SSE deltas, loopback", "BenchmarkAgents/stream_loopback_10_deltas", 0, "", "")
	r.metricRow(add, "Memory per agent (heap growth over 1000 agents)", "BenchmarkAgents/memory_per_agent", "B/agent", 500e3, "~500 KB", true)
	r.metricRow(add, "Local model stories260K, greedy generation", "BenchmarkLocalModel/tokens", "tokens/s", 0, "", false)
	r.metricRow(add, "Local model, streamed, per delta, Go", "BenchmarkLocalModel/stream_per_delta", "ns/delta", 0, "", false)
	mapRow("c", r.C, "Agent stream of 10 deltas, loopback, C callback (`llmspell_agent_stream`)", "agent_stream_loopback_callback_us", 1e3, false, 0, "",
		r.cOver("agent_stream_loopback_callback_us", "BenchmarkAgents/stream_loopback_10_deltas", 10))
	mapRow("c", r.C, "Agent stream of 10 deltas, loopback, C pull (`llmspell_delta_stream_next`)", "agent_stream_loopback_pull_us", 1e3, false, 0, "",
		r.cOver("agent_stream_loopback_pull_us", "BenchmarkAgents/stream_loopback_10_deltas", 10))
	mapRow("c", r.C, "`llmspell_agent_execute` of a basic agent from C", "agent_basic_us", 1e3, false, 0, "", "the ABI and agent path without a model")
	// The same basic agent through each binding: the binding's own cost
	// is what it adds to the C call.
	for _, b := range []struct {
		step, name, key string
		m               map[string]any
	}{
		{"python", "Python: `agent.execute('hi')` of a basic agent", "agent_basic_us", r.Python},
		{"node", "Node: `agent.execute('hi')` of a basic agent, main thread", "agent_basic_us", r.Node},
		{"node", "Node: `await agent.executeAsync('hi')` of a basic agent", "agent_basic_async_us", r.Node},
		{"rust", "Rust: `Agent::execute(\"hi\")` of a basic agent", "agent_basic_us", r.Rust},
	} {
		mapRow(b.step, b.m, b.name, b.key, 1e3, false, 0, "", r.against(b.m, b.key, "agent_basic_us", ""))
	}
	goRow("Agent execute on the local model with one tool call", "BenchmarkLocalModel/execute_tool_call", 0, "", "constrained tool call, the tool, the answer: two model calls")

	group = "Workflows"
	// note sets the note of the row just added to the non-empty parts.
	note := func(parts ...string) {
		var keep []string
		for _, p := range parts {
			if p != "" {
				keep = append(keep, p)
			}
		}
		if len(keep) > 0 {
			rows[len(rows)-1].Note = strings.Join(keep, "; ")
		}
	}
	const wf = "BenchmarkWorkflows/"
	goRow("Workflow build: 10-step sequential table form read and checked, Go", wf+"build/seq10", 0, "", "")
	for _, st := range []struct{ store, what string }{{"memory", "memory store"}, {"pebble", "pebble, batched durability"}} {
		goRow("Sequential, 10 uuid_generator steps, Go, "+st.what, wf+"seq10/"+st.store, 12e6, "~12 ms",
			"each step references the one before; checkpointed after each step")
		r.metricRow(add, "  per step", wf+"seq10/"+st.store, "ns/step", 1e6, "< 1 ms", false)
		note(r.stepOver(wf+"seq10/"+st.store, wf+"tool/uuid_generator"))
		goRow("Sequential, 10 steps of a Go tool returning 1, Go, "+st.what, wf+"seq10_noop/"+st.store, 12e6, "~12 ms", "")
		r.metricRow(add, "  per step", wf+"seq10_noop/"+st.store, "ns/step", 1e6, "< 1 ms", false)
		note(r.stepOver(wf+"seq10_noop/"+st.store, wf+"tool/bench_noop"), r.marginal(wf+"seq10_noop/"+st.store, wf+"seq1_noop/"+st.store, 10))
		goRow("Parallel, 10 one-step branches (uuid_generator), Go, "+st.what, wf+"parallel10/"+st.store, 8e6, "~8 ms", "")
		goRow("Conditional: an expression, then one uuid_generator step, Go, "+st.what, wf+"conditional/"+st.store, 0, "", "")
		goRow("Loop of 10 iterations (range, collect), one uuid_generator step each, Go, "+st.what, wf+"loop10/"+st.store, 0, "", "")
	}
	const sw = "BenchmarkScriptWorkflows/"
	for _, l := range []struct{ key, name string }{{"lua", "Lua"}, {"js", "JS"}} {
		goRow("Sequential, 10 uuid_generator steps, run from "+l.name+" (`wf:execute()`), memory store", sw+l.key+"/seq10", 12e6, "~12 ms", "")
		r.metricRow(add, "  per step", sw+l.key+"/seq10", "ns/step", 1e6, "< 1 ms", false)
		note(r.stepOver(sw+l.key+"/seq10", wf+"tool/uuid_generator"))
		goRow("Sequential, 10 function steps written in "+l.name+", memory store", sw+l.key+"/fn10", 12e6, "~12 ms", "")
		r.metricRow(add, "  per step", sw+l.key+"/fn10", "ns/step", 1e6, "< 1 ms", false)
		note("each call crosses to the script's own goroutine and back")
	}
	mapRow("c", r.C, "Sequential, 10 uuid_generator steps, `llmspell_workflow_execute` from C, memory store", "workflow_seq10_us", 1e3, false, 12e6, "~12 ms",
		"the result JSON (10 step records) copied out and freed")
	mapRow("c", r.C, "  per step", "workflow_seq10_us", 1e2, false, 1e6, "< 1 ms", "")
	for _, b := range []struct {
		step, name, key string
		m               map[string]any
	}{
		{"python", "Sequential, 10 uuid_generator steps, Python `wf.execute()`, memory store", "workflow_seq10_us", r.Python},
		{"node", "Sequential, 10 uuid_generator steps, Node `wf.execute()`, main thread, memory store", "workflow_seq10_us", r.Node},
		{"node", "Sequential, 10 uuid_generator steps, Node `await wf.executeAsync()`, memory store", "workflow_seq10_async_us", r.Node},
		{"rust", "Sequential, 10 uuid_generator steps, Rust `Workflow::execute`, memory store", "workflow_seq10_us", r.Rust},
	} {
		mapRow(b.step, b.m, b.name, b.key, 1e3, false, 12e6, "~12 ms", r.against(b.m, b.key, "workflow_seq10_us", wf+"seq10/memory"))
	}
	goRow("8 steps of a Go tool that waits 20 ms, sequential, Go", wf+"sleep8/sequential", 0, "", "I/O-bound steps, memory store")
	goRow("The same 8 steps as 8 parallel branches, Go", wf+"sleep8/parallel", 0, "", r.speedup(wf+"sleep8/parallel", wf+"sleep8/sequential", 8))

	group = "Memory (resident set)"
	mapRow("c", r.C, "C process, library loaded, no engine (VmRSS)", "rss_loaded_kb", 1024, true, 0, "", r.split("rss_loaded"))
	mapRow("c", r.C, "C process, library loaded + one engine open (VmRSS)", "rss_engine_kb", 1024, true, refMemoryBytes, "12–15 MB", r.split("rss_engine"))
	mapRow("c", r.C, "C process, after a Lua and a JS run (VmRSS)", "rss_warm_kb", 1024, true, refMemoryBytes, "12–15 MB", r.split("rss_warm"))
	mapRow("c", r.C, "C process peak at the end of the C benchmark (VmHWM)", "rss_peak_kb", 1024, true, 0, "", "after millions of calls and 300 engines")
	cli := map[string]any{}
	for k, v := range r.CLI {
		cli[k] = v
	}
	mapRow("cli", cli, "CLI `llmspell exec 'return 1'` (Lua), peak RSS", "exec_lua_maxrss_kb", 1024, true, refMemoryBytes, "12–15 MB", r.cliWall("lua"))
	mapRow("cli", cli, "CLI `llmspell exec --engine js 'return 1'`, peak RSS", "exec_js_maxrss_kb", 1024, true, refMemoryBytes, "12–15 MB", r.cliWall("js"))

	group = "Size"
	size := map[string]any{}
	for k, v := range r.Size {
		size[k] = float64(v)
	}
	mapRow("size", size, "`libllmspell.so`, stripped copy", "lib_stripped", 1, true, refBinaryBytes, "~50 MB", r.unstripped("lib"))
	mapRow("size", size, "`llmspell` CLI, stripped copy", "cli_stripped", 1, true, refBinaryBytes, "~50 MB", r.unstripped("cli"))
	return rows
}

// metricRow adds a b.ReportMetric figure: bytes when mem, nanoseconds
// for an ns/ unit, else the number with its unit.
func (r *report) metricRow(add func(row), name, bench, unit string, ref float64, refText string, mem bool) {
	x := row{Name: name, Ref: ref, RefText: refText, Mem: mem}
	b, ok := r.Go[bench]
	v, okM := b.Metrics[unit]
	switch {
	case !ok:
		x.NA = r.why("go", bench)
	case !okM:
		x.NA = bench + " reported no " + unit
	case mem || strings.HasPrefix(unit, "ns/"):
		x.Val = v
	default:
		x.Text = fmt.Sprintf("%s %s", num(v), unit)
	}
	add(x)
}

// over says how much more bench a costs than bench b.
func (r *report) over(a, b, what string) string {
	x, okA := r.Go[a]
	y, okB := r.Go[b]
	if !okA || !okB {
		return ""
	}
	return fmt.Sprintf("%s more than the provider call alone: %s", dur(x.NsPerOp-y.NsPerOp), what)
}

// cOver says what a C figure (µs per call) adds to the same work from Go,
// per call and per delta: the cost of delivering deltas through the ABI.
func (r *report) cOver(cKey, goBench string, deltas float64) string {
	c, ok := r.C[cKey].(float64)
	g, okG := r.Go[goBench]
	if !ok || !okG || c < 0 {
		return ""
	}
	d := c*1e3 - g.NsPerOp
	sign := ""
	if d < 0 {
		sign, d = "−", -d // within the noise of the loopback round trip
	}
	return fmt.Sprintf("%s%s per call vs the same stream from Go, %s%s per delta", sign, dur(d), sign, dur(d/deltas))
}

// against says what a binding figure (key of m, µs per call) costs beyond
// the same operation from C (cKey of the C step, µs per call) and, when
// goBench is set, from Go: the binding's own share.
func (r *report) against(m map[string]any, key, cKey, goBench string) string {
	v, ok := m[key].(float64)
	if !ok || v < 0 {
		return ""
	}
	v *= 1e3
	var parts []string
	base := func(who string, ns float64) {
		if ns > 0 {
			parts = append(parts, fmt.Sprintf("%s (%s) vs %s's %s", signed(v-ns), times(v/ns), who, dur(ns)))
		}
	}
	if c, ok := r.C[cKey].(float64); ok {
		base("C", c*1e3)
	}
	if g, ok := r.Go[goBench]; ok && goBench != "" {
		base("Go", g.NsPerOp)
	}
	return strings.Join(parts, ", ")
}

// times formats a ratio of two times with two decimals below 10.
func times(x float64) string {
	if x >= 10 {
		return fmt.Sprintf("%.0f×", x)
	}
	return fmt.Sprintf("%.2f×", x)
}

// signed formats a difference in nanoseconds with its sign.
func signed(ns float64) string {
	if ns < 0 {
		return "−" + dur(-ns)
	}
	return "+" + dur(ns)
}

// stepOver says what a workflow step (bench a, in ns/step) costs beyond
// the tool call it makes (bench b, per call).
func (r *report) stepOver(a, b string) string {
	x, okA := r.Go[a]
	y, okB := r.Go[b]
	step, okS := x.Metrics["ns/step"]
	if !okA || !okB || !okS {
		return ""
	}
	return fmt.Sprintf("the tool call alone %s; the workflow adds %s per step", dur(y.NsPerOp), dur(step-y.NsPerOp))
}

// marginal splits bench a, a workflow of n steps, into the fixed cost of a
// run (bench one, the same workflow with one step) and the cost of each
// further step.
func (r *report) marginal(a, one string, n float64) string {
	x, okA := r.Go[a]
	y, okB := r.Go[one]
	if !okA || !okB || n < 2 {
		return ""
	}
	return fmt.Sprintf("a one-step run %s, each further step %s", dur(y.NsPerOp), dur((x.NsPerOp-y.NsPerOp)/(n-1)))
}

// speedup says how many times faster bench a is than bench b, out of an
// ideal of best.
func (r *report) speedup(a, b string, best float64) string {
	x, okA := r.Go[a]
	y, okB := r.Go[b]
	if !okA || !okB || x.NsPerOp == 0 {
		return ""
	}
	return fmt.Sprintf("speed-up %.1f× over the sequential run (%.0f× at best)", y.NsPerOp/x.NsPerOp, best)
}

// why explains a missing figure.
func (r *report) why(step, key string) string {
	if f, ok := r.Failures[step]; ok {
		return f
	}
	return key + " not reported"
}

// slower says how much slower (or faster) bench a is than b.
func (r *report) slower(a, b, what string) string {
	x, okA := r.Go[a]
	y, okB := r.Go[b]
	if !okA || !okB || y.NsPerOp == 0 {
		return ""
	}
	d := (x.NsPerOp/y.NsPerOp - 1) * 100
	if math.Abs(d) >= 100 {
		return fmt.Sprintf("%.1f× %s", x.NsPerOp/y.NsPerOp, what)
	}
	return fmt.Sprintf("%+.0f %% vs %s", d, what)
}

// hookCost says what the hooks of bench a add to bench b, as a share of
// that trivial call and of a 1 ms tool (the reference's overhead is a
// share of real tool calls).
func (r *report) hookCost(a, b string) string {
	x, okA := r.Go[a]
	y, okB := r.Go[b]
	if !okA || !okB || y.NsPerOp == 0 {
		return ""
	}
	d := x.NsPerOp - y.NsPerOp
	return fmt.Sprintf("%s more per call: %+.0f %% of this trivial call, %.2f %% of a 1 ms tool", dur(d), d/y.NsPerOp*100, d/1e6*100)
}

func (r *report) split(prefix string) string {
	anon, ok1 := r.C[prefix+"_anon_kb"].(float64)
	file, ok2 := r.C[prefix+"_file_kb"].(float64)
	if !ok1 || !ok2 {
		return ""
	}
	return fmt.Sprintf("%s anonymous + %s file-backed (library pages)", mem(anon*1024), mem(file*1024))
}

func (r *report) cliWall(lang string) string {
	if w, ok := r.CLI["exec_"+lang+"_wall_ms"]; ok {
		return fmt.Sprintf("whole process %.1f ms wall (best of 5)", w)
	}
	return ""
}

func (r *report) unstripped(key string) string {
	if n, ok := r.Size[key]; ok {
		return "unstripped " + mem(float64(n))
	}
	return ""
}

// markdown renders the header and the table.
func (r *report) markdown() string {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "# llmspell-go benchmarks\n\n")
	fmt.Fprintf(&b, "- Date: %s (took %s)\n", r.Started.Format("2006-01-02 15:04 UTC"), r.Elapsed)
	fmt.Fprintf(&b, "- Machine: %s, %d cores, %.1f GB RAM, %s, Linux %s, %s\n", m.CPU, m.Cores, m.MemoryGB, m.OS, m.Kernel, m.Go)
	fmt.Fprintf(&b, "- Load average at start: %s\n", m.LoadAvg)
	fmt.Fprintf(&b, "- Ratio = reference / ours: above 1 means llmspell-go is better. Ranges use their midpoint "+
		"(2–4 ms → 3 ms, 12–15 MB → 13.5 MB, < 1 ms → 1 ms). MB = 2^20 bytes.\n\n")
	fmt.Fprintf(&b, "| Measure | llmspell-go | Rust LLMSpell | Ratio | Notes |\n")
	fmt.Fprintf(&b, "|---|--:|--:|--:|---|\n")
	group := ""
	for _, x := range r.table() {
		if x.Group != group {
			group = x.Group
			fmt.Fprintf(&b, "| **%s** | | | | |\n", group)
		}
		ours, ratio := "", "—"
		switch {
		case x.NA != "":
			ours = "n/a"
			x.Note = strings.TrimSpace(strings.ReplaceAll(x.NA, "|", "/"))
		case x.Text != "":
			ours = x.Text
		case x.Mem:
			ours = mem(x.Val)
		default:
			ours = dur(x.Val)
		}
		if x.NA == "" && x.Ref > 0 && x.Val > 0 {
			ratio = ratioText(x.Ref / x.Val)
		}
		ref := x.RefText
		if ref == "" {
			ref = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", x.Name, ours, ref, ratio, x.Note)
	}
	if len(r.Failures) > 0 {
		fmt.Fprintf(&b, "\nSteps that did not run:\n\n")
		for _, step := range []string{"go", "c", "python", "node", "rust", "cli", "size"} {
			if f, ok := r.Failures[step]; ok {
				fmt.Fprintf(&b, "- %s: %s\n", step, f)
			}
		}
	}
	b.WriteString("\n")
	return b.String()
}

// dur formats nanoseconds.
func dur(ns float64) string {
	switch {
	case ns < 10:
		return fmt.Sprintf("%.2f ns", ns)
	case ns < 1e3:
		return fmt.Sprintf("%.0f ns", ns)
	case ns < 1e4:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	case ns < 1e6:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	default:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	}
}

// mem formats bytes.
func mem(n float64) string {
	switch {
	case n >= mib:
		return fmt.Sprintf("%.1f MB", n/mib)
	case n >= 1024:
		return fmt.Sprintf("%.0f kB", n/1024)
	default:
		return fmt.Sprintf("%.0f B", n)
	}
}

func num(x float64) string {
	if x == math.Trunc(x) {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.1f", x)
}

func ratioText(x float64) string {
	if x >= 10 {
		return fmt.Sprintf("%.0f×", x)
	}
	return fmt.Sprintf("%.2g×", x)
}
