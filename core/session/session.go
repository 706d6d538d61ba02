package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/value"
)

// Status is a session's lifecycle state.
type Status string

// The statuses.
const (
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended"
	StatusCompleted Status = "completed"
	StatusFailed    Status = "failed"
	StatusArchived  Status = "archived"
)

var transitions = map[Status][]Status{
	StatusActive:    {StatusSuspended, StatusCompleted, StatusFailed},
	StatusSuspended: {StatusActive, StatusCompleted, StatusFailed},
	StatusCompleted: {StatusArchived},
	StatusFailed:    {StatusArchived},
}

// CanMove reports whether a session may go from one status to another.
func CanMove(from, to Status) bool { return slices.Contains(transitions[from], to) }

// Session is a session's record.
type Session struct {
	ID            string
	Name          string
	Description   string
	Tags          []string
	Parent        string
	Status        Status
	FailReason    string
	Metadata      value.Map
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ArtifactCount int64
	ArtifactBytes int64
}

// Map returns the session as a value (the shape scripts and the C ABI see).
func (s *Session) Map() value.Map {
	tags := make(value.List, len(s.Tags))
	for i, t := range s.Tags {
		tags[i] = t
	}
	m := value.Map{
		"id": s.ID, "name": s.Name, "description": s.Description, "tags": tags,
		"status": string(s.Status), "created_at": s.CreatedAt.UTC().Format(time.RFC3339Nano),
		"updated_at":     s.UpdatedAt.UTC().Format(time.RFC3339Nano),
		"artifact_count": s.ArtifactCount, "artifact_bytes": s.ArtifactBytes,
		"metadata": s.Metadata, "parent": nil,
	}
	if s.Metadata == nil {
		m["metadata"] = value.Map{}
	}
	if s.Parent != "" {
		m["parent"] = s.Parent
	}
	if s.FailReason != "" {
		m["fail_reason"] = s.FailReason
	}
	return m
}

func sessionFromMap(m value.Map) (*Session, error) {
	s := &Session{}
	s.ID, _ = m["id"].(string)
	s.Name, _ = m["name"].(string)
	s.Description, _ = m["description"].(string)
	s.Parent, _ = m["parent"].(string)
	st, _ := m["status"].(string)
	s.Status = Status(st)
	s.FailReason, _ = m["fail_reason"].(string)
	s.Metadata, _ = m["metadata"].(value.Map)
	s.ArtifactCount, _ = m["artifact_count"].(int64)
	s.ArtifactBytes, _ = m["artifact_bytes"].(int64)
	if tags, ok := m["tags"].(value.List); ok {
		for _, t := range tags {
			if ts, ok := t.(string); ok {
				s.Tags = append(s.Tags, ts)
			}
		}
	}
	var err error
	if c, ok := m["created_at"].(string); ok {
		if s.CreatedAt, err = time.Parse(time.RFC3339Nano, c); err != nil {
			return nil, errs.Wrap(errs.KindStorage, err, "session record")
		}
	}
	if u, ok := m["updated_at"].(string); ok {
		if s.UpdatedAt, err = time.Parse(time.RFC3339Nano, u); err != nil {
			return nil, errs.Wrap(errs.KindStorage, err, "session record")
		}
	}
	return s, nil
}

// Hooks are optional callbacks at lifecycle points; the hooks subsystem
// fills them. They run on the caller's goroutine. A nil field does nothing.
type Hooks struct {
	SessionStart   func(ctx context.Context, s *Session)
	SessionEnd     func(ctx context.Context, s *Session)
	SessionSave    func(ctx context.Context, s *Session)
	SessionRestore func(ctx context.Context, s *Session)
}

// Options configures New. A nil *Options or a zero field means the default.
type Options struct {
	// CompressThreshold is the content size above which chunks are LZ4
	// compressed (when that saves space). Default: 10 KiB.
	CompressThreshold int
	// MaxArtifacts bounds the artifacts of one session. Default: 10000.
	MaxArtifacts int64
	// MaxSessionBytes bounds the content bytes of one session. Default:
	// 1 GiB.
	MaxSessionBytes int64
	// BlobThreshold is the stored chunk size from which a chunk is kept as
	// a file beside the kv store instead of in it, when the store keeps
	// files (kv.BlobStore: the pebble backend); negative keeps every chunk
	// in kv. Default: 64 KiB.
	BlobThreshold int
	// Sync makes the writes that returned before it durable as the
	// engine's durability setting says. It is called after artifact
	// stores and deletes and by Save. The engine passes its state store's
	// group commit (state.Store.SyncWrites): in sync mode that syncs at
	// once, in batched mode it returns at once and the store is synced
	// within the batch window. Default: nil: artifact writes are left to
	// the store's own write mode and Save syncs the store (one fsync).
	Sync func() error
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Hooks are called at lifecycle points. Default: none.
	Hooks Hooks
}

