package backup

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/zeebo/blake3"
)

// OpenFunc opens the store in a folder written by a checkpoint (or a fresh
// folder, to fill). readOnly opens an existing store without changing it.
type OpenFunc func(dir string, readOnly bool) (kv.Store, error)

// Options configures New. A nil *Options or any zero field means the
// default.
type Options struct {
	// Dir is the folder holding the backups, one sub-folder each. Empty
	// means none: every operation then fails with ErrNoDir. Default: "".
	Dir string
	// MaxCount is how many backups retention keeps; negative means no
	// limit. Default: 10.
	MaxCount int
	// MaxAge is how old a backup retention keeps may be; negative means no
	// limit. Default: 30 days.
	MaxAge time.Duration
	// AutoCleanup applies retention after each Create. Default: true
	// (set NoAutoCleanup to turn it off).
	NoAutoCleanup bool
	// Open opens a store folder of the backend that checkpoints come from.
	// Without it checkpoints have no key count, dump backups cannot be
	// restored into a folder, and checkpoint backups cannot be loaded
	// into a store. Default: nil.
	Open OpenFunc
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// DefaultOptions returns the defaults (with no backup folder).
func DefaultOptions() *Options {
	o := &Options{}
	o.EnsureDefaults()
	return o
}

// EnsureDefaults fills zero fields with their defaults.
func (o *Options) EnsureDefaults() {
	if o.MaxCount == 0 {
		o.MaxCount = 10
	}
	if o.MaxAge == 0 {
		o.MaxAge = 30 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Validate reports every invalid option.
func (o *Options) Validate() error {
	var problems []string
	if o.Dir != "" && strings.ContainsRune(o.Dir, 0) {
		problems = append(problems, "dir contains NUL")
	}
	if len(problems) > 0 {
		return errs.New(errs.KindInvalidArgument, "backup options: %s", strings.Join(problems, "; "))
	}
	return nil
}

// DefaultDir returns the backup folder used when none is configured: a
// sibling of the data folder named "<data_dir>.backups", or "" for an
// engine without a data folder.
func DefaultDir(dataDir string) string {
	if dataDir == "" {
		return ""
	}
	return filepath.Clean(dataDir) + ".backups"
}

// ErrNoDir is returned when no backup folder is configured. Test with
// errors.Is.
var ErrNoDir = errs.New(errs.KindInvalidArgument,
	"backup: no backup folder: set backup.dir (an engine without a data folder has no default)")

// Manager creates, lists, validates, restores and prunes the backups in one
// folder. All methods are safe for concurrent use: writers (Create,
// Cleanup) exclude each other and readers within this process. Another
// process may read the folder at the same time; two processes writing one
// backup folder is not supported.
type Manager struct {
	store kv.Store
	opts  Options
	mu    sync.RWMutex
}

// New returns a manager of the backups of store in opts.Dir. store may be
// nil for a manager that only lists, validates, restores and prunes.
func New(store kv.Store, opts *Options) (*Manager, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	o.EnsureDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Dir != "" {
		o.Dir = filepath.Clean(o.Dir)
	}
	return &Manager{store: store, opts: o}, nil
}

// Dir returns the backup folder ("" when none is configured).
func (m *Manager) Dir() string { return m.opts.Dir }

func (m *Manager) dir() (string, error) {
	if m.opts.Dir == "" {
		return "", ErrNoDir
	}
	return m.opts.Dir, nil
}

// CreateOptions are the choices of one Create.
type CreateOptions struct {
	// Incremental stores only files that the newest backup lacks, naming
	// it as parent. With no earlier backup the backup is full.
	Incremental bool
	// Label is a free-text note shown in listings (redacted there when it
	// looks like a secret).
	Label string
}

// Create backs up the store and returns the new backup's manifest. The
// backup is written under a temporary name and renamed into place when
// complete, so a crash never leaves a partial backup that looks valid.
// Unless NoAutoCleanup is set, retention then runs; its failure does not
// fail Create (Cleanup reports it).
func (m *Manager) Create(ctx context.Context, opts *CreateOptions) (*Manifest, error) {
	if opts == nil {
		opts = &CreateOptions{}
	}
	if m.store == nil {
		return nil, errs.New(errs.KindInvalidArgument, "backup: this manager has no store to back up")
	}
	dir, err := m.dir()
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	man, err := m.create(ctx, dir, opts)
	m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if !m.opts.NoAutoCleanup {
		_, _ = m.Cleanup(ctx, nil)
	}
	return man, nil
}

func (m *Manager) create(ctx context.Context, dir string, opts *CreateOptions) (_ *Manifest, err error) {
	start := m.opts.Now()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, errs.Wrap(errs.KindStorage, err, "backup: create backup folder %s", dir)
	}
	man := &Manifest{Format: FormatVersion, ID: newID(start), CreatedAt: start.UTC(), Kind: KindFull,
		Compression: compression, Label: opts.Label, KeyCount: -1}
	tmp := filepath.Join(dir, ".tmp-"+man.ID)
	if err := os.MkdirAll(filepath.Join(tmp, blobsDir), 0o700); err != nil {
		return nil, errs.Wrap(errs.KindStorage, err, "backup: create %s", tmp)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()

	known := map[string]string{} // blake3 -> backup holding the blob
	if opts.Incremental {
		if parent := m.newest(dir); parent != nil {
			man.Kind, man.Parent = KindIncremental, parent.ID
			for _, f := range parent.Files {
				known[f.BLAKE3] = f.StoredIn
			}
		}
	}

	// Snapshot the store into src: a checkpoint, or a dump of every key.
	src := filepath.Join(tmp, "src")
	err = kv.ErrNoCheckpoint
	if c, ok := m.store.(kv.Checkpointer); ok {
		err = c.Checkpoint(src)
	}
	switch {
	case err == nil:
		man.Layout = LayoutCheckpoint
	case errors.Is(err, kv.ErrNoCheckpoint):
		man.Layout = LayoutDump
		if err := os.MkdirAll(src, 0o700); err != nil {
			return nil, errs.Wrap(errs.KindStorage, err, "backup: create %s", src)
		}
		n, err := writeDump(ctx, m.store, filepath.Join(src, dumpName))
		if err != nil {
			return nil, err
		}
		man.KeyCount = n
	case errs.IsKind(err, errs.KindClosed):
		return nil, err
	default:
		return nil, errs.Wrap(errs.KindStorage, err, "backup: snapshot the store")
	}

	names, err := listFiles(src)
	if err != nil {
		return nil, err
	}
	z := newCodec()
	defer z.close()
	for _, name := range names {
		if err := ctxErr(ctx); err != nil {
			return nil, err
		}
		path := filepath.Join(src, filepath.FromSlash(name))
		if man.Kind == KindIncremental {
			sum, size, err := hashFile(ctx, path)
			if err != nil {
				return nil, err
			}
			if in, ok := known[sum]; ok {
				man.Files = append(man.Files, File{Name: name, Size: size, BLAKE3: sum, StoredIn: in})
				man.TotalBytes += size
				continue
			}
		}
		f, stored, err := z.compressFile(ctx, path, filepath.Join(tmp, blobsDir))
		if err != nil {
			return nil, err
		}
		f.Name = name
		if in, ok := known[f.BLAKE3]; ok {
			f.StoredIn = in // same content as an earlier file: blob already kept
		} else {
			f.StoredIn = man.ID
			known[f.BLAKE3] = man.ID
			man.StoredBytes += stored
		}
		man.Files = append(man.Files, f)
		man.TotalBytes += f.Size
	}
	if man.Layout == LayoutCheckpoint && m.opts.Open != nil {
		n, err := countKeys(src, m.opts.Open)
		if err != nil {
			return nil, errs.Wrap(errs.KindStorage, err, "backup: the checkpoint does not open")
		}
		man.KeyCount = n
	}
	if err := os.RemoveAll(src); err != nil {
		return nil, errs.Wrap(errs.KindStorage, err, "backup: remove %s", src)
	}
	man.DurationMS = m.opts.Now().Sub(start).Milliseconds()
	if err := writeManifest(tmp, man); err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Join(tmp, blobsDir)); err != nil {
		return nil, err
	}
	if err := syncDir(tmp); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, man.ID)); err != nil {
		return nil, errs.Wrap(errs.KindStorage, err, "backup: publish backup %s", man.ID)
	}
	return man, syncDir(dir)
}

