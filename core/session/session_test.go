package session_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
	"github.com/llmspell/llmspell-go/core/session"
	"github.com/llmspell/llmspell-go/core/value"
)

var ctx = context.Background()

// each runs fn on memory and pebble stores.
func each(t *testing.T, opts *session.Options, fn func(t *testing.T, m *session.Manager, store kv.Store)) {
	for _, backend := range []string{"memory", "pebble"} {
		t.Run(backend, func(t *testing.T) {
			var store kv.Store = kv.NewMemory()
			if backend == "pebble" {
				p, err := pebblekv.Open(t.TempDir(), nil)
				if err != nil {
					t.Fatal(err)
				}
				store = p
			}
			defer store.Close()
			fn(t, session.New(store, opts), store)
		})
	}
}

func TestLifecycle(t *testing.T) {
	each(t, nil, func(t *testing.T, m *session.Manager, _ kv.Store) {
		s, err := m.Create(ctx, session.CreateOptions{Name: "research", Tags: []string{"a", "b"}})
		if err != nil || s.Status != session.StatusActive {
			t.Fatalf("create: %v %v", s, err)
		}
		moves := []struct {
			to session.Status
			ok bool
		}{
			{session.StatusArchived, false}, {session.StatusSuspended, true}, {session.StatusSuspended, false},
			{session.StatusActive, true}, {session.StatusCompleted, true}, {session.StatusActive, false},
			{session.StatusArchived, true}, {session.StatusFailed, false},
		}
		for i, mv := range moves {
			_, err := m.Transition(ctx, s.ID, mv.to, "")
			if (err == nil) != mv.ok {
				t.Fatalf("move %d to %s: %v", i, mv.to, err)
			}
			if err != nil && !errs.IsKind(err, errs.KindConflict) {
				t.Fatalf("invalid move must be a conflict: %v", err)
			}
		}
		got, _ := m.Get(ctx, s.ID)
		if got.Status != session.StatusArchived || got.Name != "research" || len(got.Tags) != 2 {
			t.Fatalf("after moves: %+v", got)
		}
		f, _ := m.Create(ctx, session.CreateOptions{Name: "x"})
		f, err = m.Transition(ctx, f.ID, session.StatusFailed, "model down")
		if err != nil || f.FailReason != "model down" {
			t.Fatalf("fail: %+v %v", f, err)
		}
		if _, err := m.Get(ctx, "nope"); !errs.IsKind(err, errs.KindNotFound) {
			t.Fatalf("missing: %v", err)
		}
		if _, err := m.Create(ctx, session.CreateOptions{Parent: "nope"}); !errs.IsKind(err, errs.KindNotFound) {
			t.Fatalf("bad parent: %v", err)
		}
	})
}

