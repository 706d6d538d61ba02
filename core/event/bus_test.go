package event

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

var ctx = context.Background()

func TestPatternMatching(t *testing.T) {
	cases := []struct {
		pattern string
		match   []string
		miss    []string
	}{
		{"*", []string{"a", "agent.execution.started"}, nil},
		{"agent.execution.started", []string{"agent.execution.started"}, []string{"agent.execution", "agent.execution.started.x"}},
		{"agent.*", []string{"agent.x", "agent.execution.started"}, []string{"agent", "agents.x", "tool.agent.x"}},
		{"*.error", []string{"tool.error", "tool.execution.error"}, []string{"error", "tool.error.x"}},
		{"agent.*.started", []string{"agent.x.started", "agent.x.y.started"}, []string{"agent.started", "agent.x.done"}},
		{"tool_*", []string{"tool_run", "tool_.x"}, []string{"tool", "tools"}},
		{"state.write", []string{"state.write"}, []string{"state.writes"}},
	}
	for _, c := range cases {
		b := New(nil)
		s, err := b.Subscribe(c.pattern, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range c.match {
			b.Publish(typ, nil, nil)
			if _, ok, _ := s.Receive(ctx, 0); !ok {
				t.Errorf("%q should match %q", c.pattern, typ)
			}
		}
		for _, typ := range c.miss {
			b.Publish(typ, nil, nil)
			if ev, ok, _ := s.Receive(ctx, 0); ok {
				t.Errorf("%q should not match %q", c.pattern, ev.Type)
			}
		}
		b.Close()
	}
}

func TestBadInput(t *testing.T) {
	b := New(nil)
	defer b.Close()
	for _, p := range []string{"", "a..b", ".a", "a b"} {
		if _, err := b.Subscribe(p, nil); !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Errorf("pattern %q: %v", p, err)
		}
	}
	for _, typ := range []string{"", "a.*", "a..b", "a\nb"} {
		if _, err := b.Publish(typ, nil, nil); !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Errorf("type %q: %v", typ, err)
		}
	}
	if _, err := b.Subscribe("x", &SubscribeOptions{BufferSize: 1 << 30}); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Error("huge buffer accepted")
	}
	if _, err := ParsePolicy("sometimes"); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Error("bad policy accepted")
	}
}

func TestEventFieldsAndSequence(t *testing.T) {
	b := New(nil)
	defer b.Close()
	s, _ := b.Subscribe("*", nil)
	var last uint64
	for i := 0; i < 5; i++ {
		ev, err := b.Publish("x.y", value.Map{"i": int64(i)}, &PublishOptions{CorrelationID: "c1", Source: "test", Tags: []string{"t"}})
		if err != nil || ev.Sequence <= last {
			t.Fatalf("sequence %d after %d: %v", ev.Sequence, last, err)
		}
		last = ev.Sequence
	}
	ev, ok, _ := s.Receive(ctx, 0)
	m := ev.Map()
	if !ok || m["correlation_id"] != "c1" || m["source"] != "test" || m["type"] != "x.y" || m["id"] == "" {
		t.Fatalf("event %v", m)
	}
	if !value.Equal(ev.Data, value.Map{"i": int64(0)}) {
		t.Fatal("order")
	}
}

func TestReceiveTimeoutAndWakeup(t *testing.T) {
	b := New(nil)
	defer b.Close()
	s, _ := b.Subscribe("a", nil)
	start := time.Now()
	if _, ok, err := s.Receive(ctx, 50*time.Millisecond); ok || err != nil || time.Since(start) < 40*time.Millisecond {
		t.Fatalf("timeout: %v %v %v", ok, err, time.Since(start))
	}
	go func() { time.Sleep(20 * time.Millisecond); b.Publish("a", "hi", nil) }()
	ev, ok, _ := s.Receive(ctx, 2*time.Second)
	if !ok || ev.Data != "hi" {
		t.Fatal("wake-up on publish")
	}
	b.Unsubscribe(s.ID())
	if _, _, err := s.Receive(ctx, 10*time.Millisecond); !errs.IsKind(err, errs.KindClosed) {
		t.Fatalf("after unsubscribe: %v", err)
	}
}

