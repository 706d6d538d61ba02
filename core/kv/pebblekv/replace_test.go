package pebblekv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
)

func fill(t *testing.T, dir, v string) {
	t.Helper()
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set([]byte("k"), []byte(v)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, dir string) string {
	t.Helper()
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := s.Get([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

func testReplace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	fill(t, dir, "old")
	fresh := FreshDir(dir)
	fill(t, fresh, "new")
	if err := ReplaceDir(dir, fresh); err != nil {
		t.Fatal(err)
	}
	s, err := Open(fresh, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get([]byte("k")); string(v) != "old" {
		t.Fatalf("fresh holds %q, want the old store", v)
	}
	s.Close()
	if got := read(t, dir); got != "new" { // Open also removes the leftover
		t.Fatalf("dir holds %q", got)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Fatalf("leftover %s not removed: %v", fresh, err)
	}
}

func TestReplaceDirExchange(t *testing.T) { testReplace(t) }

func TestReplaceDirFallback(t *testing.T) {
	exchangeFn = func(a, b string) error { return errExchangeUnsupported }
	defer func() { exchangeFn = exchange }()
	testReplace(t)
}

func TestReplaceDirLocked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	fill(t, dir, "old")
	s, err := Open(dir, nil) // Open removes restore leftovers: open first
	if err != nil {
		t.Fatal(err)
	}
	fresh := FreshDir(dir)
	fill(t, fresh, "new")
	err = ReplaceDir(dir, fresh)
	s.Close()
	if !errs.IsKind(err, errs.KindStorage) || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("replace of an open folder: %v", err)
	}
	if got := read(t, dir); got != "old" {
		t.Fatalf("dir holds %q", got)
	}
}

// A crash between the fallback's renames leaves only <dir>.swap; Open puts
// it back.
func TestRecoverInterruptedFallback(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	fill(t, dir, "old")
	if err := os.Rename(dir, dir+".swap"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, dir); got != "old" {
		t.Fatalf("recovered %q", got)
	}
}

func TestReadOnlyAndCheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Set([]byte("k"), []byte("v"))
	ck := filepath.Join(t.TempDir(), "ck")
	if err := s.Checkpoint(ck); err != nil {
		t.Fatal(err)
	}
	s.Set([]byte("k"), []byte("after"))
	r, err := Open(ck, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if v, _ := r.Get([]byte("k")); string(v) != "v" {
		t.Fatalf("checkpoint holds %q", v)
	}
	if err := r.Set([]byte("x"), nil); err == nil {
		t.Fatal("write to a read-only store")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none"), &Options{ReadOnly: true}); !errs.IsKind(err, errs.KindStorage) {
		t.Fatalf("read-only open of a missing folder: %v", err)
	}
}