func TestListQueryCurrentMetadata(t *testing.T) {
	each(t, nil, func(t *testing.T, m *session.Manager, _ kv.Store) {
		a, _ := m.Create(ctx, session.CreateOptions{Name: "a", Tags: []string{"x"}})
		b, _ := m.Create(ctx, session.CreateOptions{Name: "b", Tags: []string{"x", "y"}, Parent: a.ID})
		m.Create(ctx, session.CreateOptions{Name: "c"})
		m.Transition(ctx, b.ID, session.StatusSuspended, "")
		for _, c := range []struct {
			q    session.Query
			want int
		}{
			{session.Query{}, 3}, {session.Query{Tags: []string{"x"}}, 2}, {session.Query{Tags: []string{"x", "y"}}, 1},
			{session.Query{Status: session.StatusSuspended}, 1}, {session.Query{Parent: a.ID}, 1}, {session.Query{Limit: 2}, 2},
		} {
			got, err := m.List(ctx, &c.q)
			if err != nil || len(got) != c.want {
				t.Fatalf("%+v: %d %v", c.q, len(got), err)
			}
		}
		if err := m.SetCurrent(ctx, b.ID); err != nil || m.Current() != b.ID {
			t.Fatal("current")
		}
		if err := m.SetCurrent(ctx, "nope"); !errs.IsKind(err, errs.KindNotFound) {
			t.Fatal("set current to missing")
		}
		if s, _ := m.UpdateMetadata(ctx, a.ID, value.Map{"k": "v", "n": int64(1)}); s.Metadata["n"] != int64(1) {
			t.Fatalf("metadata set: %v", s.Metadata)
		}
		s, _ := m.UpdateMetadata(ctx, a.ID, value.Map{"n": nil})
		if !value.Equal(s.Metadata, value.Map{"k": "v"}) {
			t.Fatalf("metadata %v", s.Metadata)
		}
	})
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestArtifactRoundTripSizes(t *testing.T) {
	each(t, nil, func(t *testing.T, m *session.Manager, _ kv.Store) {
		s, _ := m.Create(ctx, session.CreateOptions{})
		cases := map[string][]byte{
			"empty":        {},
			"binary":       {0, 1, 2, 0xff, 0, '\n'},
			"small-text":   []byte("hello"),
			"compressible": bytes.Repeat([]byte("abcdefgh"), 4000), // 32 KB, compresses
			"random-50k":   randomBytes(50 << 10),                  // does not compress
			"chunked":      append(bytes.Repeat([]byte("z"), 2<<20), randomBytes(300<<10)...),
		}
		for name, content := range cases {
			a, err := m.Store(ctx, s.ID, session.StoreOptions{Type: "tool_result", Name: name, Tags: []string{"t"}}, content)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got, data, err := m.GetArtifact(ctx, s.ID, a.Sequence)
			if err != nil || !bytes.Equal(data, content) || got.Size != int64(len(content)) {
				t.Fatalf("%s: roundtrip failed: %v (len %d vs %d)", name, err, len(data), len(content))
			}
			switch name {
			case "compressible":
				if !a.Compressed || a.StoredSize >= a.Size {
					t.Fatalf("compressible content not compressed: %+v", a)
				}
			case "random-50k":
				if a.Compressed {
					t.Fatal("incompressible content marked compressed")
				}
			case "small-text":
				if a.Compressed {
					t.Fatal("content under the threshold compressed")
				}
			}
		}
		got, _ := m.Get(ctx, s.ID)
		if got.ArtifactCount != int64(len(cases)) {
			t.Fatalf("count %d", got.ArtifactCount)
		}
	})
}

func TestDedupAndDeleteReleasesContent(t *testing.T) {
	each(t, nil, func(t *testing.T, m *session.Manager, store kv.Store) {
		s1, _ := m.Create(ctx, session.CreateOptions{})
		s2, _ := m.Create(ctx, session.CreateOptions{})
		content := append(randomBytes(1<<20), randomBytes(10)...) // two chunks
		a1, _ := m.Store(ctx, s1.ID, session.StoreOptions{Type: "agent_output", Name: "x"}, content)
		a2, _ := m.Store(ctx, s2.ID, session.StoreOptions{Type: "agent_output", Name: "y"}, content)
		if a1.ContentHash != a2.ContentHash {
			t.Fatal("same content, different hashes")
		}
		countChunks := func() int {
			n := 0
			store.Scan([]byte("chunk/"), func(k, v []byte) bool { n++; return true })
			return n
		}
		if n := countChunks(); n != 2 {
			t.Fatalf("dedup failed: %d chunks stored", n)
		}
		m.DeleteArtifact(ctx, s1.ID, a1.Sequence)
		if n := countChunks(); n != 2 {
			t.Fatalf("content removed while still referenced: %d chunks", n)
		}
		if _, data, err := m.GetArtifact(ctx, s2.ID, a2.Sequence); err != nil || !bytes.Equal(data, content) {
			t.Fatal("shared content lost")
		}
		if err := m.Delete(ctx, s2.ID); err != nil {
			t.Fatal(err)
		}
		if n := countChunks(); n != 0 {
			t.Fatalf("content left after its last reference went: %d chunks", n)
		}
		n := 0
		store.Scan([]byte("blob/"), func(k, v []byte) bool { n++; return true })
		store.Scan([]byte("chunkref/"), func(k, v []byte) bool { n++; return true })
		if n != 0 {
			t.Fatalf("%d content records left", n)
		}
	})
}

func TestVersionsAndQuery(t *testing.T) {
	each(t, nil, func(t *testing.T, m *session.Manager, _ kv.Store) {
		s, _ := m.Create(ctx, session.CreateOptions{})
		v1, _ := m.Store(ctx, s.ID, session.StoreOptions{Type: "user_input", Name: "draft.md", Tags: []string{"doc"}}, []byte("one"))
		v2, _ := m.Store(ctx, s.ID, session.StoreOptions{Type: "user_input", Name: "draft.md", Tags: []string{"doc"}}, []byte("two"))
		m.Store(ctx, s.ID, session.StoreOptions{Type: "custom:note", Name: "note.txt"}, []byte("n"))
		if v2.Version != 2 || v2.Previous != v1.Sequence {
			t.Fatalf("versioning: %+v", v2)
		}
		latest, _ := m.Latest(ctx, s.ID, "draft.md")
		if latest.Sequence != v2.Sequence {
			t.Fatal("latest")
		}
		m.DeleteArtifact(ctx, s.ID, v2.Sequence)
		latest, err := m.Latest(ctx, s.ID, "draft.md")
		if err != nil || latest.Sequence != v1.Sequence {
			t.Fatalf("name did not fall back to v1: %v %v", latest, err)
		}
		for _, c := range []struct {
			q    session.ArtifactQuery
			want int
		}{
			{session.ArtifactQuery{SessionID: s.ID}, 2}, {session.ArtifactQuery{Type: "custom:note"}, 1},
			{session.ArtifactQuery{NamePattern: "*.md"}, 1}, {session.ArtifactQuery{Tags: []string{"doc"}}, 1},
			{session.ArtifactQuery{MinSize: 2}, 1}, {session.ArtifactQuery{MaxSize: 1}, 1},
		} {
			got, err := m.QueryArtifacts(ctx, &c.q)
			if err != nil || len(got) != c.want {
				t.Fatalf("%+v: %d %v", c.q, len(got), err)
			}
		}
		if _, err := m.QueryArtifacts(ctx, &session.ArtifactQuery{NamePattern: "["}); !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Fatalf("bad pattern: %v", err)
		}
	})
}

