package engine

import (
	"context"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// recordToolCall adds a finished tool call to the current session's
// history.
func (e *Engine) recordToolCall(ctx context.Context, name string, params value.Map, env *tool.Envelope, err error) {
	sid := e.sess.Current()
	if sid == "" {
		return
	}
	call := value.Map{"kind": "tool", "name": name, "input": params, "success": false, "output": nil, "error": nil}
	switch {
	case err != nil:
		call["error"] = errs.As(err).Error()
	case env != nil:
		call["success"] = env.Success
		call["output"] = env.Result
		if env.Error != nil {
			call["error"] = env.Error.Error()
		}
	}
	e.sess.RecordCall(ctx, sid, call)
}

// ReplayOptions selects the part of a session's history to replay: steps
// From to To (0-based, inclusive; To < 0 means the end).
type ReplayOptions struct {
	From, To int
}

// CanReplay reports whether a session has recorded calls to replay.
func (e *Engine) CanReplay(ctx context.Context, sid string) (bool, error) {
	h, err := e.sess.History(ctx, sid)
	return len(h) > 0, err
}

// Replay runs a session's recorded tool calls again, in order, and reports
// for each whether it succeeded again and gave the same output:
// {session_id, steps: [{index, kind, name, success, same_output, error?}],
// replayed, matched}. Replayed calls are not recorded again.
func (e *Engine) Replay(ctx context.Context, sid string, o ReplayOptions) (value.Map, error) {
	hist, err := e.sess.History(ctx, sid)
	if err != nil {
		return nil, err
	}
	if len(hist) == 0 {
		return nil, errs.New(errs.KindInvalidArgument, "session %s has no recorded calls to replay", sid)
	}
	to := o.To
	if to < 0 || to >= len(hist) {
		to = len(hist) - 1
	}
	if o.From < 0 || o.From > to {
		return nil, errs.New(errs.KindInvalidArgument, "replay range %d..%d is outside 0..%d", o.From, o.To, len(hist)-1)
	}
	steps := value.List{}
	matched := int64(0)
	for i := o.From; i <= to; i++ {
		call := hist[i]
		name, _ := call["name"].(string)
		input, _ := call["input"].(value.Map)
		step := value.Map{"index": int64(i), "kind": call["kind"], "name": name}
		env, err := e.tools.InvokeUnrecorded(ctx, name, input)
		switch {
		case err != nil:
			step["success"], step["same_output"], step["error"] = false, call["success"] == false, errs.As(err).Error()
		default:
			same := env.Success == (call["success"] == true) && value.Equal(env.Result, call["output"])
			step["success"], step["same_output"] = env.Success, same
			if env.Error != nil {
				step["error"] = env.Error.Error()
			}
		}
		if step["same_output"] == true {
			matched++
		}
		steps = append(steps, step)
	}
	return value.Map{"session_id": sid, "steps": steps, "replayed": int64(len(steps)), "matched": matched}, nil
}
