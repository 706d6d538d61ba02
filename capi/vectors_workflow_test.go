package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/llmspell/llmspell-go/internal/testmodels"
)

// The runners of tests/vectors/workflow.json and tests/vectors/agent.json
// through the exports, as every binding runs them. Each file's "about"
// says what its calls and expectations mean.

type vectorCase struct {
	Name       string           `json:"name"`
	NeedsModel bool             `json:"needs_model"`
	Steps      []map[string]any `json:"steps"`
}

func loadVectors(t *testing.T, file string) []vectorCase {
	t.Helper()
	data, err := os.ReadFile("../tests/vectors/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []vectorCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(f.Cases) == 0 {
		t.Fatalf("%s has no cases", file)
	}
	return f.Cases
}

// vectorModelsDir is the models folder for a case: checked (skip, or fail
// under CI=true) when the case needs the model, else only named.
func vectorModelsDir(t *testing.T, needs bool) string {
	if needs {
		return testmodels.Dir(t)
	}
	if d := os.Getenv("LLMSPELL_MODELS_DIR"); d != "" {
		return d
	}
	return testmodels.RepoShared()
}

func newVectorEngine(t *testing.T, models string) uintptr {
	t.Helper()
	cfg, _ := json.Marshal(map[string]any{
		"storage": map[string]any{"data_dir": t.TempDir()},
		"models":  map[string]any{"dir": models},
	})
	eng, r := tEngineNew(string(cfg))
	if r.status != 0 {
		t.Fatal(r.errMsg)
	}
	return eng
}

// vecArg is a step's JSON argument; "" (NULL) when absent.
func vecArg(st map[string]any, key string) string {
	v, ok := st[key]
	if !ok {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func vecStr(st map[string]any, key string) string {
	s, _ := st[key].(string)
	return s
}

func decode(s string) any {
	var v any
	if s != "" {
		json.Unmarshal([]byte(s), &v)
	}
	return v
}

// vecMatch is the vectors' match: a subset for objects, item by item for
// lists of the same length, equality otherwise (numbers by value).
func vecMatch(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !vecMatch(wv, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !vecMatch(w[i], g[i]) {
				return false
			}
		}
		return true
	default:
		a, _ := json.Marshal(want)
		b, _ := json.Marshal(got)
		return string(a) == string(b)
	}
}

// checkCommon checks what both files share: expect_error, expect,
// expect_len, expect_names. It returns false when the step expected an
// error (nothing else to check).
func checkCommon(t *testing.T, where string, st map[string]any, got any, r tResult) bool {
	t.Helper()
	if want, ok := st["expect_error"].(string); ok {
		if statusName(r.status) != want {
			t.Fatalf("%s: status %s (%s), want %s", where, statusName(r.status), r.errMsg, want)
		}
		if r.errMsg == "" {
			t.Fatalf("%s: no error message", where)
		}
		return false
	}
	if r.status != 0 {
		t.Fatalf("%s: %s: %s", where, statusName(r.status), r.errMsg)
	}
	if want, ok := st["expect"]; ok && !vecMatch(want, got) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("%s: got %s, want %s", where, g, w)
	}
	if n, ok := st["expect_len"].(float64); ok {
		if l, ok := got.([]any); !ok || len(l) != int(n) {
			t.Fatalf("%s: got %v, want %d items", where, got, int(n))
		}
	}
	if n, ok := st["expect_len_min"].(float64); ok {
		if l, ok := got.([]any); !ok || len(l) < int(n) {
			t.Fatalf("%s: got %v, want at least %d items", where, got, int(n))
		}
	}
	if names, ok := st["expect_names"].([]any); ok {
		have := map[string]bool{}
		l, _ := got.([]any)
		for _, x := range l {
			if m, ok := x.(map[string]any); ok {
				n, _ := m["name"].(string)
				have[n] = true
			}
		}
		for _, n := range names {
			if !have[n.(string)] {
				t.Fatalf("%s: %q not among %v", where, n, have)
			}
		}
	}
	return true
}

