package session

import (
	"context"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// Artifact types named by SCRIPT_API.md; "custom" and "custom:<name>" are
// accepted too.
var artifactTypes = []string{"agent_output", "tool_result", "user_input", "system_generated", "custom"}

// ValidType reports whether t is an artifact type.
func ValidType(t string) bool {
	return slices.Contains(artifactTypes, t) || (strings.HasPrefix(t, "custom:") && len(t) > len("custom:"))
}

// Artifact is an artifact's record.
type Artifact struct {
	SessionID   string
	Sequence    int64
	Name        string
	Type        string
	MIMEType    string
	Tags        []string
	Metadata    value.Map
	ContentHash string
	Size        int64
	StoredSize  int64
	Compressed  bool
	Version     int64
	Previous    int64 // sequence of the previous version, 0 for none
	CreatedAt   time.Time
}

// Map returns the record as a value.
func (a *Artifact) Map() value.Map {
	tags := make(value.List, len(a.Tags))
	for i, t := range a.Tags {
		tags[i] = t
	}
	md := a.Metadata
	if md == nil {
		md = value.Map{}
	}
	m := value.Map{
		"session_id": a.SessionID, "sequence": a.Sequence, "name": a.Name, "type": a.Type,
		"mime_type": a.MIMEType, "tags": tags, "metadata": md, "content_hash": a.ContentHash,
		"size": a.Size, "stored_size": a.StoredSize, "compressed": a.Compressed,
		"version": a.Version, "previous": nil, "created_at": a.CreatedAt.UTC().Format(time.RFC3339Nano),
	}
	if a.Previous > 0 {
		m["previous"] = a.Previous
	}
	return m
}

func artifactFromMap(m value.Map) (*Artifact, error) {
	a := &Artifact{}
	a.SessionID, _ = m["session_id"].(string)
	a.Sequence, _ = m["sequence"].(int64)
	a.Name, _ = m["name"].(string)
	a.Type, _ = m["type"].(string)
	a.MIMEType, _ = m["mime_type"].(string)
	a.Metadata, _ = m["metadata"].(value.Map)
	a.ContentHash, _ = m["content_hash"].(string)
	a.Size, _ = m["size"].(int64)
	a.StoredSize, _ = m["stored_size"].(int64)
	a.Compressed, _ = m["compressed"].(bool)
	a.Version, _ = m["version"].(int64)
	a.Previous, _ = m["previous"].(int64)
	if tags, ok := m["tags"].(value.List); ok {
		for _, t := range tags {
			if s, ok := t.(string); ok {
				a.Tags = append(a.Tags, s)
			}
		}
	}
	if c, ok := m["created_at"].(string); ok {
		t, err := time.Parse(time.RFC3339Nano, c)
		if err != nil {
			return nil, errs.Wrap(errs.KindStorage, err, "artifact record")
		}
		a.CreatedAt = t
	}
	return a, nil
}

func artifactKey(sid string, seq int64) []byte {
	return []byte(fmt.Sprintf("artifact/%s/%016x", sid, seq))
}
func artifactPrefix(sid string) []byte    { return []byte("artifact/" + sid + "/") }
func nameKey(sid, name string) []byte     { return []byte("artifact-name/" + sid + "\x00" + name) }
func seqCounterKey(sid string) []byte     { return []byte("artifact-seq/" + sid) }
func decodeSeq(raw []byte) (int64, error) { return strconv.ParseInt(string(raw), 10, 64) }

// StoreOptions describes an artifact being stored.
type StoreOptions struct {
	Type     string
	Name     string
	MIMEType string // default: application/octet-stream
	Tags     []string
	Metadata value.Map
}

func (o *StoreOptions) validate() error {
	if !ValidType(o.Type) {
		return errs.New(errs.KindInvalidArgument, "unknown artifact type %q (use agent_output, tool_result, user_input, system_generated, custom or custom:<name>)", o.Type)
	}
	if o.Name == "" {
		return errs.New(errs.KindInvalidArgument, "artifact name is empty")
	}
	if len(o.Name) > 512 || strings.ContainsAny(o.Name, "\x00\r\n") {
		return errs.New(errs.KindInvalidArgument, "artifact name %q is too long or contains NUL, CR or LF", o.Name)
	}
	if o.MIMEType == "" {
		o.MIMEType = "application/octet-stream"
	}
	return nil
}

// Writer streams an artifact's content into the store chunk by chunk, so a
// large artifact is never held whole in memory. Commit finishes it; Abort
// (or a failed Commit) drops what was written. A Writer belongs to one
// goroutine.
type Writer struct {
	m      *Manager
	ctx    context.Context
	sid    string
	opts   StoreOptions
	buf    []byte
	chunks []chunkRef
	size   int64
	hash   hash.Hash
	done   bool
	limit  int64
}

// NewWriter starts storing an artifact in a session.
func (m *Manager) NewWriter(ctx context.Context, sessionID string, o StoreOptions) (*Writer, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	s, err := m.Get(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if s.Status == StatusArchived {
		return nil, errs.New(errs.KindConflict, "session %s is archived: it takes no new artifacts", sessionID)
	}
	return &Writer{m: m, ctx: ctx, sid: sessionID, opts: o, hash: newContentHash(),
		limit: m.opts.MaxSessionBytes - s.ArtifactBytes}, nil
}

// Write implements io.Writer.
func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, errs.ErrClosed
	}
	if w.size+int64(len(p)) > w.limit {
		w.Abort()
		return 0, errs.New(errs.KindLimit, "artifact would pass the session's byte limit (%d bytes)", w.m.opts.MaxSessionBytes)
	}
	n := len(p)
	w.hash.Write(p)
	w.size += int64(n)
	for len(p) > 0 {
		room := ChunkSize - len(w.buf)
		take := min(room, len(p))
		w.buf = append(w.buf, p[:take]...)
		p = p[take:]
		if len(w.buf) == ChunkSize {
			if err := w.flush(); err != nil {
				w.Abort()
				return 0, err
			}
		}
	}
	return n, nil
}

