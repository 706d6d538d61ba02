package hook

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// Component names what is running a hook point.
type Component struct {
	Type string // agent, tool, workflow, state, session, event, system, ...
	Name string
}

// Context is what a hook receives. Data may be changed by earlier hooks'
// modified results.
type Context struct {
	Point         Point
	Component     Component
	Data          value.Value
	Metadata      value.Map
	CorrelationID string
}

// Map returns the context in the shape of SCRIPT_API.md.
func (c *Context) Map() value.Map {
	md := c.Metadata
	if md == nil {
		md = value.Map{}
	}
	m := value.Map{"point": string(c.Point), "component": value.Map{"type": c.Component.Type, "name": c.Component.Name},
		"data": c.Data, "metadata": md, "correlation_id": nil}
	if c.CorrelationID != "" {
		m["correlation_id"] = c.CorrelationID
	}
	return m
}

// Func is a hook. An error counts as a failure for the breaker and is
// otherwise treated as continue.
type Func func(ctx context.Context, hc *Context) (Result, error)

// Priorities by name; lower runs first.
var priorityNames = map[string]int{"highest": -100, "high": -50, "normal": 0, "low": 50, "lowest": 100}

// ParsePriority accepts a name (highest, high, normal, low, lowest) or a
// number.
func ParsePriority(v value.Value) (int, error) {
	switch p := v.(type) {
	case nil:
		return 0, nil
	case int64:
		return int(p), nil
	case float64:
		return int(p), nil
	case string:
		if n, ok := priorityNames[p]; ok {
			return n, nil
		}
	}
	return 0, errs.New(errs.KindInvalidArgument, "hook priority must be highest, high, normal, low, lowest or a number, got %v", v)
}

// RegisterOptions configures one hook.
type RegisterOptions struct {
	// Name labels the hook in listings. Default: "hook-<id>".
	Name string
	// Priority orders hooks at a point; lower first. Default: 0.
	Priority int
	// Language tells who wrote the hook (go, lua, js, c, ...). Default "go".
	Language string
	// ComponentFilter, when set, limits the hook to one component type.
	ComponentFilter string
}

// Options configures a Registry. Zero fields mean the defaults.
type Options struct {
	FailureThreshold int           // default 3
	SlowThreshold    int           // default 2
	SlowCall         time.Duration // default 50 ms
	Window           time.Duration // default 30 s
	OpenFor          time.Duration // default 15 s
	// OnBreaker is told when a hook's breaker opens or closes. It must not
	// block. Default: nothing.
	OnBreaker func(h Info, open bool)
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// OnOperation, when set, is told the duration and error of every
	// operation run through Around (e.g. Metrics.Observe). It must not
	// block.
	OnOperation func(before Point, comp Component, d time.Duration, err error)
	// Record, when set, receives every hook call: what hook-call records
	// and session replay are built from. It must not block.
	Record func(rec Record)
}

// Record describes one hook call.
type Record struct {
	HookID        uint64
	HookName      string
	Point         Point
	Component     Component
	Input         value.Value
	Result        Result
	Err           error
	Duration      time.Duration
	CorrelationID string
	At            time.Time
}

// Map returns the record as a value.
func (r Record) Map() value.Map {
	m := value.Map{"hook_id": int64(r.HookID), "hook": r.HookName, "point": string(r.Point),
		"component": value.Map{"type": r.Component.Type, "name": r.Component.Name},
		"input":     r.Input, "result": string(r.Result.Kind), "duration_us": r.Duration.Microseconds(),
		"correlation_id": r.CorrelationID, "at": r.At.UTC().Format(time.RFC3339Nano), "error": nil}
	if r.Err != nil {
		m["error"] = r.Err.Error()
	}
	return m
}

// breaker states.
const (
	closed = iota
	open
	halfOpen
)

// entry is one registered hook.
type entry struct {
	id    uint64
	point Point
	fn    Func
	opts  RegisterOptions
	seq   uint64

	mu        sync.Mutex
	state     int
	failures  []time.Time
	slow      []time.Time
	openUntil time.Time

	calls, fails, slowCalls, skipped atomic.Int64
}

// Info describes a registered hook.
type Info struct {
	ID       uint64
	Name     string
	Point    Point
	Priority int
	Language string
	Breaker  string // closed, open, half_open
	Calls    int64
	Failures int64
	Slow     int64
	Skipped  int64
}

// Map returns the info as a value.
func (i Info) Map() value.Map {
	return value.Map{"id": int64(i.ID), "name": i.Name, "point": string(i.Point), "priority": int64(i.Priority),
		"language": i.Language, "breaker": i.Breaker, "calls": i.Calls, "failures": i.Failures,
		"slow": i.Slow, "skipped": i.Skipped}
}

// Registry holds the hooks of one engine.
type Registry struct {
	opts Options

	mu     sync.RWMutex
	points map[Point][]*entry
	next   uint64

	cacheMu sync.Mutex
	cache   map[string]cached
}

type cached struct {
	v       value.Value
	expires time.Time
}

