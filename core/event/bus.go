package event

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// Event is one published event.
type Event struct {
	ID            string
	Type          string
	Data          value.Value
	Timestamp     time.Time
	Sequence      uint64
	CorrelationID string
	Source        string
	Tags          []string
}

// Map returns the event as a value (the shape scripts and the C ABI see).
func (e *Event) Map() value.Map {
	tags := make(value.List, len(e.Tags))
	for i, t := range e.Tags {
		tags[i] = t
	}
	m := value.Map{"id": e.ID, "type": e.Type, "data": e.Data, "sequence": int64(e.Sequence),
		"timestamp": e.Timestamp.UTC().Format(time.RFC3339Nano), "source": e.Source, "tags": tags,
		"correlation_id": nil}
	if e.CorrelationID != "" {
		m["correlation_id"] = e.CorrelationID
	}
	return m
}

// Policy is what a full subscription buffer does with a new event.
type Policy int

// The overflow policies.
const (
	DropOldest Policy = iota // make room by discarding the oldest queued event (default)
	DropNewest               // discard the new event
	Block                    // make the publisher wait up to BlockTimeout, then drop the new event
	Reject                   // discard the new event and make Publish return an error
)

// ParsePolicy parses drop_oldest, drop_newest, block or reject.
func ParsePolicy(s string) (Policy, error) {
	switch s {
	case "", "drop_oldest":
		return DropOldest, nil
	case "drop_newest":
		return DropNewest, nil
	case "block":
		return Block, nil
	case "reject":
		return Reject, nil
	}
	return 0, errs.New(errs.KindInvalidArgument, "unknown overflow policy %q (use drop_oldest, drop_newest, block or reject)", s)
}

func (p Policy) String() string {
	return [...]string{"drop_oldest", "drop_newest", "block", "reject"}[p]
}

// SubscribeOptions configures a subscription. Zero fields mean defaults.
type SubscribeOptions struct {
	// Handler, when set, is called for each event on the subscription's
	// own goroutine; without it, read events with Receive.
	Handler func(Event)
	// BufferSize bounds queued events. Default: 1024.
	BufferSize int
	// Policy handles a full buffer. Default: DropOldest.
	Policy Policy
	// BlockTimeout bounds how long Block makes a publisher wait.
	// Default: 100 ms.
	BlockTimeout time.Duration
}

// Subscription is one pattern's queue of events.
type Subscription struct {
	id      uint64
	pattern string
	opts    SubscribeOptions

	mu     sync.Mutex
	buf    []Event
	head   int
	n      int
	closed bool
	ready  chan struct{} // signalled when an event is queued
	space  chan struct{} // signalled when room is made
	done   chan struct{} // closed when the handler goroutine ends

	delivered, dropped, rejected atomic.Int64
	busy                         atomic.Bool // a handler call is running
}

// waitIdle waits, up to timeout, until a handler subscription has no
// queued events and no handler call running. It reports whether it got
// there.
func (s *Subscription) waitIdle(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		idle := (s.n == 0 || s.closed) && !s.busy.Load()
		s.mu.Unlock()
		if idle {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// ID returns the subscription id.
func (s *Subscription) ID() uint64 { return s.id }

// Pattern returns the subscription pattern.
func (s *Subscription) Pattern() string { return s.pattern }

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// push queues ev by the subscription's policy. It returns an error only for
// Reject.
func (s *Subscription) push(ev Event) error {
	deadline := time.Time{}
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil
		}
		if s.n < len(s.buf) {
			s.buf[(s.head+s.n)%len(s.buf)] = ev
			s.n++
			s.mu.Unlock()
			signal(s.ready)
			return nil
		}
		switch s.opts.Policy {
		case DropOldest:
			s.buf[s.head] = ev
			s.head = (s.head + 1) % len(s.buf)
			s.mu.Unlock()
			s.dropped.Add(1)
			signal(s.ready)
			return nil
		case DropNewest:
			s.mu.Unlock()
			s.dropped.Add(1)
			return nil
		case Reject:
			s.mu.Unlock()
			s.rejected.Add(1)
			return errs.New(errs.KindLimit, "subscription %d (%s) is full and rejects events", s.id, s.pattern)
		}
		// Block: wait for room, up to the timeout.
		s.mu.Unlock()
		if deadline.IsZero() {
			deadline = time.Now().Add(s.opts.BlockTimeout)
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			s.dropped.Add(1)
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-s.space:
		case <-t.C:
		}
		t.Stop()
	}
}

// pop takes the oldest queued event.
func (s *Subscription) pop() (Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == 0 {
		return Event{}, false
	}
	ev := s.buf[s.head]
	s.buf[s.head] = Event{}
	s.head = (s.head + 1) % len(s.buf)
	s.n--
	s.delivered.Add(1)
	signal(s.space)
	return ev, true
}

