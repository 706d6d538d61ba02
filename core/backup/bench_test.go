package backup_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/llmspell/llmspell-go/core/backup"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
)

// benchKeys is the store size of the bench/ figure: backup and restore of
// 100K keys.
const benchKeys = 100_000

// fill100K writes benchKeys state entries (about 100 bytes of JSON each)
// through core/state in transactions of 1000, then reopens the store so
// they sit in sstables as in a long-running engine.
func fill100K(b *testing.B, d *db) {
	b.Helper()
	for i := 0; i < benchKeys; i += 1000 {
		err := d.st.Update(ctx, func(tx *state.Tx) error {
			for j := i; j < i+1000; j++ {
				scope := state.Scope{Kind: state.ScopeUser, ID: fmt.Sprint(j % 100)}
				v := value.Map{"n": int64(j), "name": fmt.Sprintf("item-%06d", j), "tags": value.List{"a", "b"}, "note": "some state value text"}
				if err := tx.Set(scope, fmt.Sprintf("key%06d", j), v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	d.reopen()
}

func BenchmarkBackup100K(b *testing.B) {
	base := b.TempDir()
	d := newDB(b, filepath.Join(base, "data"))
	fill100K(b, d)
	bdir := filepath.Join(base, "backups")
	m := newManager(b, d.kv, bdir, &backup.Options{NoAutoCleanup: true})
	full, err := m.Create(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	if full.KeyCount != benchKeys {
		b.Fatalf("key count %d", full.KeyCount)
	}
	remove := func(id string) {
		b.StopTimer()
		os.RemoveAll(filepath.Join(bdir, id))
		b.StartTimer()
	}

	b.Run("create_full", func(b *testing.B) {
		var stored int64
		for i := 0; i < b.N; i++ {
			man, err := m.Create(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			stored = man.StoredBytes
			remove(man.ID)
		}
		b.ReportMetric(float64(full.TotalBytes), "store-B")
		b.ReportMetric(float64(stored), "stored-B")
	})
	b.Run("create_incremental_1pct", func(b *testing.B) {
		var stored int64
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			for j := 0; j < benchKeys/100; j++ {
				d.set(state.Global, fmt.Sprintf("changed%06d", j), int64(i))
			}
			d.reopen()
			b.StartTimer()
			man, err := m.Create(ctx, &backup.CreateOptions{Incremental: true})
			if err != nil {
				b.Fatal(err)
			}
			stored = man.StoredBytes
			remove(man.ID)
		}
		b.ReportMetric(float64(stored), "stored-B")
	})
	b.Run("validate", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := m.Validate(ctx, full.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("restore", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			dest := filepath.Join(base, fmt.Sprint("restore", i))
			rep, err := m.Restore(ctx, full.ID, dest)
			if err != nil || rep.KeyCount != benchKeys {
				b.Fatalf("%+v %v", rep, err)
			}
			b.StopTimer()
			os.RemoveAll(dest)
			b.StartTimer()
		}
	})
	b.Run("load_into_memory", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := m.Load(ctx, full.ID, kv.NewMemory()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
