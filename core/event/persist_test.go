package event

import (
	"fmt"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
)

// waitFor polls until cond or a deadline: the journal writes on its own
// goroutine.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestJournalQueriesAndTimeline(t *testing.T) {
	bus := New(nil)
	defer bus.Close()
	store := kv.NewMemory()
	j, err := NewJournal(bus, store, &JournalOptions{Patterns: []string{"agent.*", "tool.*"}})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	start := time.Now()
	bus.Publish("agent.started", nil, &PublishOptions{CorrelationID: "r1"})
	bus.Publish("tool.called", int64(1), &PublishOptions{CorrelationID: "r1"})
	bus.Publish("other.thing", nil, &PublishOptions{CorrelationID: "r1"})
	bus.Publish("agent.done", nil, &PublishOptions{CorrelationID: "r2"})
	waitFor(t, func() bool { all, _ := j.Query(nil); return len(all) == 3 })
	tl, _ := j.Timeline("r1")
	if len(tl) != 2 || tl[0]["type"] != "agent.started" || tl[1]["type"] != "tool.called" {
		t.Fatalf("timeline %v", tl)
	}
	agents, _ := j.Query(&Query{Pattern: "agent.*"})
	if len(agents) != 2 {
		t.Fatalf("pattern query %v", agents)
	}
	if got, _ := j.Query(&Query{Since: start.Add(time.Hour)}); len(got) != 0 {
		t.Fatal("time range")
	}
	if got, _ := j.Query(&Query{Limit: 1}); len(got) != 1 {
		t.Fatal("limit")
	}
	if _, err := j.Timeline(""); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatal("empty correlation id")
	}
	if _, err := j.Query(&Query{Pattern: "a..b"}); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatal("bad pattern")
	}
}

func TestJournalPrunesByCountAndAge(t *testing.T) {
	bus := New(nil)
	defer bus.Close()
	store := kv.NewMemory()
	now := time.Now()
	j, _ := NewJournal(bus, store, &JournalOptions{MaxCount: 5, TTL: time.Hour, Now: func() time.Time { return now }})
	defer j.Close()
	for i := 0; i < 8; i++ {
		bus.Publish(fmt.Sprintf("e.%d", i), nil, &PublishOptions{CorrelationID: "c"})
	}
	waitFor(t, func() bool { all, _ := j.Query(nil); return len(all) == 8 })
	if n := j.Prune(); n != 3 {
		t.Fatalf("pruned %d, want 3", n)
	}
	all, _ := j.Query(nil)
	if len(all) != 5 || all[0]["type"] != "e.3" {
		t.Fatalf("kept %v", all)
	}
	if tl, _ := j.Timeline("c"); len(tl) != 5 {
		t.Fatalf("correlation index not pruned with its events: %d", len(tl))
	}
	now = now.Add(2 * time.Hour)
	if n := j.Prune(); n != 5 {
		t.Fatalf("TTL pruned %d", n)
	}
}
