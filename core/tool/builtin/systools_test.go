package builtin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/redact"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

func TestProcessExecutor(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	os.Symlink(outside, filepath.Join(root, "escape"))
	p := tool.DefaultPolicy()
	p.FileRoots = []string{root}
	p.Executables = []string{"echo", "env", "cat", "sleep", "false", "head", "pwd", "no-such-program-xyz"}
	r := newRegistry(t, p)
	run := func(params value.Map) value.Map {
		t.Helper()
		env := invoke(t, r, "process_executor", params)
		if !env.Success {
			t.Fatalf("%v: %v", params, env.Error)
		}
		return env.Result.(value.Map)
	}
	// shell metacharacters arrive literally: no shell ever sees them
	args := value.List{"a; touch pwned", "$(touch pwned2)", "`id`", "x | cat", "> out.txt", "&& rm -rf /", "*", "$HOME", "'q\"", "\\n"}
	want := []string{}
	for _, a := range args {
		want = append(want, a.(string))
	}
	m := run(value.Map{"executable": "echo", "arguments": args, "working_directory": root})
	if m["stdout"] != strings.Join(want, " ")+"\n" || m["exit_code"] != int64(0) {
		t.Fatalf("echo: %q", m["stdout"])
	}
	for _, f := range []string{"pwned", "pwned2", "out.txt"} {
		if _, err := os.Stat(filepath.Join(root, f)); err == nil {
			t.Fatalf("%s exists: a shell ran", f)
		}
	}
	if m := run(value.Map{"executable": "cat", "input": "from stdin"}); m["stdout"] != "from stdin" {
		t.Fatalf("stdin %v", m)
	}
	if m := run(value.Map{"executable": "pwd", "working_directory": root}); strings.TrimSpace(m["stdout"].(string)) != mustReal(t, root) {
		t.Fatalf("pwd %v", m)
	}
	os.Setenv("LLMSPELL_TEST_HOST_SECRET", "hidden")
	defer os.Unsetenv("LLMSPELL_TEST_HOST_SECRET")
	m = run(value.Map{"executable": "env", "environment": value.Map{"FOO": "bar baz"}})
	if !strings.Contains(m["stdout"].(string), "FOO=bar baz\n") || strings.Contains(m["stdout"].(string), "LLMSPELL_TEST_HOST_SECRET") {
		t.Fatalf("environment %q", m["stdout"])
	}
	if m := run(value.Map{"executable": "false"}); m["exit_code"] != int64(1) || m["success"] != false {
		t.Fatalf("false %v", m)
	}
	if m := run(value.Map{"executable": "head", "arguments": value.List{"-c", "3000000", "/dev/zero"}}); m["truncated"] != true || len(m["stdout"].(string)) != processMaxOutput {
		t.Fatalf("cap: truncated=%v len=%d", m["truncated"], len(m["stdout"].(string)))
	}
	start := time.Now()
	if _, err := r.Invoke(ctx, "process_executor", value.Map{"executable": "sleep", "arguments": value.List{"10"}, "timeout_ms": int64(200)}); !errs.IsKind(err, errs.KindTimeout) {
		t.Fatalf("timeout: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("timeout took %s", d)
	}
	wantToolError(t, r, "process_executor", value.Map{"executable": "no-such-program-xyz"}, errs.KindTool, "not found")
	for _, exe := range []string{"sh", "bash", "/bin/sh", "rm", "echo; rm", ""} {
		wantDenied(t, r, "process_executor", value.Map{"executable": exe, "arguments": value.List{"-c", "echo hi"}})
	}
	// a path whose base name is allowed is not enough
	os.WriteFile(filepath.Join(root, "echo"), []byte("#!/bin/sh\necho evil\n"), 0o755)
	wantDenied(t, r, "process_executor", value.Map{"executable": filepath.Join(root, "echo")})
	wantDenied(t, r, "process_executor", value.Map{"executable": "./echo", "working_directory": root})
	wantDenied(t, r, "process_executor", value.Map{"executable": "pwd", "working_directory": outside})
	wantDenied(t, r, "process_executor", value.Map{"executable": "pwd", "working_directory": filepath.Join(root, "escape")})
	wantDenied(t, r, "process_executor", value.Map{"executable": "pwd", "working_directory": filepath.Join(root, "..")})
	if _, err := r.Invoke(ctx, "process_executor", value.Map{"executable": "env", "environment": value.Map{"A=B": "x"}}); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatalf("bad env name: %v", err)
	}
}

