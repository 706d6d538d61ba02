package state_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
)

var ctx = context.Background()

// each runs fn on memory and on pebble in both durability modes.
func each(t *testing.T, fn func(t *testing.T, s *state.Store)) {
	for _, backend := range []string{"memory", "pebble"} {
		for _, d := range []state.Durability{state.DurabilityBatched, state.DurabilitySync} {
			t.Run(fmt.Sprintf("%s/%d", backend, d), func(t *testing.T) {
				var store kv.Store = kv.NewMemory()
				if backend == "pebble" {
					p, err := pebblekv.Open(t.TempDir(), nil)
					if err != nil {
						t.Fatal(err)
					}
					store = p
				}
				s := state.New(store, &state.Options{Durability: d, MaxValueBytes: 1 << 10})
				defer store.Close()
				defer s.Close()
				fn(t, s)
			})
		}
	}
}

func scope(t *testing.T, s string) state.Scope {
	sc, err := state.ParseScope(s)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestScopesAreIsolated(t *testing.T) {
	each(t, func(t *testing.T, s *state.Store) {
		a, ab, g := scope(t, "agent:a"), scope(t, "agent:ab"), state.Global
		s.Set(ctx, a, "k", "in a")
		s.Set(ctx, ab, "k", "in ab")
		s.Set(ctx, g, "k", "global")
		s.Set(ctx, scope(t, "user:a"), "k", "user a")
		for sc, want := range map[state.Scope]string{a: "in a", ab: "in ab", g: "global"} {
			v, ok, err := s.Get(ctx, sc, "k")
			if err != nil || !ok || v != want {
				t.Fatalf("%v: %v %v %v", sc, v, ok, err)
			}
		}
		keys, _ := s.Keys(ctx, a, nil)
		if len(keys) != 1 || keys[0] != "k" {
			t.Fatalf("keys of agent:a = %v", keys)
		}
		if _, ok, _ := s.Get(ctx, scope(t, "tool:a"), "k"); ok {
			t.Fatal("tool:a sees another scope's key")
		}
	})
}

func TestValidation(t *testing.T) {
	each(t, func(t *testing.T, s *state.Store) {
		for _, key := range []string{"", "a..b", "a\x00b", "a\nb", "a\rb", "__x", "$$x", strings.Repeat("k", 257), "\xff"} {
			if err := s.Set(ctx, state.Global, key, "v"); !errs.IsKind(err, errs.KindInvalidArgument) {
				t.Errorf("key %q: %v", key, err)
			}
		}
		for _, sc := range []string{"agent:", "nope:x", "agent", "global:x"} {
			if _, err := state.ParseScope(sc); !errs.IsKind(err, errs.KindInvalidArgument) {
				t.Errorf("scope %q: %v", sc, err)
			}
		}
		err := s.Set(ctx, state.Global, "big", strings.Repeat("x", 2000))
		if !errs.IsKind(err, errs.KindInvalidArgument) || !strings.Contains(err.Error(), "limit") {
			t.Fatalf("big value: %v", err)
		}
		if err := s.Set(ctx, state.Global, "fn", map[string]any{"f": func() {}}); !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Fatalf("non-value: %v", err)
		}
		if ok, _ := s.Exists(ctx, state.Global, "big"); ok {
			t.Fatal("rejected value was stored")
		}
	})
}

