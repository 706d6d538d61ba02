package backup

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/redact"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/zeebo/blake3"
)

// FormatVersion is the version of the on-disk backup format.
const FormatVersion = 1

// Kind says whether a backup stores every file or only those its parent
// lacks.
type Kind string

// The kinds of backup.
const (
	KindFull        Kind = "full"
	KindIncremental Kind = "incremental"
)

// Layouts: what the files of a backup are.
const (
	// LayoutCheckpoint is a pebble checkpoint: the store's own files.
	LayoutCheckpoint = "pebble-checkpoint"
	// LayoutDump is one file of every key and value (stores without
	// checkpoints, such as memory).
	LayoutDump = "kv-dump"
)

const (
	manifestName = "manifest.json"
	sumName      = "manifest.json.blake3"
	blobsDir     = "blobs"
	blobExt      = ".zst"
	dumpName     = "store.kvdump"
	compression  = "zstd"
)

// File is one file of the backed-up store.
type File struct {
	// Name is the path inside the store folder, with forward slashes.
	Name string `json:"name"`
	// Size is the uncompressed size in bytes.
	Size int64 `json:"size"`
	// BLAKE3 is the hex BLAKE3-256 of the uncompressed content; the blob
	// is blobs/<BLAKE3>.zst in the backup StoredIn.
	BLAKE3 string `json:"blake3"`
	// StoredIn is the id of the backup holding the blob: this one, or an
	// ancestor for an incremental backup.
	StoredIn string `json:"stored_in"`
}

// Manifest describes one backup; it is manifest.json in the backup's folder.
type Manifest struct {
	Format      int       `json:"format"`
	ID          string    `json:"id"`
	CreatedAt   time.Time `json:"created_at"`
	Kind        Kind      `json:"kind"`
	Parent      string    `json:"parent,omitempty"`
	Layout      string    `json:"layout"`
	Compression string    `json:"compression"`
	Label       string    `json:"label,omitempty"`
	Files       []File    `json:"files"`
	// TotalBytes is the uncompressed size of every file of the store.
	TotalBytes int64 `json:"total_bytes"`
	// StoredBytes is the compressed size of the blobs in this backup's
	// own folder (an incremental backup stores only new files).
	StoredBytes int64 `json:"stored_bytes"`
	// KeyCount is the number of keys in the store, or -1 when unknown.
	KeyCount   int64 `json:"key_count"`
	DurationMS int64 `json:"duration_ms"`
}

// Summary is the metadata of a backup shown in listings: never its files'
// content. Problem is set, and the rest may be empty, for a backup whose
// manifest cannot be read.
type Summary struct {
	ID          string
	CreatedAt   time.Time
	Kind        Kind
	Parent      string
	Layout      string
	Label       string
	FileCount   int
	TotalBytes  int64
	StoredBytes int64
	KeyCount    int64
	Problem     string
}

// Summary returns the listing metadata of m.
func (m *Manifest) Summary() Summary {
	return Summary{ID: m.ID, CreatedAt: m.CreatedAt, Kind: m.Kind, Parent: m.Parent, Layout: m.Layout,
		Label: m.Label, FileCount: len(m.Files), TotalBytes: m.TotalBytes, StoredBytes: m.StoredBytes, KeyCount: m.KeyCount}
}

// TimeFormat is how times appear in listings and script values (UTC).
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// Value returns the summary as a script value with snake_case keys. The
// label is redacted when it looks like a secret.
func (s Summary) Value() value.Map {
	out := value.Map{"id": s.ID}
	if s.Problem != "" {
		out["problem"] = s.Problem
		return out
	}
	out["created_at"] = s.CreatedAt.UTC().Format(TimeFormat)
	out["kind"] = string(s.Kind)
	out["parent"] = nilIfEmpty(s.Parent)
	out["layout"] = s.Layout
	out["label"] = nilIfEmpty(s.Label)
	if s.Label != "" {
		out["label"] = redact.Value(s.Label)
	}
	out["file_count"] = int64(s.FileCount)
	out["total_bytes"] = s.TotalBytes
	out["stored_bytes"] = s.StoredBytes
	if s.KeyCount >= 0 {
		out["key_count"] = s.KeyCount
	}
	return out
}

func nilIfEmpty(s string) value.Value {
	if s == "" {
		return nil
	}
	return s
}

// newID returns a new backup id: the UTC creation time to the millisecond
// and a random suffix, so ids sort by time.
func newID(t time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	t = t.UTC()
	return fmt.Sprintf("%s%03dZ-%s", t.Format("20060102T150405"), t.Nanosecond()/1e6, hex.EncodeToString(b[:]))
}

