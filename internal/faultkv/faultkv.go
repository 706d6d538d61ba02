// Package faultkv wraps a kv.Store and injects storage faults, for tests of
// what the engine does when the disk is full or the store fails: writes
// fail with a storage_error once a byte budget is spent, or every
// operation of a kind fails on demand. Test code only.
//
// A Store is safe for concurrent use.
package faultkv

import (
	"sync"
	"sync/atomic"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
)

// ErrNoSpace is the injected "disk full" error.
var ErrNoSpace = errs.New(errs.KindStorage, "storage: write: no space left on device (injected)")

// Store is a kv.Store with injected faults.
type Store struct {
	kv.Store
	mu        sync.Mutex
	budget    int64 // bytes writes may still add; < 0 means unlimited
	failReads atomic.Bool
	failSync  atomic.Bool
}

// New wraps s with no faults.
func New(s kv.Store) *Store { return &Store{Store: s, budget: -1} }

// FailWritesAfter lets writes add n more bytes (keys and values), then
// fails every write with ErrNoSpace. A negative n removes the limit.
func (s *Store) FailWritesAfter(n int64) {
	s.mu.Lock()
	s.budget = n
	s.mu.Unlock()
}

// FailReads makes every Get and Scan fail.
func (s *Store) FailReads(on bool) { s.failReads.Store(on) }

// FailSync makes Sync fail.
func (s *Store) FailSync(on bool) { s.failSync.Store(on) }

// spend takes n bytes from the budget or reports that it is spent.
func (s *Store) spend(n int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.budget < 0 {
		return nil
	}
	if n > s.budget {
		s.budget = 0
		return ErrNoSpace
	}
	s.budget -= n
	return nil
}

var errRead = errs.New(errs.KindStorage, "storage: read: input/output error (injected)")

// Get implements kv.Store.
func (s *Store) Get(key []byte) ([]byte, error) {
	if s.failReads.Load() {
		return nil, errRead
	}
	return s.Store.Get(key)
}

// Scan implements kv.Store.
func (s *Store) Scan(prefix []byte, fn func(k, v []byte) bool) error {
	if s.failReads.Load() {
		return errRead
	}
	return s.Store.Scan(prefix, fn)
}

// Set implements kv.Store.
func (s *Store) Set(key, value []byte) error {
	if err := s.spend(int64(len(key) + len(value))); err != nil {
		return err
	}
	return s.Store.Set(key, value)
}

// Sync implements kv.Store.
func (s *Store) Sync() error {
	if s.failSync.Load() {
		return errs.New(errs.KindStorage, "storage: sync: input/output error (injected)")
	}
	return s.Store.Sync()
}

// NewBatch implements kv.Store: the batch's sets are charged at Commit, so
// a batch that does not fit fails whole and writes nothing. Deletes free
// space and are not charged, so cleanup after a failure can succeed.
func (s *Store) NewBatch() kv.Batch { return &batch{s: s, b: s.Store.NewBatch()} }

type batch struct {
	s *Store
	b kv.Batch
	n int64
}

func (b *batch) Set(k, v []byte) { b.n += int64(len(k) + len(v)); b.b.Set(k, v) }
func (b *batch) Delete(k []byte) { b.b.Delete(k) } // deletes free space: not charged
func (b *batch) Len() int        { return b.b.Len() }
func (b *batch) Discard()        { b.b.Discard() }
func (b *batch) Commit() error {
	if err := b.s.spend(b.n); err != nil {
		b.b.Discard()
		return err
	}
	return b.b.Commit()
}