func TestCorruptionDetected(t *testing.T) {
	each(t, nil, func(t *testing.T, m *session.Manager, store kv.Store) {
		s, _ := m.Create(ctx, session.CreateOptions{})
		content := append(randomBytes(1<<20), []byte("tail")...)
		a, _ := m.Store(ctx, s.ID, session.StoreOptions{Type: "tool_result", Name: "x"}, content)
		// Flip one byte in the second chunk.
		var key []byte
		var val []byte
		i := 0
		store.Scan([]byte("chunk/"), func(k, v []byte) bool {
			if len(v) > 1 && len(v) < 100 { // the tail chunk, kept in kv (one byte: a file chunk)
				key, val = append([]byte(nil), k...), append([]byte(nil), v...)
			}
			i++
			return true
		})
		val[len(val)-1] ^= 0x01
		store.Set(key, val)
		_, data, err := m.GetArtifact(ctx, s.ID, a.Sequence)
		if !errs.IsKind(err, errs.KindStorage) || !strings.Contains(err.Error(), "integrity") || data != nil {
			t.Fatalf("corruption not detected: %v (data %d bytes)", err, len(data))
		}
		// A streaming reader gets the good first chunk, then the error: the
		// bad chunk's bytes are never returned.
		r, _, _ := m.Open(ctx, s.ID, a.Sequence)
		got, err := io.ReadAll(r)
		if !errs.IsKind(err, errs.KindStorage) || len(got) != 1<<20 {
			t.Fatalf("stream: %d bytes, %v", len(got), err)
		}
	})
}

