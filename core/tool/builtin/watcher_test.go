package builtin

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/value"
)

func TestFileWatcher(t *testing.T) {
	r, root, outside := fsSetup(t)
	os.WriteFile(filepath.Join(root, "old.txt"), []byte("1"), 0o644)
	os.WriteFile(filepath.Join(root, "gone.txt"), []byte("1"), 0o644)
	os.MkdirAll(filepath.Join(root, "sub"), 0o755)
	// Writers finish before the test returns, or TempDir cleanup races them.
	written := make(chan struct{}, 2)
	defer func() { <-written; <-written }()
	go func() {
		defer func() { written <- struct{}{} }()
		time.Sleep(100 * time.Millisecond)
		os.WriteFile(filepath.Join(root, "new.txt"), []byte("x"), 0o644)
		os.WriteFile(filepath.Join(root, "old.txt"), []byte("22"), 0o644)
		os.Remove(filepath.Join(root, "gone.txt"))
		os.WriteFile(filepath.Join(root, "sub", "deep.txt"), []byte("x"), 0o644)
		os.WriteFile(filepath.Join(root, "skip.log"), []byte("x"), 0o644)
		os.WriteFile(filepath.Join(outside, "changed.txt"), []byte("x"), 0o644) // behind the escape symlink
	}()
	start := time.Now()
	m := invoke(t, r, "file_watcher", value.Map{"input": value.List{root}, "pattern": "*.txt", "debounce_ms": int64(1000), "timeout_ms": int64(8000), "poll_ms": int64(20)}).Result.(value.Map)
	kinds := map[string]string{}
	for _, e := range m["events"].(value.List) {
		e := e.(value.Map)
		kinds[filepath.Base(e["path"].(string))] = e["kind"].(string)
	}
	want := map[string]string{"new.txt": "created", "old.txt": "modified", "gone.txt": "deleted", "deep.txt": "created"}
	for k, v := range want {
		if kinds[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, kinds[k], v, kinds)
		}
	}
	if len(kinds) != len(want) || time.Since(start) > 6*time.Second {
		t.Fatalf("events %v after %s", kinds, time.Since(start))
	}
	// no change: returns at the timeout
	start = time.Now()
	m = invoke(t, r, "file_watcher", value.Map{"input": value.List{root}, "timeout_ms": int64(200)}).Result.(value.Map)
	if m["timed_out"] != true || m["count"] != int64(0) || time.Since(start) < 150*time.Millisecond || time.Since(start) > 2*time.Second {
		t.Fatalf("timeout %v after %s", m, time.Since(start))
	}
	// max_events, not recursive
	go func() {
		defer func() { written <- struct{}{} }()
		time.Sleep(80 * time.Millisecond)
		for _, n := range []string{"a", "b", "c", "d"} {
			os.WriteFile(filepath.Join(root, n), nil, 0o644)
		}
		os.WriteFile(filepath.Join(root, "sub", "e"), nil, 0o644)
	}()
	m = invoke(t, r, "file_watcher", value.Map{"input": value.List{root}, "recursive": false, "max_events": int64(2), "timeout_ms": int64(3000), "poll_ms": int64(10), "debounce_ms": int64(500)}).Result.(value.Map)
	if m["count"] != int64(2) {
		t.Fatalf("max_events %v", m)
	}
	if m := invoke(t, r, "file_watcher", value.Map{"operation": "config"}).Result.(value.Map); m["mode"] != "polling" {
		t.Fatalf("config %v", m)
	}
	for _, p := range []string{filepath.Join(root, ".."), filepath.Join(root, "escape"), filepath.Join(root, "secret-link"), outside} {
		wantDenied(t, r, "file_watcher", value.Map{"input": value.List{root, p}, "timeout_ms": int64(100)})
	}
}
