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
		fn("metrics", hookMetricsFn),
		fn("records", hookRecordsFn),
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

// Hook.metrics() -> {counts = {point: n}, latency = {point: {count,
// mean_ms, errors, buckets = [{le_ms, count}]}}}, the built-in metrics
// (hooks.metrics = true).
func hookMetricsFn(c *Call) (value.Value, error) {
	m := c.Engine().Metrics()
	if m == nil {
		return nil, errs.New(errs.KindInvalidArgument, "%s: hook metrics are off (set hooks.metrics = true in the config)", c.Name)
	}
	return m.Snapshot(), nil
}

// Hook.records({correlation_id?, limit?}) -> [record], the stored hook
// calls (hooks.record = true), oldest first.
func hookRecordsFn(c *Call) (value.Value, error) {
	f, err := c.OptMap(0, "filter")
	if err != nil {
		return nil, err
	}
	for k := range f {
		if k != "correlation_id" && k != "limit" {
			return nil, errs.New(errs.KindInvalidArgument, "%s: filter has unknown key %q (known: correlation_id, limit)", c.Name, k)
		}
	}
	var id string
	switch v := f["correlation_id"].(type) {
	case nil:
	case string:
		id = v
	default:
		return nil, errs.New(errs.KindInvalidArgument, "%s: filter.correlation_id must be a string, got %s", c.Name, TypeName(v))
	}
	limit := 0
	switch v := f["limit"].(type) {
	case nil:
	case int64:
		limit = int(v)
	case float64:
		if v != float64(int64(v)) {
			return nil, errs.New(errs.KindInvalidArgument, "%s: filter.limit must be a whole number, got %v", c.Name, v)
		}
		limit = int(v)
	default:
		return nil, errs.New(errs.KindInvalidArgument, "%s: filter.limit must be a number, got %s", c.Name, TypeName(v))
	}
	if limit < 0 {
		return nil, errs.New(errs.KindInvalidArgument, "%s: filter.limit must not be negative, got %d", c.Name, limit)
	}
	if !c.Engine().Config().Hooks.Record {
		return nil, errs.New(errs.KindInvalidArgument, "%s: hook recording is off (set hooks.record = true in the config)", c.Name)
	}
	list, err := c.Engine().HookRecords(id, limit)
	if err != nil {
		return nil, err
	}
	out := make(value.List, len(list))
	for i, m := range list {
		out[i] = m
	}
	return out, nil
}
