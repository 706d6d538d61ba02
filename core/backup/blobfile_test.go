package backup_test

import (
	"bytes"
	"crypto/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/backup"
	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
	"github.com/llmspell/llmspell-go/core/session"
)

// TestBackupRestoreBlobFiles backs up a store whose artifact content lives
// in blob files, deletes the artifact (and its files), restores, and reads
// the content back verified from the restored folder.
func TestBackupRestoreBlobFiles(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	p, err := pebblekv.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	m := session.New(p, &session.Options{Sync: p.Sync})
	s, _ := m.Create(ctx, session.CreateOptions{})
	content := make([]byte, 3<<20+12345)
	rand.Read(content)
	a, err := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: "big"}, content)
	if err != nil {
		t.Fatal(err)
	}
	bm, err := backup.New(p, &backup.Options{Dir: filepath.Join(root, "backups"), Open: openPebble})
	if err != nil {
		t.Fatal(err)
	}
	for _, incremental := range []bool{false, true} {
		man, err := bm.Create(ctx, &backup.CreateOptions{Incremental: incremental})
		if err != nil {
			t.Fatal(err)
		}
		blobs := 0
		for _, f := range man.Files {
			if strings.HasPrefix(f.Name, "blobs/") {
				blobs++
			}
		}
		if blobs != 3 {
			t.Fatalf("backup holds %d blob files, want the 3 full chunks (the 12 KB tail stays in kv)", blobs)
		}
	}
	if err := m.DeleteArtifact(ctx, s.ID, a.Sequence); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.GetArtifact(ctx, s.ID, a.Sequence); err == nil {
		t.Fatal("artifact still there after delete")
	}

	dest := filepath.Join(root, "restored")
	if _, err := bm.Restore(ctx, "latest", dest); err != nil {
		t.Fatal(err)
	}
	r, err := pebblekv.Open(dest, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, data, err := session.New(r, nil).GetArtifact(ctx, s.ID, a.Sequence)
	if err != nil || !bytes.Equal(data, content) {
		t.Fatalf("restored artifact: %v", err)
	}
}
