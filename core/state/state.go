package state

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/value"
)

// Durability says when a write is on disk.
type Durability int

// The durability modes; see the package doc.
const (
	DurabilityBatched Durability = iota
	DurabilitySync
)

// ParseDurability parses "batched" or "sync".
func ParseDurability(s string) (Durability, error) {
	switch s {
	case "", "batched":
		return DurabilityBatched, nil
	case "sync":
		return DurabilitySync, nil
	}
	return 0, errs.New(errs.KindInvalidArgument, "unknown durability %q (use batched or sync)", s)
}

// Hooks are optional callbacks around reads and writes; the hooks subsystem
// fills them. Each runs on the caller's goroutine and may block it. A nil
// field does nothing.
type Hooks struct {
	// BeforeWrite may change the value (returning another), skip the write
	// (skip true: the call succeeds and nothing is written) or refuse it
	// (returning an error). v is nil for a delete.
	BeforeWrite func(ctx context.Context, scope Scope, key string, v value.Value) (nv value.Value, skip bool, err error)
	// AfterWrite sees every committed write.
	AfterWrite func(ctx context.Context, scope Scope, key string, v value.Value)
	// BeforeRead may refuse a read (an error) or answer it (replaced true:
	// v is the result and the store is not read).
	BeforeRead func(ctx context.Context, scope Scope, key string) (v value.Value, replaced bool, err error)
	// AfterRead may replace the value read.
	AfterRead func(ctx context.Context, scope Scope, key string, v value.Value) value.Value
}

// Options configures New. A nil *Options or a zero field means the default.
type Options struct {
	// Durability is the write mode. Default: DurabilityBatched.
	Durability Durability
	// BatchWindow bounds how long a batched write may stay unsynced.
	// Default: 10 ms.
	BatchWindow time.Duration
	// MaxValueBytes bounds one encoded value. Default: 10 MiB.
	MaxValueBytes int
	// Hooks are called around reads and writes. Default: none.
	Hooks Hooks
}

// Store is the state of one engine. Methods are safe for concurrent use;
// Close stops the flusher and syncs.
type Store struct {
	kv   kv.Store
	opts Options

	mu        sync.Mutex             // serializes writers
	schemaFns map[string][]Transform // custom transforms registered in this process
	dirty     chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closed    bool
}

// New returns the state over a kv store. The caller must Close it before
// closing the kv store.
func New(store kv.Store, opts *Options) *Store {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.BatchWindow <= 0 {
		o.BatchWindow = 10 * time.Millisecond
	}
	if o.MaxValueBytes <= 0 {
		o.MaxValueBytes = 10 << 20
	}
	s := &Store{kv: store, opts: o, dirty: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if o.Durability == DurabilityBatched {
		go s.flusher()
	} else {
		close(s.done)
	}
	return s
}

// flusher syncs the WAL at most BatchWindow after a batched write.
func (s *Store) flusher() {
	defer close(s.done)
	for {
		select {
		case <-s.stop:
			return
		case <-s.dirty:
		}
		t := time.NewTimer(s.opts.BatchWindow)
		select {
		case <-s.stop:
			t.Stop()
			return
		case <-t.C:
		}
		_ = s.kv.Sync() // a failure surfaces on the next sync or on Close
	}
}

// Close syncs outstanding writes and stops the flusher. Idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	if s.opts.Durability == DurabilityBatched {
		close(s.stop)
	}
	<-s.done
	err := s.kv.Sync()
	if errs.IsKind(err, errs.KindClosed) {
		return nil
	}
	return err
}

// SyncWrites makes writes made to the same kv store outside the state (by
// sessions and artifacts) as durable as a state write: in DurabilitySync
// it syncs the store and returns its error; in DurabilityBatched it asks
// the flusher for a sync within BatchWindow (sharing one fsync with state
// writes) and returns at once. After Close it syncs. Safe for concurrent
// use.
func (s *Store) SyncWrites() error {
	if s.opts.Durability == DurabilitySync {
		return s.kv.Sync()
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return s.kv.Sync()
	}
	select {
	case s.dirty <- struct{}{}:
	default:
	}
	return nil
}

// Durability returns the write mode.
func (s *Store) Durability() Durability { return s.opts.Durability }

const prefix = "state/"

// scopePrefix is the kv prefix of every key in scope.
func scopePrefix(scope Scope) []byte {
	p := make([]byte, 0, len(prefix)+len(scope.Kind)+len(scope.ID)+2)
	p = append(p, prefix...)
	p = append(p, scope.String()...)
	return append(p, 0)
}

func entryKey(scope Scope, key string) []byte {
	return append(scopePrefix(scope), key...)
}

const formatJSON = 0x01

