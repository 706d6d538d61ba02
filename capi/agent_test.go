package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/llmspell/llmspell-go/internal/testmodels"
)

// agentEngine opens a pebble engine reading the shared test models.
func agentEngine(t *testing.T) uintptr {
	t.Helper()
	models := testmodels.Dir(t)
	cfg, _ := json.Marshal(map[string]any{"storage": map[string]any{"data_dir": filepath.Join(t.TempDir(), "data")},
		"models": map[string]any{"dir": models}})
	eng, r := tEngineNew(string(cfg))
	if r.status != 0 {
		t.Fatalf("engine_new: %+v", r)
	}
	return eng
}

type agentResult struct {
	Text      string `json:"text"`
	ToolCalls []struct {
		Name    string `json:"name"`
		Success bool   `json:"success"`
	} `json:"tool_calls"`
	Usage struct {
		Input  int `json:"input_tokens"`
		Output int `json:"output_tokens"`
	} `json:"usage"`
	Metadata struct {
		Provider string `json:"provider"`
		Finish   string `json:"finish_reason"`
	} `json:"metadata"`
}

func decodeResult(t *testing.T, s string) agentResult {
	t.Helper()
	var r agentResult
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("result %q: %v", s, err)
	}
	return r
}

func TestAgentsThroughABI(t *testing.T) {
	eng := agentEngine(t)
	freed := false
	defer func() {
		if !freed { // a failure must not leave the engine to the next test
			tEngineFree(eng)
		}
	}()
	name, r := tAgentCreate(eng, `{"name":"teller","tools":["calculator","uuid_generator"],"temperature":0,"max_tokens":24}`)
	if r.status != 0 || name != "teller" {
		t.Fatalf("create: %q %+v", name, r)
	}
	out, r := tAgentExecute(eng, "teller", `"Once upon a time"`, 0)
	if r.status != 0 {
		t.Fatalf("execute: %+v", r)
	}
	res := decodeResult(t, out)
	if len(res.ToolCalls) == 0 || (res.ToolCalls[0].Name != "calculator" && res.ToolCalls[0].Name != "uuid_generator") || res.Text == "" || res.Metadata.Provider != "local" || res.Usage.Output == 0 {
		t.Fatalf("execute result: %s", out)
	}
	// Callback streaming: each delta is NUL-terminated and counted; the
	// bytes add up to the text.
	out, n, bytes, r := tAgentStream(eng, "teller", `{"text":"The dog"}`, 0)
	if r.status != 0 {
		t.Fatalf("stream: %+v", r)
	}
	res = decodeResult(t, out)
	if n < 2 || bytes != int64(len(res.Text)) {
		t.Fatalf("stream: %d deltas, %d bytes, text %q", n, bytes, res.Text)
	}
	if _, n, _, r := tAgentStream(eng, "teller", `"The cat"`, 2); r.status != 5 || n != 2 {
		t.Fatalf("callback stop: %d deltas %+v", n, r)
	}
	// Pull streaming: the deltas make the result's text.
	s, r := tDeltaOpen(eng, "teller", `"A bird"`, 0)
	defer tDeltaFree(s) // idempotent: also frees it when a check fails
	if r.status != 0 {
		t.Fatalf("open: %+v", r)
	}
	if _, r := tDeltaResult(s); r.status != 1 {
		t.Fatalf("result before the end: %+v", r)
	}
	var sb strings.Builder
	for i := 0; ; i++ {
		text, end, r := tDeltaNext(s, 60000)
		if r.status != 0 {
			t.Fatalf("next: %+v", r)
		}
		if end {
			break
		}
		sb.WriteString(text)
		if i > 1000 {
			t.Fatal("stream never ends")
		}
	}
	out, r = tDeltaResult(s)
	if r.status != 0 || decodeResult(t, out).Text != sb.String() || sb.Len() == 0 {
		t.Fatalf("pull result %q vs deltas %q: %+v", out, sb.String(), r)
	}
	tDeltaFree(s)
	tDeltaFree(s) // double free ignored
	if _, _, r := tDeltaNext(s, 0); r.status != 10 {
		t.Fatalf("next after free: %+v", r)
	}
	// Memory through the ABI, saved and loaded (the stopped turn is not
	// remembered).
	hist, _, r := tAgentCall(eng, "history", "teller", "")
	if r.status != 0 || strings.Count(hist, `"role":"user"`) != 3 {
		t.Fatalf("history: %s %+v", hist, r)
	}
	if _, _, r := tAgentCall(eng, "save", "teller", ""); r.status != 0 {
		t.Fatalf("save: %+v", r)
	}
	if _, _, r := tAgentCall(eng, "clear", "teller", ""); r.status != 0 {
		t.Fatalf("clear: %+v", r)
	}
	if h, _, _ := tAgentCall(eng, "history", "teller", ""); h != "[]" {
		t.Fatalf("after clear: %s", h)
	}
	if _, found, r := tAgentCall(eng, "load", "teller", ""); r.status != 0 || found != 1 {
		t.Fatalf("load: %d %+v", found, r)
	}
	if h, _, _ := tAgentCall(eng, "history", "teller", ""); h != hist {
		t.Fatal("loaded history differs")
	}
	// Registry, basic agents and agents as tools.
	if _, r := tAgentCreate(eng, `{"name":"echo","type":"basic"}`); r.status != 0 {
		t.Fatal(r.errMsg)
	}
	tool, _, r := tAgentCall(eng, "wrap", "echo", `{"tool_name":"ask_echo"}`)
	if r.status != 0 || tool != "ask_echo" {
		t.Fatalf("wrap: %q %+v", tool, r)
	}
	if env, r := tToolInvoke(eng, "ask_echo", `{"input":"ping"}`); r.status != 0 || !strings.Contains(env, `"text":"ping"`) {
		t.Fatalf("agent as tool: %s %+v", env, r)
	}
	if list, _, _ := tAgentCall(eng, "list", "", ""); !strings.Contains(list, `"name":"echo"`) || !strings.Contains(list, `"name":"teller"`) {
		t.Fatalf("list: %s", list)
	}
	if info, _, r := tAgentCall(eng, "info", "teller", ""); r.status != 0 || !strings.Contains(info, `"model":"local/stories260K"`) {
		t.Fatalf("info: %s %+v", info, r)
	}
	if provs, _, r := tAgentCall(eng, "providers", "", ""); r.status != 0 || !strings.Contains(provs, `"name":"local"`) || strings.Contains(provs, "api_key\"") {
		t.Fatalf("providers: %s %+v", provs, r)
	}
	if _, removed, _ := tAgentCall(eng, "remove", "echo", ""); removed != 1 {
		t.Fatal("remove")
	}
	if _, removed, _ := tAgentCall(eng, "remove", "echo", ""); removed != 0 {
		t.Fatal("remove twice")
	}
	tEngineFree(eng)
	freed = true
	checkEmpty(t)
}

