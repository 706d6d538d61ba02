package state_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
)

func seed(t testing.TB, s *state.Store, n int) {
	err := s.Update(context.Background(), func(tx *state.Tx) error {
		for i := 0; i < n; i++ {
			sc := state.Scope{Kind: "user", ID: fmt.Sprintf("u%d", i%10)}
			if err := tx.Set(sc, fmt.Sprintf("profile%05d", i), value.Map{"name": fmt.Sprintf("n%d", i), "age": fmt.Sprint(20 + i%50), "old": true}); err != nil {
				return err
			}
		}
		return tx.Set(state.Global, "plain", "not an object")
	})
	if err != nil {
		t.Fatal(err)
	}
}

var v2 = state.Schema{Version: "1.1.0", Scopes: []string{"user:*"}, Migrations: []state.Transform{
	{Op: "rename", From: "name", To: "full_name"},
	{Op: "convert", Field: "age", Type: "integer"},
	{Op: "default", Field: "tier", Value: "free"},
}}
var v3 = state.Schema{Version: "2.0.0", Migrations: []state.Transform{
	{Op: "remove", Field: "old"},
	{Op: "copy", From: "full_name", To: "display"},
}}

func TestMigrateChainDryRunAndReport(t *testing.T) {
	each(t, func(t *testing.T, s *state.Store) {
		seed(t, s, 120)
		if err := s.RegisterSchema(state.Schema{Version: "1.0.0"}); err != nil {
			t.Fatal(err)
		}
		s.RegisterSchema(v2)
		s.RegisterSchema(v3)
		dry, err := s.Migrate(ctx, "2.0.0", &state.MigrateOptions{DryRun: true})
		if err != nil || dry.ItemsMigrated != 120 || !dry.DryRun {
			t.Fatalf("dry run: %+v %v", dry, err)
		}
		if v, _, _ := s.Get(ctx, state.Scope{Kind: "user", ID: "u0"}, "profile00000"); v.(value.Map)["name"] != "n0" {
			t.Fatal("dry run wrote")
		}
		called := 0
		rep, err := s.Migrate(ctx, "2.0.0", &state.MigrateOptions{BatchSize: 7, Before: func(context.Context) error { called++; return nil }})
		if err != nil {
			t.Fatal(err)
		}
		if rep.From != "0.0.0" || rep.To != "2.0.0" || rep.ItemsMigrated != 120 || called != 1 || strings.Join(rep.Steps, ",") != "1.0.0,1.1.0,2.0.0" {
			t.Fatalf("report %+v", rep)
		}
		if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "not objects") {
			t.Fatalf("warnings %v", rep.Warnings)
		}
		v, _, _ := s.Get(ctx, state.Scope{Kind: "user", ID: "u3"}, "profile00003")
		want := value.Map{"full_name": "n3", "display": "n3", "age": int64(23), "tier": "free"}
		if !value.Equal(v, want) {
			t.Fatalf("migrated value %v", v)
		}
		if cur, _ := s.SchemaVersion(); cur != "2.0.0" {
			t.Fatalf("version %q", cur)
		}
		st, _ := s.MigrationStatus()
		if st["current"] != "2.0.0" || st["in_progress"] != false || len(st["versions"].(value.List)) != 3 {
			t.Fatalf("status %v", st)
		}
		if _, err := s.Migrate(ctx, "1.1.0", nil); !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Fatalf("downgrade: %v", err)
		}
		if _, err := s.Migrate(ctx, "9.0.0", nil); !errs.IsKind(err, errs.KindNotFound) {
			t.Fatalf("unknown target: %v", err)
		}
		if rep, err := s.Migrate(ctx, "2.0.0", nil); err != nil || rep.ItemsMigrated != 0 {
			t.Fatalf("no-op migration: %+v %v", rep, err)
		}
	})
}