// flush stores the buffered chunk. Content past the compression threshold
// is compressed; a full chunk means the content is already past it.
func (w *Writer) flush() error {
	if len(w.buf) == 0 && len(w.chunks) > 0 {
		return nil
	}
	compress := w.size > int64(w.m.opts.CompressThreshold)
	ref, err := w.m.putChunk(w.buf, compress)
	if err != nil {
		return err
	}
	w.chunks = append(w.chunks, ref)
	w.buf = w.buf[:0]
	return nil
}

// Abort drops the content written so far. Safe to call more than once.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	b := w.m.kv.NewBatch()
	files, err := w.m.releaseChunksLocked(b, w.chunks)
	if err != nil {
		b.Discard()
		return
	}
	if b.Commit() == nil {
		w.m.dropBlobFiles(files)
	}
}

// Commit finishes the artifact and returns its record.
func (w *Writer) Commit() (*Artifact, error) {
	if w.done {
		return nil, errs.ErrClosed
	}
	if err := w.flush(); err != nil {
		w.Abort()
		return nil, err
	}
	a, err := w.m.commit(w)
	if err != nil {
		w.Abort()
		return nil, err
	}
	w.done = true
	return a, nil
}

// commit writes the records for a finished writer, under the mutex.
func (m *Manager) commit(w *Writer) (*Artifact, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.Get(w.ctx, w.sid)
	if err != nil {
		return nil, err
	}
	if s.ArtifactCount+1 > m.opts.MaxArtifacts {
		return nil, errs.New(errs.KindLimit, "session %s already holds %d artifacts (the limit)", w.sid, s.ArtifactCount)
	}
	if s.ArtifactBytes+w.size > m.opts.MaxSessionBytes {
		return nil, errs.New(errs.KindLimit, "session %s would hold %d content bytes, over the %d-byte limit", w.sid, s.ArtifactBytes+w.size, m.opts.MaxSessionBytes)
	}
	sum := hex.EncodeToString(w.hash.Sum(nil))
	b := m.kv.NewBatch()
	defer b.Discard()

	var freed []string
	blob, err := m.getBlobLocked(sum)
	switch {
	case err == nil: // known content: share it and drop the writer's chunk references
		blob.Refs++
		if freed, err = m.releaseChunksLocked(b, w.chunks); err != nil {
			return nil, err
		}
	case errs.IsKind(err, errs.KindNotFound):
		blob = &blobRecord{Hash: sum, Size: w.size, Chunks: w.chunks, Refs: 1}
		for _, c := range w.chunks {
			blob.Stored += c.Stored
		}
	default:
		return nil, err
	}
	enc, err := blob.encode()
	if err != nil {
		return nil, err
	}
	b.Set(blobKey(sum), enc)

	seq := int64(1)
	if raw, err := m.kv.Get(seqCounterKey(w.sid)); err == nil {
		last, err := decodeSeq(raw)
		if err != nil {
			return nil, errs.Wrap(errs.KindStorage, err, "artifact sequence")
		}
		seq = last + 1
	} else if !errs.IsKind(err, errs.KindNotFound) {
		return nil, err
	}
	b.Set(seqCounterKey(w.sid), []byte(strconv.FormatInt(seq, 10)))

	a := &Artifact{SessionID: w.sid, Sequence: seq, Name: w.opts.Name, Type: w.opts.Type, MIMEType: w.opts.MIMEType,
		Tags: w.opts.Tags, Metadata: w.opts.Metadata, ContentHash: sum, Size: w.size, StoredSize: blob.Stored,
		Compressed: anyCompressed(blob.Chunks), Version: 1, CreatedAt: m.opts.Now()}
	if raw, err := m.kv.Get(nameKey(w.sid, w.opts.Name)); err == nil {
		prevSeq, _ := decodeSeq(raw)
		if prev, err := m.getArtifact(w.sid, prevSeq); err == nil {
			a.Version = prev.Version + 1
			a.Previous = prevSeq
		}
	}
	rec, err := value.Encode(a.Map())
	if err != nil {
		return nil, err
	}
	b.Set(artifactKey(w.sid, seq), rec)
	b.Set(nameKey(w.sid, w.opts.Name), []byte(strconv.FormatInt(seq, 10)))

	s.ArtifactCount++
	s.ArtifactBytes += w.size
	s.UpdatedAt = m.opts.Now()
	srec, err := value.Encode(s.Map())
	if err != nil {
		return nil, err
	}
	b.Set(sessionKey(s.ID), srec)
	if err := b.Commit(); err != nil {
		return nil, err
	}
	m.dropBlobFiles(freed)
	if err := m.durable(); err != nil {
		return nil, err
	}
	return a, nil
}

