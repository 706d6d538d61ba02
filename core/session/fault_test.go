package session_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/session"
	"github.com/llmspell/llmspell-go/internal/faultkv"
)

// TestDiskFullDuringArtifactStore fills the disk while a large artifact
// streams in: the store fails with storage_error, leaves no half artifact
// and no orphan chunks, and earlier artifacts still read back verified.
func TestDiskFullDuringArtifactStore(t *testing.T) {
	base := kv.NewMemory()
	fs := faultkv.New(base)
	m := session.New(fs, nil)
	s, _ := m.Create(ctx, session.CreateOptions{})
	first := randomBytes(50 << 10)
	a, err := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "first"}, first)
	if err != nil {
		t.Fatal(err)
	}
	chunksBefore := 0
	base.Scan([]byte("chunk/"), func(k, v []byte) bool { chunksBefore++; return true })
	fs.FailWritesAfter(3 << 19) // room for one 1 MiB chunk, not three
	_, err = m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "big"}, randomBytes(3<<20))
	if !errs.IsKind(err, errs.KindStorage) || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("store on a full disk: %v", err)
	}
	fs.FailWritesAfter(-1)
	refs := 0
	base.Scan([]byte("chunkref/"), func(k, v []byte) bool { refs++; return true })
	if refs != chunksBefore {
		t.Fatalf("chunk references left behind: %d, want %d", refs, chunksBefore)
	}
	chunksAfter := 0
	base.Scan([]byte("chunk/"), func(k, v []byte) bool { chunksAfter++; return true })
	if chunksAfter != chunksBefore {
		t.Fatalf("failed store left %d orphan chunks", chunksAfter-chunksBefore)
	}
	if _, err := m.Latest(ctx, s.ID, "big"); !errs.IsKind(err, errs.KindNotFound) {
		t.Fatalf("half artifact visible: %v", err)
	}
	if _, data, err := m.GetArtifact(ctx, s.ID, a.Sequence); err != nil || !bytes.Equal(data, first) {
		t.Fatalf("earlier artifact damaged: %v", err)
	}
	got, _ := m.Get(ctx, s.ID)
	if got.ArtifactCount != 1 || got.ArtifactBytes != int64(len(first)) {
		t.Fatalf("session counters changed by a failed store: %+v", got)
	}
}