func TestWorkflowVectors(t *testing.T) {
	calls := map[string]bool{}
	for _, c := range loadVectors(t, "workflow.json") {
		t.Run(c.Name, func(t *testing.T) {
			eng := newVectorEngine(t, vectorModelsDir(t, c.NeedsModel))
			var slots []unsafe.Pointer
			defer func() {
				tEngineFree(eng)
				for _, s := range slots {
					tFreeC(s)
				}
			}()
			for i, st := range c.Steps {
				call := st["call"].(string)
				calls[call] = true
				where := c.Name + " step " + itoa(i) + " (" + call + ")"
				var out string
				var flag int32
				var r tResult
				switch call {
				case "create":
					out, _, r = tWorkflow(eng, "create", "", vecArg(st, "definition"), "", 0)
					out = jsonString(out)
				case "execute":
					var run uintptr
					if ms, ok := st["cancel_after_ms"].(float64); ok {
						run, _ = tRunNew(eng)
						timer := time.AfterFunc(time.Duration(ms)*time.Millisecond, func() { tRunCancel(run) })
						defer timer.Stop()
					}
					start := time.Now()
					out, _, r = tWorkflow(eng, "execute", vecStr(st, "workflow"), vecArg(st, "input"), vecArg(st, "options"), run)
					if run != 0 {
						tRunFree(run)
						if d := time.Since(start); d > 5*time.Second {
							t.Fatalf("%s: the cancel took %s", where, d)
						}
					}
				case "resume":
					out, _, r = tWorkflow(eng, "resume", vecStr(st, "run_id"), vecArg(st, "input"), "", 0)
				case "record":
					out, _, r = tWorkflow(eng, "record", vecStr(st, "run_id"), "", "", 0)
				case "list":
					out, _, r = tWorkflow(eng, "list", "", "", "", 0)
				case "info":
					out, _, r = tWorkflow(eng, "info", vecStr(st, "workflow"), "", "", 0)
				case "remove":
					_, flag, r = tWorkflow(eng, "remove", vecStr(st, "workflow"), "", "", 0)
					out = boolJSON(flag != 0)
				case "wrap":
					out, _, r = tWorkflow(eng, "wrap", vecStr(st, "workflow"), vecArg(st, "options"), "", 0)
					out = jsonString(out)
				case "invoke_tool":
					out, r = tToolInvoke(eng, vecStr(st, "tool"), vecArg(st, "params"))
				case "register_tool":
					// The C test tool echoes its parameters and fails on
					// {"fail":true}: the behaviour the vectors ask for.
					var s unsafe.Pointer
					s, r = tToolRegister(eng, `{"name":`+jsonString(vecStr(st, "tool"))+`}`)
					if s != nil {
						slots = append(slots, s)
					}
				case "agent_create":
					out, r = tAgentCreate(eng, vecArg(st, "config"))
					out = jsonString(out)
				default:
					t.Fatalf("%s: unknown call", where)
				}
				got := decode(out)
				if !checkCommon(t, where, st, got, r) {
					continue
				}
				checkWorkflowResult(t, where, st, got)
			}
		})
	}
	for _, want := range []string{"create", "execute", "resume", "record", "list", "info", "remove", "wrap", "invoke_tool", "register_tool", "agent_create"} {
		if !calls[want] && !t.Failed() && !testing.Short() {
			t.Errorf("no vector uses call %s", want)
		}
	}
	checkEmpty(t)
}

// checkWorkflowResult checks expect_steps, expect_step, expect_result and
// expect_checks.
func checkWorkflowResult(t *testing.T, where string, st map[string]any, got any) {
	t.Helper()
	res, _ := got.(map[string]any)
	steps, _ := res["steps"].([]any)
	if n, ok := st["expect_steps"].(float64); ok && len(steps) != int(n) {
		t.Fatalf("%s: %d steps, want %d: %v", where, len(steps), int(n), steps)
	}
	if want, ok := st["expect_step"].(map[string]any); ok {
		for name, w := range want {
			var found any
			for _, s := range steps {
				if m, ok := s.(map[string]any); ok && m["name"] == name {
					found = m
					break
				}
			}
			if found == nil || !vecMatch(w, found) {
				f, _ := json.Marshal(found)
				t.Fatalf("%s: step %s is %s, want %v", where, name, f, w)
			}
		}
	}
	if want, ok := st["expect_result"]; ok && !vecMatch(want, res["result"]) {
		g, _ := json.Marshal(res["result"])
		t.Fatalf("%s: tool result %s, want %v", where, g, want)
	}
	if checks, ok := st["expect_checks"].([]any); ok {
		for _, c := range checks {
			switch c {
			case "output_strings_nonempty":
				o, ok := res["output"].(map[string]any)
				if !ok || len(o) == 0 {
					t.Fatalf("%s: output %v is not an object", where, res["output"])
				}
				for k, v := range o {
					if s, ok := v.(string); !ok || s == "" {
						t.Fatalf("%s: output %s is %v", where, k, v)
					}
				}
			default:
				t.Fatalf("%s: unknown check %v", where, c)
			}
		}
	}
}

