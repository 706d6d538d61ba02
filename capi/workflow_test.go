package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestWorkflowsThroughABI(t *testing.T) {
	eng := newPebbleEngine(t)
	def := `{"name":"chain","type":"sequential","steps":[
		{"name":"id","type":"tool","tool":"uuid_generator","input":{}},
		{"name":"digest","type":"tool","tool":"hash_calculator","input":{"input":"{{steps.id.output.uuid}}","algorithm":"sha256"}},
		{"name":"ask","type":"input","prompt":"go on?"},
		{"name":"echo","type":"function","function":"c_echo","input":{"answer":"{{steps.ask.output}}","hash":"{{steps.digest.output.hash}}"}}]}`
	// A C tool is the function step: how host closures join JSON workflows.
	slots, r := tToolRegister(eng, `{"name":"c_echo"}`)
	if r.status != 0 {
		t.Fatal(r.errMsg)
	}
	defer tFreeC(slots)
	name, _, r := tWorkflow(eng, "create", "", def, "", 0)
	if r.status != 0 || name != "chain" {
		t.Fatalf("create: %q %+v", name, r)
	}
	out, _, r := tWorkflow(eng, "execute", "chain", `{"who":"c"}`, `{"run_id":"c-run-1"}`, 0)
	var res map[string]any
	json.Unmarshal([]byte(out), &res)
	if r.status != 0 || res["status"] != "waiting_input" || res["pending_step"] != "ask" || res["run_id"] != "c-run-1" {
		t.Fatalf("execute: %s %+v", out, r)
	}
	out, _, r = tWorkflow(eng, "resume", "c-run-1", `"yes"`, "", 0)
	json.Unmarshal([]byte(out), &res)
	o, _ := res["output"].(map[string]any)
	if r.status != 0 || res["success"] != true || o["answer"] != "yes" || len(o["hash"].(string)) != 64 {
		t.Fatalf("resume: %s %+v", out, r)
	}
	if tSlot(slots, 0) != 1 {
		t.Fatalf("the C function step ran %d times", tSlot(slots, 0))
	}
	rec, _, r := tWorkflow(eng, "record", "c-run-1", "", "", 0)
	if r.status != 0 || !strings.Contains(rec, `"status":"completed"`) || strings.Count(rec, `"path":`) < 4 {
		t.Fatalf("record: %s %+v", rec, r)
	}
	if info, _, r := tWorkflow(eng, "info", "chain", "", "", 0); r.status != 0 || !strings.Contains(info, `"definition":{`) {
		t.Fatalf("info: %s %+v", info, r)
	}
	if list, _, _ := tWorkflow(eng, "list", "", "", "", 0); !strings.Contains(list, `"name":"chain"`) {
		t.Fatalf("list: %s", list)
	}
	if tool, _, r := tWorkflow(eng, "wrap", "chain", `{"tool_name":"run_chain"}`, "", 0); r.status != 0 || tool != "run_chain" {
		t.Fatalf("wrap: %q %+v", tool, r)
	}
	// Bad input: each with its kind, nothing written.
	for _, c := range []struct {
		call, name, arg, arg2 string
		status                int32
	}{
		{"create", "", `{"name":"x","steps":[{"name":"s","type":"tool","tool":"nope"}]}`, "", 2},
		{"create", "", `{"name":"x","steps":[{"name":"s","tool":"hash_calculator","input":"{{steps.later.output}}"},{"name":"later","tool":"uuid_generator"}]}`, "", 1},
		{"create", "", `{"name":"x","type":"loop","iterator":{"while_condition":"true"},"body":[{"tool":"uuid_generator"}]}`, "", 1},
		{"create", "", `{"name":"chain","steps":[{"tool":"uuid_generator"}]}`, "", 13},
		{"create", "", `{"name":`, "", 1},
		{"create", "", ``, "", 1},
		{"execute", "ghost", `{}`, "", 2},
		{"execute", "chain", `{}`, `{"colour":1}`, 1},
		{"execute", "chain", `{}`, `{"run_id":"c-run-1"}`, 13},
		{"execute", "chain", `{"a":`, "", 1},
		{"resume", "no-such-run", ``, "", 2},
		{"resume", "c-run-1", ``, "", 13},
		{"resume", "../../etc", ``, "", 1},
		{"record", "nope", ``, "", 2},
		{"info", "ghost", ``, "", 2},
		{"execute", "\x00", `{}`, "", 1},
	} {
		if _, _, r := tWorkflow(eng, c.call, c.name, c.arg, c.arg2, 0); r.status != c.status || r.errMsg == "" {
			t.Errorf("%s %q %s %s: %+v, want %d", c.call, c.name, c.arg, c.arg2, r, c.status)
		}
	}
	// A run token cancels a running workflow: a long loop stops at once.
	if _, _, r := tWorkflow(eng, "create", "", `{"name":"long","type":"loop","iterator":{"while_condition":"true","max_iterations":100000},"aggregate":"none","body":[{"name":"u","tool":"uuid_generator"}]}`, "", 0); r.status != 0 {
		t.Fatal(r.errMsg)
	}
	run, _ := tRunNew(eng)
	time.AfterFunc(100*time.Millisecond, func() { tRunCancel(run) })
	start := time.Now()
	_, _, r = tWorkflow(eng, "execute", "long", `{}`, `{"run_id":"long-1"}`, run)
	tRunFree(run)
	if r.status != 5 || time.Since(start) > 3*time.Second {
		t.Fatalf("cancel: %+v after %s", r, time.Since(start))
	}
	if rec, _, _ := tWorkflow(eng, "record", "long-1", "", "", 0); !strings.Contains(rec, `"status":"cancelled"`) {
		t.Fatalf("cancelled record: %.300s", rec)
	}
	if _, removed, _ := tWorkflow(eng, "remove", "chain", "", "", 0); removed != 1 {
		t.Fatal("remove")
	}
	tEngineFree(eng)
	checkEmpty(t)
}