func mustReal(t *testing.T, p string) string {
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEnvironmentReader(t *testing.T) {
	// CI exports LLMSPELL_TEST_PG_DSN (database_connector); hide it so the
	// LLMSPELL_TEST_* pattern below sees only this test's variables.
	t.Setenv("LLMSPELL_TEST_PG_DSN", "")
	os.Unsetenv("LLMSPELL_TEST_PG_DSN")
	os.Setenv("LLMSPELL_TEST_PLAIN", "visible")
	os.Setenv("LLMSPELL_TEST_API_KEY", "abc")
	os.Setenv("LLMSPELL_TEST_OTHER", "sk-ant-abcdefghijklmnopqrstuvwxyz")
	defer func() {
		for _, k := range []string{"LLMSPELL_TEST_PLAIN", "LLMSPELL_TEST_API_KEY", "LLMSPELL_TEST_OTHER"} {
			os.Unsetenv(k)
		}
	}()
	r1, r2 := newRegistry(t, nil), newRegistry(t, nil)
	get := func(r *tool.Registry, name string) value.Map {
		t.Helper()
		return invoke(t, r, "environment_reader", value.Map{"operation": "get", "name": name}).Result.(value.Map)
	}
	if m := get(r1, "LLMSPELL_TEST_PLAIN"); m["value"] != "visible" || m["exists"] != true {
		t.Fatalf("get %v", m)
	}
	if m := get(r1, "LLMSPELL_TEST_API_KEY"); m["value"] != redact.Mask {
		t.Fatalf("secret name %v", m)
	}
	if m := get(r1, "LLMSPELL_TEST_OTHER"); m["value"] != redact.Mask {
		t.Fatalf("secret value %v", m)
	}
	if m := get(r1, "LLMSPELL_TEST_MISSING"); m["exists"] != false {
		t.Fatalf("missing %v", m)
	}
	invoke(t, r1, "environment_reader", value.Map{"operation": "set", "name": "LLMSPELL_TEST_SET", "value": "mine"})
	if m := get(r1, "LLMSPELL_TEST_SET"); m["value"] != "mine" {
		t.Fatalf("set %v", m)
	}
	if m := get(r2, "LLMSPELL_TEST_SET"); m["exists"] != false {
		t.Fatalf("set leaked to another engine %v", m)
	}
	if _, ok := os.LookupEnv("LLMSPELL_TEST_SET"); ok {
		t.Fatal("set changed the process environment")
	}
	m := invoke(t, r1, "environment_reader", value.Map{"operation": "pattern", "pattern": "LLMSPELL_TEST_*"}).Result.(value.Map)
	vars := m["variables"].(value.Map)
	if m["count"] != int64(4) || vars["LLMSPELL_TEST_API_KEY"] != redact.Mask || vars["LLMSPELL_TEST_SET"] != "mine" {
		t.Fatalf("pattern %v", m)
	}
	if m := invoke(t, r1, "environment_reader", value.Map{"operation": "list"}).Result.(value.Map); m["count"].(int64) < 4 {
		t.Fatalf("list %v", m)
	}
	wantToolError(t, r1, "environment_reader", value.Map{"operation": "pattern", "pattern": "[x"}, errs.KindTool, "invalid pattern")
	if _, err := r1.Invoke(ctx, "environment_reader", value.Map{"operation": "set", "name": "A=B", "value": "x"}); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatal(err)
	}
}

func TestSystemMonitor(t *testing.T) {
	r := newRegistry(t, nil)
	m := invoke(t, r, "system_monitor", value.Map{"interval_ms": int64(50)}).Result.(value.Map)
	cpu, mem, proc := m["cpu"].(value.Map), m["memory"].(value.Map), m["process"].(value.Map)
	if cpu["cores"].(int64) < 1 || mem["total_bytes"].(int64) <= 0 || proc["pid"] != int64(os.Getpid()) || proc["rss_bytes"].(int64) <= 0 {
		t.Fatalf("all %v", m)
	}
	if u, ok := cpu["usage_percent"].(float64); !ok || u < 0 || u > 100 {
		t.Fatalf("cpu %v", cpu)
	}
	disk := invoke(t, r, "system_monitor", value.Map{"operation": "disk"}).Result.(value.Map)["disk"].(value.List)
	if d := disk[0].(value.Map); d["path"] != "/" || d["total_bytes"].(int64) <= 0 {
		t.Fatalf("disk %v", disk)
	}
	if m := invoke(t, r, "system_monitor", value.Map{"operation": "memory"}).Result.(value.Map); m["cpu"] != nil || m["memory"] == nil {
		t.Fatalf("memory only %v", m)
	}
}
