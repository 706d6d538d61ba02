// Package pebblekv is the pebble backend of kv.Store: the engine's default
// durable store, one pebble database per data folder.
//
// Opening takes the folder's lock first, so a folder held by another process
// (or another engine in this one) fails with a storage_error and is never
// touched. A Store is safe for concurrent use.
package pebblekv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
)

// Options configures Open. A nil *Options means the defaults.
type Options struct {
	// Sync makes every write durable (fsync) before it returns.
	// Default: false (writes reach the OS; the WAL is synced in the
	// background and on Close).
	Sync bool
	// CacheBytes is the block cache size. Default: 32 MiB.
	CacheBytes int64
	// ReadOnly opens an existing store for reading only: nothing in the
	// folder is written, and writes fail. Default: false.
	ReadOnly bool
}

// Store is a kv.Store on pebble.
type Store struct {
	dir   string
	db    *pebble.DB
	cache interface{ Unref() }
	lock  *pebble.Lock
	wo    *pebble.WriteOptions

	syncWrites bool // Options.Sync
	readOnly   bool

	mu     sync.RWMutex // guards closed against concurrent Close
	closed bool

	// blobMu guards the pending sets and orders blob renames and removals
	// against each other and against Checkpoint (see blobs.go).
	blobMu       sync.Mutex
	pendingFiles map[string]struct{} // blob files written but not yet fsynced
	pendingDirs  map[string]struct{} // folders whose entries changed since the last sync
	pendingDel   map[string]uint64   // blobs to remove after the next sync, by deletion sequence
	delSeq       uint64
}

func newStore(dir string, db *pebble.DB, cache interface{ Unref() }, lock *pebble.Lock, syncWrites, readOnly bool) *Store {
	wo := pebble.NoSync
	if syncWrites {
		wo = pebble.Sync
	}
	return &Store{dir: dir, db: db, cache: cache, lock: lock, wo: wo, syncWrites: syncWrites, readOnly: readOnly,
		pendingFiles: map[string]struct{}{}, pendingDirs: map[string]struct{}{}, pendingDel: map[string]uint64{}}
}

// Open opens (creating if needed) the pebble store in dir. It fails with a
// storage_error when dir is a file, cannot be created or written, or is
// locked by another holder.
func Open(dir string, opts *Options) (*Store, error) {
	if opts == nil {
		opts = &Options{}
	}
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = 32 << 20
	}
	if dir == "" {
		return nil, errs.New(errs.KindInvalidArgument, "storage: empty data folder path")
	}
	if opts.ReadOnly {
		return openReadOnly(dir, opts)
	}
	if err := recoverReplace(dir); err != nil {
		return nil, err
	}
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return nil, errs.New(errs.KindStorage, "storage: data folder %s is a file, not a folder", dir).With("path", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, errs.Wrap(errs.KindStorage, err, "storage: data folder %s", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, errs.Wrap(errs.KindStorage, err, "storage: cannot create data folder %s", dir).With("path", dir)
	}
	probe, err := os.CreateTemp(dir, ".write-probe-*")
	if err != nil {
		return nil, errs.Wrap(errs.KindStorage, err, "storage: data folder %s is not writable", dir).With("path", dir)
	}
	probe.Close()
	os.Remove(probe.Name())

	lock, err := pebble.LockDirectory(dir, vfs.Default)
	if err != nil {
		return nil, errs.New(errs.KindStorage,
			"storage: data folder %s is in use by another engine or process (lock held): %v", dir, err).With("path", dir)
	}
	cache := pebble.NewCache(opts.CacheBytes)
	po := &pebble.Options{
		Cache:  cache,
		Lock:   lock,
		Logger: quietLogger{},
	}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		cache.Unref()
		lock.Close()
		return nil, errs.Wrap(errs.KindStorage, err, "storage: open %s", dir).With("path", dir)
	}
	removeLeftovers(dir) // we hold the lock: no restore of dir is running
	removeBlobTemps(dir)
	return newStore(dir, db, cache, lock, opts.Sync, false), nil
}

// Dir returns the data folder.
func (s *Store) Dir() string { return s.dir }

func (s *Store) guard() (func(), error) {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return nil, errs.ErrClosed
	}
	return s.mu.RUnlock, nil
}

func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return errs.Wrap(errs.KindStorage, err, "storage: %s", op)
}