// checkID rejects ids that are not plain folder names.
func checkID(id string) error {
	ok := id != "" && len(id) <= 128 && id[0] != '.'
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			ok = false
		}
	}
	if !ok || strings.Contains(id, "..") {
		return errs.New(errs.KindInvalidArgument, "backup: invalid backup id %q", id)
	}
	return nil
}

// checkName rejects file names that would leave the restore folder.
func checkName(name string) error {
	p := filepath.FromSlash(name)
	if name == "" || !filepath.IsLocal(p) || strings.ContainsRune(name, '\\') {
		return corrupt("backup: manifest names an unsafe file path %q", name)
	}
	return nil
}

// ErrCorrupt marks a backup that failed an integrity check: a checksum
// mismatch, an undecodable blob, a missing file or a bad manifest. Such
// errors have kind storage_error; test with errors.Is(err, ErrCorrupt).
var ErrCorrupt = errors.New("backup integrity check failed")

func corrupt(format string, args ...any) *errs.Error {
	return &errs.Error{Kind: errs.KindStorage, Message: fmt.Sprintf(format, args...), Cause: ErrCorrupt}
}

func hashHex(b []byte) string {
	sum := blake3.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// writeManifest writes manifest.json and its checksum into dir, synced.
func writeManifest(dir string, m *Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return errs.Wrap(errs.KindInternal, err, "backup: encode manifest")
	}
	data = append(data, '\n')
	if err := writeFileSync(filepath.Join(dir, manifestName), data); err != nil {
		return err
	}
	return writeFileSync(filepath.Join(dir, sumName), []byte(hashHex(data)+"\n"))
}

// readManifest reads and checks the manifest of the backup in dir/id.
func readManifest(dir, id string) (*Manifest, error) {
	folder := filepath.Join(dir, id)
	data, err := os.ReadFile(filepath.Join(folder, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(folder); errors.Is(serr, fs.ErrNotExist) {
			return nil, errs.New(errs.KindNotFound, "backup %s not found in %s", id, dir).With("id", id)
		}
		return nil, corrupt("backup %s: %s is missing", id, manifestName).With("id", id).With("file", manifestName)
	}
	if err != nil {
		return nil, errs.Wrap(errs.KindStorage, err, "backup %s: read manifest", id)
	}
	sum, err := os.ReadFile(filepath.Join(folder, sumName))
	if err != nil {
		return nil, corrupt("backup %s: %s is missing or unreadable", id, sumName).With("id", id).With("file", sumName)
	}
	if strings.TrimSpace(string(sum)) != hashHex(data) {
		return nil, corrupt("backup %s: %s is corrupt (checksum mismatch)", id, manifestName).With("id", id).With("file", manifestName)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, corrupt("backup %s: %s is not a valid manifest: %v", id, manifestName, err).With("id", id)
	}
	if m.Format != FormatVersion {
		return nil, errs.New(errs.KindStorage, "backup %s: format %d is not supported (this build reads format %d)", id, m.Format, FormatVersion)
	}
	if m.ID != id {
		return nil, corrupt("backup %s: manifest names backup %q", id, m.ID).With("id", id)
	}
	for _, f := range m.Files {
		if err := checkName(f.Name); err != nil {
			return nil, err
		}
		if checkID(f.StoredIn) != nil || len(f.BLAKE3) != 64 {
			return nil, corrupt("backup %s: manifest entry for %s is malformed", id, f.Name).With("id", id).With("file", f.Name)
		}
	}
	return &m, nil
}

// writeFileSync writes data to path and fsyncs it.
func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return errs.Wrap(errs.KindStorage, err, "backup: write %s", path)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errs.Wrap(errs.KindStorage, err, "backup: write %s", path)
	}
	return nil
}

// syncDir makes the entries of dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return errs.Wrap(errs.KindStorage, err, "backup: sync %s", dir)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return errs.Wrap(errs.KindStorage, err, "backup: sync %s", dir)
	}
	return nil
}

// ctxErr turns a done context into the error a caller expects: the run's
// own cause when it has one, else cancelled or timeout.
func ctxErr(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	var e *errs.Error
	if cause := context.Cause(ctx); errors.As(cause, &e) {
		return e
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errs.New(errs.KindTimeout, "backup: deadline exceeded")
	}
	return errs.New(errs.KindCancelled, "backup: cancelled")
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   interface{ Read([]byte) (int, error) }
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := ctxErr(c.ctx); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