func (s *Store) encode(v value.Value) ([]byte, error) {
	buf, err := value.AppendJSON([]byte{formatJSON}, v, nil)
	if err != nil {
		return nil, errs.Wrap(errs.KindInvalidArgument, err, "state value")
	}
	if len(buf)-1 > s.opts.MaxValueBytes {
		return nil, errs.New(errs.KindInvalidArgument, "state value is %d bytes, over the %d-byte limit (state.max_value_bytes)", len(buf)-1, s.opts.MaxValueBytes)
	}
	return buf, nil
}

func decode(raw []byte) (value.Value, error) {
	if len(raw) == 0 || raw[0] != formatJSON {
		return nil, errs.New(errs.KindStorage, "state entry has an unknown format")
	}
	return value.Decode(raw[1:])
}

func check(scope Scope, key string) error {
	if err := scope.Validate(); err != nil {
		return err
	}
	return ValidateKey(key)
}

func (s *Store) live() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errs.ErrClosed
	}
	return nil
}

// Get returns the value of key in scope, and false when it is absent.
func (s *Store) Get(ctx context.Context, scope Scope, key string) (value.Value, bool, error) {
	if err := check(scope, key); err != nil {
		return nil, false, err
	}
	if h := s.opts.Hooks.BeforeRead; h != nil {
		v, replaced, err := h(ctx, scope, key)
		if err != nil {
			return nil, false, err
		}
		if replaced {
			return v, v != nil, nil
		}
	}
	raw, err := s.kv.Get(entryKey(scope, key))
	if errs.IsKind(err, errs.KindNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	v, err := decode(raw)
	if err != nil {
		return nil, false, err
	}
	if h := s.opts.Hooks.AfterRead; h != nil {
		v = h(ctx, scope, key, v)
	}
	return v, true, nil
}

// Exists reports whether key is set in scope.
func (s *Store) Exists(ctx context.Context, scope Scope, key string) (bool, error) {
	_, ok, err := s.Get(ctx, scope, key)
	return ok, err
}

// Set stores v under key in scope. A nil v deletes the key.
func (s *Store) Set(ctx context.Context, scope Scope, key string, v value.Value) error {
	return s.Update(ctx, func(tx *Tx) error { return tx.Set(scope, key, v) })
}

// Delete removes key from scope and reports whether it existed.
func (s *Store) Delete(ctx context.Context, scope Scope, key string) (bool, error) {
	var existed bool
	err := s.Update(ctx, func(tx *Tx) error {
		ok, err := tx.Exists(scope, key)
		if err != nil {
			return err
		}
		existed = ok
		return tx.Delete(scope, key)
	})
	return existed, err
}

// CompareAndSet sets key to newV only if its current value equals old (nil
// old: only if absent). It reports whether it wrote.
func (s *Store) CompareAndSet(ctx context.Context, scope Scope, key string, old, newV value.Value) (bool, error) {
	if err := check(scope, key); err != nil {
		return false, err
	}
	enc, err := s.encode(newV)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, errs.ErrClosed
	}
	cur, ok, err := s.Get(ctx, scope, key)
	if err != nil {
		return false, err
	}
	if (old == nil && ok) || (old != nil && (!ok || !value.Equal(cur, old))) {
		return false, nil
	}
	b := s.kv.NewBatch()
	if newV == nil {
		b.Delete(entryKey(scope, key))
	} else {
		b.Set(entryKey(scope, key), enc)
	}
	if err := s.commitLocked(b); err != nil {
		return false, err
	}
	if h := s.opts.Hooks.AfterWrite; h != nil {
		h(ctx, scope, key, newV)
	}
	return true, nil
}

// ListOptions narrows Keys.
type ListOptions struct {
	// Prefix keeps only keys starting with it. Default: all keys.
	Prefix string
	// Limit caps the number of keys; 0 means no limit.
	Limit int
}

// Keys returns the keys of scope in byte order.
func (s *Store) Keys(ctx context.Context, scope Scope, opts *ListOptions) ([]string, error) {
	if err := scope.Validate(); err != nil {
		return nil, err
	}
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	sp := scopePrefix(scope)
	keys := []string{}
	err := s.kv.Scan(append(sp, o.Prefix...), func(k, _ []byte) bool {
		keys = append(keys, string(k[len(sp):]))
		return o.Limit <= 0 || len(keys) < o.Limit
	})
	return keys, err
}

// ClearScope deletes every key of scope atomically and returns how many.
func (s *Store) ClearScope(ctx context.Context, scope Scope) (int, error) {
	keys, err := s.Keys(ctx, scope, nil)
	if err != nil || len(keys) == 0 {
		return 0, err
	}
	err = s.Update(ctx, func(tx *Tx) error {
		for _, k := range keys {
			if err := tx.Delete(scope, k); err != nil {
				return err
			}
		}
		return nil
	})
	return len(keys), err
}

