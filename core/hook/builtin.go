package hook

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// Built-in hooks. Each is a Func (or a small type with a Func method) to
// register at the points it suits; the engine registers those its config
// turns on ([hooks] in docs/config.md).

// Logging returns a hook that logs every call of its points at the given
// level and lets the operation go on.
func Logging(logger *slog.Logger, level slog.Level) Func {
	return func(ctx context.Context, hc *Context) (Result, error) {
		logger.Log(ctx, level, "hook point", slog.String("point", string(hc.Point)),
			slog.String("component", hc.Component.Type+":"+hc.Component.Name),
			slog.String("correlation_id", hc.CorrelationID))
		return Result{Kind: Continue}, nil
	}
}

// histogramBounds are the upper bounds (ms) of the latency buckets.
var histogramBounds = []float64{0.1, 0.5, 1, 5, 10, 50, 100, 500, 1000, 5000}

// Metrics counts the calls of each point it is registered at, and records
// operation latency per point when used as the registry's operation
// observer (Options.OnOperation). Safe for concurrent use.
type Metrics struct {
	mu      sync.Mutex
	counts  map[Point]int64
	buckets map[Point][]int64 // len(histogramBounds)+1, the last is overflow
	total   map[Point]time.Duration
	errors  map[Point]int64
}

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	return &Metrics{counts: map[Point]int64{}, buckets: map[Point][]int64{}, total: map[Point]time.Duration{}, errors: map[Point]int64{}}
}

// Hook counts a point's calls.
func (m *Metrics) Hook(_ context.Context, hc *Context) (Result, error) {
	m.mu.Lock()
	m.counts[hc.Point]++
	m.mu.Unlock()
	return Result{Kind: Continue}, nil
}

// Observe records one operation's latency under its before point.
func (m *Metrics) Observe(point Point, _ Component, d time.Duration, err error) {
	ms := float64(d.Microseconds()) / 1000
	i := sort.SearchFloat64s(histogramBounds, ms)
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[point]
	if b == nil {
		b = make([]int64, len(histogramBounds)+1)
		m.buckets[point] = b
	}
	b[i]++
	m.total[point] += d
	if err != nil {
		m.errors[point]++
	}
}

// Snapshot returns {counts: {point: n}, latency: {point: {count, mean_ms,
// errors, buckets: [{le_ms, count}]}}}.
func (m *Metrics) Snapshot() value.Map {
	m.mu.Lock()
	defer m.mu.Unlock()
	counts := value.Map{}
	for p, n := range m.counts {
		counts[string(p)] = n
	}
	lat := value.Map{}
	for p, b := range m.buckets {
		var n int64
		list := value.List{}
		for i, c := range b {
			n += c
			le := value.Value("inf")
			if i < len(histogramBounds) {
				le = histogramBounds[i]
			}
			list = append(list, value.Map{"le_ms": le, "count": c})
		}
		mean := 0.0
		if n > 0 {
			mean = float64(m.total[p].Microseconds()) / 1000 / float64(n)
		}
		lat[string(p)] = value.Map{"count": n, "mean_ms": mean, "errors": m.errors[p], "buckets": list}
	}
	return value.Map{"counts": counts, "latency": lat}
}

// Caching returns a hook that asks Around to serve an operation's result
// from the registry cache for ttl.
func Caching(ttl time.Duration) Func {
	return func(context.Context, *Context) (Result, error) {
		return Result{Kind: Cache, TTL: ttl}, nil
	}
}