// New returns an empty registry.
func New(opts *Options) *Registry {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.FailureThreshold <= 0 {
		o.FailureThreshold = 3
	}
	if o.SlowThreshold <= 0 {
		o.SlowThreshold = 2
	}
	if o.SlowCall <= 0 {
		o.SlowCall = 50 * time.Millisecond
	}
	if o.Window <= 0 {
		o.Window = 30 * time.Second
	}
	if o.OpenFor <= 0 {
		o.OpenFor = 15 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Registry{opts: o, points: map[Point][]*entry{}, cache: map[string]cached{}}
}

// Register adds a hook at a point and returns its id.
func (r *Registry) Register(point Point, fn Func, o *RegisterOptions) (uint64, error) {
	if fn == nil {
		return 0, errs.New(errs.KindInvalidArgument, "hook function is nil")
	}
	if _, err := ParsePoint(string(point)); err != nil {
		return 0, err
	}
	e := &entry{point: point, fn: fn}
	if o != nil {
		e.opts = *o
	}
	if e.opts.Language == "" {
		e.opts.Language = "go"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	e.id, e.seq = r.next, r.next
	if e.opts.Name == "" {
		e.opts.Name = fmt.Sprintf("hook-%d", e.id)
	}
	list := append(append([]*entry(nil), r.points[point]...), e)
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].opts.Priority != list[j].opts.Priority {
			return list[i].opts.Priority < list[j].opts.Priority
		}
		return list[i].seq < list[j].seq
	})
	r.points[point] = list
	return e.id, nil
}

// Unregister removes a hook and reports whether it was there. A hook call
// already running finishes; no call starts after Unregister returns.
func (r *Registry) Unregister(id uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for p, list := range r.points {
		for i, e := range list {
			if e.id == id {
				r.points[p] = append(list[:i:i], list[i+1:]...)
				return true
			}
		}
	}
	return false
}

func (e *entry) info() Info {
	e.mu.Lock()
	st := [...]string{"closed", "open", "half_open"}[e.state]
	e.mu.Unlock()
	return Info{ID: e.id, Name: e.opts.Name, Point: e.point, Priority: e.opts.Priority, Language: e.opts.Language,
		Breaker: st, Calls: e.calls.Load(), Failures: e.fails.Load(), Slow: e.slowCalls.Load(), Skipped: e.skipped.Load()}
}

// List returns the hooks, optionally at one point ("" for all), in
// execution order per point.
func (r *Registry) List(point Point) []Info {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var points []Point
	for p := range r.points {
		if point == "" || p == point {
			points = append(points, p)
		}
	}
	sort.Slice(points, func(i, j int) bool { return points[i] < points[j] })
	out := []Info{}
	for _, p := range points {
		for _, e := range r.points[p] {
			out = append(out, e.info())
		}
	}
	return out
}

// Has reports whether any hook is registered at point (a cheap check for
// call sites).
func (r *Registry) Has(point Point) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.points[point]) > 0
}

// allow reports whether the breaker lets a call through now.
func (r *Registry) allow(e *entry, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch e.state {
	case open:
		if now.Before(e.openUntil) {
			return false
		}
		e.state = halfOpen
	}
	return true
}

// record updates the breaker after a call.
func (r *Registry) record(e *entry, now time.Time, failed, slow bool) {
	e.mu.Lock()
	var opened, closedAgain bool
	prune := func(ts []time.Time) []time.Time {
		cut := now.Add(-r.opts.Window)
		i := 0
		for i < len(ts) && ts[i].Before(cut) {
			i++
		}
		return ts[i:]
	}
	if failed {
		e.failures = append(prune(e.failures), now)
	}
	if slow {
		e.slow = append(prune(e.slow), now)
	}
	switch {
	case e.state == halfOpen && (failed || slow):
		e.state, e.openUntil, opened = open, now.Add(r.opts.OpenFor), true
	case e.state == halfOpen:
		e.state, e.failures, e.slow, closedAgain = closed, nil, nil, true
	case e.state == closed && (len(prune(e.failures)) >= r.opts.FailureThreshold || len(prune(e.slow)) >= r.opts.SlowThreshold):
		e.state, e.openUntil, opened = open, now.Add(r.opts.OpenFor), true
	}
	e.mu.Unlock()
	if (opened || closedAgain) && r.opts.OnBreaker != nil {
		r.opts.OnBreaker(e.info(), opened)
	}
}

// Outcome is what the hooks of one point decided.
type Outcome struct {
	// Result is the deciding result: the first that was not continue,
	// modified or skipped; Continue when every hook let the call go on.
	Result Result
	// Data is the data after every modified result.
	Data value.Value
	// Ran counts the hooks that were called.
	Ran int
}

