package engine

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/config"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/event"
	"github.com/llmspell/llmspell-go/core/hook"
	"github.com/llmspell/llmspell-go/core/redact"
	"github.com/llmspell/llmspell-go/core/session"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
)

// Hooks returns the engine's hook registry.
func (e *Engine) Hooks() *hook.Registry { return e.hooks }

// publish sends an engine event, dropping errors: the engine's own events
// must never fail the operation they describe.
func (e *Engine) publish(typ string, data value.Value) {
	if e.events != nil {
		e.events.Publish(typ, data, &event.PublishOptions{Source: "engine"})
	}
}

// stopWith turns a deciding hook result into the error a component
// returns: cancel is kind cancelled with the hook's reason.
func stopWith(point hook.Point, r hook.Result) error {
	return errs.New(errs.KindCancelled, "%s", r.Reason).With("point", string(point))
}

// stateHooks maps state reads and writes onto hook points and publishes
// state events. Hook data is {scope, key, value}; a modified result may
// change "value"; cancel refuses the operation; replace skips a write, or
// answers a read with the hook's data.
func (e *Engine) stateHooks() state.Hooks {
	comp := func(scope state.Scope) hook.Component { return hook.Component{Type: "state", Name: scope.String()} }
	return state.Hooks{
		BeforeWrite: func(ctx context.Context, scope state.Scope, key string, v value.Value) (value.Value, bool, error) {
			if !e.hooks.Has(hook.BeforeStateWrite) {
				return v, false, nil
			}
			out := e.hooks.Run(ctx, &hook.Context{Point: hook.BeforeStateWrite, Component: comp(scope),
				Data: value.Map{"scope": scope.String(), "key": key, "value": v}})
			switch out.Result.Kind {
			case hook.Cancel:
				return nil, false, stopWith(hook.BeforeStateWrite, out.Result)
			case hook.Replace:
				return nil, true, nil
			}
			if m, ok := out.Data.(value.Map); ok {
				if nv, ok := m["value"]; ok {
					return nv, false, nil
				}
			}
			return out.Data, false, nil
		},
		AfterWrite: func(ctx context.Context, scope state.Scope, key string, v value.Value) {
			if e.hooks.Has(hook.AfterStateWrite) {
				e.hooks.Run(ctx, &hook.Context{Point: hook.AfterStateWrite, Component: comp(scope),
					Data: value.Map{"scope": scope.String(), "key": key, "value": v}})
			}
			typ := "state.write"
			if v == nil {
				typ = "state.delete"
			}
			e.publish(typ, value.Map{"scope": scope.String(), "key": key, "value": redact.Field(key, v)})
		},
		BeforeRead: func(ctx context.Context, scope state.Scope, key string) (value.Value, bool, error) {
			if !e.hooks.Has(hook.BeforeStateRead) {
				return nil, false, nil
			}
			out := e.hooks.Run(ctx, &hook.Context{Point: hook.BeforeStateRead, Component: comp(scope),
				Data: value.Map{"scope": scope.String(), "key": key}})
			switch out.Result.Kind {
			case hook.Cancel:
				return nil, false, stopWith(hook.BeforeStateRead, out.Result)
			case hook.Replace:
				return out.Result.Data, true, nil
			}
			return nil, false, nil
		},
		AfterRead: func(ctx context.Context, scope state.Scope, key string, v value.Value) value.Value {
			if !e.hooks.Has(hook.AfterStateRead) {
				return v
			}
			out := e.hooks.Run(ctx, &hook.Context{Point: hook.AfterStateRead, Component: comp(scope),
				Data: value.Map{"scope": scope.String(), "key": key, "value": v}})
			if out.Result.Kind == hook.Replace {
				return out.Result.Data
			}
			if m, ok := out.Data.(value.Map); ok {
				return m["value"]
			}
			return out.Data
		},
	}
}

// sessionHooks runs the session points and publishes session events.
func (e *Engine) sessionHooks() session.Hooks {
	fire := func(point hook.Point, typ string) func(ctx context.Context, s *session.Session) {
		return func(ctx context.Context, s *session.Session) {
			if e.hooks.Has(point) {
				e.hooks.Run(ctx, &hook.Context{Point: point, Component: hook.Component{Type: "session", Name: s.ID}, Data: s.Map()})
			}
			e.publish(typ, value.Map{"id": s.ID, "name": s.Name, "status": string(s.Status)})
		}
	}
	return session.Hooks{
		SessionStart:   fire(hook.SessionStart, "session.created"),
		SessionEnd:     fire(hook.SessionEnd, "session.ended"),
		SessionSave:    fire(hook.SessionSave, "session.saved"),
		SessionRestore: fire(hook.SessionRestore, "session.restored"),
	}
}

// eventHooks runs BeforeEventEmit and AfterEventEmit around publishing.
// The engine's own hook.* events skip them, so a hook cannot loop on the
// breaker events it causes.
func (e *Engine) eventHooks() event.Hooks {
	return event.Hooks{
		BeforePublish: func(typ string, data value.Value) (value.Value, bool, error) {
			if !e.hooks.Has(hook.BeforeEventEmit) || len(typ) > 5 && typ[:5] == "hook." {
				return data, false, nil
			}
			out := e.hooks.Run(context.Background(), &hook.Context{Point: hook.BeforeEventEmit,
				Component: hook.Component{Type: "event", Name: typ}, Data: data})
			switch out.Result.Kind {
			case hook.Cancel:
				return nil, false, stopWith(hook.BeforeEventEmit, out.Result)
			case hook.Replace:
				return nil, true, nil
			}
			return out.Data, false, nil
		},
		Wanted: func(string) bool { return e.hooks.Has(hook.BeforeEventEmit) || e.hooks.Has(hook.AfterEventEmit) },
		AfterPublish: func(ev event.Event) {
			if e.hooks.Has(hook.AfterEventEmit) && !(len(ev.Type) > 5 && ev.Type[:5] == "hook.") {
				e.hooks.Run(context.Background(), &hook.Context{Point: hook.AfterEventEmit,
					Component: hook.Component{Type: "event", Name: ev.Type}, Data: ev.Map()})
			}
		},
	}
}