func anyCompressed(chunks []chunkRef) bool {
	for _, c := range chunks {
		if c.Compressed {
			return true
		}
	}
	return false
}

// Store stores content as an artifact in one call.
func (m *Manager) Store(ctx context.Context, sessionID string, o StoreOptions, content []byte) (*Artifact, error) {
	w, err := m.NewWriter(ctx, sessionID, o)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(content); err != nil {
		return nil, err
	}
	return w.Commit()
}

// StoreFile stores a file's content, streaming it. The caller is trusted
// with the path (scripts reach files only through tools and their policy).
// The name defaults to the file's base name.
func (m *Manager) StoreFile(ctx context.Context, sessionID, filePath string, o StoreOptions) (*Artifact, error) {
	f, err := os.Open(filePath)
	if err != nil {
		kind := errs.KindInvalidArgument
		if os.IsNotExist(err) {
			kind = errs.KindNotFound
		}
		return nil, errs.Wrap(kind, err, "artifact file")
	}
	defer f.Close()
	if o.Name == "" {
		o.Name = path.Base(filePath)
	}
	w, err := m.NewWriter(ctx, sessionID, o)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(w, f); err != nil {
		w.Abort()
		return nil, errs.Wrap(errs.KindOf(err), err, "store file %s", filePath)
	}
	return w.Commit()
}

