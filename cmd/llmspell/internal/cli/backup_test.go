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

// backupCLI runs the command line on one data folder.
func backupCLI(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	f := &Factory{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(string) string { return "" }, Now: time.Now,
		NotifyInterupt: func(ctx context.Context) (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }}
	code = f.Execute(append([]string{"--data-dir", dir}, args...))
	return out.String(), errb.String(), code
}

func mustJSON(t *testing.T, s string) value.Value {
	t.Helper()
	v, err := value.DecodeString(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("not JSON: %q", s)
	}
	return v
}

func TestBackupCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ok := func(args ...string) string {
		t.Helper()
		out, errOut, code := backupCLI(t, dir, args...)
		if code != 0 {
			t.Fatalf("%v: code %d: %s", args, code, errOut)
		}
		return out
	}
	// An empty backup folder lists nothing and succeeds.
	if out := ok("backup", "list"); out != "" {
		t.Fatalf("empty list: %q", out)
	}
	ok("exec", `State.set("k", "v1") return true`)
	doc := mustJSON(t, ok("-o", "json", "backup", "create", "--label", "first"))
	full, _ := value.Get(doc, "backup.id")
	if k, _ := value.Get(doc, "backup.kind"); k != "full" {
		t.Fatalf("create: %v", doc)
	}
	ok("exec", `State.set("k", "v2") return true`)
	out := ok("backup", "create", "--incremental")
	if !strings.Contains(out, "created incremental backup") {
		t.Fatalf("create text: %q", out)
	}
	doc = mustJSON(t, ok("-o", "json", "backup", "list"))
	list, _ := value.Get(doc, "backups")
	if l, ok := list.(value.List); !ok || len(l) != 2 || l[1].(value.Map)["id"] != full || l[0].(value.Map)["parent"] != full {
		t.Fatalf("list: %v", doc)
	}
	if d, _ := value.Get(doc, "dir"); d != dir+".backups" {
		t.Fatalf("dir: %v", d)
	}
	if out := ok("backup", "list"); !strings.Contains(out, "incremental") || !strings.Contains(out, "first") {
		t.Fatalf("list text: %q", out)
	}
	doc = mustJSON(t, ok("-o", "json", "backup", "info", full.(string)))
	if files, _ := value.Get(doc, "backup.files"); len(files.(value.List)) == 0 {
		t.Fatalf("info: %v", doc)
	}
	if out := ok("backup", "info", "latest"); !strings.Contains(out, "parent:   "+full.(string)) {
		t.Fatalf("info text: %q", out)
	}
	doc = mustJSON(t, ok("-o", "json", "backup", "validate", "--all"))
	if r, _ := value.Get(doc, "results"); len(r.(value.List)) != 2 || r.(value.List)[0].(value.Map)["valid"] != true {
		t.Fatalf("validate: %v", doc)
	}
	// Restore the full backup; the state goes back to v1.
	doc = mustJSON(t, ok("-o", "json", "backup", "restore", full.(string)))
	if id, _ := value.Get(doc, "restored.id"); id != full {
		t.Fatalf("restore: %v", doc)
	}
	if out := ok("exec", `return State.get("k")`); out != "\"v1\"\n" {
		t.Fatalf("after restore: %q", out)
	}
	// Cleanup: dry run first, then for real with an override.
	doc = mustJSON(t, ok("-o", "json", "backup", "cleanup", "--dry-run", "--max-count", "1"))
	if r, _ := value.Get(doc, "removed"); len(r.(value.List)) != 0 { // the newest needs its parent
		t.Fatalf("cleanup dry run: %v", doc)
	}
	ok("backup", "create")
	out = ok("backup", "cleanup", "--max-count", "1")
	if !strings.Contains(out, "removed 2") && !strings.Contains(out, "kept 1, removed 2") {
		t.Fatalf("cleanup: %q", out)
	}
	doc = mustJSON(t, ok("-o", "json", "backup", "list"))
	if l, _ := value.Get(doc, "backups"); len(l.(value.List)) != 1 {
		t.Fatalf("after cleanup: %v", doc)
	}
}

