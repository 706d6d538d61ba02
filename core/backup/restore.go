package backup

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/value"
)

// RestoreReport says what a restore produced.
type RestoreReport struct {
	ID         string
	KeyCount   int64 // -1 when unknown
	Files      int
	Bytes      int64
	DurationMS int64
}

// Value returns the report as a script value with snake_case keys.
func (r *RestoreReport) Value() value.Map {
	out := value.Map{"id": r.ID, "files": int64(r.Files), "bytes": r.Bytes, "duration_ms": r.DurationMS}
	if r.KeyCount >= 0 {
		out["key_count"] = r.KeyCount
	}
	return out
}

// Restore writes the store of backup id ("latest": the newest) into the
// folder dest, which must not exist, checking every file's BLAKE3 on the
// way. With Options.Open set it then opens the result, counts its keys and
// checks them against the manifest. On failure dest is removed: it never
// holds a half-restored store. Restore does not touch the live store; the
// engine swaps dest in (engine.RestoreBackup).
func (m *Manager) Restore(ctx context.Context, id, dest string) (_ *RestoreReport, err error) {
	dir, err := m.dir()
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	start := m.opts.Now()
	man, err := m.resolve(dir, id)
	if err != nil {
		return nil, err
	}
	if err := m.checkChain(dir, man); err != nil {
		return nil, err
	}
	if _, err := os.Stat(dest); !errors.Is(err, fs.ErrNotExist) {
		return nil, errs.New(errs.KindInvalidArgument, "backup: restore folder %s already exists", dest).With("path", dest)
	}
	if err := os.MkdirAll(dest, 0o700); err != nil {
		return nil, errs.Wrap(errs.KindStorage, err, "backup: create %s", dest)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dest)
		}
	}()
	rep := &RestoreReport{ID: man.ID, KeyCount: -1, Files: len(man.Files), Bytes: man.TotalBytes}
	switch man.Layout {
	case LayoutCheckpoint:
		if err := m.extract(ctx, dir, man, dest); err != nil {
			return nil, err
		}
		if m.opts.Open != nil {
			n, err := countKeys(dest, func(d string, _ bool) (kv.Store, error) { return m.opts.Open(d, false) })
			if err != nil {
				return nil, errs.Wrap(errs.KindStorage, err, "backup %s: the restored store does not open", man.ID)
			}
			rep.KeyCount = n
		}
	case LayoutDump:
		if m.opts.Open == nil {
			return nil, errs.New(errs.KindInvalidArgument, "backup %s: restoring a %s backup into a folder needs Options.Open", man.ID, man.Layout)
		}
		s, err := m.opts.Open(dest, false)
		if err != nil {
			return nil, err
		}
		n, err := m.loadDump(ctx, dir, man, s)
		if cerr := s.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		rep.KeyCount = n
	default:
		return nil, errs.New(errs.KindStorage, "backup %s: unknown layout %q", man.ID, man.Layout)
	}
	if man.KeyCount >= 0 && rep.KeyCount >= 0 && man.KeyCount != rep.KeyCount {
		return nil, corrupt("backup %s: the restored store has %d keys, the manifest says %d", man.ID, rep.KeyCount, man.KeyCount).With("id", man.ID)
	}
	rep.DurationMS = m.opts.Now().Sub(start).Milliseconds()
	return rep, nil
}

// Load writes every key of backup id into the store into, which should be
// empty (a fresh memory store, to be swapped in). A checkpoint backup is
// restored into a temporary folder and read from there, which needs
// Options.Open. On failure into holds an unspecified subset: discard it.
func (m *Manager) Load(ctx context.Context, id string, into kv.Store) (*RestoreReport, error) {
	dir, err := m.dir()
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	start := m.opts.Now()
	man, err := m.resolve(dir, id)
	if err != nil {
		return nil, err
	}
	if err := m.checkChain(dir, man); err != nil {
		return nil, err
	}
	rep := &RestoreReport{ID: man.ID, Files: len(man.Files), Bytes: man.TotalBytes}
	switch man.Layout {
	case LayoutDump:
		rep.KeyCount, err = m.loadDump(ctx, dir, man, into)
	case LayoutCheckpoint:
		if m.opts.Open == nil {
			return nil, errs.New(errs.KindInvalidArgument, "backup %s: loading a %s backup needs Options.Open", man.ID, man.Layout)
		}
		rep.KeyCount, err = m.loadCheckpoint(ctx, dir, man, into)
	default:
		err = errs.New(errs.KindStorage, "backup %s: unknown layout %q", man.ID, man.Layout)
	}
	if err != nil {
		return nil, err
	}
	if man.KeyCount >= 0 && man.KeyCount != rep.KeyCount {
		return nil, corrupt("backup %s: restored %d keys, the manifest says %d", man.ID, rep.KeyCount, man.KeyCount).With("id", man.ID)
	}
	rep.DurationMS = m.opts.Now().Sub(start).Milliseconds()
	return rep, nil
}