func TestPolicies(t *testing.T) {
	b := New(nil)
	defer b.Close()
	oldest, _ := b.Subscribe("p", &SubscribeOptions{BufferSize: 2, Policy: DropOldest})
	newest, _ := b.Subscribe("p", &SubscribeOptions{BufferSize: 2, Policy: DropNewest})
	reject, _ := b.Subscribe("p", &SubscribeOptions{BufferSize: 2, Policy: Reject})
	block, _ := b.Subscribe("p", &SubscribeOptions{BufferSize: 2, Policy: Block, BlockTimeout: 30 * time.Millisecond})
	var errCount int
	start := time.Now()
	for i := int64(1); i <= 4; i++ {
		if _, err := b.Publish("p", i, nil); err != nil {
			if !errs.IsKind(err, errs.KindLimit) {
				t.Fatal(err)
			}
			errCount++
		}
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 2*time.Second {
		t.Fatalf("block policy waited %v for two full publishes", d)
	}
	read := func(s *Subscription) []any {
		var out []any
		for {
			ev, ok, _ := s.Receive(ctx, 0)
			if !ok {
				return out
			}
			out = append(out, ev.Data)
		}
	}
	if got := fmt.Sprint(read(oldest)); got != "[3 4]" {
		t.Errorf("drop_oldest kept %s", got)
	}
	if got := fmt.Sprint(read(newest)); got != "[1 2]" {
		t.Errorf("drop_newest kept %s", got)
	}
	if got := fmt.Sprint(read(reject)); got != "[1 2]" || errCount != 2 {
		t.Errorf("reject kept %s with %d errors", got, errCount)
	}
	if got := fmt.Sprint(read(block)); got != "[1 2]" {
		t.Errorf("block kept %s", got)
	}
	st := b.Stats()
	byID := map[uint64]SubscriptionStats{}
	for _, s := range st.Subscriptions {
		byID[s.ID] = s
	}
	if byID[oldest.ID()].Dropped != 2 || byID[newest.ID()].Dropped != 2 || byID[reject.ID()].Rejected != 2 || byID[block.ID()].Dropped != 2 || st.Published != 4 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBlockPublisherResumesWhenReaderDrains(t *testing.T) {
	b := New(nil)
	defer b.Close()
	s, _ := b.Subscribe("q", &SubscribeOptions{BufferSize: 1, Policy: Block, BlockTimeout: 5 * time.Second})
	b.Publish("q", 1, nil)
	go func() { time.Sleep(30 * time.Millisecond); s.Receive(ctx, 0) }()
	start := time.Now()
	b.Publish("q", 2, nil)
	if d := time.Since(start); d < 20*time.Millisecond || d > 2*time.Second {
		t.Fatalf("publisher resumed after %v", d)
	}
	if ev, ok, _ := s.Receive(ctx, 0); !ok || ev.Data != int64(2) {
		t.Fatalf("blocked event lost: %v %v %+v", ev, ok, b.Stats().Subscriptions)
	}
}

func TestHandlersInOrderAndSlowHandlerIsolated(t *testing.T) {
	b := New(nil)
	before := runtime.NumGoroutine()
	var got []int64
	var mu sync.Mutex
	done := make(chan struct{})
	fast, _ := b.Subscribe("h.*", &SubscribeOptions{Handler: func(ev Event) {
		mu.Lock()
		got = append(got, ev.Data.(int64))
		if len(got) == 100 {
			close(done)
		}
		mu.Unlock()
	}})
	release := make(chan struct{})
	b.Subscribe("h.*", &SubscribeOptions{BufferSize: 4, Handler: func(Event) { <-release }})
	b.Subscribe("h.panics", &SubscribeOptions{Handler: func(Event) { panic("handler bug") }})
	start := time.Now()
	for i := int64(0); i < 100; i++ {
		if _, err := b.Publish("h.x", i, nil); err != nil {
			t.Fatal(err)
		}
	}
	b.Publish("h.panics", nil, nil)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("a stuck handler slowed the publisher: %v", d)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("fast handler starved by the slow one")
	}
	for i, v := range got {
		if v != int64(i) {
			t.Fatalf("out of order at %d: %v", i, got[:i+1])
		}
	}
	if _, _, err := fast.Receive(ctx, 0); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatalf("receive on a handler subscription: %v", err)
	}
	close(release)
	b.Close()
	time.Sleep(20 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("goroutines leaked: %d -> %d", before, after)
	}
	if _, err := b.Publish("h.x", nil, nil); !errs.IsKind(err, errs.KindClosed) {
		t.Fatalf("publish after close: %v", err)
	}
}

func TestConcurrentPublishSubscribe(t *testing.T) {
	b := New(nil)
	defer b.Close()
	var received atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				s, _ := b.Subscribe(fmt.Sprintf("c.%d.*", g), &SubscribeOptions{Handler: func(Event) { received.Add(1) }})
				b.Publish(fmt.Sprintf("c.%d.x", g), nil, nil)
				b.Unsubscribe(s.ID())
			}
		}()
	}
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				b.Publish("c.any.y", nil, nil)
			}
		}()
	}
	wg.Wait()
	if b.Stats().Published != 4*50+4*200 {
		t.Fatal("published count")
	}
}

func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("subscribers-%d", n), func(b *testing.B) {
			bus := New(nil)
			defer bus.Close()
			for i := 0; i < n; i++ {
				// Patterns of each kind; drop_oldest keeps buffers bounded.
				p := []string{"agent.*", "*", "agent.execution.started", "*.started", "agent*"}[i%5]
				bus.Subscribe(p, &SubscribeOptions{BufferSize: 64})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				bus.Publish("agent.execution.started", nil, nil)
			}
		})
	}
}

func TestActive(t *testing.T) {
	b := New(nil)
	if b.Active("agent.started") {
		t.Fatal("active with no subscription")
	}
	sub, err := b.Subscribe("agent.*", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Active("agent.started") || b.Active("tool.started") {
		t.Fatal("pattern not honoured")
	}
	b.Unsubscribe(sub.ID())
	if b.Active("agent.started") {
		t.Fatal("still active after unsubscribe")
	}
	want := false
	h := New(&Options{Hooks: Hooks{Wanted: func(string) bool { return want }}})
	if h.Active("x") {
		t.Fatal("hook not asked")
	}
	want = true
	if !h.Active("x") {
		t.Fatal("a wanting hook makes it active")
	}
	b.Close()
	if b.Active("agent.started") {
		t.Fatal("active after close")
	}
}