// RateLimit is a token bucket per component: rate tokens per second, up to
// burst. A call without a token is cancelled.
type RateLimit struct {
	rate, burst float64
	now         func() time.Time
	mu          sync.Mutex
	buckets     map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewRateLimit returns a limiter; now may be nil (time.Now).
func NewRateLimit(rate float64, burst int, now func() time.Time) *RateLimit {
	if now == nil {
		now = time.Now
	}
	if burst < 1 {
		burst = 1
	}
	return &RateLimit{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// Hook takes a token for the component, or cancels.
func (r *RateLimit) Hook(_ context.Context, hc *Context) (Result, error) {
	key := hc.Component.Type + ":" + hc.Component.Name
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.buckets[key]
	if b == nil {
		b = &bucket{tokens: r.burst, last: now}
		r.buckets[key] = b
	}
	b.tokens = min(r.burst, b.tokens+now.Sub(b.last).Seconds()*r.rate)
	b.last = now
	if b.tokens < 1 {
		return Result{Kind: Cancel, Reason: "rate limit exceeded for " + key}, nil
	}
	b.tokens--
	return Result{Kind: Continue}, nil
}

// RetryHook returns a hook that asks Around to retry a failing operation up to
// attempts times, waiting delay and doubling it each time; only retryable
// errors (timeout, provider, tool, storage) are retried.
func RetryHook(attempts int, delay time.Duration) Func {
	return func(context.Context, *Context) (Result, error) {
		return Result{Kind: Retry, MaxAttempts: attempts, Delay: delay, Backoff: 2}, nil
	}
}

// Retryable reports whether an error kind is worth retrying.
func Retryable(err error) bool {
	switch errs.KindOf(err) {
	case errs.KindTimeout, errs.KindProvider, errs.KindTool, errs.KindStorage:
		return true
	}
	return false
}

// Price is a model's price per million tokens.
type Price struct{ InputPerMillion, OutputPerMillion float64 }

// CostTracker adds up token usage times a per-model price table, from
// AfterModelCall data {model, usage: {input_tokens, output_tokens}}.
type CostTracker struct {
	prices map[string]Price
	mu     sync.Mutex
	cost   map[string]float64
	tokens map[string][2]int64
}

// NewCostTracker returns a tracker over a price table keyed by model
// ("openai/gpt-4o-mini"); unknown models count tokens at no cost.
func NewCostTracker(prices map[string]Price) *CostTracker {
	return &CostTracker{prices: prices, cost: map[string]float64{}, tokens: map[string][2]int64{}}
}

// Hook records one model call's usage.
func (c *CostTracker) Hook(_ context.Context, hc *Context) (Result, error) {
	d, _ := hc.Data.(value.Map)
	model, _ := d["model"].(string)
	usage, _ := d["usage"].(value.Map)
	in, _ := usage["input_tokens"].(int64)
	out, _ := usage["output_tokens"].(int64)
	p := c.prices[model]
	c.mu.Lock()
	c.cost[model] += float64(in)*p.InputPerMillion/1e6 + float64(out)*p.OutputPerMillion/1e6
	t := c.tokens[model]
	c.tokens[model] = [2]int64{t[0] + in, t[1] + out}
	c.mu.Unlock()
	return Result{Kind: Continue}, nil
}

// Totals returns {total_cost, models: {model: {cost, input_tokens,
// output_tokens}}}.
func (c *CostTracker) Totals() value.Map {
	c.mu.Lock()
	defer c.mu.Unlock()
	models := value.Map{}
	total := 0.0
	for m, cost := range c.cost {
		total += cost
		models[m] = value.Map{"cost": cost, "input_tokens": c.tokens[m][0], "output_tokens": c.tokens[m][1]}
	}
	return value.Map{"total_cost": total, "models": models}
}

// SecurityPolicy decides whether a hook context is allowed; a non-empty
// reason denies it.
type SecurityPolicy func(hc *Context) (reason string)

// DenyComponents is a policy denying the listed "type:name" components
// ("tool:process_executor") or whole types ("tool:*" or "tool").
func DenyComponents(list ...string) SecurityPolicy {
	return func(hc *Context) string {
		for _, d := range list {
			t, n, ok := strings.Cut(d, ":")
			if !ok {
				n = "*" // a bare type denies the whole type
			}
			if t == hc.Component.Type && (n == "*" || n == hc.Component.Name) {
				return "denied by policy: " + d
			}
		}
		return ""
	}
}

// Security returns a hook that cancels what policy denies with kind denied
// and reports it through violation (which the engine turns into the
// SecurityViolation hook point and a security.violation event).
func Security(policy SecurityPolicy, violation func(ctx context.Context, hc *Context, reason string)) Func {
	return func(ctx context.Context, hc *Context) (Result, error) {
		reason := policy(hc)
		if reason == "" {
			return Result{Kind: Continue}, nil
		}
		if violation != nil {
			violation(ctx, hc, reason)
		}
		return Result{Kind: Cancel, Reason: reason, Denied: true}, nil
	}
}
