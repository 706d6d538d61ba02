package api

import (
	"context"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/hook"
	"github.com/llmspell/llmspell-go/core/value"
)

// crossCallTimeout bounds how long a hook fired from another goroutine
// waits for the run to reach a safe point and answer.
const crossCallTimeout = 5 * time.Second

// serve calls fn on the run's goroutine: directly when ctx comes from one
// of the run's own API calls, otherwise posted to the run's mailbox and
// served at its next safe point (an API call, a sleep, an Event.receive),
// because a script runtime is only ever used by its own goroutine.
func (r *Run) serve(ctx context.Context, what string, fn func() (value.Value, error)) (value.Value, error) {
	if r.isOwnCall(ctx) {
		return fn()
	}
	type answer struct {
		v   value.Value
		err error
	}
	done := make(chan answer, 1)
	t := time.NewTimer(crossCallTimeout)
	defer t.Stop()
	select {
	case r.mailbox <- func() { v, err := fn(); done <- answer{v, err} }:
	case <-t.C:
		return nil, errs.New(errs.KindTimeout, "%s: the script did not reach a safe point in time", what)
	case <-r.Ctx.Done():
		return nil, errs.New(errs.KindCancelled, "%s: its script run has ended", what)
	case <-ctx.Done():
		return nil, errs.Wrap(errs.KindCancelled, ctx.Err(), "%s", what)
	}
	select {
	case a := <-done:
		return a.v, a.err
	case <-t.C:
		return nil, errs.New(errs.KindTimeout, "%s: no answer in time", what)
	case <-r.Ctx.Done():
		return nil, errs.New(errs.KindCancelled, "%s: its script run has ended", what)
	case <-ctx.Done():
		return nil, errs.Wrap(errs.KindCancelled, ctx.Err(), "%s", what)
	}
}

// ensureMailbox makes the run able to serve calls from other goroutines.
func (r *Run) ensureMailbox() {
	if r.mailbox == nil {
		r.mailbox = make(chan func(), 64)
	}
}

// scriptHook adapts a script function to a hook.Func, called on the run's
// goroutine (see serve).
func (r *Run) scriptHook(fn Callable) hook.Func {
	return func(ctx context.Context, hc *hook.Context) (hook.Result, error) {
		v, err := r.serve(ctx, "script hook", func() (value.Value, error) { return fn.Call(hc.Map()) })
		if err != nil {
			return hook.Result{}, err
		}
		return hook.ParseResult(v)
	}
}

func hookID(c *Call, i int) (uint64, error) {
	switch h := c.Arg(i).(type) {
	case int64:
		return uint64(h), nil
	case float64:
		return uint64(h), nil
	case value.Map: // a handle: its id() method gives the id
		if f, ok := h["id"].(Callable); ok {
			if v, err := f.Call(); err == nil {
				if id, ok := v.(int64); ok {
					return uint64(id), nil
				}
			}
		}
	}
	return 0, c.ArgError(i, "handle", "a hook handle or id")
}

func hookModule() Module {
	return Module{Name: "Hook", Functions: []Function{
		fn("register", func(c *Call) (value.Value, error) {
			ps, err := c.String(0, "point")
			if err != nil {
				return nil, err
			}
			point, err := hook.ParsePoint(ps)
			if err != nil {
				return nil, err
			}
			fnv, err := c.Callable(1, "fn")
			if err != nil {
				return nil, err
			}
			prio, err := hook.ParsePriority(c.Arg(2))
			if err != nil {
				return nil, err
			}
			opts, err := c.OptMap(3, "options")
			if err != nil {
				return nil, err
			}
			ro := &hook.RegisterOptions{Priority: prio, Language: "script"}
			ro.Name, _ = opts["name"].(string)
			ro.ComponentFilter, _ = opts["component"].(string)
			c.Run.ensureMailbox()
			id, err := c.Engine().Hooks().Register(point, c.Run.scriptHook(fnv), ro)
			if err != nil {
				return nil, err
			}
			c.Run.hooks = append(c.Run.hooks, id)
			unregister := func(*Call) (value.Value, error) { return c.Run.unregisterHook(id), nil }
			return &Object{
				Fields: value.Map{"point": string(point)},
				Methods: []Function{
					fn("id", func(*Call) (value.Value, error) { return int64(id), nil }),
					fn("unregister", unregister),
				},
			}, nil
		}),
		fn("unregister", func(c *Call) (value.Value, error) {
			id, err := hookID(c, 0)
			if err != nil {
				return nil, err
			}
			return c.Run.unregisterHook(id), nil
		}),
		fn("list", func(c *Call) (value.Value, error) {
			var point hook.Point
			switch f := c.Arg(0).(type) {
			case string:
				p, err := hook.ParsePoint(f)
				if err != nil {
					return nil, err
				}
				point = p
			case value.Map:
				if ps, ok := f["point"].(string); ok {
					p, err := hook.ParsePoint(ps)
					if err != nil {
						return nil, err
					}
					point = p
				}
			}
			infos := c.Engine().Hooks().List(point)
			out := make(value.List, len(infos))
			for i, in := range infos {
				out[i] = in.Map()
			}
			return out, nil
		}),
		fn("points", func(c *Call) (value.Value, error) {
			out := make(value.List, len(hook.Points))
			for i, p := range hook.Points {
				out[i] = string(p)
			}
			return out, nil
		}),
	}}
}

// unregisterHook removes a hook (this run's or another's) and reports
// whether it was there.
func (r *Run) unregisterHook(id uint64) bool {
	for i, h := range r.hooks {
		if h == id {
			r.hooks = append(r.hooks[:i:i], r.hooks[i+1:]...)
			break
		}
	}
	return r.Engine.Hooks().Unregister(id)
}