func TestSetGetDeleteListTypes(t *testing.T) {
	each(t, func(t *testing.T, s *state.Store) {
		sc := scope(t, "workflow:w1")
		vals := map[string]value.Value{"n": int64(3), "f": 2.5, "s": "x", "b": true, "l": value.List{int64(1), "a"}, "m": value.Map{"k": nil}}
		for k, v := range vals {
			if err := s.Set(ctx, sc, k, v); err != nil {
				t.Fatal(err)
			}
		}
		for k, v := range vals {
			got, ok, err := s.Get(ctx, sc, k)
			if err != nil || !ok || !value.Equal(got, v) {
				t.Fatalf("%s: %v %v %v", k, got, ok, err)
			}
		}
		keys, _ := s.Keys(ctx, sc, nil)
		if strings.Join(keys, ",") != "b,f,l,m,n,s" {
			t.Fatalf("keys %v", keys)
		}
		keys, _ = s.Keys(ctx, sc, &state.ListOptions{Limit: 2})
		if len(keys) != 2 {
			t.Fatalf("limit: %v", keys)
		}
		s.Set(ctx, sc, "pre.a", 1.0)
		s.Set(ctx, sc, "pre.b", 1.0)
		keys, _ = s.Keys(ctx, sc, &state.ListOptions{Prefix: "pre."})
		if len(keys) != 2 {
			t.Fatalf("prefix: %v", keys)
		}
		existed, err := s.Delete(ctx, sc, "n")
		if err != nil || !existed {
			t.Fatal("delete")
		}
		existed, _ = s.Delete(ctx, sc, "n")
		if existed {
			t.Fatal("second delete reported existed")
		}
		n, err := s.ClearScope(ctx, sc)
		if err != nil || n != 7 {
			t.Fatalf("clear: %d %v", n, err)
		}
	})
}

func TestTransactionAllOrNothing(t *testing.T) {
	each(t, func(t *testing.T, s *state.Store) {
		boom := errors.New("boom")
		err := s.Update(ctx, func(tx *state.Tx) error {
			tx.Set(state.Global, "a", int64(1))
			tx.Set(scope(t, "agent:x"), "b", int64(2))
			if v, ok, _ := tx.Get(state.Global, "a"); !ok || v != int64(1) {
				t.Fatal("tx does not see its own write")
			}
			return boom
		})
		if err != boom {
			t.Fatalf("err = %v", err)
		}
		if ok, _ := s.Exists(ctx, state.Global, "a"); ok {
			t.Fatal("failed transaction wrote a")
		}
		err = s.Update(ctx, func(tx *state.Tx) error {
			tx.Set(state.Global, "a", int64(1))
			tx.Set(scope(t, "agent:x"), "b", int64(2))
			return tx.Delete(state.Global, "never")
		})
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.Exists(ctx, scope(t, "agent:x"), "b"); !ok {
			t.Fatal("committed transaction lost b")
		}
	})
}

func TestTransactionConflict(t *testing.T) {
	each(t, func(t *testing.T, s *state.Store) {
		s.Set(ctx, state.Global, "counter", int64(1))
		err := s.Update(ctx, func(tx *state.Tx) error {
			v, _, _ := tx.Get(state.Global, "counter")
			s.Set(ctx, state.Global, "counter", int64(100)) // a concurrent writer
			return tx.Set(state.Global, "counter", v.(int64)+1)
		})
		if !errs.IsKind(err, errs.KindConflict) {
			t.Fatalf("err = %v", err)
		}
		if v, _, _ := s.Get(ctx, state.Global, "counter"); v != int64(100) {
			t.Fatalf("counter = %v", v)
		}
	})
}

func TestCompareAndSet(t *testing.T) {
	each(t, func(t *testing.T, s *state.Store) {
		ok, err := s.CompareAndSet(ctx, state.Global, "lock", nil, "me")
		if err != nil || !ok {
			t.Fatal("CAS on absent")
		}
		if ok, _ := s.CompareAndSet(ctx, state.Global, "lock", nil, "you"); ok {
			t.Fatal("CAS must fail when present")
		}
		if ok, _ := s.CompareAndSet(ctx, state.Global, "lock", "other", "you"); ok {
			t.Fatal("CAS must fail on mismatch")
		}
		if ok, _ := s.CompareAndSet(ctx, state.Global, "lock", "me", nil); !ok {
			t.Fatal("CAS delete")
		}
		if ok, _ := s.Exists(ctx, state.Global, "lock"); ok {
			t.Fatal("CAS delete left the key")
		}
	})
}