// countKeys opens the store in dir read-only and counts its keys.
func countKeys(dir string, open OpenFunc) (int64, error) {
	s, err := open(dir, true)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.Scan(nil, func(k, v []byte) bool { n++; return true })
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// listFiles returns the regular files under root as sorted slash paths.
func listFiles(root string) ([]string, error) {
	var names []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return errs.New(errs.KindStorage, "backup: %s is not a regular file", path)
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		names = append(names, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, errs.Wrap(errs.KindStorage, err, "backup: list snapshot files")
	}
	sort.Strings(names)
	return names, nil
}

// hashFile returns the BLAKE3 and size of a file.
func hashFile(ctx context.Context, path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, errs.Wrap(errs.KindStorage, err, "backup: read %s", path)
	}
	defer f.Close()
	h := blake3.New()
	n, err := io.Copy(h, ctxReader{ctx, f})
	if err != nil {
		return "", 0, wrapIO(err, "backup: read %s", path)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// wrapIO keeps kinded errors (a cancelled context) and marks the rest as
// storage errors.
func wrapIO(err error, format string, args ...any) error {
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	return errs.Wrap(errs.KindStorage, err, format, args...)
}

// codec holds a reusable zstd encoder and decoder.
type codec struct {
	enc *zstd.Encoder
	dec *zstd.Decoder
}

func newCodec() *codec { return &codec{} }

func (z *codec) close() {
	if z.enc != nil {
		z.enc.Close()
	}
	if z.dec != nil {
		z.dec.Close()
	}
}

// compressFile writes path as blobs/<blake3>.zst under blobs and returns
// the file entry (without name and location) and the blob's size.
func (z *codec) compressFile(ctx context.Context, path, blobs string) (File, int64, error) {
	in, err := os.Open(path)
	if err != nil {
		return File{}, 0, errs.Wrap(errs.KindStorage, err, "backup: read %s", path)
	}
	defer in.Close()
	out, err := os.CreateTemp(blobs, ".part-*")
	if err != nil {
		return File{}, 0, errs.Wrap(errs.KindStorage, err, "backup: write blob")
	}
	defer func() {
		out.Close()
		os.Remove(out.Name())
	}()
	if z.enc == nil {
		if z.enc, err = zstd.NewWriter(out, zstd.WithEncoderLevel(zstd.SpeedDefault)); err != nil {
			return File{}, 0, errs.Wrap(errs.KindInternal, err, "backup: zstd")
		}
	} else {
		z.enc.Reset(out)
	}
	h := blake3.New()
	n, err := io.Copy(io.MultiWriter(z.enc, h), ctxReader{ctx, in})
	if err == nil {
		err = z.enc.Close()
	}
	if err == nil {
		err = out.Sync()
	}
	if err != nil {
		return File{}, 0, wrapIO(err, "backup: compress %s", path)
	}
	st, err := out.Stat()
	if err != nil {
		return File{}, 0, errs.Wrap(errs.KindStorage, err, "backup: write blob")
	}
	sum := hex.EncodeToString(h.Sum(nil))
	final := filepath.Join(blobs, sum+blobExt)
	if _, err := os.Stat(final); err == nil { // same content twice in one backup
		return File{Size: n, BLAKE3: sum}, 0, nil
	}
	if err := os.Rename(out.Name(), final); err != nil {
		return File{}, 0, errs.Wrap(errs.KindStorage, err, "backup: write blob")
	}
	return File{Size: n, BLAKE3: sum}, st.Size(), nil
}

// decompress streams the blob of f, checking its size and BLAKE3, into w.
// An integrity failure names the file.
func (z *codec) decompress(ctx context.Context, dir, id string, f File, w io.Writer) error {
	path := filepath.Join(dir, f.StoredIn, blobsDir, f.BLAKE3+blobExt)
	in, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return corrupt("backup %s: file %s is missing (blob %s.. in backup %s)", id, f.Name, f.BLAKE3[:12], f.StoredIn).
			With("id", id).With("file", f.Name)
	}
	if err != nil {
		return errs.Wrap(errs.KindStorage, err, "backup %s: read file %s", id, f.Name)
	}
	defer in.Close()
	if z.dec == nil {
		if z.dec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1)); err != nil {
			return errs.Wrap(errs.KindInternal, err, "backup: zstd")
		}
	}
	if err := z.dec.Reset(in); err != nil {
		return corrupt("backup %s: file %s is corrupt: %v", id, f.Name, err).With("id", id).With("file", f.Name)
	}
	h := blake3.New()
	n, err := io.Copy(io.MultiWriter(w, h), ctxReader{ctx, z.dec})
	if err != nil {
		if cerr := ctxErr(ctx); cerr != nil {
			return cerr
		}
		var we *writeError
		if errors.As(err, &we) {
			return errs.Wrap(errs.KindStorage, we.err, "backup %s: write file %s", id, f.Name)
		}
		return corrupt("backup %s: file %s is corrupt: %v", id, f.Name, err).With("id", id).With("file", f.Name)
	}
	if n != f.Size || hex.EncodeToString(h.Sum(nil)) != f.BLAKE3 {
		return corrupt("backup %s: file %s is corrupt (BLAKE3 or size mismatch)", id, f.Name).
			With("id", id).With("file", f.Name)
	}
	return nil
}

