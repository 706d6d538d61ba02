package engine

import (
	"context"

	"github.com/llmspell/llmspell-go/core/agent"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/core/workflow"
)

// record adds a finished call of kind tool, agent or workflow to the
// current session's history: {kind, name, input, success, output, error,
// parent?}; fill sets what came back. Nothing is recorded without a
// current session, or under a replay.
func (e *Engine) record(ctx context.Context, kind, name string, input value.Value, fill func(call value.Map)) {
	sid := e.sess.Current()
	if sid == "" || tool.IsUnrecorded(ctx) {
		return
	}
	call := value.Map{"kind": kind, "name": name, "input": input, "success": false, "output": nil, "error": nil}
	if parent := tool.Parent(ctx); parent != "" {
		call["parent"] = parent // part of an agent turn or workflow run: replayed with it
	}
	fill(call)
	e.sess.RecordCall(ctx, sid, call)
}

// recordToolCall records a finished tool call (Registry.OnCall).
func (e *Engine) recordToolCall(ctx context.Context, name string, params value.Map, env *tool.Envelope, err error) {
	e.record(ctx, "tool", name, params, func(call value.Map) {
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
	})
}

// recordAgentTurn records a finished agent execute (Deps.OnExecute).
func (e *Engine) recordAgentTurn(ctx context.Context, name string, in agent.Input, res *agent.Result, err error) {
	if e.sess.Current() == "" { // skip building the input for nothing
		return
	}
	e.record(ctx, "agent", name, in.Map(), func(call value.Map) {
		if err != nil {
			call["error"] = errs.As(err).Error()
			return
		}
		call["success"], call["output"] = true, res.Text
	})
}

// recordWorkflowRun records a finished workflow execute (Deps.OnRun).
func (e *Engine) recordWorkflowRun(ctx context.Context, name string, input value.Value, res *workflow.Result, err error) {
	e.record(ctx, "workflow", name, input, func(call value.Map) {
		switch {
		case err != nil:
			call["error"] = errs.As(err).Error()
		case res != nil:
			call["success"], call["output"], call["run_id"] = res.Success, res.Output, res.RunID
			if res.Error != nil {
				call["error"] = res.Error.Error()
			}
		}
	})
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

// Replay runs a session's recorded calls again, in order (tool calls,
// agent turns with the same input, workflow runs with the same input; the
// parts of a turn or run are replayed with it, not on their own), and
// reports for each whether it succeeded again and gave the same output:
// {session_id, steps: [{index, kind, name, success, same_output, error?}],
// replayed, matched}. Replayed calls are not recorded again. An agent
// turn replayed on a sampling model may answer differently; on a greedy
// one (temperature 0) it matches.
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
	rctx := tool.Unrecorded(ctx)
	for i := o.From; i <= to; i++ {
		call := hist[i]
		if p, _ := call["parent"].(string); p != "" {
			continue // replayed with its agent turn or workflow run
		}
		name, _ := call["name"].(string)
		step := value.Map{"index": int64(i), "kind": call["kind"], "name": name}
		success, output, err := e.replayCall(rctx, call)
		switch {
		case err != nil:
			step["success"], step["same_output"], step["error"] = false, call["success"] == false, errs.As(err).Error()
		default:
			step["success"] = success
			step["same_output"] = success == (call["success"] == true) && value.Equal(output, call["output"])
		}
		if step["same_output"] == true {
			matched++
		}
		steps = append(steps, step)
	}
	return value.Map{"session_id": sid, "steps": steps, "replayed": int64(len(steps)), "matched": matched}, nil
}

// replayCall runs one recorded call again: whether it succeeded and its
// output, or an error when it could not run at all.
func (e *Engine) replayCall(ctx context.Context, call value.Map) (bool, value.Value, error) {
	name, _ := call["name"].(string)
	switch call["kind"] {
	case "agent":
		a, ok := e.agents.Get(name)
		if !ok {
			return false, nil, errs.New(errs.KindNotFound, "no agent named %q to replay", name)
		}
		in, err := agent.InputFromValue(call["input"])
		if err != nil {
			return false, nil, err
		}
		res, err := a.Execute(ctx, in)
		if err != nil {
			return false, nil, err
		}
		return true, res.Text, nil
	case "workflow":
		w, ok := e.workflows.Get(name)
		if !ok {
			return false, nil, errs.New(errs.KindNotFound, "no workflow named %q to replay", name)
		}
		res, err := w.Execute(ctx, call["input"], nil)
		if err != nil {
			return false, nil, err
		}
		var rerr error
		if res.Error != nil {
			rerr = res.Error
		}
		return res.Success, res.Output, rerr
	}
	input, _ := call["input"].(value.Map)
	env, err := e.tools.Invoke(ctx, name, input)
	if err != nil {
		return false, nil, err
	}
	if env.Error != nil {
		return env.Success, env.Result, env.Error
	}
	return env.Success, env.Result, nil
}