func TestConcurrentCounters(t *testing.T) {
	each(t, func(t *testing.T, s *state.Store) {
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 25; {
					cur, _, _ := s.Get(ctx, state.Global, "n")
					n, _ := cur.(int64)
					if ok, err := s.CompareAndSet(ctx, state.Global, "n", cur, n+1); err != nil {
						t.Error(err)
						return
					} else if ok {
						i++
					}
				}
			}()
		}
		wg.Wait()
		if v, _, _ := s.Get(ctx, state.Global, "n"); v != int64(200) {
			t.Fatalf("n = %v, want 200", v)
		}
	})
}

func TestHooksCalled(t *testing.T) {
	var log []string
	s := state.New(kv.NewMemory(), &state.Options{Hooks: state.Hooks{
		BeforeWrite: func(_ context.Context, sc state.Scope, k string, v value.Value) (value.Value, bool, error) {
			log = append(log, "before:"+k)
			if k == "denied" {
				return nil, false, errs.New(errs.KindDenied, "no")
			}
			if k == "skipped" {
				return nil, true, nil
			}
			if v == "upper" {
				return "UPPER", false, nil
			}
			return v, false, nil
		},
		BeforeRead: func(_ context.Context, sc state.Scope, k string) (value.Value, bool, error) {
			if k == "answered" {
				return "from hook", true, nil
			}
			return nil, false, nil
		},
		AfterWrite: func(_ context.Context, sc state.Scope, k string, v value.Value) { log = append(log, "after:"+k) },
		AfterRead: func(_ context.Context, sc state.Scope, k string, v value.Value) value.Value {
			log = append(log, "read:"+k)
			return v
		},
	}})
	defer s.Close()
	s.Set(ctx, state.Global, "a", "upper")
	if v, _, _ := s.Get(ctx, state.Global, "a"); v != "UPPER" {
		t.Fatalf("modified write lost: %v", v)
	}
	if err := s.Set(ctx, state.Global, "denied", 1.0); !errs.IsKind(err, errs.KindDenied) {
		t.Fatalf("denied: %v", err)
	}
	if err := s.Set(ctx, state.Global, "skipped", 1.0); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.Exists(ctx, state.Global, "skipped"); ok {
		t.Fatal("skipped write was stored")
	}
	if v, ok, _ := s.Get(ctx, state.Global, "answered"); !ok || v != "from hook" {
		t.Fatalf("replaced read: %v %v", v, ok)
	}
	if strings.Join(log, ",") != "before:a,after:a,read:a,before:denied,before:skipped" {
		t.Fatalf("log %v", log)
	}
}

func TestSyncDurableAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	p, _ := pebblekv.Open(dir, nil)
	s := state.New(p, &state.Options{Durability: state.DurabilitySync})
	s.Set(ctx, scope(t, "session:s1"), "k", "v")
	s.Close()
	s.Close()
	if err := s.Set(ctx, state.Global, "x", 1.0); !errs.IsKind(err, errs.KindClosed) {
		t.Fatalf("after close: %v", err)
	}
	p.Close()
	p2, _ := pebblekv.Open(dir, nil)
	defer p2.Close()
	s2 := state.New(p2, nil)
	defer s2.Close()
	if v, ok, _ := s2.Get(ctx, scope(t, "session:s1"), "k"); !ok || v != "v" {
		t.Fatalf("reopen: %v %v", v, ok)
	}
}

func BenchmarkStateSet(b *testing.B) {
	for _, d := range []state.Durability{state.DurabilityBatched, state.DurabilitySync} {
		b.Run(map[state.Durability]string{0: "batched", 1: "sync"}[d], func(b *testing.B) {
			p, _ := pebblekv.Open(b.TempDir(), nil)
			defer p.Close()
			s := state.New(p, &state.Options{Durability: d})
			defer s.Close()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := s.Set(ctx, state.Global, "key", int64(i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkStateGet(b *testing.B) {
	p, _ := pebblekv.Open(b.TempDir(), nil)
	defer p.Close()
	s := state.New(p, nil)
	defer s.Close()
	s.Set(ctx, state.Global, "key", value.Map{"a": int64(1), "b": "text"})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := s.Get(ctx, state.Global, "key"); err != nil {
			b.Fatal(err)
		}
	}
}