func TestAgentBadInputThroughABI(t *testing.T) {
	eng := agentEngine(t)
	defer func() { tEngineFree(eng); checkEmpty(t) }()
	for _, c := range []struct {
		cfg    string
		status int32
	}{
		{`{"name":"a","tools":["nope"]}`, 2},
		{`{"name":"b","model":"nowhere/x"}`, 2},
		{`{"name":"c","temperature":"hot"}`, 1},
		{`{"name":"d","colour":"red"}`, 1},
		{`{"name":`, 1},
		{`[1,2]`, 1},
		{`{"name":"bad name"}`, 1},
		{`{"name":"e","model":"local/no_such_model"}`, 2},
	} {
		if _, r := tAgentCreate(eng, c.cfg); r.status != c.status || r.errMsg == "" {
			t.Errorf("create %s: %+v, want %d", c.cfg, r, c.status)
		}
	}
	if _, r := tAgentCreate(eng, `{"name":"ok","max_tokens":8}`); r.status != 0 {
		t.Fatal(r.errMsg)
	}
	if _, r := tAgentCreate(eng, `{"name":"ok"}`); r.status != 13 {
		t.Fatalf("conflict: %+v", r)
	}
	for _, c := range []struct {
		name, input string
		status      int32
	}{
		{"\x00", `"hi"`, 1}, {"ghost", `"hi"`, 2}, {"ok", ``, 1}, {"ok", `{"text":`, 1}, {"ok", `42`, 1},
		{"ok", `{"text":"hi","parameters":{"temperature":"hot"}}`, 1}, {"ok", `""`, 1},
	} {
		if _, r := tAgentExecute(eng, c.name, c.input, 0); r.status != c.status {
			t.Errorf("execute %q %q: %+v, want %d", c.name, c.input, r, c.status)
		}
	}
	if _, r := tDeltaOpen(eng, "ghost", `"hi"`, 0); r.status != 2 {
		t.Fatalf("open unknown: %+v", r)
	}
	if _, _, _, r := tAgentStream(eng, "ghost", `"hi"`, 0); r.status != 2 {
		t.Fatalf("stream unknown: %+v", r)
	}
	// A cancelled run token stops the agent.
	run, _ := tRunNew(eng)
	tRunCancel(run)
	if _, r := tAgentExecute(eng, "ok", `"hi"`, run); r.status != 5 {
		t.Fatalf("cancelled token: %+v", r)
	}
	tRunFree(run)
	if _, r := tAgentExecute(eng, "ok", `"hi"`, run); r.status != 10 {
		t.Fatalf("freed token: %+v", r)
	}
	// Cancelling a pull stream mid-way: buffered deltas drain, then the
	// cancellation is reported.
	if _, r := tAgentCreate(eng, `{"name":"long","max_tokens":400,"temperature":0}`); r.status != 0 {
		t.Fatal(r.errMsg)
	}
	s, r := tDeltaOpen(eng, "long", `"Once"`, 0)
	defer tDeltaFree(s) // idempotent: also frees it when a check fails
	if r.status != 0 {
		t.Fatal(r.errMsg)
	}
	if _, _, r := tDeltaNext(s, 60000); r.status != 0 {
		t.Fatalf("first delta: %+v", r)
	}
	if tDeltaCancel(s) != 0 {
		t.Fatal("cancel")
	}
	var last tResult
	for i := 0; i < 1000; i++ {
		_, end, r := tDeltaNext(s, 60000)
		if r.status != 0 || end {
			last = r
			break
		}
	}
	if last.status != 5 {
		t.Fatalf("after cancel: %+v", last)
	}
	tDeltaFree(s)
	// Freeing a stream nobody reads stops its agent.
	s, _ = tDeltaOpen(eng, "long", `"Once"`, 0)
	tDeltaFree(s)
}

