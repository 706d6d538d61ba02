package kv_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
)

// backends runs each test on memory and on pebble: every Store must behave
// the same.
func backends(t *testing.T, fn func(t *testing.T, s kv.Store)) {
	t.Run("memory", func(t *testing.T) {
		s := kv.NewMemory()
		defer s.Close()
		fn(t, s)
	})
	t.Run("pebble", func(t *testing.T) {
		s, err := pebblekv.Open(t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		fn(t, s)
	})
}

func TestGetSetDelete(t *testing.T) {
	backends(t, func(t *testing.T, s kv.Store) {
		if _, err := s.Get([]byte("a")); !errs.IsKind(err, errs.KindNotFound) {
			t.Fatalf("missing: %v", err)
		}
		if err := s.Set([]byte("a"), []byte("1")); err != nil {
			t.Fatal(err)
		}
		v, err := s.Get([]byte("a"))
		if err != nil || string(v) != "1" {
			t.Fatalf("get: %q %v", v, err)
		}
		if err := s.Delete([]byte("a")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get([]byte("a")); !errs.IsKind(err, errs.KindNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		if err := s.Delete([]byte("never")); err != nil {
			t.Fatal(err)
		}
	})
}

func TestScanPrefixOrdered(t *testing.T) {
	backends(t, func(t *testing.T, s kv.Store) {
		for _, k := range []string{"b/2", "a/1", "b/1", "b/10", "c", "b"} {
			s.Set([]byte(k), []byte("v"+k))
		}
		var got []string
		s.Scan([]byte("b/"), func(k, v []byte) bool {
			got = append(got, string(k)+"="+string(v))
			return true
		})
		if strings.Join(got, ",") != "b/1=vb/1,b/10=vb/10,b/2=vb/2" {
			t.Fatalf("scan = %v", got)
		}
		n := 0
		s.Scan(nil, func(k, v []byte) bool { n++; return n < 2 })
		if n != 2 {
			t.Fatalf("early stop: %d", n)
		}
	})
}

func TestBatchAtomic(t *testing.T) {
	backends(t, func(t *testing.T, s kv.Store) {
		s.Set([]byte("gone"), []byte("x"))
		b := s.NewBatch()
		b.Set([]byte("x"), []byte("1"))
		b.Set([]byte("y"), []byte("2"))
		b.Delete([]byte("gone"))
		if _, err := s.Get([]byte("x")); err == nil {
			t.Fatal("batch visible before commit")
		}
		if b.Len() != 3 {
			t.Fatalf("len %d", b.Len())
		}
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]string{"x": "1", "y": "2"} {
			if v, _ := s.Get([]byte(k)); string(v) != want {
				t.Fatalf("%s = %q", k, v)
			}
		}
		if _, err := s.Get([]byte("gone")); err == nil {
			t.Fatal("delete in batch lost")
		}
		d := s.NewBatch()
		d.Set([]byte("z"), []byte("1"))
		d.Discard()
		if _, err := s.Get([]byte("z")); err == nil {
			t.Fatal("discarded batch written")
		}
	})
}

func TestClosed(t *testing.T) {
	backends(t, func(t *testing.T, s kv.Store) {
		if err := s.Sync(); err != nil {
			t.Fatalf("sync: %v", err)
		}
		s.Close()
		if err := s.Sync(); !errs.IsKind(err, errs.KindClosed) {
			t.Fatalf("sync after close: %v", err)
		}
		if _, err := s.Get([]byte("a")); !errs.IsKind(err, errs.KindClosed) {
			t.Fatalf("get after close: %v", err)
		}
		if err := s.Set([]byte("a"), nil); !errs.IsKind(err, errs.KindClosed) {
			t.Fatalf("set after close: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("double close: %v", err)
		}
	})
}

func TestConcurrent(t *testing.T) {
	backends(t, func(t *testing.T, s kv.Store) {
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 100; i++ {
					k := []byte(fmt.Sprintf("g%d/%d", g, i))
					if err := s.Set(k, k); err != nil {
						t.Error(err)
						return
					}
					if v, err := s.Get(k); err != nil || string(v) != string(k) {
						t.Errorf("get %s: %q %v", k, v, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		n := 0
		s.Scan([]byte("g"), func(k, v []byte) bool { n++; return true })
		if n != 800 {
			t.Fatalf("n = %d", n)
		}
	})
}

func TestPebbleDurableAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := pebblekv.Open(dir, &pebblekv.Options{Sync: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Set([]byte("k"), []byte("v"))
	s.Close()
	s2, err := pebblekv.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if v, err := s2.Get([]byte("k")); err != nil || string(v) != "v" {
		t.Fatalf("reopen: %q %v", v, err)
	}
}

func TestPebbleLockedFolder(t *testing.T) {
	dir := t.TempDir()
	s, err := pebblekv.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Set([]byte("keep"), []byte("me"))
	_, err = pebblekv.Open(dir, nil)
	if !errs.IsKind(err, errs.KindStorage) || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second open: %v", err)
	}
	if v, err := s.Get([]byte("keep")); err != nil || string(v) != "me" {
		t.Fatalf("first store damaged: %q %v", v, err)
	}
}

func TestPebbleBadFolders(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o600)
	if _, err := pebblekv.Open(file, nil); !errs.IsKind(err, errs.KindStorage) || !strings.Contains(err.Error(), "is a file") {
		t.Fatalf("file: %v", err)
	}
	if os.Geteuid() != 0 { // root ignores permissions
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o500)
		if _, err := pebblekv.Open(ro, nil); !errs.IsKind(err, errs.KindStorage) {
			t.Fatalf("read-only: %v", err)
		}
	}
	if _, err := pebblekv.Open(filepath.Join(file, "sub"), nil); !errs.IsKind(err, errs.KindStorage) {
		t.Fatalf("under a file: %v", err)
	}
}

func TestPrefixEnd(t *testing.T) {
	if string(kv.PrefixEnd([]byte("ab"))) != "ac" || kv.PrefixEnd([]byte{0xff}) != nil ||
		string(kv.PrefixEnd([]byte{'a', 0xff})) != "b" {
		t.Fatal("PrefixEnd")
	}
}

func BenchmarkGet(b *testing.B) {
	for _, name := range []string{"memory", "pebble"} {
		b.Run(name, func(b *testing.B) {
			var s kv.Store = kv.NewMemory()
			if name == "pebble" {
				p, err := pebblekv.Open(b.TempDir(), nil)
				if err != nil {
					b.Fatal(err)
				}
				s = p
			}
			defer s.Close()
			for i := 0; i < 1000; i++ {
				s.Set([]byte(fmt.Sprintf("key/%04d", i)), []byte("value"))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.Get([]byte(fmt.Sprintf("key/%04d", i%1000))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
