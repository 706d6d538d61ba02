package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/agent"
	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/session"
	"github.com/llmspell/llmspell-go/internal/testmodels"
)

// TestAgentOnLocalModelRunsToolLoop drives the whole agent stack offline:
// the real stories260K model, constrained to a valid tool call, the real
// tools, the answer after the results, memory saved on pebble and loaded
// by a second engine on the same folder.
func TestAgentOnLocalModelRunsToolLoop(t *testing.T) {
	models := testmodels.Dir(t)
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Storage.DataDir = dir
	cfg.Models.Dir = models
	e, err := New(&Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	temp := 0.0
	a, err := e.Agents().Create(ctx, agent.Config{Name: "teller", Tools: []string{"uuid_generator", "calculator"},
		Temperature: &temp, MaxTokens: 24})
	if err != nil {
		t.Fatal(err)
	}
	var deltas []string
	res, err := a.Stream(ctx, agent.Input{Text: "Once upon a time"}, func(d provider.Delta) error {
		if d.Text != "" {
			deltas = append(deltas, d.Text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.ToolCalls) == 0 {
		t.Fatalf("no tool call: %+v", res)
	}
	for _, c := range res.ToolCalls {
		if c.Name != "uuid_generator" && c.Name != "calculator" {
			t.Fatalf("tool %q was not offered", c.Name)
		}
	}
	if res.Text == "" || len(deltas) < 2 || strings.Join(deltas, "") != res.Text {
		t.Fatalf("text %q from %d deltas", res.Text, len(deltas))
	}
	if res.Usage.InputTokens == 0 || res.Usage.OutputTokens == 0 || res.Provider != "local" {
		t.Fatalf("usage %+v provider %q", res.Usage, res.Provider)
	}
	if err := a.SaveState(ctx); err != nil {
		t.Fatal(err)
	}
	n := len(a.History())
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e2, err := New(&Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	b, err := e2.Agents().Create(ctx, agent.Config{Name: "teller"})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := b.LoadState(ctx); !ok || err != nil || len(b.History()) != n {
		t.Fatalf("reloaded %v %v: %d messages, want %d", ok, err, len(b.History()), n)
	}
}

// TestReplayOfAgentTurnOnLocalModel records an agent turn (with its tool
// call as a part) in the current session and replays it: at temperature 0
// the real model answers the same, so the step matches.
func TestReplayOfAgentTurnOnLocalModel(t *testing.T) {
	cfg := config.Default()
	cfg.Storage.DataDir = t.TempDir()
	cfg.Models.Dir = testmodels.Dir(t)
	e, err := New(&Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	zero := 0.0
	// No memory, so the replayed turn sees the same prompt; a tool whose
	// answer depends only on its arguments, so it sees the same result.
	a, err := e.Agents().Create(ctx, agent.Config{Name: "r", Tools: []string{"calculator"}, Temperature: &zero,
		MaxTokens: 16, MaxConversationLength: -1})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := e.Sessions().Create(ctx, session.CreateOptions{Name: "rep"})
	if err != nil {
		t.Fatal(err)
	}
	sid := sess.ID
	if err := e.Sessions().SetCurrent(ctx, sid); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Execute(ctx, agent.Input{Text: "Once upon a time"}); err != nil {
		t.Fatal(err)
	}
	e.Sessions().SetCurrent(ctx, "")
	hist, err := e.Sessions().History(ctx, sid)
	if err != nil || len(hist) != 2 || hist[0]["parent"] != "agent:r" || hist[1]["kind"] != "agent" {
		t.Fatalf("history %v %v", hist, err)
	}
	rep, err := e.Replay(ctx, sid, ReplayOptions{To: -1})
	if err != nil {
		t.Fatal(err)
	}
	if rep["replayed"] != int64(1) || rep["matched"] != int64(1) {
		t.Fatalf("replay %v", rep)
	}
}
