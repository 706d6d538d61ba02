package main

import (
	"runtime"
	"strings"
	"testing"
)

func TestHooksThroughABI(t *testing.T) {
	eng, _ := tEngineNew("")
	id, slots, r := tHookRegister(eng, "state:before_write", -10)
	if r.status != 0 {
		t.Fatal(r.errMsg)
	}
	defer tFreeC(slots)
	g := "global"
	v := `"original"`
	if _, r := tState(eng, "set", &g, "cancel_me", "", 0, &v, nil, ""); r.status != 5 || !strings.Contains(r.errMsg, "from C") {
		t.Fatalf("cancel: %+v", r)
	}
	tState(eng, "set", &g, "modify_me", "", 0, &v, nil, "")
	if got, _ := tState(eng, "get", &g, "modify_me", "", 0, nil, nil, ""); got != `"from C"` {
		t.Fatalf("modified: %s", got)
	}
	if _, r := tState(eng, "set", &g, "garbage_me", "", 0, &v, nil, ""); r.status != 0 {
		t.Fatalf("a bad answer must not block the write: %+v", r)
	}
	// A Lua spell's writes go through the C hook too.
	if res := tRun(eng, "lua", `local ok, e = pcall(State.set, "cancel_me", 1) return e.code`, "", "", 0); res.result != `"cancelled"` {
		t.Fatalf("spell: %+v", res)
	}
	if l := tHookList(eng); !strings.Contains(l, `"language":"c"`) || !strings.Contains(l, `"priority":-10`) || !strings.Contains(l, `"failures":1`) {
		t.Fatalf("list %s", l)
	}
	// llmspell_hook_reply_fail: the write goes on, the failures count, and
	// the third failure in the window opens the breaker (1 garbage + 2 here).
	for i := 0; i < 2; i++ {
		if _, r := tState(eng, "set", &g, "fail_me", "", 0, &v, nil, ""); r.status != 0 {
			t.Fatalf("a failed hook must not block the write: %+v", r)
		}
	}
	if got, _ := tState(eng, "get", &g, "fail_me", "", 0, nil, nil, ""); got != `"original"` {
		t.Fatalf("fail_me: %s", got)
	}
	if l := tHookList(eng); !strings.Contains(l, `"failures":3`) || !strings.Contains(l, `"breaker":"open"`) {
		t.Fatalf("after failures: %s", l)
	}
	before := tSlot(slots, 0)
	if _, r := tState(eng, "set", &g, "cancel_me", "", 0, &v, nil, ""); r.status != 0 || tSlot(slots, 0) != before {
		t.Fatalf("an open breaker skips the hook: %+v, calls %d→%d", r, before, tSlot(slots, 0))
	}
	calls := tSlot(slots, 0)
	if tHookUnregister(eng, id) != 0 || tSlot(slots, 2) != 1 {
		t.Fatal("unregister or user_data_free")
	}
	tState(eng, "set", &g, "cancel_me", "", 0, &v, nil, "")
	if tSlot(slots, 0) != calls {
		t.Fatal("hook called after unregister")
	}
	if st := tHookUnregister(eng, id); st != 2 {
		t.Fatalf("second unregister: %d", st)
	}
	if _, _, r := tHookRegister(eng, "Nowhere", 0); r.status != 1 {
		t.Fatalf("bad point: %+v", r)
	}
	// A hook never unregistered is freed when the engine closes.
	_, slots2, _ := tHookRegister(eng, "SystemShutdown", 0)
	defer tFreeC(slots2)
	tEngineFree(eng)
	if tSlot(slots2, 0) != 1 || tSlot(slots2, 2) != 1 {
		t.Fatalf("shutdown hook calls %d freed %d", tSlot(slots2, 0), tSlot(slots2, 2))
	}
	checkEmpty(t)
}

// TestSmallIntegerUserData: user_data is opaque to the library, and C code
// often passes a small integer. It must never sit in a Go pointer, where
// the garbage collector would find an invalid pointer and abort the
// process.
func TestSmallIntegerUserData(t *testing.T) {
	eng, _ := tEngineNew("")
	id, sub := tSmallUserData(eng)
	if id == 0 || sub == 0 {
		t.Fatal("registration failed")
	}
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	g := "global"
	v := "1"
	for i := 0; i < 300; i++ {
		tState(eng, "set", &g, "k", "", 0, &v, nil, "")
	}
	close(stop)
	tHookUnregister(eng, id)
	tSubFree(sub)
	tEngineFree(eng)
	checkEmpty(t)
}

func TestHookMetricsAndRecordsThroughABI(t *testing.T) {
	eng, r := tEngineNew(`{"hooks":{"metrics":true,"record":true}}`)
	if r.status != 0 {
		t.Fatal(r.errMsg)
	}
	_, slots, _ := tHookRegister(eng, "BeforeStateWrite", 0)
	defer tFreeC(slots)
	g := "global"
	v := `"original"`
	tState(eng, "set", &g, "modify_me", "", 0, &v, nil, "")
	tState(eng, "set", &g, "plain", "", 0, &v, nil, "")
	m, r := tHookMetrics(eng, false)
	if r.status != 0 || !strings.Contains(m, `"BeforeStateWrite":2`) || !strings.Contains(m, `"latency":{`) {
		t.Fatalf("metrics: %s %+v", m, r)
	}
	all, r := tHookRecords(eng, "")
	if r.status != 0 || !strings.Contains(all, `"point":"BeforeStateWrite","result":"modified"`) {
		t.Fatalf("records: %s %+v", all, r)
	}
	if !strings.Contains(all, `"input":{"key":"modify_me","scope":"global","value":"original"}`) || !strings.Contains(all, `"duration_us":`) {
		t.Fatalf("records: %s", all)
	}
	if one, r := tHookRecords(eng, `{"limit":1}`); r.status != 0 || strings.Count(one, `"hook_id"`) != 1 {
		t.Fatalf("limit: %s %+v", one, r)
	}
	if none, r := tHookRecords(eng, `{"correlation_id":"nope"}`); r.status != 0 || none != "[]" {
		t.Fatalf("correlation filter: %s %+v", none, r)
	}
	for _, q := range []string{`{"limit":"x"}`, `{"limit":-1}`, `{"correlation_id":7}`, `{"correlationId":"x"}`, `[1]`, `{`} {
		if _, r := tHookRecords(eng, q); r.status != 1 {
			t.Fatalf("bad query %s: %+v", q, r)
		}
	}
	if _, r := tHookMetrics(eng, true); r.status != 1 || !strings.Contains(r.errMsg, "json_out") {
		t.Fatalf("NULL json_out: %+v", r)
	}
	if _, r := tHookMetrics(0, false); r.status != 1 {
		t.Fatalf("NULL engine: %+v", r)
	}
	if _, r := tHookRecords(0, ""); r.status != 1 {
		t.Fatalf("NULL engine: %+v", r)
	}
	off, _ := tEngineNew("")
	if _, r := tHookMetrics(off, false); r.status != 1 || !strings.Contains(r.errMsg, "hooks.metrics") {
		t.Fatalf("metrics off: %+v", r)
	}
	if _, r := tHookRecords(off, ""); r.status != 1 || !strings.Contains(r.errMsg, "hooks.record") {
		t.Fatalf("recording off: %+v", r)
	}
	tEngineFree(off)
	tEngineFree(eng)
	if _, r := tHookMetrics(eng, false); r.status != 10 {
		t.Fatalf("closed engine: %+v", r)
	}
	if _, r := tHookRecords(eng, ""); r.status != 10 {
		t.Fatalf("closed engine: %+v", r)
	}
	checkEmpty(t)
}