func TestLimits(t *testing.T) {
	each(t, &session.Options{MaxArtifacts: 2, MaxSessionBytes: 100}, func(t *testing.T, m *session.Manager, _ kv.Store) {
		s, _ := m.Create(ctx, session.CreateOptions{})
		if _, err := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "big"}, make([]byte, 101)); !errs.IsKind(err, errs.KindLimit) {
			t.Fatalf("bytes limit: %v", err)
		}
		m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "a"}, []byte("1"))
		m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "b"}, []byte("2"))
		if _, err := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "c"}, []byte("3")); !errs.IsKind(err, errs.KindLimit) {
			t.Fatalf("count limit: %v", err)
		}
		got, _ := m.Get(ctx, s.ID)
		if got.ArtifactCount != 2 || got.ArtifactBytes != 2 {
			t.Fatalf("counters %+v", got)
		}
	})
}

func TestBadArtifactInput(t *testing.T) {
	each(t, nil, func(t *testing.T, m *session.Manager, _ kv.Store) {
		s, _ := m.Create(ctx, session.CreateOptions{})
		for _, o := range []session.StoreOptions{{Type: "weird", Name: "x"}, {Type: "custom", Name: ""}, {Type: "custom", Name: "a\x00b"}, {Type: "custom:", Name: "x"}} {
			if _, err := m.Store(ctx, s.ID, o, nil); !errs.IsKind(err, errs.KindInvalidArgument) {
				t.Errorf("%+v: %v", o, err)
			}
		}
		if _, err := m.Store(ctx, "nope", session.StoreOptions{Type: "custom", Name: "x"}, nil); !errs.IsKind(err, errs.KindNotFound) {
			t.Fatalf("missing session: %v", err)
		}
		if _, _, err := m.GetArtifact(ctx, s.ID, 99); !errs.IsKind(err, errs.KindNotFound) {
			t.Fatalf("missing artifact: %v", err)
		}
		m.Transition(ctx, s.ID, session.StatusCompleted, "")
		m.Transition(ctx, s.ID, session.StatusArchived, "")
		if _, err := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "x"}, nil); !errs.IsKind(err, errs.KindConflict) {
			t.Fatalf("archived session: %v", err)
		}
	})
}

func TestStoreFileAndConcurrentWriters(t *testing.T) {
	each(t, nil, func(t *testing.T, m *session.Manager, _ kv.Store) {
		s, _ := m.Create(ctx, session.CreateOptions{})
		p := filepath.Join(t.TempDir(), "report.txt")
		os.WriteFile(p, []byte("file body"), 0o600)
		a, err := m.StoreFile(ctx, s.ID, p, session.StoreOptions{Type: "system_generated", MIMEType: "text/plain"})
		if err != nil || a.Name != "report.txt" || a.MIMEType != "text/plain" {
			t.Fatalf("store file: %+v %v", a, err)
		}
		shared := randomBytes(300 << 10)
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					if _, err := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "same"}, shared); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		latest, _ := m.Latest(ctx, s.ID, "same")
		if latest.Version != 40 {
			t.Fatalf("versions = %d, want 40", latest.Version)
		}
		if err := m.Delete(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkArtifactStore(b *testing.B) {
	for _, size := range []int{1 << 10, 100 << 10, 1 << 20} {
		for _, compressible := range []bool{false, true} {
			name := map[int]string{1 << 10: "1KB", 100 << 10: "100KB", 1 << 20: "1MB"}[size]
			if compressible {
				name += "-lz4"
			}
			b.Run(name, func(b *testing.B) {
				p, _ := pebblekv.Open(b.TempDir(), nil)
				defer p.Close()
				m := session.New(p, nil)
				s, _ := m.Create(ctx, session.CreateOptions{})
				content := randomBytes(size)
				if compressible {
					content = bytes.Repeat([]byte("llmspell "), size/9+1)[:size]
				}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					content[0] = byte(i) // distinct content each time: no dedup
					content[1] = byte(i >> 8)
					if _, err := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "x"}, content); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkSessionCreate(b *testing.B) {
	p, _ := pebblekv.Open(b.TempDir(), nil)
	defer p.Close()
	m := session.New(p, nil)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := m.Create(ctx, session.CreateOptions{Name: "s", Tags: []string{"a"}}); err != nil {
			b.Fatal(err)
		}
	}
}
