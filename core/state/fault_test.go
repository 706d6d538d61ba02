package state_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/internal/faultkv"
)

// TestDiskFullKeepsEarlierData fills the "disk" (an injected write budget)
// in the middle of a run of writes and transactions: every failing call
// reports storage_error with a clear message, and everything written before
// is intact and readable, also after reopening the store.
func TestDiskFullKeepsEarlierData(t *testing.T) {
	dir := t.TempDir()
	p, err := pebblekv.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	fs := faultkv.New(p)
	s := state.New(fs, &state.Options{Durability: state.DurabilitySync})
	for i := 0; i < 10; i++ {
		if err := s.Set(ctx, state.Global, fmt.Sprintf("ok%d", i), value.Map{"i": int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	fs.FailWritesAfter(200)
	var failed error
	for i := 0; i < 50 && failed == nil; i++ {
		failed = s.Set(ctx, state.Global, fmt.Sprintf("more%d", i), strings.Repeat("x", 40))
	}
	if !errs.IsKind(failed, errs.KindStorage) || !strings.Contains(failed.Error(), "no space left") {
		t.Fatalf("disk full: %v", failed)
	}
	// A transaction that does not fit writes nothing at all.
	err = s.Update(ctx, func(tx *state.Tx) error {
		tx.Set(state.Global, "tx_a", 1.0)
		return tx.Set(state.Global, "tx_b", strings.Repeat("y", 500))
	})
	if !errs.IsKind(err, errs.KindStorage) {
		t.Fatalf("transaction on a full disk: %v", err)
	}
	if ok, _ := s.Exists(ctx, state.Global, "tx_a"); ok {
		t.Fatal("half a transaction was written")
	}
	fs.FailSync(true)
	if err := s.Set(ctx, state.Global, "late", 1.0); err == nil {
		t.Fatal("a write whose sync failed reported success")
	}
	fs.FailSync(false)
	s.Close()
	p.Close()
	p2, err := pebblekv.Open(dir, nil)
	if err != nil {
		t.Fatalf("reopen after the disk filled: %v", err)
	}
	defer p2.Close()
	s2 := state.New(p2, nil)
	defer s2.Close()
	for i := 0; i < 10; i++ {
		v, ok, err := s2.Get(ctx, state.Global, fmt.Sprintf("ok%d", i))
		if err != nil || !ok || !value.Equal(v, value.Map{"i": int64(i)}) {
			t.Fatalf("earlier write ok%d lost: %v %v %v", i, v, ok, err)
		}
	}
}

func TestReadFailuresAreStorageErrors(t *testing.T) {
	p, _ := pebblekv.Open(t.TempDir(), nil)
	defer p.Close()
	fs := faultkv.New(p)
	s := state.New(fs, nil)
	defer s.Close()
	s.Set(ctx, state.Global, "k", 1.0)
	fs.FailReads(true)
	if _, _, err := s.Get(ctx, state.Global, "k"); !errs.IsKind(err, errs.KindStorage) {
		t.Fatalf("get: %v", err)
	}
	if _, err := s.Keys(ctx, state.Global, nil); !errs.IsKind(err, errs.KindStorage) {
		t.Fatalf("keys: %v", err)
	}
	fs.FailReads(false)
	if v, _, _ := s.Get(ctx, state.Global, "k"); v != int64(1) {
		t.Fatal("data lost after read failures")
	}
}
