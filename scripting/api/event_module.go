package api

import (
	"log/slog"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/event"
	"github.com/llmspell/llmspell-go/core/value"
)

// scriptHandler is an Event.subscribe handler written in the script. Its
// subscription is a pull subscription: the run calls the function itself,
// on its own goroutine, at safe points (Pump), never from another
// goroutine.
type scriptHandler struct {
	sub *event.Subscription
	fn  Callable
}

// Pump delivers queued events to the run's script handlers. The adapters
// call it before every API call, Utils.sleep and Event.receive wait on it,
// and Finish drains it when the script ends. A handler that raises is
// logged; the run goes on. Pump does nothing while it is already running
// (a handler's own API calls do not recurse into it).
func (r *Run) Pump() {
	if !r.HasHandlers() || r.pumping {
		return
	}
	r.pumping = true
	defer func() { r.pumping = false }()
	for delivered := true; delivered; {
		delivered = false
		for r.mailbox != nil {
			select {
			case call := <-r.mailbox:
				call()
				delivered = true
				continue
			default:
			}
			break
		}
		for _, h := range r.handlers {
			if r.Ctx.Err() != nil {
				return
			}
			ev, ok, err := h.sub.Receive(r.Ctx, 0)
			if err != nil || !ok {
				continue
			}
			delivered = true
			if _, err := h.fn.Call(ev.Map()); err != nil {
				r.Engine.Logger().Warn("event handler failed", slog.String("pattern", h.sub.Pattern()),
					slog.String("event", ev.Type), slog.String("error", err.Error()))
			}
		}
	}
}

// Finish ends the run's event life: after a successful run it delivers the
// events still queued for its handlers; in every case it removes the
// subscriptions the run made.
func (r *Run) Finish(success bool) {
	if success {
		r.Pump()
	}
	for _, s := range r.owned {
		r.Engine.Events().Unsubscribe(s.ID())
	}
	for _, id := range r.hooks {
		r.Engine.Hooks().Unregister(id)
	}
	for _, name := range r.tools {
		r.Engine.Tools().Unregister(name)
	}
	for _, name := range r.workflows {
		r.Engine.Workflows().Remove(name)
	}
	r.owned, r.handlers, r.hooks, r.tools, r.workflows = nil, nil, nil, nil, nil
}

// HasHandlers reports whether the run has script event handlers or hooks,
// so the adapters can skip Pump cheaply.
func (r *Run) HasHandlers() bool { return len(r.handlers) > 0 || len(r.hooks) > 0 || len(r.tools) > 0 }

func subscribeOptions(c *Call, m value.Map) (*event.SubscribeOptions, error) {
	o := &event.SubscribeOptions{}
	if n, ok := m["buffer_size"].(int64); ok {
		o.BufferSize = int(n)
	}
	if p, ok := m["policy"].(string); ok {
		pol, err := event.ParsePolicy(p)
		if err != nil {
			return nil, err
		}
		o.Policy = pol
	}
	if n, ok := m["block_timeout_ms"].(int64); ok {
		o.BlockTimeout = time.Duration(n) * time.Millisecond
	}
	return o, nil
}

