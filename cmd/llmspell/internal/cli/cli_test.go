package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/value"
)

// runCLI runs the command line in-process with a private data folder.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"LLMSPELL_DATA_DIR": filepath.Join(t.TempDir(), "data")}
	f := &Factory{In: strings.NewReader(""), Out: &out, Err: &errb,
		Getenv: func(k string) string { return env[k] }, Now: time.Now,
		NotifyInterupt: func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithCancel(ctx)
		}}
	code = f.Execute(args)
	return out.String(), errb.String(), code
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunLuaAndJSGiveSameJSON(t *testing.T) {
	lua := writeFile(t, "s.lua", `print("from lua") return {n = tonumber(ARGS.n) * 2, first = ARGS[1], flag = ARGS.verbose}`)
	js := writeFile(t, "s.js", `print("from js"); return {n: Number(ARGS.n) * 2, first: ARGS[1], flag: ARGS.verbose};`)
	var docs []string
	for _, p := range []string{lua, js} {
		out, errOut, code := runCLI(t, "--output", "json", "run", p, "--", "--n", "21", "pos", "--verbose")
		if code != 0 {
			t.Fatalf("%s: code %d: %s", p, code, errOut)
		}
		v, err := value.DecodeString(strings.TrimSpace(out))
		if err != nil {
			t.Fatalf("not JSON: %q", out)
		}
		b, _ := value.Encode(v.(value.Map)["result"])
		docs = append(docs, string(b))
	}
	if docs[0] != docs[1] || docs[0] != `{"first":"pos","flag":true,"n":42}` {
		t.Fatalf("results differ: %v", docs)
	}
}

func TestTextModeStreamsOutput(t *testing.T) {
	out, _, code := runCLI(t, "exec", `print("hello") return {x = 1}`)
	if code != 0 || out != "hello\n{\n  \"x\": 1\n}\n" {
		t.Fatalf("code %d out %q", code, out)
	}
	out, _, code = runCLI(t, "exec", "return nil")
	if code != 0 || out != "" {
		t.Fatalf("nil result: %d %q", code, out)
	}
}

func TestExitCodes(t *testing.T) {
	busy := writeFile(t, "busy.lua", "while true do end")
	cases := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"exec", "return ("}, ExitScript, "script_error: exec:1"},
		{[]string{"exec", "error('boom')"}, ExitScript, "boom"},
		{[]string{"run", "--timeout", "300ms", busy}, ExitTimeout, "timeout"},
		{[]string{"run"}, ExitUsage, "needs a spell file"},
		{[]string{"nosuch"}, ExitUsage, "unknown command"},
		{[]string{"run", "--bogus", busy}, ExitUsage, "unknown flag"},
		{[]string{"--output", "yaml", "version"}, ExitUsage, "--output"},
		{[]string{"run", filepath.Join(t.TempDir(), "missing.lua")}, ExitFailure, "not_found"},
		{[]string{"exec", "--engine", "cobol", "x"}, ExitUsage, "cobol"},
		{[]string{"exec", "return function() end"}, ExitScript, "function"},
	}
	for _, c := range cases {
		_, errOut, code := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.err) {
			t.Errorf("%v: code %d (want %d), stderr %q (want %q)", c.args, code, c.code, errOut, c.err)
		}
	}
}

func TestTimeoutTakesAboutItsTime(t *testing.T) {
	busy := writeFile(t, "busy.js", "for(;;){}")
	start := time.Now()
	_, _, code := runCLI(t, "run", "--timeout", "1s", busy)
	if d := time.Since(start); code != ExitTimeout || d < 900*time.Millisecond || d > 3*time.Second {
		t.Fatalf("code %d after %v", code, d)
	}
}

func TestJSONErrorDocument(t *testing.T) {
	_, errOut, code := runCLI(t, "-o", "json", "exec", "error('x')")
	v, err := value.DecodeString(strings.TrimSpace(errOut))
	if code != ExitScript || err != nil {
		t.Fatalf("code %d stderr %q", code, errOut)
	}
	if c, _ := value.Get(v, "error.code"); c != "script_error" {
		t.Fatalf("doc %v", v)
	}
}

func TestVersionInfoHelp(t *testing.T) {
	out, _, code := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "llmspell ") {
		t.Fatalf("version: %d %q", code, out)
	}
	out, _, code = runCLI(t, "-o", "json", "info")
	if code != 0 || !strings.Contains(out, `"backend":"pebble"`) {
		t.Fatalf("info: %d %q", code, out)
	}
	out, _, code = runCLI(t, "help", "exit-codes")
	if code != 0 || !strings.Contains(out, "124") {
		t.Fatalf("help: %d %q", code, out)
	}
}

func TestLockedDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var out, errb bytes.Buffer
	f := &Factory{Out: &out, Err: &errb, Getenv: func(string) string { return "" }, Now: time.Now, DataDir: dir}
	eng, _, err := f.newHost(&out)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	_, errOut, code := runCLI(t, "--data-dir", dir, "exec", "return 1")
	if code != ExitFailure || !strings.Contains(errOut, "in use") {
		t.Fatalf("code %d stderr %q", code, errOut)
	}
}

func TestParseScriptArgs(t *testing.T) {
	got := ParseScriptArgs([]string{"a", "--k", "v", "--flag", "--e=1", "b"})
	want := value.Map{"1": "a", "k": "v", "flag": true, "e": "1", "2": "b"}
	if !value.Equal(got, want) {
		t.Fatalf("got %v", got)
	}
}

func TestStatePersistsAcrossRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	run := func(args ...string) (string, int) {
		var out, errb bytes.Buffer
		f := &Factory{Out: &out, Err: &errb, Getenv: func(string) string { return "" }, Now: time.Now,
			NotifyInterupt: func(ctx context.Context) (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }}
		code := f.Execute(append([]string{"--data-dir", dir, "-o", "json"}, args...))
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, errb.String())
		}
		return out.String(), code
	}
	run("exec", `State.set("agent:a", "k", {n = 1}) return true`)
	out, _ := run("exec", "--engine", "js", `return State.get("agent:a", "k");`)
	if !strings.Contains(out, `"result":{"n":1}`) {
		t.Fatalf("state lost between runs: %s", out)
	}
}

func TestValidate(t *testing.T) {
	good := writeFile(t, "good.lua", "return 1")
	bad := writeFile(t, "bad.js", "var x = ;")
	out, _, code := runCLI(t, "validate", good)
	if code != 0 || !strings.Contains(out, "ok   "+good) {
		t.Fatalf("good: %d %q", code, out)
	}
	out, errOut, code := runCLI(t, "validate", good, bad)
	if code != ExitScript || !strings.Contains(out, "FAIL "+bad+": script_error: bad.js:1") || !strings.Contains(errOut, "1 of 2") {
		t.Fatalf("bad: %d %q %q", code, out, errOut)
	}
	out, _, _ = runCLI(t, "-o", "json", "validate", bad)
	if !strings.Contains(out, `"ok":false`) {
		t.Fatalf("json: %q", out)
	}
	if _, _, code := runCLI(t, "validate"); code != ExitUsage {
		t.Fatalf("no args: %d", code)
	}
}
