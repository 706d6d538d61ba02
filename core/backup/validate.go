package backup

import (
	"context"
	"io"

	"github.com/llmspell/llmspell-go/core/value"
)

// ValidateReport says what Validate checked.
type ValidateReport struct {
	ID string
	// Backups are the ids whose blobs the check read: id and the
	// ancestors an incremental backup needs.
	Backups []string
	Files   int
	Bytes   int64
}

// Value returns the report as a script value with snake_case keys.
func (r *ValidateReport) Value() value.Map {
	ids := make(value.List, len(r.Backups))
	for i, b := range r.Backups {
		ids[i] = b
	}
	return value.Map{"id": r.ID, "valid": true, "backups": ids, "files": int64(r.Files), "bytes": r.Bytes}
}

// Validate checks that backup id ("latest": the newest) can be restored:
// its manifest and those of the backups it draws on match their
// checksums, and every file decompresses to its recorded size and BLAKE3.
// A failure is a storage_error marked ErrCorrupt whose message names the
// file.
func (m *Manager) Validate(ctx context.Context, id string) (*ValidateReport, error) {
	dir, err := m.dir()
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	man, err := m.resolve(dir, id)
	if err != nil {
		return nil, err
	}
	if err := m.checkChain(dir, man); err != nil {
		return nil, err
	}
	rep := &ValidateReport{ID: man.ID, Backups: []string{man.ID}}
	inChain := map[string]bool{man.ID: true}
	done := map[string]bool{}
	z := newCodec()
	defer z.close()
	for _, f := range man.Files {
		if err := ctxErr(ctx); err != nil {
			return nil, err
		}
		rep.Files++
		rep.Bytes += f.Size
		if !inChain[f.StoredIn] {
			inChain[f.StoredIn] = true
			rep.Backups = append(rep.Backups, f.StoredIn)
		}
		if done[f.BLAKE3] {
			continue
		}
		if err := z.decompress(ctx, dir, man.ID, f, io.Discard); err != nil {
			return nil, err
		}
		done[f.BLAKE3] = true
	}
	return rep, nil
}
