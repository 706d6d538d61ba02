package kv_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
)

func TestSwappableIsAStore(t *testing.T) {
	backends(t, func(t *testing.T, s kv.Store) {
		w := kv.NewSwappable(s)
		w.Set([]byte("a"), []byte("1"))
		b := w.NewBatch()
		b.Set([]byte("b"), []byte("2"))
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
		n := 0
		w.Scan(nil, func(k, v []byte) bool { n++; return true })
		if n != 2 {
			t.Fatalf("scan saw %d", n)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get([]byte("a")); !errs.IsKind(err, errs.KindClosed) {
			t.Fatalf("Close must close the current store: %v", err)
		}
		if err := w.Set([]byte("a"), nil); !errs.IsKind(err, errs.KindClosed) {
			t.Fatalf("after close: %v", err)
		}
		if err := w.NewBatch().Commit(); !errs.IsKind(err, errs.KindClosed) {
			t.Fatalf("batch after close: %v", err)
		}
	})
}

func TestSwapReplacesStore(t *testing.T) {
	old, next := kv.NewMemory(), kv.NewMemory()
	old.Set([]byte("k"), []byte("old"))
	next.Set([]byte("k"), []byte("new"))
	w := kv.NewSwappable(old)
	defer w.Close()
	err := w.Swap(0, func(o kv.Store) (kv.Store, error) {
		if o != old {
			t.Error("fn got the wrong store")
		}
		return next, o.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := w.Get([]byte("k")); string(v) != "new" {
		t.Fatalf("after swap: %q", v)
	}
	// A failing fn that returns no store keeps the current one.
	boom := errors.New("boom")
	if err := w.Swap(0, func(kv.Store) (kv.Store, error) { return nil, boom }); err != boom {
		t.Fatalf("swap error: %v", err)
	}
	if v, _ := w.Get([]byte("k")); string(v) != "new" {
		t.Fatalf("after failed swap: %q", v)
	}
}

// Writers never see a closed store while swaps happen under them, and
// every write lands in the store current when it ran.
func TestSwapUnderLoad(t *testing.T) {
	w := kv.NewSwappable(kv.NewMemory())
	defer w.Close()
	var stop atomic.Bool
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				k := []byte(fmt.Sprintf("g%d/%d", g, i%50))
				if err := w.Set(k, k); err != nil {
					t.Error(err)
					return
				}
				b := w.NewBatch()
				b.Set(k, k)
				if err := b.Commit(); err != nil {
					t.Error(err)
					return
				}
				if _, err := w.Get(k); err != nil && !errs.IsKind(err, errs.KindNotFound) {
					t.Error(err)
					return
				}
				w.Scan([]byte("g"), func(k, v []byte) bool { return true })
			}
		}()
	}
	for i := 0; i < 50; i++ {
		if err := w.Swap(0, func(o kv.Store) (kv.Store, error) { return kv.NewMemory(), o.Close() }); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
}

// A Scan whose fn calls the store while a swap waits cannot deadlock: the
// swap gives up after its drain timeout and nothing changes.
func TestSwapDrainTimeout(t *testing.T) {
	m := kv.NewMemory()
	m.Set([]byte("a"), []byte("1"))
	w := kv.NewSwappable(m)
	defer w.Close()
	inScan := make(chan struct{})
	swapErr := make(chan error, 1)
	go func() {
		<-inScan
		swapErr <- w.Swap(100*time.Millisecond, func(o kv.Store) (kv.Store, error) { return kv.NewMemory(), nil })
	}()
	err := w.Scan(nil, func(k, v []byte) bool {
		close(inScan)
		time.Sleep(20 * time.Millisecond) // let the swap start
		if _, err := w.Get([]byte("a")); err != nil {
			t.Errorf("nested get: %v", err)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-swapErr; !errs.IsKind(err, errs.KindStorage) {
		t.Fatalf("swap: %v", err)
	}
	if w.Current() != kv.Store(m) {
		t.Fatal("timed-out swap changed the store")
	}
}

func TestSwappableCheckpoint(t *testing.T) {
	w := kv.NewSwappable(kv.NewMemory())
	if err := w.Checkpoint(t.TempDir() + "/ck"); !errors.Is(err, kv.ErrNoCheckpoint) {
		t.Fatalf("memory checkpoint: %v", err)
	}
	w.Close()
	p, err := pebblekv.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	w = kv.NewSwappable(p)
	defer w.Close()
	if err := w.Checkpoint(t.TempDir() + "/ck"); err != nil {
		t.Fatal(err)
	}
}

// A batch begun before a swap holds the swap until it ends, and commits to
// the store it began on.
func TestBatchSpansSwap(t *testing.T) {
	old := kv.NewMemory()
	w := kv.NewSwappable(old)
	defer w.Close()
	b := w.NewBatch()
	b.Set([]byte("k"), []byte("v"))
	swapped := make(chan error, 1)
	go func() {
		swapped <- w.Swap(0, func(o kv.Store) (kv.Store, error) {
			v, err := o.Get([]byte("k"))
			if err != nil || string(v) != "v" {
				t.Errorf("old store at swap: %q %v", v, err)
			}
			return kv.NewMemory(), o.Close()
		})
	}()
	select {
	case err := <-swapped:
		t.Fatalf("swap did not wait for the batch: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-swapped; err != nil {
		t.Fatal(err)
	}
	if _, err := w.Get([]byte("k")); !errs.IsKind(err, errs.KindNotFound) {
		t.Fatalf("new store: %v", err)
	}
}
