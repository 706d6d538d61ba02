package kv

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
)

// Checkpointer is implemented by stores that can write a consistent copy of
// themselves as files: the pebble backend does, memory does not. Checkpoint
// creates dir, which must not exist, and fills it with a store that Open
// (of the same backend) can read. Safe to call concurrently with writes.
type Checkpointer interface {
	Checkpoint(dir string) error
}

// ErrNoCheckpoint is returned by Swappable.Checkpoint when the current store
// is not a Checkpointer. Test with errors.Is.
var ErrNoCheckpoint = errs.New(errs.KindInvalidArgument, "store cannot write checkpoints")

// DefaultDrainTimeout is how long Swap waits for operations in flight.
const DefaultDrainTimeout = 10 * time.Second

// Swappable is a Store that forwards every call to a current Store, which
// Swap replaces while the Swappable stays in use (a restore from a backup
// swaps the engine's store under the subsystems that hold it).
//
// All methods are safe for concurrent use. An operation that starts while a
// swap is in progress waits for the swap to end and then runs on the new
// store; operations already running finish on the old one before it is
// handed to the swap. A Batch belongs to the store current at NewBatch and
// counts as in flight until Commit or Discard, so always end a Batch.
// Scan's fn should not call the same Swappable: if a swap starts meanwhile,
// that call waits, the swap's drain times out and the swap fails (nothing
// is lost, but the swap does not happen).
type Swappable struct {
	mu       sync.RWMutex
	cur      *generation
	swapping chan struct{} // non-nil during a swap; closed when it ends
	closed   bool
}

// generation is one store installed in a Swappable, with its count of
// operations in flight.
type generation struct {
	s        Store
	inflight atomic.Int64
	draining atomic.Bool
	drained  chan struct{} // capacity 1; signalled when inflight drops to 0 while draining
}

// NewSwappable returns a Swappable over s. Closing the Swappable closes the
// current store.
func NewSwappable(s Store) *Swappable {
	return &Swappable{cur: &generation{s: s, drained: make(chan struct{}, 1)}}
}

// acquire returns the current generation with one more operation in
// flight, waiting out a swap in progress.
func (w *Swappable) acquire() (*generation, error) {
	for {
		w.mu.RLock()
		if w.closed {
			w.mu.RUnlock()
			return nil, errs.ErrClosed
		}
		if ch := w.swapping; ch != nil {
			w.mu.RUnlock()
			<-ch
			continue
		}
		g := w.cur
		g.inflight.Add(1)
		w.mu.RUnlock()
		return g, nil
	}
}

func (g *generation) release() {
	if g.inflight.Add(-1) == 0 && g.draining.Load() {
		select {
		case g.drained <- struct{}{}:
		default:
		}
	}
}

// Swap replaces the current store. It holds new operations back, waits up
// to drain (DefaultDrainTimeout when 0) for operations in flight on the
// current store, then calls fn with it. fn returns the store to use from
// then on, usually after closing old; a nil store keeps old, so fn must
// not have closed it then. fn's error is returned either way. If the drain
// times out, fn is not called, nothing changes, and Swap fails with
// storage_error.
func (w *Swappable) Swap(drain time.Duration, fn func(old Store) (Store, error)) error {
	if drain <= 0 {
		drain = DefaultDrainTimeout
	}
	ch := make(chan struct{})
	for {
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			return errs.ErrClosed
		}
		if prev := w.swapping; prev != nil { // one swap at a time
			w.mu.Unlock()
			<-prev
			continue
		}
		w.swapping = ch
		break
	}
	g := w.cur
	g.draining.Store(true)
	n := g.inflight.Load()
	w.mu.Unlock()

	finish := func(next *generation) {
		w.mu.Lock()
		if next != nil {
			w.cur = next
		} else {
			g.draining.Store(false)
		}
		w.swapping = nil
		w.mu.Unlock()
		close(ch)
	}
	if n > 0 {
		t := time.NewTimer(drain)
		defer t.Stop()
		for g.inflight.Load() > 0 { // a signal may be stale: check again
			select {
			case <-g.drained:
			case <-t.C:
				if left := g.inflight.Load(); left > 0 {
					finish(nil)
					return errs.New(errs.KindStorage, "storage: store swap gave up: %d operations still in flight after %v", left, drain)
				}
			}
		}
	}
	ns, err := fn(g.s)
	if ns == nil {
		finish(nil)
		return err
	}
	finish(&generation{s: ns, drained: make(chan struct{}, 1)})
	return err
}

// Current returns the store in use now. It may be swapped out and closed at
// any time; use it only for type checks and tests.
func (w *Swappable) Current() Store {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.cur.s
}

// Get implements Store.
func (w *Swappable) Get(key []byte) ([]byte, error) {
	g, err := w.acquire()
	if err != nil {
		return nil, err
	}
	defer g.release()
	return g.s.Get(key)
}

// Set implements Store.
func (w *Swappable) Set(key, value []byte) error {
	g, err := w.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	return g.s.Set(key, value)
}

// Delete implements Store.
func (w *Swappable) Delete(key []byte) error {
	g, err := w.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	return g.s.Delete(key)
}

// Scan implements Store.
func (w *Swappable) Scan(prefix []byte, fn func(key, value []byte) bool) error {
	g, err := w.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	return g.s.Scan(prefix, fn)
}

// Sync implements Store.
func (w *Swappable) Sync() error {
	g, err := w.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	return g.s.Sync()
}

// Checkpoint implements Checkpointer when the current store does, and
// returns ErrNoCheckpoint otherwise.
func (w *Swappable) Checkpoint(dir string) error {
	g, err := w.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	c, ok := g.s.(Checkpointer)
	if !ok {
		return ErrNoCheckpoint
	}
	return c.Checkpoint(dir)
}

// NewBatch implements Store. The batch stays on the store current now.
func (w *Swappable) NewBatch() Batch {
	g, err := w.acquire()
	if err != nil {
		return &failedBatch{err: err}
	}
	return &swapBatch{g: g, b: g.s.NewBatch()}
}

// Close implements Store: it waits for a swap in progress, then closes the
// current store. Later calls return nil.
func (w *Swappable) Close() error {
	for {
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			return nil
		}
		if ch := w.swapping; ch != nil {
			w.mu.Unlock()
			<-ch
			continue
		}
		w.closed = true
		s := w.cur.s
		w.mu.Unlock()
		return s.Close()
	}
}

type swapBatch struct {
	g    *generation
	b    Batch
	done bool
}

func (b *swapBatch) Set(key, value []byte) { b.b.Set(key, value) }
func (b *swapBatch) Delete(key []byte)     { b.b.Delete(key) }
func (b *swapBatch) Len() int              { return b.b.Len() }
func (b *swapBatch) Commit() error {
	err := b.b.Commit()
	b.end()
	return err
}
func (b *swapBatch) Discard() {
	b.b.Discard()
	b.end()
}
func (b *swapBatch) end() {
	if !b.done {
		b.done = true
		b.g.release()
	}
}

// failedBatch is returned by NewBatch on a closed Swappable.
type failedBatch struct {
	err error
	n   int
}

func (b *failedBatch) Set(key, value []byte) { b.n++ }
func (b *failedBatch) Delete(key []byte)     { b.n++ }
func (b *failedBatch) Len() int              { return b.n }
func (b *failedBatch) Commit() error         { return b.err }
func (b *failedBatch) Discard()              {}
