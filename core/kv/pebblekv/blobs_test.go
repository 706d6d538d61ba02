package pebblekv

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
)

func TestBlobFiles(t *testing.T) {
	for _, syncWrites := range []bool{false, true} {
		dir := t.TempDir()
		s, err := Open(dir, &Options{Sync: syncWrites})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PutBlob("abcdef", []byte("hello")); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetBlob("abcdef"); err != nil || string(got) != "hello" {
			t.Fatalf("get: %q %v", got, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "blobs", "ab", "abcdef")); err != nil {
			t.Fatal(err)
		}
		if err := s.PutBlob("../x", nil); !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Fatalf("bad name: %v", err)
		}
		// A checkpoint carries the blob files.
		cp := filepath.Join(t.TempDir(), "cp")
		if err := s.Checkpoint(cp); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(filepath.Join(cp, "blobs", "ab", "abcdef")); !bytes.Equal(got, []byte("hello")) {
			t.Fatalf("checkpoint blob: %q", got)
		}
		s.DeleteBlob("abcdef")
		if _, err := os.Stat(filepath.Join(dir, "blobs", "ab", "abcdef")); (err == nil) == syncWrites {
			t.Fatalf("sync=%v: file after delete: %v", syncWrites, err)
		}
		if err := s.Sync(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetBlob("abcdef"); !errs.IsKind(err, errs.KindNotFound) {
			t.Fatalf("deleted blob: %v", err)
		}
		// A temporary file left by a crash is gone after the next Open.
		tmp := filepath.Join(dir, "blobs", "ab", ".tmp-123")
		os.WriteFile(tmp, []byte("half"), 0o600)
		s.Close()
		if s, err = Open(dir, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(tmp); err == nil {
			t.Fatal("temporary blob file survived Open")
		}
		s.Close()
	}
}
