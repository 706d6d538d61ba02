package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/llmspell/llmspell-go/core/backup"
	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/state"
)

var bctx = context.Background()

func newPebbleEngine(t *testing.T, dir string) *engine.Engine {
	t.Helper()
	e, err := engine.New(&engine.Options{Config: pebbleConfig(dir)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func get(t *testing.T, e *engine.Engine, key string) any {
	t.Helper()
	v, _, err := e.State().Get(bctx, state.Global, key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRestoreWhileOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	e := newPebbleEngine(t, dir)
	if got := e.Backups().Dir(); got != dir+".backups" {
		t.Fatalf("backup dir %s", got)
	}
	e.State().Set(bctx, state.Global, "k", "before")
	for i := 0; i < 100; i++ {
		e.State().Set(bctx, state.Global, fmt.Sprint("n", i), int64(i))
	}
	man, err := e.Backups().Create(bctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.State().Set(bctx, state.Global, "k", "after")
	e.State().Set(bctx, state.Global, "new", true)

	// Writers keep going during the restore; none of them may fail.
	var stop atomic.Bool
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				if err := e.State().Set(bctx, state.Scope{Kind: state.ScopeUser, ID: fmt.Sprint(g)}, "x", int64(i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	rep, err := e.RestoreBackup(bctx, man.ID)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if rep.KeyCount != man.KeyCount || rep.KeyCount < 101 {
		t.Fatalf("report %+v, manifest keys %d", rep, man.KeyCount)
	}
	if get(t, e, "k") != "before" || get(t, e, "new") != nil {
		t.Fatalf("after restore: k=%v new=%v", get(t, e, "k"), get(t, e, "new"))
	}
	// The engine keeps working, and the restored state is on disk.
	e.State().Set(bctx, state.Global, "k", "post")
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	leftovers, _ := filepath.Glob(dir + ".restore-*")
	if len(leftovers) != 0 {
		t.Fatalf("leftovers: %v", leftovers)
	}
	e2 := newPebbleEngine(t, dir)
	if get(t, e2, "k") != "post" || get(t, e2, "n7") != int64(7) {
		t.Fatal("restored state did not persist")
	}
}

func TestRestoreThroughSymlinkedDataDir(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	os.Mkdir(real, 0o700)
	link := filepath.Join(base, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symlinks:", err)
	}
	e := newPebbleEngine(t, link)
	e.State().Set(bctx, state.Global, "k", "before")
	if _, err := e.Backups().Create(bctx, nil); err != nil {
		t.Fatal(err)
	}
	e.State().Set(bctx, state.Global, "k", "after")
	if _, err := e.RestoreBackup(bctx, "latest"); err != nil {
		t.Fatal(err)
	}
	if get(t, e, "k") != "before" {
		t.Fatal("restore")
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the data folder symlink was replaced")
	}
}

func TestFailedRestoreLeavesOriginal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	e := newPebbleEngine(t, dir)
	for i := 0; i < 2000; i++ {
		e.State().Set(bctx, state.Global, fmt.Sprint("k", i), strings.Repeat("v", 100))
	}
	man, err := e.Backups().Create(bctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.State().Set(bctx, state.Global, "current", "yes")
	// Corrupt every blob of the backup.
	blobs, _ := filepath.Glob(filepath.Join(e.Backups().Dir(), man.ID, "blobs", "*.zst"))
	for _, p := range blobs {
		b, _ := os.ReadFile(p)
		if len(b) == 0 { // an empty file compresses to nothing
			continue
		}
		b[len(b)/2] ^= 1
		os.WriteFile(p, b, 0o600)
	}
	_, err = e.RestoreBackup(bctx, man.ID)
	if !errs.IsKind(err, errs.KindStorage) || !errors.Is(err, backup.ErrCorrupt) {
		t.Fatalf("restore of a corrupt backup: %v", err)
	}
	if get(t, e, "current") != "yes" || get(t, e, "k5") == nil {
		t.Fatal("the failed restore changed the state")
	}
	if leftovers, _ := filepath.Glob(dir + ".restore-*"); len(leftovers) != 0 {
		t.Fatalf("leftovers: %v", leftovers)
	}
	if _, err := e.RestoreBackup(bctx, "no-such-backup"); !errs.IsKind(err, errs.KindNotFound) {
		t.Fatalf("missing backup: %v", err)
	}
	e.Close()
	e2 := newPebbleEngine(t, dir)
	if get(t, e2, "current") != "yes" {
		t.Fatal("the original folder was damaged")
	}
}

func TestMemoryEngineBackups(t *testing.T) {
	cfg := config.Default()
	e, err := engine.New(&engine.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Backups().Create(bctx, nil); !errors.Is(err, backup.ErrNoDir) {
		t.Fatalf("memory engine without backup.dir: %v", err)
	}
	cfg = config.Default()
	cfg.Backup.Dir = t.TempDir()
	e2, err := engine.New(&engine.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	e2.State().Set(bctx, state.Global, "k", "before")
	man, err := e2.Backups().Create(bctx, nil)
	if err != nil || man.Layout != backup.LayoutDump {
		t.Fatalf("create: %v", err)
	}
	e2.State().Set(bctx, state.Global, "k", "after")
	if _, err := e2.RestoreBackup(bctx, "latest"); err != nil {
		t.Fatal(err)
	}
	if get(t, e2, "k") != "before" {
		t.Fatal("memory restore")
	}
	e2.Close()
	if _, err := e2.RestoreBackup(bctx, "latest"); !errs.IsKind(err, errs.KindClosed) {
		t.Fatalf("restore on a closed engine: %v", err)
	}
	if _, err := e2.Backups().Create(bctx, nil); !errs.IsKind(err, errs.KindClosed) {
		t.Fatalf("create on a closed engine: %v", err)
	}
}

func TestBackupOptionsFromConfig(t *testing.T) {
	cfg := config.Default()
	cfg.Storage.DataDir = "/x/data"
	cfg.Backup.MaxCount = 0
	o := engine.BackupOptions(cfg)
	if o.Dir != "/x/data.backups" || o.MaxCount != -1 || o.MaxAge <= 0 {
		t.Fatalf("options: %+v", o)
	}
}

// BenchmarkRestoreBackup100K is a restore of 100K state keys into an open
// engine: extract and check into a fresh folder, open and count, swap.
func BenchmarkRestoreBackup100K(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "data")
	e, err := engine.New(&engine.Options{Config: pebbleConfig(dir)})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	for i := 0; i < 100_000; i += 1000 {
		err := e.State().Update(bctx, func(tx *state.Tx) error {
			for j := i; j < i+1000; j++ {
				if err := tx.Set(state.Scope{Kind: state.ScopeUser, ID: fmt.Sprint(j % 100)}, fmt.Sprintf("key%06d", j),
					map[string]any{"n": int64(j), "name": fmt.Sprintf("item-%06d", j), "note": "some state value text"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	man, err := e.Backups().Create(bctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := e.RestoreBackup(bctx, man.ID)
		if err != nil || rep.KeyCount != man.KeyCount {
			b.Fatalf("%+v %v", rep, err)
		}
	}
}