// Run calls the hooks at hc.Point in order. Modified results change
// hc.Data and the chain goes on; cancel, replace, retry, redirect and cache
// stop it. A hook whose breaker is open is skipped.
func (r *Registry) Run(ctx context.Context, hc *Context) Outcome {
	r.mu.RLock()
	list := r.points[hc.Point]
	r.mu.RUnlock()
	out := Outcome{Result: Result{Kind: Continue}, Data: hc.Data}
	for _, e := range list {
		if e.opts.ComponentFilter != "" && e.opts.ComponentFilter != hc.Component.Type {
			continue
		}
		now := r.opts.Now()
		if !r.allow(e, now) {
			e.skipped.Add(1)
			continue
		}
		e.calls.Add(1)
		input := hc.Data
		start := time.Now()
		res, err := callSafe(ctx, e.fn, hc)
		elapsed := time.Since(start)
		if r.opts.Record != nil {
			r.opts.Record(Record{HookID: e.id, HookName: e.opts.Name, Point: hc.Point, Component: hc.Component,
				Input: input, Result: res, Err: err, Duration: elapsed, CorrelationID: hc.CorrelationID, At: start})
		}
		failed, slow := err != nil, elapsed > r.opts.SlowCall
		if failed {
			e.fails.Add(1)
		}
		if slow {
			e.slowCalls.Add(1)
		}
		r.record(e, r.opts.Now(), failed, slow)
		out.Ran++
		if failed {
			continue
		}
		switch res.Kind {
		case Continue, Skipped, "":
		case Modified:
			hc.Data = res.Data
			out.Data = res.Data
		default:
			out.Result = res
			return out
		}
	}
	return out
}

func callSafe(ctx context.Context, fn Func, hc *Context) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errs.New(errs.KindInternal, "hook panicked: %v", p)
		}
	}()
	return fn(ctx, hc)
}

// Around is the call-site helper: it runs the before point's hooks, then
// op (with their data), then the after point's hooks, and applies the
// results: cancel fails with kind cancelled; replace returns the hook's data
// without calling op; retry calls op again after the delay, up to the bound;
// cache serves op's result from the registry's cache for the TTL; a modified
// result changes op's input (before) or the returned value (after). When no
// hook is registered at either point it just calls op.
func (r *Registry) Around(ctx context.Context, before, after Point, comp Component, data value.Value,
	op func(ctx context.Context, data value.Value) (value.Value, error)) (_ value.Value, err error) {
	if !r.Has(before) && !r.Has(after) {
		if r.opts.OnOperation == nil {
			return op(ctx, data)
		}
		start := time.Now()
		res, err := op(ctx, data)
		r.opts.OnOperation(before, comp, time.Since(start), err)
		return res, err
	}
	hc := &Context{Point: before, Component: comp, Data: data}
	o := r.Run(ctx, hc)
	data = o.Data
	var result value.Value
	opStart := time.Now()
	if r.opts.OnOperation != nil {
		defer func() { r.opts.OnOperation(before, comp, time.Since(opStart), err) }()
	}
	switch o.Result.Kind {
	case Cancel:
		kind := errs.KindCancelled
		if o.Result.Denied {
			kind = errs.KindDenied
		}
		return nil, errs.New(kind, "%s", o.Result.Reason).With("point", string(before))
	case Replace:
		result = o.Result.Data
	case Cache:
		key := o.Result.CacheKey
		if key == "" {
			enc, _ := value.Encode(value.List{string(before), comp.Type, comp.Name, data})
			key = string(enc)
		}
		ttl := o.Result.TTL
		if ttl <= 0 {
			ttl = time.Minute
		}
		r.cacheMu.Lock()
		c, ok := r.cache[key]
		r.cacheMu.Unlock()
		if ok && r.opts.Now().Before(c.expires) {
			result = c.v
		} else {
			if result, err = op(ctx, data); err != nil {
				return nil, err
			}
			r.cacheMu.Lock()
			if len(r.cache) > 10000 {
				r.cache = map[string]cached{}
			}
			r.cache[key] = cached{v: result, expires: r.opts.Now().Add(ttl)}
			r.cacheMu.Unlock()
		}
	case Retry:
		attempts := o.Result.MaxAttempts
		if attempts <= 0 {
			attempts = 3
		}
		delay := o.Result.Delay
		for i := 0; i < attempts; i++ {
			if result, err = op(ctx, data); err == nil || (o.Result.Backoff > 0 && !Retryable(err)) {
				break
			}
			if i > 0 && o.Result.Backoff > 1 {
				delay = time.Duration(float64(delay) * o.Result.Backoff)
			}
			if i+1 < attempts && delay > 0 {
				t := time.NewTimer(delay)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return nil, errs.Wrap(errs.KindCancelled, ctx.Err(), "retry")
				}
			}
		}
		if err != nil {
			return nil, err
		}
	default:
		if result, err = op(ctx, data); err != nil {
			return nil, err
		}
	}
	if r.Has(after) {
		ac := &Context{Point: after, Component: comp, Data: result, Metadata: value.Map{"input": data}}
		ao := r.Run(ctx, ac)
		switch ao.Result.Kind {
		case Cancel:
			return nil, errs.New(errs.KindCancelled, "%s", ao.Result.Reason).With("point", string(after))
		case Replace:
			return ao.Result.Data, nil
		}
		result = ao.Data
	}
	return result, nil
}