// newHooks builds the registry; breaker changes become hook.* events.
func (e *Engine) newHooks(hc config.Hooks) *hook.Registry {
	o := &hook.Options{OnBreaker: func(h hook.Info, open bool) {
		typ := "hook.breaker.closed"
		if open {
			typ = "hook.breaker.opened"
		}
		e.publish(typ, h.Map())
	}}
	if hc.Metrics {
		e.metrics = hook.NewMetrics()
		o.OnOperation = e.metrics.Observe
	}
	if hc.Record {
		o.Record = e.recordHook
	}
	return hook.New(o)
}

// fireSystem runs SystemStartup or SystemShutdown and publishes the event.
func (e *Engine) fireSystem(point hook.Point, typ string) {
	if e.hooks.Has(point) {
		e.hooks.Run(context.Background(), &hook.Context{Point: point, Component: hook.Component{Type: "system", Name: "engine"}})
	}
	e.publish(typ, nil)
}

// registerBuiltins registers the built-in hooks the config turns on.
func (e *Engine) registerBuiltins(hc config.Hooks) error {
	reg := func(points []hook.Point, fn hook.Func, name string, prio int) error {
		for _, p := range points {
			if _, err := e.hooks.Register(p, fn, &hook.RegisterOptions{Name: name, Priority: prio, Language: "builtin"}); err != nil {
				return err
			}
		}
		return nil
	}
	calls := []hook.Point{hook.BeforeModelCall, hook.BeforeToolExecution}
	if hc.Deny != "" {
		var list []string
		for _, d := range strings.Split(hc.Deny, ",") {
			if d = strings.TrimSpace(d); d != "" {
				list = append(list, d)
			}
		}
		violation := func(ctx context.Context, c *hook.Context, reason string) {
			data := value.Map{"point": string(c.Point), "component": value.Map{"type": c.Component.Type, "name": c.Component.Name}, "reason": reason}
			if e.hooks.Has(hook.SecurityViolation) {
				e.hooks.Run(ctx, &hook.Context{Point: hook.SecurityViolation, Component: c.Component, Data: data})
			}
			e.publish("security.violation", data)
		}
		deny := hook.Security(hook.DenyComponents(list...), violation)
		if err := reg([]hook.Point{hook.BeforeToolExecution, hook.BeforeAgentExecution, hook.BeforeModelCall, hook.BeforeWorkflowStart}, deny, "builtin:security", -1000); err != nil {
			return err
		}
	}
	if hc.RateLimitPerS > 0 {
		rl := hook.NewRateLimit(float64(hc.RateLimitPerS), int(hc.RateLimitBurst), nil)
		if err := reg(calls, rl.Hook, "builtin:rate_limit", -900); err != nil {
			return err
		}
	}
	if hc.RetryAttempts > 0 {
		if err := reg(calls, hook.RetryHook(int(hc.RetryAttempts), time.Duration(hc.RetryDelayMS)*time.Millisecond), "builtin:retry", 900); err != nil {
			return err
		}
	}
	if hc.CacheTTLS > 0 {
		if err := reg([]hook.Point{hook.BeforeToolExecution}, hook.Caching(time.Duration(hc.CacheTTLS)*time.Second), "builtin:cache", 1000); err != nil {
			return err
		}
	}
	everything := []hook.Point{hook.BeforeStateWrite, hook.AfterStateWrite, hook.SessionStart, hook.SessionEnd,
		hook.SessionSave, hook.SessionRestore, hook.SystemStartup, hook.SystemShutdown}
	if hc.Logging {
		if err := reg(everything, hook.Logging(e.logger, slog.LevelDebug), "builtin:logging", -2000); err != nil {
			return err
		}
	}
	if e.metrics != nil {
		if err := reg(append(everything, calls...), e.metrics.Hook, "builtin:metrics", -2000); err != nil {
			return err
		}
	}
	return nil
}

// Metrics returns the built-in metrics (hooks.metrics = true), or nil.
func (e *Engine) Metrics() *hook.Metrics { return e.metrics }

// recordHook stores one hook call under hook/rec/<time><seq>.
func (e *Engine) recordHook(rec hook.Record) {
	data, err := value.Encode(rec.Map())
	if err != nil {
		return
	}
	n := e.recSeq.Add(1)
	key := fmt.Sprintf("hook/rec/%016x%08x", uint64(rec.At.UnixNano()), n)
	e.store.Set([]byte(key), data)
}

// HookRecords returns stored hook calls (hooks.record = true), oldest
// first, at most limit (0: all), optionally only those of a correlation id.
func (e *Engine) HookRecords(correlationID string, limit int) ([]value.Map, error) {
	out := []value.Map{}
	var firstErr error
	err := e.store.Scan([]byte("hook/rec/"), func(_, raw []byte) bool {
		v, err := value.Decode(raw)
		if err != nil {
			firstErr = err
			return false
		}
		m, _ := v.(value.Map)
		if correlationID == "" || m["correlation_id"] == correlationID {
			out = append(out, m)
		}
		return limit <= 0 || len(out) < limit
	})
	if err == nil {
		err = firstErr
	}
	return out, err
}
