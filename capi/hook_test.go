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
