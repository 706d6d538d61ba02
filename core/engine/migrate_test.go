package engine_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/backup"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
)

// A dry-run migration must end its batch: an open batch would hold up the
// store swap of a later restore.
func TestRestoreAfterDryRunMigration(t *testing.T) {
	ctx := context.Background()
	e, err := engine.New(&engine.Options{Config: pebbleConfig(filepath.Join(t.TempDir(), "d"))})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.State().Set(ctx, state.Global, "k", value.Map{"a": int64(1)})
	e.State().RegisterSchema(state.Schema{Version: "1.0.0", Migrations: []state.Transform{{Op: "rename", From: "a", To: "b"}}})
	if _, _, err := e.Migrate(ctx, "1.0.0", engine.MigrateOptions{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	m, err := e.Backups().Create(ctx, &backup.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := e.RestoreBackup(ctx, m.ID); err != nil {
		t.Fatalf("restore after a dry run: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("restore waited %v", d)
	}
	rep, backupID, err := e.Migrate(ctx, "1.0.0", engine.MigrateOptions{})
	if err != nil || rep.ItemsMigrated != 1 || backupID == "" {
		t.Fatalf("migrate: %+v %q %v", rep, backupID, err)
	}
	if _, err := e.RestoreBackup(ctx, backupID); err != nil {
		t.Fatalf("restore the pre-migration backup: %v", err)
	}
	if v, _, _ := e.State().Get(ctx, state.Global, "k"); !value.Equal(v, value.Map{"a": int64(1)}) {
		t.Fatalf("after restoring the pre-migration backup: %v", v)
	}
}
