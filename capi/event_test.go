package main

import (
	"strings"
	"testing"
	"time"
)

func TestEventsPullThroughABI(t *testing.T) {
	eng, _ := tEngineNew("")
	defer func() { tEngineFree(eng); checkEmpty(t) }()
	sub, r := tSubNew(eng, "app.*", `{"buffer_size":2,"policy":"drop_oldest"}`)
	if r.status != 0 {
		t.Fatal(r.errMsg)
	}
	for _, d := range []string{`{"n":1}`, `{"n":2}`, `{"n":3}`} {
		if _, r := tPublish(eng, "app.step", d, `{"correlation_id":"c1","tags":["x"]}`); r.status != 0 {
			t.Fatal(r.errMsg)
		}
	}
	ev, r := tSubNext(sub, 100)
	if r.status != 0 || !strings.Contains(ev, `"data":{"n":2}`) || !strings.Contains(ev, `"correlation_id":"c1"`) || !strings.Contains(ev, `"source":"host"`) {
		t.Fatalf("next: %s %+v", ev, r)
	}
	tSubNext(sub, 0)
	start := time.Now()
	if ev, r := tSubNext(sub, 50); r.status != 0 || ev != "" || time.Since(start) < 40*time.Millisecond {
		t.Fatalf("timeout: %q %+v", ev, r)
	}
	if st := tEventStats(eng); !strings.Contains(st, `"dropped":1`) || !strings.Contains(st, `"delivered":2`) {
		t.Fatalf("stats %s", st)
	}
	for _, bad := range []struct{ typ, data, opts string }{{"a..b", "", ""}, {"x", "{", ""}, {"x", "", `{"bogus":1}`}, {"x", "", `{"tags":"t"}`}} {
		if _, r := tPublish(eng, bad.typ, bad.data, bad.opts); r.status != 1 {
			t.Errorf("publish %+v: %+v", bad, r)
		}
	}
	for _, opts := range []string{`{"policy":"sometimes"}`, `{"buffer_size":0}`, `{"buffer_size":"8"}`} {
		if _, r := tSubNew(eng, "x", opts); r.status != 1 {
			t.Errorf("subscribe %s: %+v", opts, r)
		}
	}
	reject, _ := tSubNew(eng, "r", `{"buffer_size":1,"policy":"reject"}`)
	tPublish(eng, "r", "", "")
	if _, r := tPublish(eng, "r", "", ""); r.status != 12 {
		t.Fatalf("reject: %+v", r)
	}
	tSubFree(reject)
	tSubFree(sub)
	tSubFree(sub)
	if _, r := tSubNext(sub, 0); r.status != 10 {
		t.Fatalf("next after free: %+v", r)
	}
}

func TestEventCallbacksThroughABI(t *testing.T) {
	eng, _ := tEngineNew("")
	sub, slots, r := tCallbackSub(eng, "*.done", "")
	if r.status != 0 {
		t.Fatal(r.errMsg)
	}
	defer tFreeC(slots)
	for i := 0; i < 100; i++ {
		tPublish(eng, "job.done", `{"i":1}`, "")
	}
	tPublish(eng, "job.started", "", "")
	deadline := time.Now().Add(5 * time.Second)
	for tSlot(slots, 0) < 100 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := tSlot(slots, 0); n != 100 || tSlot(slots, 1) == 0 {
		t.Fatalf("callback calls %d, last len %d", n, tSlot(slots, 1))
	}
	if _, r := tSubNext(sub, 0); r.status != 1 {
		t.Fatalf("pulling a callback subscription: %+v", r)
	}
	tSubFree(sub)
	if tSlot(slots, 2) != 1 {
		t.Fatal("user_data_free not called")
	}
	before := tSlot(slots, 0)
	tPublish(eng, "job.done", "", "")
	time.Sleep(20 * time.Millisecond)
	if tSlot(slots, 0) != before {
		t.Fatal("callback ran after free returned")
	}
	// The engine handle can go while a subscription lives.
	sub2, slots2, _ := tCallbackSub(eng, "x", "")
	defer tFreeC(slots2)
	tEngineFree(eng)
	tSubFree(sub2)
	checkEmpty(t)
}

func TestEventQueryThroughABI(t *testing.T) {
	eng, _ := tEngineNew(`{"events":{"persist":true,"persist_patterns":"job.*"}}`)
	defer func() { tEngineFree(eng); checkEmpty(t) }()
	tPublish(eng, "job.start", `{"n":1}`, `{"correlation_id":"r1"}`)
	tPublish(eng, "job.end", `{"n":2}`, `{"correlation_id":"r1"}`)
	tPublish(eng, "other", "", `{"correlation_id":"r1"}`)
	tl, r := tEventQuery(eng, `{"correlation_id":"r1"}`)
	if r.status != 0 || strings.Count(tl, `"type"`) != 2 || strings.Index(tl, "job.start") > strings.Index(tl, "job.end") {
		t.Fatalf("timeline: %s %+v", tl, r)
	}
	if _, r := tEventQuery(eng, `{"limit":"x"}`); r.status != 1 {
		t.Fatalf("bad query: %+v", r)
	}
	off, _ := tEngineNew("")
	defer tEngineFree(off)
	if _, r := tEventQuery(off, ""); r.status != 1 || !strings.Contains(r.errMsg, "persist") {
		t.Fatalf("persistence off: %+v", r)
	}
}
