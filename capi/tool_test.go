package main

import (
	"strings"
	"testing"
)

func TestToolsThroughABI(t *testing.T) {
	eng, _ := tEngineNew("")
	env, r := tToolInvoke(eng, "calculator", `{"input":"6*7"}`)
	if r.status != 0 || !strings.Contains(env, `"result":42`) || !strings.Contains(env, `"success":true`) {
		t.Fatalf("calculator: %s %+v", env, r)
	}
	env, r = tToolInvoke(eng, "calculator", `{"input":"1/0"}`)
	if r.status != 0 || !strings.Contains(env, `"success":false`) || !strings.Contains(env, "division by zero") {
		t.Fatalf("tool failure is an envelope: %s %+v", env, r)
	}
	for _, c := range []struct {
		name, params string
		status       int32
	}{{"nope", "", 2}, {"calculator", `{"input":5}`, 1}, {"calculator", `[1]`, 1}, {"hash_calculator", `{"file":"/etc/passwd"}`, 3}} {
		if _, r := tToolInvoke(eng, c.name, c.params); r.status != c.status {
			t.Errorf("%s %s: %+v", c.name, c.params, r)
		}
	}
	slots, r := tToolRegister(eng, `{"name":"c_echo","description":"echo","category":"custom","parameters":{"type":"object","properties":{"n":{"type":"integer"},"fail":{"type":"boolean"}}}}`)
	if r.status != 0 {
		t.Fatal(r.errMsg)
	}
	defer tFreeC(slots)
	if env, r := tToolInvoke(eng, "c_echo", `{"n":5}`); r.status != 0 || !strings.Contains(env, `"result":{"n":5}`) {
		t.Fatalf("C tool: %s %+v", env, r)
	}
	if env, _ := tToolInvoke(eng, "c_echo", `{"fail":true}`); !strings.Contains(env, "asked to fail") {
		t.Fatalf("C tool failure: %s", env)
	}
	// A Lua spell calls the C tool like any other.
	if res := tRun(eng, "lua", `return Tool.invoke("c_echo", {n = 7}).result.result.n`, "", "", 0); res.result != "7" {
		t.Fatalf("spell: %+v", res)
	}
	if _, r := tToolRegister(eng, `{"name":"c_echo"}`); r.status != 13 {
		t.Fatalf("duplicate name: %+v", r)
	}
	if _, r := tToolRegister(eng, `{"name":"bad name"}`); r.status != 1 {
		t.Fatalf("bad name: %+v", r)
	}
	if list, _ := tToolList(eng, `{"format":"openai","category":"custom"}`); !strings.Contains(list, `"type":"function"`) || !strings.Contains(list, "c_echo") {
		t.Fatalf("list: %s", list)
	}
	if list, _ := tToolList(eng, ""); strings.Count(list, `"security_level"`) < 6 {
		t.Fatalf("full list: %s", list)
	}
	calls := tSlot(slots, 0)
	if tToolUnregister(eng, "c_echo") != 0 || tSlot(slots, 2) != 1 {
		t.Fatal("unregister or user_data_free")
	}
	if _, r := tToolInvoke(eng, "c_echo", `{}`); r.status != 2 || tSlot(slots, 0) != calls {
		t.Fatalf("after unregister: %+v", r)
	}
	if tToolUnregister(eng, "calculator") != 2 {
		t.Fatal("a built-in tool was unregistered")
	}
	// A host tool never unregistered is freed when the engine closes.
	slots2, _ := tToolRegister(eng, `{"name":"c_echo2"}`)
	defer tFreeC(slots2)
	tEngineFree(eng)
	if tSlot(slots2, 2) != 1 {
		t.Fatal("host tool not freed at engine close")
	}
	checkEmpty(t)
}
