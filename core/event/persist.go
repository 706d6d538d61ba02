package event

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/value"
)

// Event persistence
//
// A Journal keeps the events matching its patterns in the engine store,
// written by one goroutine (a handler subscription), pruned by age and count:
//
//	event/<timestamp ns:16 hex><sequence:16 hex>  JSON event
//	event-corr/<correlation id>\x00<same suffix>   (empty): correlation index

// JournalOptions configures a Journal. Zero fields mean the defaults.
type JournalOptions struct {
	// Patterns selects the events kept. Default: ["*"].
	Patterns []string
	// TTL drops events older than this. Default: 0 (keep).
	TTL time.Duration
	// MaxCount keeps at most this many events, dropping the oldest.
	// Default: 100000.
	MaxCount int
	// Now is the clock for TTL pruning. Default: time.Now.
	Now func() time.Time
}

// Journal persists events from a bus and answers queries over them.
type Journal struct {
	bus   *Bus
	store kv.Store
	opts  JournalOptions
	subs  []*Subscription

	mu     sync.Mutex
	writes int
}

// NewJournal starts persisting the matching events of bus into store.
// Close (or closing the bus) stops it.
func NewJournal(bus *Bus, store kv.Store, opts *JournalOptions) (*Journal, error) {
	o := JournalOptions{}
	if opts != nil {
		o = *opts
	}
	if len(o.Patterns) == 0 {
		o.Patterns = []string{"*"}
	}
	if o.MaxCount <= 0 {
		o.MaxCount = 100000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	j := &Journal{bus: bus, store: store, opts: o}
	for _, p := range o.Patterns {
		s, err := bus.Subscribe(p, &SubscribeOptions{Handler: j.write, BufferSize: 4096})
		if err != nil {
			j.Close()
			return nil, err
		}
		j.subs = append(j.subs, s)
	}
	return j, nil
}

// Close stops persisting. Idempotent.
func (j *Journal) Close() {
	for _, s := range j.subs {
		j.bus.Unsubscribe(s.ID())
	}
	j.subs = nil
}

func suffix(ev *Event) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(ev.Timestamp.UnixNano()))
	binary.BigEndian.PutUint64(b[8:], ev.Sequence)
	return hex.EncodeToString(b[:])
}

func (j *Journal) write(ev Event) {
	// Overlapping patterns deliver an event twice; its key is the same, so
	// the second write is harmless.
	data, err := value.Encode(ev.Map())
	if err != nil {
		return
	}
	sfx := suffix(&ev)
	b := j.store.NewBatch()
	b.Set([]byte("event/"+sfx), data)
	if ev.CorrelationID != "" {
		b.Set([]byte("event-corr/"+ev.CorrelationID+"\x00"+sfx), nil)
	}
	if b.Commit() != nil {
		return
	}
	j.mu.Lock()
	j.writes++
	prune := j.writes%256 == 0
	j.mu.Unlock()
	if prune {
		j.Prune()
	}
}

// Prune drops events past the TTL and beyond MaxCount, oldest first, and
// returns how many it dropped.
func (j *Journal) Prune() int {
	var keys [][]byte
	var corr []string
	total := 0
	j.store.Scan([]byte("event/"), func(k, _ []byte) bool { total++; return true })
	cut := time.Time{}
	if j.opts.TTL > 0 {
		cut = j.opts.Now().Add(-j.opts.TTL)
	}
	excess := total - j.opts.MaxCount
	j.store.Scan([]byte("event/"), func(k, v []byte) bool {
		sfx := string(k[len("event/"):])
		ts, _ := hex.DecodeString(sfx[:16])
		old := !cut.IsZero() && len(ts) == 8 && time.Unix(0, int64(binary.BigEndian.Uint64(ts))).Before(cut)
		if !old && excess <= 0 {
			return false
		}
		keys = append(keys, append([]byte(nil), k...))
		if ev, err := value.Decode(v); err == nil {
			if c, ok := ev.(value.Map)["correlation_id"].(string); ok {
				corr = append(corr, "event-corr/"+c+"\x00"+sfx)
			}
		}
		excess--
		return true
	})
	if len(keys) == 0 {
		return 0
	}
	b := j.store.NewBatch()
	for _, k := range keys {
		b.Delete(k)
	}
	for _, c := range corr {
		b.Delete([]byte(c))
	}
	if b.Commit() != nil {
		return 0
	}
	return len(keys)
}

// Query selects persisted events. Zero fields match everything.
type Query struct {
	Pattern       string
	Since, Until  time.Time
	CorrelationID string
	Limit         int
}

// Query returns matching persisted events, oldest first. Events published
// before the call are written first (waiting up to a second), so a query
// sees them.
func (j *Journal) Query(q *Query) ([]value.Map, error) {
	if q == nil {
		q = &Query{}
	}
	for _, s := range j.subs {
		s.waitIdle(time.Second)
	}
	var ix *index
	if q.Pattern != "" {
		if err := validatePattern(q.Pattern); err != nil {
			return nil, err
		}
		ix = buildIndex([]*Subscription{{pattern: q.Pattern}})
	}
	out := []value.Map{}
	keep := func(raw []byte) bool {
		v, err := value.Decode(raw)
		if err != nil {
			return true
		}
		m, _ := v.(value.Map)
		if ix != nil {
			if typ, _ := m["type"].(string); len(ix.lookup(typ)) == 0 {
				return true
			}
		}
		if ts, ok := m["timestamp"].(string); ok && (!q.Since.IsZero() || !q.Until.IsZero()) {
			t, err := time.Parse(time.RFC3339Nano, ts)
			if err != nil || (!q.Since.IsZero() && t.Before(q.Since)) || (!q.Until.IsZero() && !t.Before(q.Until)) {
				return true
			}
		}
		out = append(out, m)
		return q.Limit <= 0 || len(out) < q.Limit
	}
	if q.CorrelationID != "" {
		if strings.ContainsAny(q.CorrelationID, "\x00") {
			return nil, errs.New(errs.KindInvalidArgument, "correlation id contains NUL")
		}
		prefix := "event-corr/" + q.CorrelationID + "\x00"
		var sfxs []string
		err := j.store.Scan([]byte(prefix), func(k, _ []byte) bool {
			sfxs = append(sfxs, string(k[len(prefix):]))
			return true
		})
		if err != nil {
			return nil, err
		}
		for _, s := range sfxs {
			raw, err := j.store.Get([]byte("event/" + s))
			if err != nil {
				continue
			}
			if !keep(raw) {
				break
			}
		}
		return out, nil
	}
	return out, j.store.Scan([]byte("event/"), func(_, raw []byte) bool { return keep(raw) })
}

// Timeline returns every persisted event of a correlation id, oldest first.
func (j *Journal) Timeline(correlationID string) ([]value.Map, error) {
	if correlationID == "" {
		return nil, errs.New(errs.KindInvalidArgument, "correlation id is empty")
	}
	return j.Query(&Query{CorrelationID: correlationID})
}