// writeError marks a failure of the destination, not of the backup.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// destWriter wraps a destination so its failures are told apart from
// corrupt input.
type destWriter struct{ w io.Writer }

func (d destWriter) Write(p []byte) (int, error) {
	n, err := d.w.Write(p)
	if err != nil {
		err = &writeError{err}
	}
	return n, err
}

// List returns the backups in the folder, newest first. A backup whose
// manifest cannot be read is listed with Problem set. An empty or missing
// folder gives an empty list.
func (m *Manager) List(ctx context.Context) ([]Summary, error) {
	dir, err := m.dir()
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	mans, broken, err := scan(dir)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(mans)+len(broken))
	for _, man := range mans {
		out = append(out, man.Summary())
	}
	return append(out, broken...), nil
}

// Get returns the manifest of backup id ("latest" names the newest).
func (m *Manager) Get(ctx context.Context, id string) (*Manifest, error) {
	dir, err := m.dir()
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.resolve(dir, id)
}

// resolve reads the manifest of id, or of the newest backup for "latest".
func (m *Manager) resolve(dir, id string) (*Manifest, error) {
	if id == "latest" {
		if man := m.newest(dir); man != nil {
			return man, nil
		}
		return nil, errs.New(errs.KindNotFound, "backup: there are no backups in %s", dir)
	}
	if err := checkID(id); err != nil {
		return nil, err
	}
	return readManifest(dir, id)
}

// newest returns the newest readable backup, or nil.
func (m *Manager) newest(dir string) *Manifest {
	mans, _, err := scan(dir)
	if err != nil || len(mans) == 0 {
		return nil
	}
	return mans[0]
}

// scan reads every backup in dir: readable ones newest first, and the
// unreadable ones as summaries with a problem.
func scan(dir string) ([]*Manifest, []Summary, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, errs.Wrap(errs.KindStorage, err, "backup: read backup folder %s", dir)
	}
	var mans []*Manifest
	var broken []Summary
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		man, err := readManifest(dir, e.Name())
		if err != nil {
			broken = append(broken, Summary{ID: e.Name(), KeyCount: -1, Problem: errs.As(err).Message})
			continue
		}
		mans = append(mans, man)
	}
	sort.Slice(mans, func(i, j int) bool {
		if !mans[i].CreatedAt.Equal(mans[j].CreatedAt) {
			return mans[i].CreatedAt.After(mans[j].CreatedAt)
		}
		return mans[i].ID > mans[j].ID
	})
	return mans, broken, nil
}
