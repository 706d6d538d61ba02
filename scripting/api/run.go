package api

import (
	"context"
	"strings"
	"sync"

	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/event"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
)

// Run is the state of one script run that API functions may touch.
type Run struct {
	// Ctx is cancelled when the run times out, is cancelled, or exceeds its
	// output bound; context.Cause(Ctx) is then an *errs.Error saying which.
	Ctx    context.Context
	Engine *engine.Engine
	// Args is the ARGS global (a Map or a List; nil means an empty map).
	Args value.Value
	// Output receives print output, bounded by MaxOutput.
	Output *Output
	// Cancel stops the run with the given cause.
	Cancel context.CancelCauseFunc
	// Tx is the state transaction in progress (inside State.transaction),
	// which State writes join; nil outside one.
	Tx *state.Tx

	handlers []*scriptHandler      // Event.subscribe with a function
	owned    []*event.Subscription // every subscription this run made
	hooks    []uint64              // Hook.register ids, removed when the run ends
	tools    []string              // Tool.register names, removed when the run ends
	// workflows holding this run's script functions, removed when it ends
	workflows []string
	mailbox   chan func() // calls posted by other goroutines, served by Pump
	pumping   bool
}

type runKey struct{}

// Bind records the run in its context, so hook calls made from the run's
// own goroutine are recognized. The host calls it once, before the script
// starts.
func (r *Run) Bind() { r.Ctx = context.WithValue(r.Ctx, runKey{}, r) }

// isOwnCall reports whether ctx comes from this run (so the caller is on the
// run's goroutine, inside one of its API calls).
func (r *Run) isOwnCall(ctx context.Context) bool {
	own, _ := ctx.Value(runKey{}).(*Run)
	return own == r
}

// Output is a bounded sink for print output. When a write would pass the
// bound, it fails with limit_exceeded and cancels the run so the script
// cannot swallow the error and keep printing. Safe for concurrent use.
type Output struct {
	mu     sync.Mutex
	buf    []byte
	max    int64
	n      int64
	sink   interface{ Write([]byte) (int, error) }
	cancel context.CancelCauseFunc
}

// NewOutput returns an output bounded to max bytes. With sink nil the text
// is kept in memory (Bytes); otherwise it is written through to sink.
func NewOutput(max int64, sink interface{ Write([]byte) (int, error) }, cancel context.CancelCauseFunc) *Output {
	return &Output{max: max, sink: sink, cancel: cancel}
}

// WriteString appends s, or fails with limit_exceeded past the bound.
func (o *Output) WriteString(s string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n+int64(len(s)) > o.max {
		err := errs.New(errs.KindLimit, "output exceeded max_output_bytes (%d bytes)", o.max)
		if o.cancel != nil {
			o.cancel(err)
		}
		return err
	}
	o.n += int64(len(s))
	if o.sink != nil {
		if _, err := o.sink.Write([]byte(s)); err != nil {
			return errs.Wrap(errs.KindInternal, err, "write output")
		}
		return nil
	}
	o.buf = append(o.buf, s...)
	return nil
}

// Bytes returns the captured text (empty when written through to a sink).
func (o *Output) Bytes() []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf
}

// Print writes parts joined by sep and a newline: the one implementation of
// print, whose separator follows each language's habit.
func (r *Run) Print(parts []string, sep string) error {
	return r.Output.WriteString(strings.Join(parts, sep) + "\n")
}

// Stopped returns the reason the run's context ended as a kinded error, or
// nil while it is still live.
func (r *Run) Stopped() error {
	if r.Ctx.Err() == nil {
		return nil
	}
	if cause := context.Cause(r.Ctx); cause != nil {
		if e, ok := cause.(*errs.Error); ok {
			return e
		}
		if r.Ctx.Err() == context.DeadlineExceeded {
			return errs.New(errs.KindTimeout, "run deadline exceeded")
		}
	}
	return errs.New(errs.KindCancelled, "run cancelled")
}
