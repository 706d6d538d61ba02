package main

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// checkEmpty asserts that every handle, buffer and error the test made was
// freed: the registry is the library's leak detector.
func checkEmpty(t *testing.T) {
	t.Helper()
	e, r, b, er := tCounts()
	if e+r+b+er != 0 {
		t.Fatalf("registry not empty: engines %d runs %d buffers %d errors %d", e, r, b, er)
	}
}

func TestRunAndFree(t *testing.T) {
	eng, res := tEngineNew(`{"script":{"pool_size":1}}`)
	if res.status != 0 {
		t.Fatalf("engine_new: %+v", res)
	}
	r := tRun(eng, "lua", `print("hi") return {a = ARGS.x}`, `{"x":[1,2]}`, `{"name":"t.lua"}`, 0)
	if r.status != 0 || r.result != `{"a":[1,2]}` || r.output != "hi\n" {
		t.Fatalf("run: %+v", r)
	}
	r = tRun(eng, "js", `return {a: ARGS.x};`, `{"x":[1,2]}`, "", 0)
	if r.status != 0 || r.result != `{"a":[1,2]}` {
		t.Fatalf("js run: %+v", r)
	}
	tEngineFree(eng)
	tEngineFree(eng) // second free ignored
	if st := tPing(eng); st != 10 {
		t.Fatalf("ping after free = %d, want closed (10)", st)
	}
	checkEmpty(t)
}

func TestErrorsAndDetails(t *testing.T) {
	eng, _ := tEngineNew("")
	defer func() { tEngineFree(eng); checkEmpty(t) }()
	cases := []struct {
		lang, src, args, opts string
		status                int32
		msg                   string
	}{
		{"lua", "local x = = 1", "", `{"name":"s.lua"}`, 9, "s.lua:1"},
		{"cobol", "x", "", "", 1, "cobol"},
		{"lua", "return 1", "[", "", 1, "args_json"},
		{"lua", "return 1", `"str"`, "", 1, "object or array"},
		{"lua", "return 1", "", `{"timeout":1}`, 1, "unknown key"},
		{"lua", "return 1", "", `{"timeout_ms":-1}`, 1, "non-negative"},
		{"lua", "return 1", "", `[]`, 1, "JSON object"},
		{"lua", "return '\xff'", "", "", 1, "UTF-8"},
		{"js", "for(;;){}", "", `{"timeout_ms":100}`, 4, "100 ms"},
		{"lua", "return function() end", "", "", 9, "function"},
	}
	for _, c := range cases {
		r := tRun(eng, c.lang, c.src, c.args, c.opts, 0)
		if r.status != c.status || r.errCode != c.status || !strings.Contains(r.errMsg, c.msg) || r.result != "" {
			t.Errorf("%q: %+v, want status %d with %q", c.src, r, c.status, c.msg)
		}
		if !strings.HasPrefix(r.errDetails, "{") || !strings.Contains(r.errDetails, `"kind"`) {
			t.Errorf("%q: details %q", c.src, r.errDetails)
		}
	}
	r := tRun(eng, "lua", "local x = = 1", "", `{"name":"s.lua"}`, 0)
	if !strings.Contains(r.errDetails, `"line":1`) || !strings.Contains(r.errDetails, `"file":"s.lua"`) {
		t.Fatalf("details lack file and line: %s", r.errDetails)
	}
}

func TestBadConfigs(t *testing.T) {
	file := t.TempDir() + "/f"
	for cfg, status := range map[string]int32{
		`{`:                     1,
		`[]`:                    1,
		`{"script":{"nope":1}}`: 1,
		"{\"a\":\"\xff\"}":      1,
		`{"storage":{"data_dir":"` + file + `/x/y"}}`: 0, // created
	} {
		eng, res := tEngineNew(cfg)
		if res.status != status {
			t.Errorf("%s: status %d (%s), want %d", cfg, res.status, res.errMsg, status)
		}
		tEngineFree(eng)
	}
	checkEmpty(t)
}

func TestForgedAndNullHandles(t *testing.T) {
	if st := tPing(0); st != 1 {
		t.Fatalf("NULL ping = %d", st)
	}
	if st := tPing(0x12345); st != 1 {
		t.Fatalf("forged ping = %d", st)
	}
	tok, _ := tRunNew(0)
	if tok != 0 {
		t.Fatal("run_new on NULL engine returned a token")
	}
	eng, _ := tEngineNew("")
	tok, st := tRunNew(eng)
	if st != 0 {
		t.Fatal(st)
	}
	// A run token is not an engine.
	if st := tPing(tok); st != 1 {
		t.Fatalf("token as engine = %d", st)
	}
	tRunFree(tok)
	tRunFree(tok)
	if st := tRunCancel(tok); st != 10 {
		t.Fatalf("cancel of freed token = %d", st)
	}
	tEngineFree(eng)
	checkEmpty(t)
}

func TestCancelFromAnotherGoroutine(t *testing.T) {
	eng, _ := tEngineNew("")
	tok, _ := tRunNew(eng)
	time.AfterFunc(100*time.Millisecond, func() { tRunCancel(tok) })
	start := time.Now()
	r := tRun(eng, "lua", "while true do end", "", "", tok)
	if r.status != 5 || time.Since(start) > 2*time.Second {
		t.Fatalf("cancel: %+v after %v", r, time.Since(start))
	}
	// A cancelled token stays cancelled.
	if r := tRun(eng, "js", "return 1;", "", "", tok); r.status != 5 {
		t.Fatalf("reuse of cancelled token: %+v", r)
	}
	tRunFree(tok)
	tEngineFree(eng)
	checkEmpty(t)
}

func TestEngineOutlivesHandleWhileTokenLives(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"storage":{"data_dir":"` + dir + `"}}`
	eng, _ := tEngineNew(cfg)
	tok, _ := tRunNew(eng)
	tEngineFree(eng)
	// The engine is still open (its folder still locked) while the token lives.
	if _, res := tEngineNew(cfg); res.status != 11 {
		t.Fatalf("folder should still be locked: %+v", res)
	}
	if st := tRunCancel(tok); st != 0 {
		t.Fatalf("cancel with engine handle freed: %d", st)
	}
	tRunFree(tok)
	eng2, res := tEngineNew(cfg)
	if res.status != 0 {
		t.Fatalf("folder not released after the last reference: %+v", res)
	}
	tEngineFree(eng2)
	checkEmpty(t)
}

func TestConcurrentRunsOneEngine(t *testing.T) {
	eng, _ := tEngineNew("")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				lang, src := "lua", "return ARGS.n + 1"
				if (g+i)%2 == 1 {
					lang, src = "js", "return ARGS.n + 1;"
				}
				r := tRun(eng, lang, src, `{"n":41}`, "", 0)
				if r.status != 0 || r.result != "42" {
					t.Errorf("run: %+v", r)
					return
				}
			}
		}()
	}
	// Free the engine while runs may still be in flight: they finish.
	wg.Wait()
	tEngineFree(eng)
	checkEmpty(t)
}
