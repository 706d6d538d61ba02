package backup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// CleanupOptions override retention for one Cleanup. Zero fields use the
// manager's options.
type CleanupOptions struct {
	// DryRun reports what would be removed without removing it.
	DryRun bool
	// MaxCount overrides Options.MaxCount; negative means no limit.
	MaxCount int
	// MaxAge overrides Options.MaxAge; negative means no limit.
	MaxAge time.Duration
}

// CleanupReport lists the outcome of a Cleanup, newest first.
type CleanupReport struct {
	Kept    []string
	Removed []string
	// Broken are backups whose manifest cannot be read; Cleanup leaves
	// them for a person to look at.
	Broken []string
	DryRun bool
}

// Value returns the report as a script value with snake_case keys.
func (r *CleanupReport) Value() value.Map {
	list := func(ids []string) value.List {
		out := make(value.List, len(ids))
		for i, id := range ids {
			out[i] = id
		}
		return out
	}
	return value.Map{"kept": list(r.Kept), "removed": list(r.Removed), "broken": list(r.Broken), "dry_run": r.DryRun}
}

// staleAfter is the age after which an unfinished backup folder
// (".tmp-*") is considered abandoned by a crashed writer.
const staleAfter = time.Hour

// Cleanup applies retention: it keeps the newest MaxCount backups that are
// at most MaxAge old, always keeps the newest backup, and never removes a
// backup that a kept incremental backup depends on (its parent chain).
// Everything else is removed, each backup by renaming it out of sight
// first so that a crash never leaves a half-removed backup looking valid.
// It also removes unfinished backups older than an hour.
func (m *Manager) Cleanup(ctx context.Context, opts *CleanupOptions) (*CleanupReport, error) {
	dir, err := m.dir()
	if err != nil {
		return nil, err
	}
	o := CleanupOptions{}
	if opts != nil {
		o = *opts
	}
	if o.MaxCount == 0 {
		o.MaxCount = m.opts.MaxCount
	}
	if o.MaxAge == 0 {
		o.MaxAge = m.opts.MaxAge
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	mans, broken, err := scan(dir)
	if err != nil {
		return nil, err
	}
	rep := &CleanupReport{DryRun: o.DryRun, Kept: []string{}, Removed: []string{}, Broken: []string{}}
	for _, b := range broken {
		rep.Broken = append(rep.Broken, b.ID)
	}
	now := m.opts.Now()
	byID := map[string]*Manifest{}
	keep := map[string]bool{}
	for i, man := range mans {
		byID[man.ID] = man
		young := o.MaxAge < 0 || now.Sub(man.CreatedAt) <= o.MaxAge
		if i == 0 || ((o.MaxCount < 0 || i < o.MaxCount) && young) {
			keep[man.ID] = true
		}
	}
	// Keep what kept backups depend on: parents, and backups holding blobs.
	for _, man := range mans {
		if !keep[man.ID] {
			continue
		}
		for p, hops := man, 0; p != nil && hops <= len(mans); p, hops = byID[p.Parent], hops+1 {
			keep[p.ID] = true
			for _, f := range p.Files {
				keep[f.StoredIn] = true
			}
		}
	}
	for _, man := range mans {
		if keep[man.ID] {
			rep.Kept = append(rep.Kept, man.ID)
			continue
		}
		if !o.DryRun {
			if err := ctxErr(ctx); err != nil {
				return rep, err
			}
			if err := removeBackup(dir, man.ID); err != nil {
				return rep, err
			}
		}
		rep.Removed = append(rep.Removed, man.ID)
	}
	if !o.DryRun {
		removeStale(dir, now)
	}
	return rep, nil
}

// removeBackup hides a backup under a dot name, then deletes it.
func removeBackup(dir, id string) error {
	trash := filepath.Join(dir, ".trash-"+id)
	if err := os.Rename(filepath.Join(dir, id), trash); err != nil {
		return errs.Wrap(errs.KindStorage, err, "backup: remove backup %s", id)
	}
	if err := os.RemoveAll(trash); err != nil {
		return errs.Wrap(errs.KindStorage, err, "backup: remove backup %s", id)
	}
	return nil
}

// removeStale deletes leftovers: trash, and unfinished backups and
// temporary restore folders older than staleAfter.
func removeStale(dir string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		switch {
		case strings.HasPrefix(n, ".trash-"):
			os.RemoveAll(filepath.Join(dir, n))
		case strings.HasPrefix(n, ".tmp-"):
			if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > staleAfter {
				os.RemoveAll(filepath.Join(dir, n))
			}
		}
	}
}
