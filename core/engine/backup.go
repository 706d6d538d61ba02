package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/llmspell/llmspell-go/core/backup"
	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
)

// backups is the engine's backup state: the manager, the swappable store
// it restores into, and the lock that keeps restores one at a time.
type backups struct {
	m  *backup.Manager
	sw *kv.Swappable
	mu sync.Mutex
}

// BackupOptions returns the backup options a config implies: the folder
// (backup.dir, else "<storage.data_dir>.backups"), retention (0 in the
// config means no limit) and an opener of pebble folders. The CLI uses it
// to reach backups without opening an engine.
func BackupOptions(cfg *config.Config) *backup.Options {
	o := &backup.Options{
		Dir:      cfg.Backup.Dir,
		MaxCount: int(cfg.Backup.MaxCount),
		MaxAge:   time.Duration(cfg.Backup.MaxAgeDays) * 24 * time.Hour,
		Open:     pebbleOpener(cfg),
	}
	if o.Dir == "" && cfg.StorageBackend() == "pebble" {
		o.Dir = backup.DefaultDir(cfg.Storage.DataDir)
	}
	if o.MaxCount == 0 {
		o.MaxCount = -1
	}
	if o.MaxAge == 0 {
		o.MaxAge = -1
	}
	return o
}

func pebbleOpener(cfg *config.Config) backup.OpenFunc {
	return func(dir string, readOnly bool) (kv.Store, error) {
		s, err := pebblekv.Open(dir, &pebblekv.Options{
			Sync:       cfg.Storage.Sync,
			CacheBytes: cfg.Storage.CacheMB << 20,
			ReadOnly:   readOnly,
		})
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}

// initBackups wraps the store so a restore can swap it, and creates the
// backup manager. New calls it before anything else holds the store.
func (e *Engine) initBackups() error {
	sw := kv.NewSwappable(e.store)
	m, err := backup.New(sw, BackupOptions(e.cfg))
	if err != nil {
		return err
	}
	e.store = sw
	e.bk = &backups{m: m, sw: sw}
	return nil
}

// Backups returns the engine's backup manager: create, list, validate and
// prune backups of its store. Use RestoreBackup to restore.
func (e *Engine) Backups() *backup.Manager { return e.bk.m }

// RestoreBackup replaces the engine's whole store (state, sessions,
// artifacts, everything) with the one in backup id ("latest": the newest),
// while the engine stays open.
//
// For a pebble engine the backup is restored into a fresh sibling folder
// and checked there (every file's BLAKE3, then the store opens and has the
// recorded number of keys). Only then is the current store closed and the
// folders swapped atomically (pebblekv.ReplaceDir); if the restored store
// then fails to open, the previous folder is swapped back. A failed restore
// therefore leaves the data folder as it was. A memory engine loads the
// backup into a new memory store and swaps it in.
//
// Store operations that arrive during the swap wait for it; writes that
// raced ahead of it are replaced by the backup's contents. Restores run one
// at a time.
func (e *Engine) RestoreBackup(ctx context.Context, id string) (*backup.RestoreReport, error) {
	if err := e.Check(); err != nil {
		return nil, err
	}
	b := e.bk
	b.mu.Lock()
	defer b.mu.Unlock()
	if e.cfg.StorageBackend() == "memory" {
		mem := kv.NewMemory()
		rep, err := b.m.Load(ctx, id, mem)
		if err != nil {
			mem.Close()
			return nil, err
		}
		if err := b.sw.Swap(0, func(old kv.Store) (kv.Store, error) { return mem, old.Close() }); err != nil {
			return nil, err
		}
		return rep, nil
	}

	dataDir := e.cfg.Storage.DataDir
	// Swap the real folder: exchanging a symlink would move the link.
	if real, err := filepath.EvalSymlinks(dataDir); err == nil {
		dataDir = real
	}
	fresh := pebblekv.FreshDir(dataDir)
	rep, err := b.m.Restore(ctx, id, fresh) // removes fresh on failure
	if err != nil {
		return nil, err
	}
	// After the swap fresh holds the previous store (Open removes it), or
	// the rejected restored one.
	defer os.RemoveAll(fresh)
	open := pebbleOpener(e.cfg)
	err = b.sw.Swap(0, func(old kv.Store) (kv.Store, error) {
		reopen := func(cause error) (kv.Store, error) {
			s, err := open(dataDir, false)
			if err != nil {
				return nil, errors.Join(cause, err)
			}
			return s, cause
		}
		if err := old.Close(); err != nil {
			return reopen(errs.Wrap(errs.KindStorage, err, "restore: close the current store"))
		}
		if err := pebblekv.ReplaceDir(dataDir, fresh); err != nil {
			return reopen(err)
		}
		s, err := open(dataDir, false)
		if err == nil {
			return s, nil
		}
		cause := errs.Wrap(errs.KindStorage, err, "restore: the restored store does not open; the previous state is back")
		if rerr := pebblekv.ReplaceDir(dataDir, fresh); rerr != nil {
			return nil, errors.Join(cause, rerr)
		}
		return reopen(cause)
	})
	if err != nil {
		if serr := b.sw.Sync(); errs.IsKind(serr, errs.KindClosed) {
			e.Poison("a failed restore left no open store: " + err.Error())
		}
		return nil, err
	}
	return rep, nil
}
