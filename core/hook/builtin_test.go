package hook

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

func TestLoggingAndMetrics(t *testing.T) {
	var buf bytes.Buffer
	m := NewMetrics()
	r := New(&Options{OnOperation: m.Observe})
	r.Register(BeforeToolExecution, Logging(slog.New(slog.NewTextHandler(&buf, nil)), slog.LevelInfo), nil)
	r.Register(BeforeToolExecution, m.Hook, nil)
	op := func(_ context.Context, d value.Value) (value.Value, error) {
		time.Sleep(2 * time.Millisecond)
		return d, nil
	}
	for i := 0; i < 3; i++ {
		r.Around(ctx, BeforeToolExecution, AfterToolExecution, Component{Type: "tool", Name: "calc"}, nil, op)
	}
	if !strings.Contains(buf.String(), "point=BeforeToolExecution") || !strings.Contains(buf.String(), "tool:calc") {
		t.Fatalf("log: %s", buf.String())
	}
	snap := m.Snapshot()
	if snap["counts"].(value.Map)["BeforeToolExecution"] != int64(3) {
		t.Fatalf("counts %v", snap)
	}
	lat := snap["latency"].(value.Map)["BeforeToolExecution"].(value.Map)
	if lat["count"] != int64(3) || lat["mean_ms"].(float64) < 1 {
		t.Fatalf("latency %v", lat)
	}
}

func TestRateLimitTokenBucket(t *testing.T) {
	now := time.Unix(0, 0)
	rl := NewRateLimit(2, 2, func() time.Time { return now })
	r := New(nil)
	r.Register(BeforeModelCall, rl.Hook, nil)
	call := func() error {
		_, err := r.Around(ctx, BeforeModelCall, "", Component{Type: "agent", Name: "a"}, nil,
			func(context.Context, value.Value) (value.Value, error) { return nil, nil })
		return err
	}
	for i := 0; i < 2; i++ {
		if err := call(); err != nil {
			t.Fatalf("burst call %d refused: %v", i, err)
		}
	}
	if err := call(); !errs.IsKind(err, errs.KindCancelled) || !strings.Contains(err.Error(), "rate limit") {
		t.Fatalf("third call: %v", err)
	}
	now = now.Add(500 * time.Millisecond) // one token back at 2/s
	if call() != nil {
		t.Fatal("token not refilled")
	}
	// Another component has its own bucket.
	if _, err := r.Around(ctx, BeforeModelCall, "", Component{Type: "agent", Name: "b"}, nil,
		func(context.Context, value.Value) (value.Value, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
}

func TestRetryHookRetriesOnlyRetryableWithBackoff(t *testing.T) {
	r := New(nil)
	r.Register(BeforeToolExecution, RetryHook(3, 2*time.Millisecond), nil)
	n := 0
	start := time.Now()
	_, err := r.Around(ctx, BeforeToolExecution, "", Component{}, nil, func(context.Context, value.Value) (value.Value, error) {
		n++
		return nil, errs.New(errs.KindTimeout, "slow")
	})
	if n != 3 || !errs.IsKind(err, errs.KindTimeout) || time.Since(start) < 5*time.Millisecond {
		t.Fatalf("retryable: %d attempts, %v, %v", n, err, time.Since(start))
	}
	n = 0
	r.Around(ctx, BeforeToolExecution, "", Component{}, nil, func(context.Context, value.Value) (value.Value, error) {
		n++
		return nil, errs.New(errs.KindInvalidArgument, "bad input")
	})
	if n != 1 {
		t.Fatalf("non-retryable error retried %d times", n)
	}
}

func TestCostTrackerAndCaching(t *testing.T) {
	c := NewCostTracker(map[string]Price{"openai/gpt-4o-mini": {InputPerMillion: 0.15, OutputPerMillion: 0.6}})
	r := New(nil)
	r.Register(AfterModelCall, c.Hook, nil)
	for i := 0; i < 2; i++ {
		r.Run(ctx, &Context{Point: AfterModelCall, Data: value.Map{"model": "openai/gpt-4o-mini",
			"usage": value.Map{"input_tokens": int64(1000000), "output_tokens": int64(500000)}}})
	}
	tot := c.Totals()
	if got := tot["total_cost"].(float64); got < 0.899 || got > 0.901 { // 2M in at 0.15 + 1M out at 0.6
		t.Fatalf("cost %v", tot)
	}
	r.Register(BeforeToolExecution, Caching(time.Minute), nil)
	calls := 0
	for i := 0; i < 3; i++ {
		r.Around(ctx, BeforeToolExecution, "", Component{Type: "tool", Name: "x"}, "same input",
			func(context.Context, value.Value) (value.Value, error) { calls++; return "r", nil })
	}
	if calls != 1 {
		t.Fatalf("cached op ran %d times", calls)
	}
}

func TestSecurityDeniesAndReports(t *testing.T) {
	var records []Record
	r := New(&Options{Record: func(rec Record) { records = append(records, rec) }})
	var violations []string
	r.Register(BeforeToolExecution, Security(DenyComponents("tool:process_executor"), func(_ context.Context, hc *Context, reason string) {
		violations = append(violations, reason)
	}), &RegisterOptions{Name: "security"})
	_, err := r.Around(ctx, BeforeToolExecution, "", Component{Type: "tool", Name: "process_executor"}, nil,
		func(context.Context, value.Value) (value.Value, error) { t.Fatal("denied op ran"); return nil, nil })
	if !errs.IsKind(err, errs.KindDenied) || len(violations) != 1 {
		t.Fatalf("deny: %v %v", err, violations)
	}
	if _, err := r.Around(ctx, BeforeToolExecution, "", Component{Type: "tool", Name: "calculator"}, nil,
		func(context.Context, value.Value) (value.Value, error) { return "ok", nil }); err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 || records[0].HookName != "security" || records[0].Result.Kind != Cancel || records[1].Result.Kind != Continue {
		t.Fatalf("records %+v", records)
	}
	if m := records[0].Map(); m["point"] != "BeforeToolExecution" || m["result"] != "cancel" {
		t.Fatalf("record map %v", m)
	}
}