// DefaultBlobThreshold is the default of Options.BlobThreshold.
const DefaultBlobThreshold = 64 << 10

// Manager owns the sessions and artifacts of one engine.
type Manager struct {
	kv   kv.Store
	opts Options

	mu      sync.Mutex // serializes record updates and reference counts
	current string
	callSeq callSeqType
}

// New returns a manager over the engine's store.
func New(store kv.Store, opts *Options) *Manager {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.CompressThreshold <= 0 {
		o.CompressThreshold = 10 << 10
	}
	if o.MaxArtifacts <= 0 {
		o.MaxArtifacts = 10000
	}
	if o.MaxSessionBytes <= 0 {
		o.MaxSessionBytes = 1 << 30
	}
	if o.BlobThreshold == 0 {
		o.BlobThreshold = DefaultBlobThreshold
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Manager{kv: store, opts: o}
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func sessionKey(id string) []byte { return []byte("session/meta/" + id) }

// CreateOptions describes a new session.
type CreateOptions struct {
	Name        string
	Description string
	Tags        []string
	Parent      string
	Metadata    value.Map
}

// Create makes a new active session and returns it.
func (m *Manager) Create(ctx context.Context, o CreateOptions) (*Session, error) {
	if o.Parent != "" {
		if _, err := m.Get(ctx, o.Parent); err != nil {
			return nil, errs.Wrap(errs.KindOf(err), err, "session parent %q", o.Parent)
		}
	}
	now := m.opts.Now()
	s := &Session{ID: newID(), Name: o.Name, Description: o.Description, Tags: o.Tags, Parent: o.Parent,
		Status: StatusActive, Metadata: o.Metadata, CreatedAt: now, UpdatedAt: now}
	m.mu.Lock()
	err := m.putLocked(s)
	m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if h := m.opts.Hooks.SessionStart; h != nil {
		h(ctx, s)
	}
	return s, nil
}

func (m *Manager) putLocked(s *Session) error {
	data, err := value.Encode(s.Map())
	if err != nil {
		return err
	}
	return m.kv.Set(sessionKey(s.ID), data)
}

// Get returns a session, or a not_found error.
func (m *Manager) Get(_ context.Context, id string) (*Session, error) {
	if id == "" {
		return nil, errs.New(errs.KindInvalidArgument, "session id is empty")
	}
	raw, err := m.kv.Get(sessionKey(id))
	if errs.IsKind(err, errs.KindNotFound) {
		return nil, errs.New(errs.KindNotFound, "no session %q", id)
	}
	if err != nil {
		return nil, err
	}
	v, err := value.Decode(raw)
	if err != nil {
		return nil, errs.Wrap(errs.KindStorage, err, "session record %q", id)
	}
	mp, ok := v.(value.Map)
	if !ok {
		return nil, errs.New(errs.KindStorage, "session record %q is not an object", id)
	}
	return sessionFromMap(mp)
}

// Query selects sessions for List. Zero fields match everything.
type Query struct {
	Tags          []string // every tag must be present
	Status        Status
	Parent        string
	CreatedAfter  time.Time
	CreatedBefore time.Time
	Limit         int
}

func (q *Query) match(s *Session) bool {
	if q.Status != "" && s.Status != q.Status {
		return false
	}
	if q.Parent != "" && s.Parent != q.Parent {
		return false
	}
	if !q.CreatedAfter.IsZero() && !s.CreatedAt.After(q.CreatedAfter) {
		return false
	}
	if !q.CreatedBefore.IsZero() && !s.CreatedAt.Before(q.CreatedBefore) {
		return false
	}
	for _, t := range q.Tags {
		if !slices.Contains(s.Tags, t) {
			return false
		}
	}
	return true
}

// List returns the sessions matching q, oldest first.
func (m *Manager) List(_ context.Context, q *Query) ([]*Session, error) {
	if q == nil {
		q = &Query{}
	}
	var out []*Session
	var firstErr error
	err := m.kv.Scan([]byte("session/meta/"), func(_, raw []byte) bool {
		v, err := value.Decode(raw)
		if err != nil {
			firstErr = errs.Wrap(errs.KindStorage, err, "session record")
			return false
		}
		mp, _ := v.(value.Map)
		s, err := sessionFromMap(mp)
		if err != nil {
			firstErr = err
			return false
		}
		if q.match(s) {
			out = append(out, s)
		}
		return true
	})
	if err == nil {
		err = firstErr
	}
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// update loads a session, applies fn and stores it, under the mutex.
func (m *Manager) update(ctx context.Context, id string, fn func(s *Session) error) (*Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := fn(s); err != nil {
		return nil, err
	}
	s.UpdatedAt = m.opts.Now()
	return s, m.putLocked(s)
}

// Transition moves a session to a new status; reason is kept for failed.
func (m *Manager) Transition(ctx context.Context, id string, to Status, reason string) (*Session, error) {
	s, err := m.update(ctx, id, func(s *Session) error {
		if !CanMove(s.Status, to) {
			return errs.New(errs.KindConflict, "session %s cannot move from %s to %s", id, s.Status, to)
		}
		s.Status = to
		if to == StatusFailed {
			s.FailReason = reason
		}
		return nil
	})
	if err == nil && (to == StatusCompleted || to == StatusFailed) {
		if h := m.opts.Hooks.SessionEnd; h != nil {
			h(ctx, s)
		}
	}
	return s, err
}

// UpdateMetadata merges fields into a session's metadata (a nil value
// removes the field).
func (m *Manager) UpdateMetadata(ctx context.Context, id string, fields value.Map) (*Session, error) {
	return m.update(ctx, id, func(s *Session) error {
		if s.Metadata == nil {
			s.Metadata = value.Map{}
		}
		for k, v := range fields {
			if v == nil {
				delete(s.Metadata, k)
			} else {
				s.Metadata[k] = v
			}
		}
		return nil
	})
}

// Save makes the session durable as Options.Sync says (its record is
// written on every change) and fires SessionSave. With the engine's
// batched durability Save returns without waiting for an fsync and the
// session is on disk within the batch window; with sync durability (or
// no Options.Sync) it is on disk when Save returns.
func (m *Manager) Save(ctx context.Context, id string) (*Session, error) {
	s, err := m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	sync := m.opts.Sync
	if sync == nil {
		sync = m.kv.Sync
	}
	if err := sync(); err != nil {
		return nil, err
	}
	if h := m.opts.Hooks.SessionSave; h != nil {
		h(ctx, s)
	}
	return s, nil
}

// durable applies Options.Sync after an artifact write.
func (m *Manager) durable() error {
	if m.opts.Sync == nil {
		return nil
	}
	return m.opts.Sync()
}

// Load reads a session back, makes it the current one and fires
// SessionRestore.
func (m *Manager) Load(ctx context.Context, id string) (*Session, error) {
	s, err := m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.current = id
	m.mu.Unlock()
	if h := m.opts.Hooks.SessionRestore; h != nil {
		h(ctx, s)
	}
	return s, nil
}

// SetCurrent makes id the engine's current session ("" clears it).
func (m *Manager) SetCurrent(ctx context.Context, id string) error {
	if id != "" {
		if _, err := m.Get(ctx, id); err != nil {
			return err
		}
	}
	m.mu.Lock()
	m.current = id
	m.mu.Unlock()
	return nil
}

// Current returns the current session id, or "".
func (m *Manager) Current() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.current
}

// Delete removes a session and all its artifacts (their content goes when
// nothing else refers to it).
func (m *Manager) Delete(ctx context.Context, id string) error {
	if _, err := m.Get(ctx, id); err != nil {
		return err
	}
	arts, err := m.ListArtifacts(ctx, id)
	if err != nil {
		return err
	}
	for _, a := range arts {
		if err := m.DeleteArtifact(ctx, id, a.Sequence); err != nil && !errs.IsKind(err, errs.KindNotFound) {
			return err
		}
	}
	if err := m.deleteHistory(id); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.current == id {
		m.current = ""
	}
	return m.kv.Delete(sessionKey(id))
}