func (m *Manager) getArtifact(sid string, seq int64) (*Artifact, error) {
	raw, err := m.kv.Get(artifactKey(sid, seq))
	if errs.IsKind(err, errs.KindNotFound) {
		return nil, errs.New(errs.KindNotFound, "no artifact %d in session %s", seq, sid)
	}
	if err != nil {
		return nil, err
	}
	v, err := value.Decode(raw)
	if err != nil {
		return nil, errs.Wrap(errs.KindStorage, err, "artifact record")
	}
	mp, _ := v.(value.Map)
	return artifactFromMap(mp)
}

// Stat returns an artifact's record.
func (m *Manager) Stat(_ context.Context, sessionID string, seq int64) (*Artifact, error) {
	return m.getArtifact(sessionID, seq)
}

// Latest returns the newest version of a named artifact.
func (m *Manager) Latest(_ context.Context, sessionID, name string) (*Artifact, error) {
	raw, err := m.kv.Get(nameKey(sessionID, name))
	if errs.IsKind(err, errs.KindNotFound) {
		return nil, errs.New(errs.KindNotFound, "no artifact named %q in session %s", name, sessionID)
	}
	if err != nil {
		return nil, err
	}
	seq, err := decodeSeq(raw)
	if err != nil {
		return nil, errs.Wrap(errs.KindStorage, err, "artifact name index")
	}
	return m.getArtifact(sessionID, seq)
}

// Reader streams an artifact's content, verifying every chunk before
// returning it and the whole-content hash at the end. A Reader belongs to
// one goroutine.
type Reader struct {
	m      *Manager
	blob   *blobRecord
	next   int
	cur    []byte
	hash   hash.Hash
	closed bool
	err    error
}