func TestBackupValidateCorrupt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	backupCLI(t, dir, "exec", `for i = 1, 500 do State.set("k" .. i, string.rep("x", 100)) end`)
	out, errOut, code := backupCLI(t, dir, "-o", "json", "backup", "create")
	if code != 0 {
		t.Fatal(errOut)
	}
	id, _ := value.Get(mustJSON(t, out), "backup.id")
	blobs, _ := filepath.Glob(filepath.Join(dir+".backups", id.(string), "blobs", "*.zst"))
	var victim string
	var size int64
	for _, p := range blobs {
		if st, _ := os.Stat(p); st.Size() > size {
			victim, size = p, st.Size()
		}
	}
	b, _ := os.ReadFile(victim)
	b[len(b)/2] ^= 0x10
	os.WriteFile(victim, b, 0o600)
	out, errOut, code = backupCLI(t, dir, "backup", "validate", id.(string))
	if code != ExitFailure || !strings.Contains(out, "INVALID") || !strings.Contains(errOut, "storage_error") || !strings.Contains(errOut, "is corrupt") {
		t.Fatalf("code %d out %q err %q", code, out, errOut)
	}
	_, errOut, code = backupCLI(t, dir, "backup", "restore", id.(string))
	if code != ExitFailure || !strings.Contains(errOut, "corrupt") {
		t.Fatalf("restore of a corrupt backup: %d %q", code, errOut)
	}
	out, _, _ = backupCLI(t, dir, "exec", `return State.get("k1")`)
	if !strings.Contains(out, "xxx") {
		t.Fatalf("state changed by a failed restore: %q", out)
	}
}

func TestBackupUsageAndLockErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cases := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"backup"}, ExitUsage, "backup needs a command"},
		{[]string{"backup", "restore"}, ExitUsage, "restore needs a backup id"},
		{[]string{"backup", "validate"}, ExitUsage, "--all"},
		{[]string{"backup", "validate", "x", "--all"}, ExitUsage, "not both"},
		{[]string{"backup", "info", "../x"}, ExitUsage, "invalid backup id"},
		{[]string{"backup", "info", "nope"}, ExitFailure, "not_found"},
		{[]string{"backup", "cleanup", "--max-count", "-1"}, ExitUsage, "negative"},
		{[]string{"backup", "create", "--bogus"}, ExitUsage, "unknown flag"},
	}
	for _, c := range cases {
		_, errOut, code := backupCLI(t, dir, c.args...)
		if code != c.code || !strings.Contains(errOut, c.err) {
			t.Errorf("%v: code %d (want %d), stderr %q (want %q)", c.args, code, c.code, errOut, c.err)
		}
	}
	// create and restore need the data folder; list does not.
	var out bytes.Buffer
	f := &Factory{Out: &out, Err: &out, Getenv: func(string) string { return "" }, Now: time.Now, DataDir: dir}
	eng, _, err := f.newHost(&out)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if _, err := eng.Backups().Create(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := backupCLI(t, dir, "backup", "restore", "latest"); code != ExitFailure || !strings.Contains(errOut, "in use") {
		t.Fatalf("restore of a held folder: %d %q", code, errOut)
	}
	if o, errOut, code := backupCLI(t, dir, "backup", "list"); code != 0 || !strings.Contains(o, "full") {
		t.Fatalf("list beside a running engine: %d %q %q", code, o, errOut)
	}
	// --backup-dir overrides the folder.
	other := filepath.Join(t.TempDir(), "elsewhere")
	if o, _, code := backupCLI(t, dir, "-o", "json", "backup", "--backup-dir", other, "list"); code != 0 || !strings.Contains(o, other) {
		t.Fatalf("--backup-dir: %d %q", code, o)
	}
}