func TestMigrateCustomAndValidation(t *testing.T) {
	each(t, func(t *testing.T, s *state.Store) {
		s.Set(ctx, state.Global, "a", value.Map{"first": "Ada", "last": "Lovelace"})
		custom := state.Schema{Version: "1.0.0", Migrations: []state.Transform{{Op: "custom", Field: "full", Fn: func(o value.Map) (value.Value, error) {
			return o["first"].(string) + " " + o["last"].(string), nil
		}}}}
		if err := s.RegisterSchema(custom); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx, "1.0.0", nil); err != nil {
			t.Fatal(err)
		}
		if v, _, _ := s.Get(ctx, state.Global, "a"); v.(value.Map)["full"] != "Ada Lovelace" {
			t.Fatalf("custom: %v", v)
		}
		for _, bad := range []state.Schema{
			{Version: "1.0"}, {Version: "x.y.z"},
			{Version: "1.2.0", Migrations: []state.Transform{{Op: "explode"}}},
			{Version: "1.2.0", Migrations: []state.Transform{{Op: "convert", Field: "a", Type: "date"}}},
			{Version: "1.2.0", Migrations: []state.Transform{{Op: "rename", From: "a"}}},
			{Version: "1.2.0", Scopes: []string{"planet:*"}},
		} {
			if err := s.RegisterSchema(bad); !errs.IsKind(err, errs.KindInvalidArgument) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
	})
}

// TestMigrationCrashWorker is the child of TestMigrationResumesAfterKill.
func TestMigrationCrashWorker(t *testing.T) {
	dir := os.Getenv("LLMSPELL_MIGRATE_DIR")
	if dir == "" {
		t.Skip("child process of TestMigrationResumesAfterKill; runs only there")
	}
	p, err := pebblekv.Open(dir, nil)
	if err != nil {
		os.Exit(3)
	}
	s := state.New(p, &state.Options{Durability: state.DurabilitySync})
	s.RegisterSchema(v2)
	// Die in the middle: the Before hook kills the process after a few
	// batches have been written by a second goroutine watching progress.
	go func() {
		for {
			if st, _ := s.MigrationStatus(); st["in_progress"] == true {
				if n, _ := st["items_migrated"].(int64); n >= 300 {
					os.Exit(9) // simulate a crash mid-migration
				}
			}
		}
	}()
	s.Migrate(context.Background(), "1.1.0", &state.MigrateOptions{BatchSize: 50})
	os.Exit(0)
}

// TestMigrationResumesAfterKill interrupts a migration half way and checks
// that running it again finishes it, migrating every value exactly once.
func TestMigrationResumesAfterKill(t *testing.T) {
	dir := t.TempDir()
	p, _ := pebblekv.Open(dir, nil)
	s := state.New(p, nil)
	seed(t, s, 2000)
	s.Close()
	p.Close()

	cmd := exec.Command(os.Args[0], "-test.run", "^TestMigrationCrashWorker$")
	cmd.Env = append(os.Environ(), "LLMSPELL_MIGRATE_DIR="+dir)
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 9 {
		t.Fatalf("worker did not crash mid-migration: %v", err)
	}

	p, err = pebblekv.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s = state.New(p, nil)
	defer s.Close()
	st, _ := s.MigrationStatus()
	if st["in_progress"] != true {
		t.Fatalf("no progress recorded: %v", st)
	}
	s.RegisterSchema(v2)
	rep, err := s.Migrate(ctx, "1.1.0", nil)
	if err != nil || !rep.Resumed || rep.ItemsMigrated != 2000 {
		t.Fatalf("resume: %+v %v", rep, err)
	}
	keys, _ := s.Keys(ctx, state.Scope{Kind: "user", ID: "u7"}, nil)
	for _, k := range keys {
		v, _, _ := s.Get(ctx, state.Scope{Kind: "user", ID: "u7"}, k)
		m := v.(value.Map)
		if _, ok := m["full_name"]; !ok || m["tier"] != "free" {
			t.Fatalf("%s not migrated: %v", k, m)
		}
		if _, ok := m["age"].(int64); !ok {
			t.Fatalf("%s converted twice or not at all: %v", k, m)
		}
	}
}

func BenchmarkMigratePerItem(b *testing.B) {
	p, _ := pebblekv.Open(b.TempDir(), nil)
	defer p.Close()
	s := state.New(p, nil)
	defer s.Close()
	seed(b, s, b.N)
	s.RegisterSchema(v2)
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := s.Migrate(ctx, "1.1.0", nil); err != nil {
		b.Fatal(err)
	}
}