// Open starts reading an artifact's content.
func (m *Manager) Open(ctx context.Context, sessionID string, seq int64) (*Reader, *Artifact, error) {
	a, err := m.getArtifact(sessionID, seq)
	if err != nil {
		return nil, nil, err
	}
	m.mu.Lock()
	blob, err := m.getBlobLocked(a.ContentHash)
	m.mu.Unlock()
	if errs.IsKind(err, errs.KindNotFound) {
		return nil, nil, errs.New(errs.KindStorage, "integrity check failed: content %s of artifact %d is missing", a.ContentHash, seq).With("integrity", true)
	}
	if err != nil {
		return nil, nil, err
	}
	return &Reader{m: m, blob: blob, hash: newContentHash()}, a, nil
}

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, errs.ErrClosed
	}
	if r.err != nil {
		return 0, r.err
	}
	for len(r.cur) == 0 {
		if r.next >= len(r.blob.Chunks) {
			if hex.EncodeToString(r.hash.Sum(nil)) != r.blob.Hash {
				r.err = errs.New(errs.KindStorage, "integrity check failed: content does not match its hash %s", r.blob.Hash).With("integrity", true)
				return 0, r.err
			}
			r.err = io.EOF
			return 0, io.EOF
		}
		data, err := r.m.readChunk(r.blob.Chunks[r.next])
		if err != nil {
			r.err = err
			return 0, err
		}
		r.next++
		r.hash.Write(data)
		r.cur = data
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// Close ends the read. Safe to call more than once.
func (r *Reader) Close() error { r.closed = true; return nil }

// GetArtifact returns an artifact's record and whole content.
func (m *Manager) GetArtifact(ctx context.Context, sessionID string, seq int64) (*Artifact, []byte, error) {
	r, a, err := m.Open(ctx, sessionID, seq)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	data := make([]byte, 0, a.Size)
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		data = append(data, buf[:n]...)
		if err == io.EOF {
			return a, data, nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
}

// ArtifactQuery selects artifacts. Zero fields match everything.
type ArtifactQuery struct {
	SessionID     string // "" searches every session
	Type          string
	NamePattern   string // a glob: *, ?, [a-z]
	Tags          []string
	CreatedAfter  time.Time
	CreatedBefore time.Time
	MinSize       int64
	MaxSize       int64 // 0: no bound
	Limit         int
}

func (q *ArtifactQuery) match(a *Artifact) bool {
	if q.Type != "" && a.Type != q.Type {
		return false
	}
	if q.NamePattern != "" {
		if ok, _ := path.Match(q.NamePattern, a.Name); !ok {
			return false
		}
	}
	for _, t := range q.Tags {
		if !slices.Contains(a.Tags, t) {
			return false
		}
	}
	if !q.CreatedAfter.IsZero() && !a.CreatedAt.After(q.CreatedAfter) {
		return false
	}
	if !q.CreatedBefore.IsZero() && !a.CreatedAt.Before(q.CreatedBefore) {
		return false
	}
	if a.Size < q.MinSize || (q.MaxSize > 0 && a.Size > q.MaxSize) {
		return false
	}
	return true
}

// QueryArtifacts returns matching artifacts in (session, sequence) order.
func (m *Manager) QueryArtifacts(_ context.Context, q *ArtifactQuery) ([]*Artifact, error) {
	if q == nil {
		q = &ArtifactQuery{}
	}
	if q.NamePattern != "" {
		if _, err := path.Match(q.NamePattern, ""); err != nil {
			return nil, errs.New(errs.KindInvalidArgument, "bad name pattern %q", q.NamePattern)
		}
	}
	prefix := []byte("artifact/")
	if q.SessionID != "" {
		prefix = artifactPrefix(q.SessionID)
	}
	out := []*Artifact{}
	var firstErr error
	err := m.kv.Scan(prefix, func(_, raw []byte) bool {
		v, err := value.Decode(raw)
		if err != nil {
			firstErr = errs.Wrap(errs.KindStorage, err, "artifact record")
			return false
		}
		mp, _ := v.(value.Map)
		a, err := artifactFromMap(mp)
		if err != nil {
			firstErr = err
			return false
		}
		if q.match(a) {
			out = append(out, a)
		}
		return q.Limit <= 0 || len(out) < q.Limit
	})
	if err == nil {
		err = firstErr
	}
	return out, err
}

// ListArtifacts returns every artifact of a session in sequence order.
func (m *Manager) ListArtifacts(ctx context.Context, sessionID string) ([]*Artifact, error) {
	if _, err := m.Get(ctx, sessionID); err != nil {
		return nil, err
	}
	return m.QueryArtifacts(ctx, &ArtifactQuery{SessionID: sessionID})
}

// DeleteArtifact removes an artifact; its content goes when no other
// artifact refers to it. The name then points at the previous version, if
// it still exists.
func (m *Manager) DeleteArtifact(ctx context.Context, sessionID string, seq int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, err := m.getArtifact(sessionID, seq)
	if err != nil {
		return err
	}
	b := m.kv.NewBatch()
	defer b.Discard()
	b.Delete(artifactKey(sessionID, seq))
	var freed []string
	if blob, err := m.getBlobLocked(a.ContentHash); err == nil {
		blob.Refs--
		if blob.Refs <= 0 {
			b.Delete(blobKey(a.ContentHash))
			if freed, err = m.releaseChunksLocked(b, blob.Chunks); err != nil {
				return err
			}
		} else {
			enc, err := blob.encode()
			if err != nil {
				return err
			}
			b.Set(blobKey(a.ContentHash), enc)
		}
	} else if !errs.IsKind(err, errs.KindNotFound) {
		return err
	}
	if raw, err := m.kv.Get(nameKey(sessionID, a.Name)); err == nil {
		if cur, _ := decodeSeq(raw); cur == seq {
			prev := a.Previous
			if prev > 0 {
				if _, err := m.getArtifact(sessionID, prev); err != nil {
					prev = 0
				}
			}
			if prev > 0 {
				b.Set(nameKey(sessionID, a.Name), []byte(strconv.FormatInt(prev, 10)))
			} else {
				b.Delete(nameKey(sessionID, a.Name))
			}
		}
	}
	if s, err := m.Get(ctx, sessionID); err == nil {
		s.ArtifactCount--
		s.ArtifactBytes -= a.Size
		s.UpdatedAt = m.opts.Now()
		if enc, err := value.Encode(s.Map()); err == nil {
			b.Set(sessionKey(s.ID), enc)
		}
	}
	if err := b.Commit(); err != nil {
		return err
	}
	m.dropBlobFiles(freed)
	return m.durable()
}
