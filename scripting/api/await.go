package api

import (
	"context"
	"fmt"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// await runs a long operation that may call back into this script (its
// hooks, its script-defined tools, a stream callback) from any goroutine.
// op runs on a worker goroutine with a context that is not the run's own,
// so those callbacks are posted to the mailbox; meanwhile the run's
// goroutine serves the mailbox and hands each value op emits to onEmit.
// That keeps every call into the script runtime on its owner goroutine,
// even when op runs tools in parallel. One worker per API call, never per
// event.
func (r *Run) await(ctx context.Context, op func(ctx context.Context, emit func(value.Value) error) (value.Value, error),
	onEmit func(value.Value) error) (value.Value, error) {
	r.ensureMailbox()
	type answer struct {
		v   value.Value
		err error
	}
	done := make(chan answer, 1)
	emits := make(chan value.Value)
	emitErr := make(chan error)
	workCtx, cancel := context.WithCancelCause(context.WithValue(ctx, runKey{}, (*Run)(nil)))
	defer cancel(nil)
	emit := func(v value.Value) error {
		select {
		case emits <- v:
		case <-workCtx.Done():
			return errs.Wrap(errs.KindCancelled, context.Cause(workCtx), "stream")
		}
		select {
		case err := <-emitErr:
			return err
		case <-workCtx.Done():
			return errs.Wrap(errs.KindCancelled, context.Cause(workCtx), "stream")
		}
	}
	go func() {
		var a answer
		defer func() {
			if p := recover(); p != nil {
				a = answer{err: errs.New(errs.KindInternal, "panic: %v", fmt.Sprint(p))}
			}
			done <- a
		}()
		a.v, a.err = op(workCtx, emit)
	}()
	for {
		select {
		case a := <-done:
			return a.v, a.err
		case call := <-r.mailbox:
			call()
		case v := <-emits:
			var err error
			if onEmit != nil {
				err = onEmit(v)
			}
			emitErr <- err
		case <-r.Ctx.Done():
			// The run ended (timeout, cancel): stop the worker and wait for
			// it, so nothing it started outlives the call.
			cancel(context.Cause(r.Ctx))
			a := <-done
			if stop := r.Stopped(); stop != nil {
				return nil, stop
			}
			return a.v, a.err
		}
	}
}
