package session_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
	"github.com/llmspell/llmspell-go/core/session"
)

// openFiles returns a pebble store in a fresh folder and a manager over it
// whose artifact writes sync the store (sync durability).
func openFiles(t *testing.T) (string, *pebblekv.Store, *session.Manager) {
	t.Helper()
	dir := t.TempDir()
	p, err := pebblekv.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return dir, p, session.New(p, &session.Options{Sync: p.Sync})
}

// blobFiles returns the blob files of a data folder by name (temporary
// files included, so a test sees them).
func blobFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(filepath.Join(dir, "blobs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out[d.Name()] = p
		}
		return nil
	})
	return out
}

func TestBlobFileRoundTrip(t *testing.T) {
	dir, p, m := openFiles(t)
	s, _ := m.Create(ctx, session.CreateOptions{})
	big := append(randomBytes(2<<20), randomBytes(300<<10)...) // three chunks, all files
	small := randomBytes(1 << 10)                              // under the threshold: kv
	compressible := bytes.Repeat([]byte("blob files "), 20000) // 220 KB, LZ4 to ~1 KB: kv
	var arts []*session.Artifact
	for i, c := range [][]byte{big, small, compressible} {
		a, err := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: string(rune('a' + i))}, c)
		if err != nil {
			t.Fatal(err)
		}
		arts = append(arts, a)
	}
	files := blobFiles(t, dir)
	if len(files) != 3 {
		t.Fatalf("want 3 blob files (the chunks of the big artifact), got %v", files)
	}
	for name, path := range files {
		if filepath.Base(filepath.Dir(path)) != name[:2] || strings.HasPrefix(name, ".tmp-") {
			t.Fatalf("blob file %s is not at blobs/<first2>/<hash>", path)
		}
		if v, err := p.Get([]byte("chunk/" + name)); err != nil || len(v) != 1 {
			t.Fatalf("chunk record of a file chunk: %q %v", v, err)
		}
	}
	check := func(m *session.Manager) {
		for i, c := range [][]byte{big, small, compressible} {
			_, data, err := m.GetArtifact(ctx, s.ID, arts[i].Sequence)
			if err != nil || !bytes.Equal(data, c) {
				t.Fatalf("artifact %d: %v", i, err)
			}
		}
	}
	check(m)
	p.Close()
	p2, err := pebblekv.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	check(session.New(p2, nil))
}

func TestBlobFileCorruptionDetected(t *testing.T) {
	dir, _, m := openFiles(t)
	s, _ := m.Create(ctx, session.CreateOptions{})
	a, _ := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "x"}, randomBytes(200<<10))
	for _, path := range blobFiles(t, dir) {
		data, _ := os.ReadFile(path)
		data[len(data)/2] ^= 0x01
		os.WriteFile(path, data, 0o600)
	}
	_, data, err := m.GetArtifact(ctx, s.ID, a.Sequence)
	if !errs.IsKind(err, errs.KindStorage) || !strings.Contains(err.Error(), "integrity") || data != nil {
		t.Fatalf("flipped byte in a blob file not detected: %v", err)
	}
}

func TestBlobFileMissing(t *testing.T) {
	dir, _, m := openFiles(t)
	s, _ := m.Create(ctx, session.CreateOptions{})
	a, _ := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "x"}, randomBytes(200<<10))
	var path string
	for _, p := range blobFiles(t, dir) {
		path = p
		os.Remove(p)
	}
	_, _, err := m.GetArtifact(ctx, s.ID, a.Sequence)
	if !errs.IsKind(err, errs.KindStorage) || !strings.Contains(err.Error(), "missing") || !strings.Contains(err.Error(), path) {
		t.Fatalf("missing blob file: %v", err)
	}
}

func TestBlobFileDedupAndDelete(t *testing.T) {
	dir, _, m := openFiles(t)
	s1, _ := m.Create(ctx, session.CreateOptions{})
	s2, _ := m.Create(ctx, session.CreateOptions{})
	content := randomBytes(500 << 10)
	a1, _ := m.Store(ctx, s1.ID, session.StoreOptions{Type: "custom", Name: "x"}, content)
	a2, err := m.Store(ctx, s2.ID, session.StoreOptions{Type: "custom", Name: "y"}, content)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(blobFiles(t, dir)); n != 1 {
		t.Fatalf("same content in two sessions: %d files, want 1", n)
	}
	if err := m.DeleteArtifact(ctx, s1.ID, a1.Sequence); err != nil {
		t.Fatal(err)
	}
	if n := len(blobFiles(t, dir)); n != 1 {
		t.Fatalf("file removed while still referenced: %d files", n)
	}
	if _, data, err := m.GetArtifact(ctx, s2.ID, a2.Sequence); err != nil || !bytes.Equal(data, content) {
		t.Fatalf("shared content: %v", err)
	}
	if err := m.DeleteArtifact(ctx, s2.ID, a2.Sequence); err != nil {
		t.Fatal(err)
	}
	if files := blobFiles(t, dir); len(files) != 0 {
		t.Fatalf("file left after the last reference went: %v", files)
	}
}