func TestAgentVectors(t *testing.T) {
	for _, c := range loadVectors(t, "agent.json") {
		t.Run(c.Name, func(t *testing.T) {
			eng := newVectorEngine(t, vectorModelsDir(t, c.NeedsModel))
			defer tEngineFree(eng)
			tools := map[string][]string{} // agent -> its configured tools
			for i, st := range c.Steps {
				call := st["call"].(string)
				where := c.Name + " step " + itoa(i) + " (" + call + ")"
				agent := vecStr(st, "agent")
				var out string
				var flag int32
				var r tResult
				var deltas []string
				switch call {
				case "create":
					out, r = tAgentCreate(eng, vecArg(st, "config"))
					if r.status == 0 {
						cfg, _ := st["config"].(map[string]any)
						var ts []string
						l, _ := cfg["tools"].([]any)
						for _, x := range l {
							ts = append(ts, x.(string))
						}
						tools[out] = ts
					}
					out = jsonString(out)
				case "execute":
					out, r = tAgentExecute(eng, agent, vecArg(st, "input"), 0)
				case "stream":
					var s uintptr
					s, r = tDeltaOpen(eng, agent, vecArg(st, "input"), 0)
					if r.status == 0 {
						for r.status == 0 {
							text, end, rr := tDeltaNext(s, -1)
							r = rr
							if end || r.status != 0 {
								break
							}
							deltas = append(deltas, text)
						}
						if r.status == 0 {
							out, r = tDeltaResult(s)
						}
						tDeltaFree(s)
					}
				case "list", "providers":
					out, _, r = tAgentCall(eng, call, "", "")
				case "info", "history":
					out, _, r = tAgentCall(eng, call, agent, "")
				case "clear_history":
					_, _, r = tAgentCall(eng, "clear", agent, "")
				case "save_state":
					_, _, r = tAgentCall(eng, "save", agent, "")
				case "load_state":
					_, flag, r = tAgentCall(eng, "load", agent, "")
					out = boolJSON(flag != 0)
				case "remove":
					_, flag, r = tAgentCall(eng, "remove", agent, "")
					out = boolJSON(flag != 0)
				case "wrap_as_tool":
					out, _, r = tAgentCall(eng, "wrap", agent, vecArg(st, "options"))
					out = jsonString(out)
				case "invoke_tool":
					out, r = tToolInvoke(eng, vecStr(st, "tool"), vecArg(st, "params"))
				default:
					t.Fatalf("%s: unknown call", where)
				}
				got := decode(out)
				if !checkCommon(t, where, st, got, r) {
					continue
				}
				res, _ := got.(map[string]any)
				if want, ok := st["expect_result_text"].(string); ok {
					inner, _ := res["result"].(map[string]any)
					if inner["text"] != want {
						t.Fatalf("%s: result %v, want text %q", where, res["result"], want)
					}
				}
				checks, _ := st["expect_checks"].([]any)
				for _, c := range checks {
					calls, _ := res["tool_calls"].([]any)
					switch c {
					case "text_nonempty":
						if s, _ := res["text"].(string); s == "" {
							t.Fatalf("%s: empty text: %s", where, out)
						}
					case "tool_called":
						if len(calls) == 0 {
							t.Fatalf("%s: no tool call: %s", where, out)
						}
						for _, tc := range calls {
							name, _ := tc.(map[string]any)["name"].(string)
							if !contains(tools[agent], name) {
								t.Fatalf("%s: tool %q not among %v", where, name, tools[agent])
							}
						}
					case "no_tool_calls":
						if l, ok := res["tool_calls"].([]any); !ok || len(l) != 0 {
							t.Fatalf("%s: tool calls %v", where, res["tool_calls"])
						}
					case "usage":
						u, _ := res["usage"].(map[string]any)
						if in, _ := u["input_tokens"].(float64); in <= 0 {
							t.Fatalf("%s: usage %v", where, u)
						}
						if o, _ := u["output_tokens"].(float64); o <= 0 {
							t.Fatalf("%s: usage %v", where, u)
						}
					case "deltas":
						if len(deltas) < 2 || strings.Join(deltas, "") != res["text"] {
							t.Fatalf("%s: deltas %q, text %q", where, deltas, res["text"])
						}
					default:
						t.Fatalf("%s: unknown check %v", where, c)
					}
				}
			}
		})
	}
	checkEmpty(t)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func boolJSON(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
