package pebblekv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/llmspell/llmspell-go/core/errs"
)

// Folder replacement (restores from backups).
//
// A restore builds a complete store in a fresh sibling folder
// (FreshDir: "<dir>.restore-<n>") and then ReplaceDir swaps it in. On Linux
// the swap is one renameat2(RENAME_EXCHANGE): at every instant <dir> holds
// either the old or the new complete store, so a crash never leaves a
// half-restored folder, and the fresh path then holds the old store. Where
// exchange is unsupported, <dir> is first renamed to "<dir>.swap"; a crash
// in that window leaves <dir> missing, and the next Open renames
// "<dir>.swap" back. Open removes leftover "<dir>.restore-*" and
// "<dir>.swap" folders once it holds the lock on <dir>.

// exchangeFn is exchange; tests replace it to run the fallback.
var exchangeFn = exchange

// FreshDir returns a new sibling path of dir for a store being restored.
func FreshDir(dir string) string {
	return fmt.Sprintf("%s.restore-%d", filepath.Clean(dir), time.Now().UnixNano())
}

// ReplaceDir swaps the complete store in fresh into dir; afterwards fresh
// holds the store that was in dir. No Store may be open on either folder.
// It fails with storage_error, changing nothing, when dir is locked by
// someone else. Call it again to swap back.
func ReplaceDir(dir, fresh string) error {
	dir, fresh = filepath.Clean(dir), filepath.Clean(fresh)
	if _, err := os.Stat(fresh); err != nil {
		return errs.Wrap(errs.KindStorage, err, "storage: restored folder %s", fresh)
	}
	// Holding dir's lock shuts out every other opener while the folders
	// move: nobody can have the old store open when it leaves dir.
	lock, err := pebble.LockDirectory(dir, vfs.Default)
	if err != nil {
		return errs.New(errs.KindStorage,
			"storage: data folder %s is in use by another engine or process (lock held): %v", dir, err).With("path", dir)
	}
	defer lock.Close()
	if err := exchangeFn(fresh, dir); err == nil {
		return syncDir(filepath.Dir(dir))
	} else if !errors.Is(err, errExchangeUnsupported) {
		return errs.Wrap(errs.KindStorage, err, "storage: swap %s and %s", fresh, dir)
	}
	swap := dir + ".swap"
	if err := os.Rename(dir, swap); err != nil {
		return errs.Wrap(errs.KindStorage, err, "storage: move %s aside", dir)
	}
	if err := os.Rename(fresh, dir); err != nil {
		if rerr := os.Rename(swap, dir); rerr != nil {
			return errs.Wrap(errs.KindStorage, errors.Join(err, rerr),
				"storage: restore failed and the original store is left in %s", swap).With("path", swap)
		}
		return errs.Wrap(errs.KindStorage, err, "storage: move %s to %s", fresh, dir)
	}
	if err := os.Rename(swap, fresh); err != nil {
		return errs.Wrap(errs.KindStorage, err, "storage: move %s to %s", swap, fresh)
	}
	return syncDir(filepath.Dir(dir))
}

// recoverReplace puts the store back when a crash interrupted the fallback
// swap of ReplaceDir between its two renames.
func recoverReplace(dir string) error {
	dir = filepath.Clean(dir)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	swap := dir + ".swap"
	if st, err := os.Stat(swap); err == nil && st.IsDir() {
		if err := os.Rename(swap, dir); err != nil {
			return errs.Wrap(errs.KindStorage, err, "storage: recover %s from an interrupted restore", dir).With("path", dir)
		}
	}
	return nil
}

// removeLeftovers deletes folders of interrupted or finished restores of
// dir. The caller holds dir's lock.
func removeLeftovers(dir string) {
	dir = filepath.Clean(dir)
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() && (n == base+".swap" || strings.HasPrefix(n, base+".restore-")) {
			os.RemoveAll(filepath.Join(parent, n))
		}
	}
}

// syncDir makes renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return errs.Wrap(errs.KindStorage, err, "storage: sync %s", dir)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return errs.Wrap(errs.KindStorage, err, "storage: sync %s", dir)
	}
	return nil
}

// openReadOnly opens an existing store without writing to it (apart from
// its LOCK file).
func openReadOnly(dir string, opts *Options) (*Store, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, errs.New(errs.KindStorage, "storage: %s is not a store folder", dir).With("path", dir)
	}
	lock, err := pebble.LockDirectory(dir, vfs.Default)
	if err != nil {
		return nil, errs.New(errs.KindStorage,
			"storage: data folder %s is in use by another engine or process (lock held): %v", dir, err).With("path", dir)
	}
	cache := pebble.NewCache(opts.CacheBytes)
	po := &pebble.Options{Cache: cache, Lock: lock, Logger: quietLogger{}, ReadOnly: true, ErrorIfNotExists: true}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		cache.Unref()
		lock.Close()
		return nil, errs.Wrap(errs.KindStorage, err, "storage: open %s", dir).With("path", dir)
	}
	return newStore(dir, db, cache, lock, false, true), nil
}