// TestBlobFileBatchedDelete: without a sync per write, a freed file goes
// only at the next sync (its key's removal must be durable first), and
// storing the content again before then keeps it.
func TestBlobFileBatchedDelete(t *testing.T) {
	dir := t.TempDir()
	p, err := pebblekv.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	m := session.New(p, nil)
	s, _ := m.Create(ctx, session.CreateOptions{})
	content := randomBytes(100 << 10)
	a, _ := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "x"}, content)
	m.DeleteArtifact(ctx, s.ID, a.Sequence)
	if n := len(blobFiles(t, dir)); n != 1 {
		t.Fatalf("file removed before the sync: %d files", n)
	}
	a, _ = m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "x"}, content)
	p.Sync()
	if _, data, err := m.GetArtifact(ctx, s.ID, a.Sequence); err != nil || !bytes.Equal(data, content) {
		t.Fatalf("content stored again lost its file: %v", err)
	}
	m.DeleteArtifact(ctx, s.ID, a.Sequence)
	p.Sync()
	if files := blobFiles(t, dir); len(files) != 0 {
		t.Fatalf("file left after the sync: %v", files)
	}
}

func TestMemoryKeepsContentInKV(t *testing.T) {
	store := kv.NewMemory()
	m := session.New(store, nil)
	s, _ := m.Create(ctx, session.CreateOptions{})
	content := randomBytes(300 << 10)
	a, _ := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "x"}, content)
	store.Scan([]byte("chunk/"), func(k, v []byte) bool {
		if len(v) != 300<<10+1 {
			t.Fatalf("memory chunk %s holds %d bytes", k, len(v))
		}
		return true
	})
	if _, data, err := m.GetArtifact(ctx, s.ID, a.Sequence); err != nil || !bytes.Equal(data, content) {
		t.Fatal(err)
	}
	// Behind a Swappable the memory store still keeps content in kv.
	sw := kv.NewSwappable(kv.NewMemory())
	defer sw.Close()
	m = session.New(sw, nil)
	s, _ = m.Create(ctx, session.CreateOptions{})
	a, err := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "x"}, content)
	if err != nil {
		t.Fatal(err)
	}
	if _, data, err := m.GetArtifact(ctx, s.ID, a.Sequence); err != nil || !bytes.Equal(data, content) {
		t.Fatal(err)
	}
}

// TestSaveFollowsSync: Save and artifact writes go through Options.Sync
// (the engine's group commit) when set, and Save syncs the store when not.
func TestSaveFollowsSync(t *testing.T) {
	calls := 0
	m := session.New(kv.NewMemory(), &session.Options{Sync: func() error { calls++; return nil }})
	s, _ := m.Create(ctx, session.CreateOptions{})
	if _, err := m.Save(ctx, s.ID); err != nil || calls != 1 {
		t.Fatalf("save: %d calls, %v", calls, err)
	}
	a, _ := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "x"}, []byte("x"))
	m.DeleteArtifact(ctx, s.ID, a.Sequence)
	if calls != 3 {
		t.Fatalf("artifact store and delete: %d calls, want 3 in all", calls)
	}
	failing := session.New(kv.NewMemory(), &session.Options{Sync: func() error { return errs.New(errs.KindStorage, "disk gone") }})
	s, _ = failing.Create(ctx, session.CreateOptions{})
	if _, err := failing.Save(ctx, s.ID); !errs.IsKind(err, errs.KindStorage) {
		t.Fatalf("a failed sync must fail Save: %v", err)
	}
}

// BenchmarkBlobThreshold stores incompressible artifacts of one chunk in
// kv (pebble) and as blob files, the measurement behind
// DefaultBlobThreshold.
func BenchmarkBlobThreshold(b *testing.B) {
	for _, size := range []int{16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10} {
		for _, where := range []string{"kv", "file"} {
			b.Run(fmt.Sprintf("%dK/%s", size>>10, where), func(b *testing.B) {
				p, _ := pebblekv.Open(b.TempDir(), nil)
				defer p.Close()
				threshold := 1
				if where == "kv" {
					threshold = -1
				}
				m := session.New(p, &session.Options{BlobThreshold: threshold, CompressThreshold: 1 << 30})
				s, _ := m.Create(ctx, session.CreateOptions{})
				content := randomBytes(size)
				b.SetBytes(int64(size))
				for i := 0; b.Loop(); i++ {
					content[0], content[1], content[2] = byte(i), byte(i>>8), byte(i>>16)
					if i%5000 == 4999 {
						s, _ = m.Create(ctx, session.CreateOptions{})
					}
					if _, err := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "x"}, content); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