func TestAgentsConcurrentThroughABI(t *testing.T) {
	eng := agentEngine(t)
	defer func() { tEngineFree(eng); checkEmpty(t) }()
	// The real model with a tool loop on a few threads, and a basic agent
	// hammered from 8: the ABI path is what is under test.
	if _, r := tAgentCreate(eng, `{"name":"busy","max_tokens":8,"tools":["uuid_generator"],"memory":-1}`); r.status != 0 {
		t.Fatal(r.errMsg)
	}
	if _, r := tAgentCreate(eng, `{"name":"echo","type":"basic","memory":4}`); r.status != 0 {
		t.Fatal(r.errMsg)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i < 3 {
				out, r := tAgentExecute(eng, "busy", fmt.Sprintf(`"story %d"`, i), 0)
				if r.status != 0 || !strings.Contains(out, `"tool_calls":[{`) {
					t.Errorf("execute: %s %+v", out, r)
				}
			}
			for j := 0; j < 50; j++ {
				in := fmt.Sprintf("%d-%d", i, j)
				out, r := tAgentExecute(eng, "echo", `"`+in+`"`, 0)
				if r.status != 0 || !strings.Contains(out, `"text":"`+in+`"`) {
					t.Errorf("echo: %s %+v", out, r)
				}
			}
		}()
	}
	wg.Wait()
}