func eventModule() Module {
	publish := func(c *Call) (value.Value, error) {
		typ, err := c.String(0, "type")
		if err != nil {
			return nil, err
		}
		if err := requireData(c.Arg(1), c.Name); err != nil {
			return nil, err
		}
		opts, err := c.OptMap(2, "options")
		if err != nil {
			return nil, err
		}
		po := &event.PublishOptions{Source: "script", Tags: stringList(opts["tags"])}
		po.CorrelationID, _ = opts["correlation_id"].(string)
		ev, err := c.Engine().Events().Publish(typ, c.Arg(1), po)
		if err != nil {
			return nil, err
		}
		c.Run.Pump() // a script's own handlers see its events at once
		return ev.ID, nil
	}
	return Module{Name: "Event", Functions: []Function{
		{Name: "publish", Aliases: []string{"emit"}, Fn: publish},
		fn("subscribe", func(c *Call) (value.Value, error) {
			pattern, err := c.String(0, "pattern")
			if err != nil {
				return nil, err
			}
			var handler Callable
			optIdx := 1
			switch a := c.Arg(1).(type) {
			case Callable:
				handler, optIdx = a, 2
			case nil:
				optIdx = 2
			}
			opts, err := c.OptMap(optIdx, "options")
			if err != nil {
				return nil, err
			}
			so, err := subscribeOptions(c, opts)
			if err != nil {
				return nil, err
			}
			sub, err := c.Engine().Events().Subscribe(pattern, so)
			if err != nil {
				return nil, err
			}
			c.Run.owned = append(c.Run.owned, sub)
			if handler != nil {
				c.Run.handlers = append(c.Run.handlers, &scriptHandler{sub: sub, fn: handler})
			}
			return int64(sub.ID()), nil
		}),
		fn("receive", func(c *Call) (value.Value, error) {
			id, err := c.Number(0, "subscription_id")
			if err != nil {
				return nil, err
			}
			ms := 0.0
			if c.Arg(1) != nil {
				if ms, err = c.Number(1, "timeout_ms"); err != nil {
					return nil, err
				}
			}
			sub, ok := c.Engine().Events().Get(uint64(id))
			if !ok {
				return nil, errs.New(errs.KindNotFound, "no subscription %v", id)
			}
			for _, h := range c.Run.handlers {
				if h.sub == sub {
					return nil, errs.New(errs.KindInvalidArgument, "subscription %v has a handler; Event.receive is for subscriptions without one", id)
				}
			}
			// Wait in slices so the run's own handlers keep being served.
			deadline := time.Now().Add(time.Duration(ms * float64(time.Millisecond)))
			for {
				c.Run.Pump()
				wait := time.Until(deadline)
				if c.Run.HasHandlers() && wait > 10*time.Millisecond {
					wait = 10 * time.Millisecond
				}
				ev, ok, err := sub.Receive(c.Ctx(), max(wait, 0))
				if err != nil {
					if stop := c.Run.Stopped(); stop != nil {
						return nil, stop
					}
					return nil, err
				}
				if ok {
					return ev.Map(), nil
				}
				if !time.Now().Before(deadline) {
					return nil, nil
				}
			}
		}),
		fn("unsubscribe", func(c *Call) (value.Value, error) {
			id, err := c.Number(0, "subscription_id")
			if err != nil {
				return nil, err
			}
			for i, h := range c.Run.handlers {
				if h.sub.ID() == uint64(id) {
					c.Run.handlers = append(c.Run.handlers[:i:i], c.Run.handlers[i+1:]...)
					break
				}
			}
			return c.Engine().Events().Unsubscribe(uint64(id)), nil
		}),
		fn("list_subscriptions", func(c *Call) (value.Value, error) {
			st := c.Engine().Events().Stats().Map()
			return st["subscriptions"], nil
		}),
		fn("get_stats", func(c *Call) (value.Value, error) {
			return c.Engine().Events().Stats().Map(), nil
		}),
		fn("query", func(c *Call) (value.Value, error) {
			j, err := journal(c)
			if err != nil {
				return nil, err
			}
			o, err := c.OptMap(0, "query")
			if err != nil {
				return nil, err
			}
			q := &event.Query{}
			q.Pattern, _ = o["pattern"].(string)
			q.CorrelationID, _ = o["correlation_id"].(string)
			if n, ok := o["limit"].(int64); ok {
				q.Limit = int(n)
			}
			if q.Since, err = optTime(o, "since"); err != nil {
				return nil, err
			}
			if q.Until, err = optTime(o, "until"); err != nil {
				return nil, err
			}
			return eventList(j.Query(q))
		}),
		fn("timeline", func(c *Call) (value.Value, error) {
			j, err := journal(c)
			if err != nil {
				return nil, err
			}
			id, err := c.String(0, "correlation_id")
			if err != nil {
				return nil, err
			}
			return eventList(j.Timeline(id))
		}),
	}}
}

// journal returns the engine's event journal or explains how to turn it on.
func journal(c *Call) (*event.Journal, error) {
	if j := c.Engine().Journal(); j != nil {
		return j, nil
	}
	return nil, errs.New(errs.KindInvalidArgument, "%s: event persistence is off (set events.persist = true in the config)", c.Name)
}

func eventList(list []value.Map, err error) (value.Value, error) {
	if err != nil {
		return nil, err
	}
	out := make(value.List, len(list))
	for i, m := range list {
		out[i] = m
	}
	return out, nil
}