// Receive returns the next event, waiting up to timeout (0: do not wait).
// It reports false when none came in time. It fails with ErrClosed after
// Unsubscribe or Close, and with invalid_argument on a handler subscription.
func (s *Subscription) Receive(ctx context.Context, timeout time.Duration) (Event, bool, error) {
	if s.opts.Handler != nil {
		return Event{}, false, errs.New(errs.KindInvalidArgument, "subscription %d has a handler; it cannot be received from", s.id)
	}
	var timer *time.Timer
	for {
		if ev, ok := s.pop(); ok {
			return ev, true, nil
		}
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return Event{}, false, errs.ErrClosed
		}
		if timeout <= 0 {
			return Event{}, false, nil
		}
		if timer == nil {
			timer = time.NewTimer(timeout)
			defer timer.Stop()
		}
		select {
		case <-s.ready:
		case <-timer.C:
			ev, ok := s.pop()
			return ev, ok, nil
		case <-ctx.Done():
			return Event{}, false, errs.Wrap(errs.KindCancelled, ctx.Err(), "receive")
		}
	}
}

// serve drains a handler subscription until it is closed.
func (s *Subscription) serve() {
	defer close(s.done)
	for {
		s.busy.Store(true)
		ev, ok := s.pop()
		if !ok {
			s.busy.Store(false)
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return
			}
			<-s.ready
			continue
		}
		func() {
			defer func() { recover() }() // a panicking handler loses its event, not the bus
			s.opts.Handler(ev)
		}()
	}
}

func (s *Subscription) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	signal(s.ready)
	signal(s.space)
	if s.done != nil {
		<-s.done
	}
}

// SubscriptionStats describes one subscription.
type SubscriptionStats struct {
	ID        uint64
	Pattern   string
	Policy    string
	Handler   bool
	Queued    int
	Capacity  int
	Delivered int64
	Dropped   int64
	Rejected  int64
}

// Stats describes the bus.
type Stats struct {
	Published     int64
	Subscriptions []SubscriptionStats
}

// Map returns the statistics as a value.
func (st *Stats) Map() value.Map {
	subs := make(value.List, len(st.Subscriptions))
	for i, s := range st.Subscriptions {
		subs[i] = value.Map{"id": int64(s.ID), "pattern": s.Pattern, "policy": s.Policy, "handler": s.Handler,
			"queued": int64(s.Queued), "capacity": int64(s.Capacity), "delivered": s.Delivered,
			"dropped": s.Dropped, "rejected": s.Rejected}
	}
	return value.Map{"published": st.Published, "subscriptions": subs}
}

// PublishOptions are the optional fields of a published event.
type PublishOptions struct {
	CorrelationID string
	Source        string
	Tags          []string
}

// Hooks are optional callbacks around Publish; the hooks subsystem fills
// them. They run on the publisher's goroutine. A nil field does nothing.
type Hooks struct {
	// BeforePublish may change the data, drop the event (skip true: Publish
	// succeeds and nothing is delivered) or refuse it (an error).
	BeforePublish func(typ string, data value.Value) (nd value.Value, skip bool, err error)
	// AfterPublish sees every delivered event.
	AfterPublish func(ev Event)
	// Wanted reports whether the hooks above want events of a type even
	// when no subscription matches (see Bus.Active). Nil means no.
	Wanted func(typ string) bool
}

// Options configures New. A nil *Options means the defaults.
type Options struct {
	// Hooks are called around Publish. Default: none.
	Hooks Hooks
}

// Bus is an engine's event bus.
type Bus struct {
	hooks     Hooks
	prefix    string // random, so event ids differ across engines and runs
	seq       atomic.Uint64
	published atomic.Int64
	nextSub   atomic.Uint64

	mu     sync.RWMutex
	subs   []*Subscription
	ix     *index
	cache  map[string][]*Subscription
	closed bool
}

// New returns an empty bus. The caller must Close it.
func New(opts *Options) *Bus {
	var b [6]byte
	rand.Read(b[:])
	bus := &Bus{prefix: hex.EncodeToString(b[:]), ix: buildIndex(nil), cache: map[string][]*Subscription{}}
	if opts != nil {
		bus.hooks = opts.Hooks
	}
	return bus
}

// Subscribe adds a subscription for pattern.
func (b *Bus) Subscribe(pattern string, opts *SubscribeOptions) (*Subscription, error) {
	if err := validatePattern(pattern); err != nil {
		return nil, err
	}
	o := SubscribeOptions{}
	if opts != nil {
		o = *opts
	}
	if o.BufferSize <= 0 {
		o.BufferSize = 1024
	}
	if o.BufferSize > 1<<20 {
		return nil, errs.New(errs.KindInvalidArgument, "buffer size %d is over the limit of %d", o.BufferSize, 1<<20)
	}
	if o.BlockTimeout <= 0 {
		o.BlockTimeout = 100 * time.Millisecond
	}
	s := &Subscription{id: b.nextSub.Add(1), pattern: pattern, opts: o, buf: make([]Event, o.BufferSize),
		ready: make(chan struct{}, 1), space: make(chan struct{}, 1)}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, errs.ErrClosed
	}
	if o.Handler != nil {
		s.done = make(chan struct{})
		go s.serve()
	}
	b.subs = append(b.subs, s)
	b.rebuildLocked()
	return s, nil
}

