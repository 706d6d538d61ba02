package engine

import (
	"context"

	"github.com/llmspell/llmspell-go/core/backup"
	"github.com/llmspell/llmspell-go/core/state"
)

// MigrateOptions controls Engine.Migrate.
type MigrateOptions struct {
	// DryRun computes the report without writing. Default: false.
	DryRun bool
	// BatchSize is the number of values per atomic batch. Default: 500.
	BatchSize int
	// SkipBackup skips the backup taken before the first write.
	// Default: false (a backup is taken).
	SkipBackup bool
}

// Migrate runs a state schema migration to target (see state.Store.Migrate),
// taking a backup of the whole store before it writes anything. It returns
// the report and the id of that backup ("" when none was taken: a dry run,
// a resumed migration, nothing to do, or SkipBackup).
func (e *Engine) Migrate(ctx context.Context, target string, o MigrateOptions) (*state.MigrationReport, string, error) {
	if err := e.Check(); err != nil {
		return nil, "", err
	}
	var backupID string
	mo := &state.MigrateOptions{DryRun: o.DryRun, BatchSize: o.BatchSize}
	if !o.SkipBackup {
		mo.Before = func(ctx context.Context) error {
			m, err := e.Backups().Create(ctx, &backup.CreateOptions{Label: "before migration to " + target})
			if err != nil {
				return err
			}
			backupID = m.ID
			return nil
		}
	}
	rep, err := e.state.Migrate(ctx, target, mo)
	return rep, backupID, err
}