// checkChain checks that every backup holding a blob of man is present
// and readable.
func (m *Manager) checkChain(dir string, man *Manifest) error {
	seen := map[string]bool{man.ID: true}
	for _, f := range man.Files {
		if seen[f.StoredIn] {
			continue
		}
		seen[f.StoredIn] = true
		if _, err := readManifest(dir, f.StoredIn); err != nil {
			if errs.IsKind(err, errs.KindNotFound) {
				return corrupt("backup %s needs backup %s (for file %s), which is missing", man.ID, f.StoredIn, f.Name).
					With("id", man.ID).With("file", f.Name)
			}
			return err
		}
	}
	return nil
}

// extract writes the files of man into dest (which exists) and syncs them.
func (m *Manager) extract(ctx context.Context, dir string, man *Manifest, dest string) error {
	z := newCodec()
	defer z.close()
	dirs := map[string]bool{dest: true}
	for _, f := range man.Files {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		path := filepath.Join(dest, filepath.FromSlash(f.Name))
		if d := filepath.Dir(path); !dirs[d] {
			if err := os.MkdirAll(d, 0o700); err != nil {
				return errs.Wrap(errs.KindStorage, err, "backup: create %s", d)
			}
			dirs[d] = true
		}
		if err := z.extractFile(ctx, dir, man.ID, f, path); err != nil {
			return err
		}
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

func (z *codec) extractFile(ctx context.Context, dir, id string, f File, path string) error {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return errs.Wrap(errs.KindStorage, err, "backup: write %s", path)
	}
	defer out.Close()
	if err := z.decompress(ctx, dir, id, f, destWriter{out}); err != nil {
		return err
	}
	if err := out.Sync(); err != nil {
		return errs.Wrap(errs.KindStorage, err, "backup: write %s", path)
	}
	return nil
}

// batchBytes bounds the writes collected before a commit while loading.
const batchBytes = 4 << 20

// loadDump verifies the dump of man into a temporary file, then writes
// its records into s. It returns the number of keys.
func (m *Manager) loadDump(ctx context.Context, dir string, man *Manifest, s kv.Store) (int64, error) {
	if len(man.Files) != 1 || man.Files[0].Name != dumpName {
		return 0, corrupt("backup %s: a %s backup must hold exactly %s", man.ID, LayoutDump, dumpName).With("id", man.ID)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-load-*")
	if err != nil {
		return 0, errs.Wrap(errs.KindStorage, err, "backup: temporary file")
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	z := newCodec()
	defer z.close()
	if err := z.decompress(ctx, dir, man.ID, man.Files[0], destWriter{tmp}); err != nil {
		return 0, err
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		return 0, errs.Wrap(errs.KindStorage, err, "backup: temporary file")
	}
	w := &loader{ctx: ctx, s: s}
	defer w.discard()
	if err := readDump(tmp, w.put); err != nil {
		if e := errs.As(err); e.Kind != errs.KindInternal {
			return 0, err
		}
		return 0, corrupt("backup %s: file %s is corrupt: %v", man.ID, dumpName, err).With("id", man.ID).With("file", dumpName)
	}
	return w.n, w.flush()
}

// loadCheckpoint restores man into a temporary folder, opens it read-only
// and copies every key into s.
func (m *Manager) loadCheckpoint(ctx context.Context, dir string, man *Manifest, s kv.Store) (int64, error) {
	tmp, err := os.MkdirTemp(dir, ".tmp-load-")
	if err != nil {
		return 0, errs.Wrap(errs.KindStorage, err, "backup: temporary folder")
	}
	defer os.RemoveAll(tmp)
	db := filepath.Join(tmp, "db")
	if err := os.Mkdir(db, 0o700); err != nil {
		return 0, errs.Wrap(errs.KindStorage, err, "backup: temporary folder")
	}
	if err := m.extract(ctx, dir, man, db); err != nil {
		return 0, err
	}
	src, err := m.opts.Open(db, true)
	if err != nil {
		return 0, errs.Wrap(errs.KindStorage, err, "backup %s: the restored store does not open", man.ID)
	}
	defer src.Close()
	w := &loader{ctx: ctx, s: s}
	defer w.discard()
	var werr error
	if err := src.Scan(nil, func(k, v []byte) bool {
		werr = w.put(k, v)
		return werr == nil
	}); err != nil {
		return 0, err
	}
	if werr != nil {
		return 0, werr
	}
	return w.n, w.flush()
}

// loader writes records into a store in bounded batches.
type loader struct {
	ctx  context.Context
	s    kv.Store
	b    kv.Batch
	size int
	n    int64
}

func (l *loader) put(k, v []byte) error {
	if l.b == nil {
		if err := ctxErr(l.ctx); err != nil {
			return err
		}
		l.b = l.s.NewBatch()
	}
	l.b.Set(k, v)
	l.size += len(k) + len(v)
	l.n++
	if l.size >= batchBytes || l.b.Len() >= 10000 {
		return l.flush()
	}
	return nil
}

// discard drops writes not yet committed (after a failure).
func (l *loader) discard() {
	if l.b != nil {
		l.b.Discard()
		l.b = nil
	}
}

func (l *loader) flush() error {
	if l.b == nil {
		return nil
	}
	b := l.b
	l.b, l.size = nil, 0
	return b.Commit()
}