// Get implements kv.Store.
func (s *Store) Get(key []byte) ([]byte, error) {
	done, err := s.guard()
	if err != nil {
		return nil, err
	}
	defer done()
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, kv.ErrNotFound
	}
	if err != nil {
		return nil, wrapErr("get", err)
	}
	out := append([]byte(nil), v...)
	closer.Close()
	return out, nil
}

// Set implements kv.Store.
func (s *Store) Set(key, value []byte) error {
	done, err := s.guard()
	if err != nil {
		return err
	}
	defer done()
	return wrapErr("set", s.db.Set(key, value, s.wo))
}

// Delete implements kv.Store.
func (s *Store) Delete(key []byte) error {
	done, err := s.guard()
	if err != nil {
		return err
	}
	defer done()
	return wrapErr("delete", s.db.Delete(key, s.wo))
}

// Scan implements kv.Store. It reads a consistent snapshot.
func (s *Store) Scan(prefix []byte, fn func(key, value []byte) bool) error {
	done, err := s.guard()
	if err != nil {
		return err
	}
	defer done()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: kv.PrefixEnd(prefix)})
	if err != nil {
		return wrapErr("scan", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return wrapErr("scan", err)
		}
		if !fn(it.Key(), v) {
			break
		}
	}
	return wrapErr("scan", it.Close())
}

// Sync implements kv.Store: it fsyncs the blob files written since the
// last sync, then syncs the write-ahead log (pebble merges concurrent
// syncs into one fsync), then removes the blob files deleted before it.
func (s *Store) Sync() error {
	done, err := s.guard()
	if err != nil {
		return err
	}
	defer done()
	return s.syncAll()
}

func (s *Store) syncAll() error {
	if s.readOnly {
		return nil
	}
	if err := s.syncBlobs(); err != nil {
		return err
	}
	del := s.pendingDeletes()
	if err := s.db.LogData(nil, pebble.Sync); err != nil {
		return wrapErr("sync", err)
	}
	return s.removeDeleted(del)
}

// Checkpoint implements kv.Checkpointer: it writes a consistent copy of the
// store into dir (which must not exist), hard-linking the immutable sstables
// where the file system allows. The write-ahead log is synced first, so
// every write that returned before the call is in the copy. The blob files
// are hard-linked (or copied) into dir/blobs; blob removals wait meanwhile,
// so every blob the copy's keys refer to is in it (a blob written during
// the checkpoint may be in it too, unreferenced).
func (s *Store) Checkpoint(dir string) error {
	done, err := s.guard()
	if err != nil {
		return err
	}
	defer done()
	s.blobMu.Lock()
	defer s.blobMu.Unlock()
	if err := s.db.Checkpoint(dir, pebble.WithFlushedWAL()); err != nil {
		return wrapErr("checkpoint", err)
	}
	return s.linkBlobs(dir)
}

// NewBatch implements kv.Store.
func (s *Store) NewBatch() kv.Batch { return &batch{s: s, b: s.db.NewBatch()} }

// Close implements kv.Store: it flushes, closes pebble and releases the lock.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.syncAll()
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	s.cache.Unref()
	// Open was handed the lock, so the lock outlives the DB: release it last.
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	return wrapErr("close", err)
}

type batch struct {
	s    *Store
	b    *pebble.Batch
	n    int
	done bool // committed or discarded: the pebble batch went back to its pool
}

func (b *batch) Set(key, value []byte) { b.b.Set(key, value, nil); b.n++ }
func (b *batch) Delete(key []byte)     { b.b.Delete(key, nil); b.n++ }
func (b *batch) Len() int              { return b.n }

// Discard drops the batch; after Commit or a first Discard it does nothing.
func (b *batch) Discard() {
	if !b.done {
		b.done = true
		b.b.Close()
	}
}

func (b *batch) Commit() error {
	if b.done {
		return errs.New(errs.KindInvalidArgument, "storage: batch already committed or discarded")
	}
	done, err := b.s.guard()
	if err != nil {
		b.Discard()
		return err
	}
	defer done()
	err = b.b.Commit(b.s.wo)
	b.Discard()
	return wrapErr("commit", err)
}

// quietLogger drops pebble's informational logs; fatal errors still panic
// as pebble expects, and the engine's recover turns them into errors.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}