func (b *Bus) rebuildLocked() {
	b.ix = buildIndex(b.subs)
	b.cache = map[string][]*Subscription{}
}

// Unsubscribe removes a subscription and waits for its handler goroutine.
// It reports whether the subscription was there.
func (b *Bus) Unsubscribe(id uint64) bool {
	b.mu.Lock()
	var found *Subscription
	for i, s := range b.subs {
		if s.id == id {
			found = s
			b.subs = append(b.subs[:i:i], b.subs[i+1:]...)
			b.rebuildLocked()
			break
		}
	}
	b.mu.Unlock()
	if found == nil {
		return false
	}
	found.close()
	return true
}

// Get returns a live subscription by id.
func (b *Bus) Get(id uint64) (*Subscription, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, s := range b.subs {
		if s.id == id {
			return s, true
		}
	}
	return nil, false
}

// matching returns the subscriptions for typ, from the cache when it can.
func (b *Bus) matching(typ string) ([]*Subscription, error) {
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return nil, errs.ErrClosed
	}
	subs, ok := b.cache[typ]
	b.mu.RUnlock()
	if ok {
		return subs, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if subs, ok := b.cache[typ]; ok {
		return subs, nil
	}
	subs = b.ix.lookup(typ)
	if len(b.cache) > 4096 { // event types are few; guard against unbounded ones
		b.cache = map[string][]*Subscription{}
	}
	b.cache[typ] = subs
	return subs, nil
}

// Active reports whether an event of type typ would reach anyone: a
// matching subscription (a handler, a pull subscription, the journal) or
// a hook that wants it. Components publishing often check it first and
// skip building events nobody receives; such events take no sequence
// number and are not counted as published.
func (b *Bus) Active(typ string) bool {
	subs, err := b.matching(typ)
	if err != nil {
		return false
	}
	return len(subs) > 0 || b.hooks.Wanted != nil && b.hooks.Wanted(typ)
}

// Publish sends an event to every matching subscription and returns it as
// delivered (with id, sequence and timestamp). data is normalized to a
// value (other int sizes become int64, ...). Sequences are monotonic per
// bus. It fails with invalid_argument for a bad type, closed after Close,
// and limit_exceeded when a Reject subscription was full (the event still
// reached every other subscription).
func (b *Bus) Publish(typ string, data value.Value, opts *PublishOptions) (Event, error) {
	if err := validateType(typ); err != nil {
		return Event{}, err
	}
	data, err := value.Normalize(data)
	if err != nil {
		return Event{}, errs.Wrap(errs.KindInvalidArgument, err, "event data")
	}
	if h := b.hooks.BeforePublish; h != nil {
		nd, skip, err := h(typ, data)
		if err != nil || skip {
			return Event{}, err
		}
		data = nd
	}
	subs, err := b.matching(typ)
	if err != nil {
		return Event{}, err
	}
	seq := b.seq.Add(1)
	ev := Event{ID: fmt.Sprintf("%s-%d", b.prefix, seq), Type: typ, Data: data, Timestamp: time.Now(), Sequence: seq}
	if opts != nil {
		ev.CorrelationID, ev.Source, ev.Tags = opts.CorrelationID, opts.Source, opts.Tags
	}
	b.published.Add(1)
	var firstErr error
	for _, s := range subs {
		if err := s.push(ev); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if h := b.hooks.AfterPublish; h != nil {
		h(ev)
	}
	return ev, firstErr
}

// Stats returns counters for the bus and each subscription.
func (b *Bus) Stats() *Stats {
	b.mu.RLock()
	subs := append([]*Subscription(nil), b.subs...)
	b.mu.RUnlock()
	st := &Stats{Published: b.published.Load()}
	for _, s := range subs {
		s.mu.Lock()
		queued := s.n
		s.mu.Unlock()
		st.Subscriptions = append(st.Subscriptions, SubscriptionStats{ID: s.id, Pattern: s.pattern, Policy: s.opts.Policy.String(),
			Handler: s.opts.Handler != nil, Queued: queued, Capacity: len(s.buf),
			Delivered: s.delivered.Load(), Dropped: s.dropped.Load(), Rejected: s.rejected.Load()})
	}
	return st
}

// Close removes every subscription, waits for their handler goroutines, and
// makes later calls fail with ErrClosed. Idempotent.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	subs := b.subs
	b.subs = nil
	b.mu.Unlock()
	for _, s := range subs {
		s.close()
	}
	return nil
}

func sortByID(subs []*Subscription) {
	sort.Slice(subs, func(i, j int) bool { return subs[i].id < subs[j].id })
}
