package kv

import (
	"sort"
	"sync"

	"github.com/llmspell/llmspell-go/core/errs"
)

// Store is an ordered key-value store. Implementations are safe for
// concurrent use. After Close every method returns errs.ErrClosed.
type Store interface {
	// Get returns a copy of the value of key, or a not_found error.
	Get(key []byte) ([]byte, error)
	// Set stores value under key.
	Set(key, value []byte) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(key []byte) error
	// Scan calls fn for each key with the prefix, in key order, until fn
	// returns false. key and value are only valid during the call.
	Scan(prefix []byte, fn func(key, value []byte) bool) error
	// NewBatch starts an atomic batch of writes.
	NewBatch() Batch
	// Sync makes every write that returned before it durable (an fsync of
	// the write-ahead log; a no-op for memory). Concurrent calls share one
	// fsync where the backend can.
	Sync() error
	// Close releases the store. Closing twice is harmless.
	Close() error
}

// Batch collects writes that Commit applies atomically: all or none.
// A Batch is used by one goroutine and is finished after Commit or Discard.
type Batch interface {
	Set(key, value []byte)
	Delete(key []byte)
	// Len returns the number of writes collected.
	Len() int
	// Commit applies every write atomically.
	Commit() error
	// Discard drops the batch without writing.
	Discard()
}

// ErrNotFound is returned by Get for a missing key. Test with
// errs.IsKind(err, errs.KindNotFound).
var ErrNotFound = errs.New(errs.KindNotFound, "key not found")

// PrefixEnd returns the smallest key greater than every key with the prefix,
// or nil when there is none (the prefix is all 0xff).
func PrefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// Memory is the in-memory Store, for ephemeral engines and tests.
type Memory struct {
	mu     sync.RWMutex
	data   map[string][]byte
	closed bool
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{data: map[string][]byte{}} }

// Get implements Store.
func (m *Memory) Get(key []byte) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, errs.ErrClosed
	}
	v, ok := m.data[string(key)]
	if !ok {
		return nil, ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

// Set implements Store.
func (m *Memory) Set(key, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errs.ErrClosed
	}
	m.data[string(key)] = append([]byte(nil), value...)
	return nil
}

// Delete implements Store.
func (m *Memory) Delete(key []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errs.ErrClosed
	}
	delete(m.data, string(key))
	return nil
}

// Scan implements Store. It works on a snapshot of the matching entries, so
// fn may write to the store.
func (m *Memory) Scan(prefix []byte, fn func(key, value []byte) bool) error {
	m.mu.RLock()
	if m.closed {
		m.mu.RUnlock()
		return errs.ErrClosed
	}
	p := string(prefix)
	type kvPair struct {
		k string
		v []byte
	}
	var hits []kvPair
	for k, v := range m.data {
		if len(k) >= len(p) && k[:len(p)] == p {
			hits = append(hits, kvPair{k, v})
		}
	}
	m.mu.RUnlock()
	sort.Slice(hits, func(i, j int) bool { return hits[i].k < hits[j].k })
	for _, h := range hits {
		if !fn([]byte(h.k), h.v) {
			break
		}
	}
	return nil
}

// NewBatch implements Store.
func (m *Memory) NewBatch() Batch { return &memBatch{m: m} }

// Sync implements Store; memory has nothing to make durable.
func (m *Memory) Sync() error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return errs.ErrClosed
	}
	return nil
}

// Close implements Store.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.data = nil
	return nil
}

type memOp struct {
	key    string
	value  []byte
	delete bool
}

type memBatch struct {
	m   *Memory
	ops []memOp
}

func (b *memBatch) Set(key, value []byte) {
	b.ops = append(b.ops, memOp{key: string(key), value: append([]byte(nil), value...)})
}
func (b *memBatch) Delete(key []byte) { b.ops = append(b.ops, memOp{key: string(key), delete: true}) }
func (b *memBatch) Len() int          { return len(b.ops) }
func (b *memBatch) Discard()          { b.ops = nil }
func (b *memBatch) Commit() error {
	b.m.mu.Lock()
	defer b.m.mu.Unlock()
	if b.m.closed {
		return errs.ErrClosed
	}
	for _, op := range b.ops {
		if op.delete {
			delete(b.m.data, op.key)
		} else {
			b.m.data[op.key] = op.value
		}
	}
	b.ops = nil
	return nil
}