// commitLocked applies a batch with the store's durability; s.mu is held.
func (s *Store) commitLocked(b kv.Batch) error {
	if err := b.Commit(); err != nil {
		return err
	}
	if s.opts.Durability == DurabilitySync {
		return s.kv.Sync()
	}
	select {
	case s.dirty <- struct{}{}:
	default:
	}
	return nil
}

// Update runs fn in a transaction: its writes commit atomically when fn
// returns nil and are dropped when it returns an error (which Update
// returns). Reads inside fn see fn's own writes. If a value fn read changed
// before commit, Update fails with kind conflict and writes nothing.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	if err := s.live(); err != nil {
		return err
	}
	tx := &Tx{s: s, ctx: ctx, writes: map[string]*pending{}, reads: map[string][]byte{}}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.commit()
}

// pending is a buffered write; v == nil && del means delete.
type pending struct {
	scope Scope
	key   string
	v     value.Value
	enc   []byte
	del   bool
}

// Tx is a transaction in progress. It belongs to the goroutine running
// Update's fn and must not be used after fn returns.
type Tx struct {
	s      *Store
	ctx    context.Context
	writes map[string]*pending
	order  []string
	reads  map[string][]byte // kv key -> raw value seen (nil: absent)
	done   bool
}

// Get reads key, seeing this transaction's own writes first.
func (tx *Tx) Get(scope Scope, key string) (value.Value, bool, error) {
	if tx.done {
		return nil, false, errs.ErrClosed
	}
	if err := check(scope, key); err != nil {
		return nil, false, err
	}
	k := string(entryKey(scope, key))
	if p, ok := tx.writes[k]; ok {
		if p.del {
			return nil, false, nil
		}
		return p.v, true, nil
	}
	raw, err := tx.s.kv.Get([]byte(k))
	if errs.IsKind(err, errs.KindNotFound) {
		if _, seen := tx.reads[k]; !seen {
			tx.reads[k] = nil
		}
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if _, seen := tx.reads[k]; !seen {
		tx.reads[k] = raw
	}
	v, err := decode(raw)
	return v, err == nil, err
}

// Exists reports whether key is set, seeing this transaction's writes.
func (tx *Tx) Exists(scope Scope, key string) (bool, error) {
	_, ok, err := tx.Get(scope, key)
	return ok, err
}

// Set buffers a write; a nil v deletes.
func (tx *Tx) Set(scope Scope, key string, v value.Value) error {
	if tx.done {
		return errs.ErrClosed
	}
	if err := check(scope, key); err != nil {
		return err
	}
	if v == nil {
		return tx.Delete(scope, key)
	}
	if h := tx.s.opts.Hooks.BeforeWrite; h != nil {
		nv, skip, err := h(tx.ctx, scope, key, v)
		if err != nil || skip {
			return err
		}
		v = nv
	}
	enc, err := tx.s.encode(v)
	if err != nil {
		return err
	}
	tx.put(&pending{scope: scope, key: key, v: v, enc: enc})
	return nil
}

// Delete buffers a delete.
func (tx *Tx) Delete(scope Scope, key string) error {
	if tx.done {
		return errs.ErrClosed
	}
	if err := check(scope, key); err != nil {
		return err
	}
	if h := tx.s.opts.Hooks.BeforeWrite; h != nil {
		if _, skip, err := h(tx.ctx, scope, key, nil); err != nil || skip {
			return err
		}
	}
	tx.put(&pending{scope: scope, key: key, del: true})
	return nil
}

func (tx *Tx) put(p *pending) {
	k := string(entryKey(p.scope, p.key))
	if _, ok := tx.writes[k]; !ok {
		tx.order = append(tx.order, k)
	}
	tx.writes[k] = p
}

func (tx *Tx) commit() error {
	tx.done = true
	if len(tx.writes) == 0 {
		return nil
	}
	s := tx.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errs.ErrClosed
	}
	for k, seen := range tx.reads {
		cur, err := s.kv.Get([]byte(k))
		if errs.IsKind(err, errs.KindNotFound) {
			cur, err = nil, nil
		}
		if err != nil {
			return err
		}
		if !bytes.Equal(cur, seen) {
			return errs.New(errs.KindConflict, "state transaction conflict: a value it read changed before commit")
		}
	}
	b := s.kv.NewBatch()
	for _, k := range tx.order {
		p := tx.writes[k]
		if p.del {
			b.Delete([]byte(k))
		} else {
			b.Set([]byte(k), p.enc)
		}
	}
	if err := s.commitLocked(b); err != nil {
		return err
	}
	if h := s.opts.Hooks.AfterWrite; h != nil {
		for _, k := range tx.order {
			p := tx.writes[k]
			h(tx.ctx, p.scope, p.key, p.v)
		}
	}
	return nil
}
