package agent

import (
	"context"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// WrapAsTool registers the agent named agentName as a tool (default name
// "agent_<name>") taking {input: string} and returning {text, tool_calls,
// usage, metadata}, so agents, workflows and scripts can call it. The
// agent is looked up on each call, so removing it makes the tool fail
// with not_found. Agents calling agents are bounded by MaxDepth.
func (r *Registry) WrapAsTool(agentName, toolName, description string) (*tool.Tool, error) {
	a, ok := r.Get(agentName)
	if !ok {
		return nil, errs.New(errs.KindNotFound, "no agent named %q", agentName)
	}
	if r.deps.Tools == nil {
		return nil, errs.New(errs.KindInvalidArgument, "this engine has no tool registry")
	}
	if toolName == "" {
		toolName = "agent_" + agentName
	}
	if description == "" {
		description = a.cfg.Description
	}
	if description == "" {
		description = "Ask the agent " + agentName + " and get its answer."
	}
	t := &tool.Tool{
		Name: toolName, Description: description, Category: "agent", Level: tool.Safe,
		Tags: []string{"agent"},
		Schema: value.Map{"type": "object", "required": value.List{"input"},
			"properties": value.Map{"input": value.Map{"type": "string", "description": "what to ask the agent"}}},
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			a, ok := r.Get(agentName)
			if !ok {
				return nil, errs.New(errs.KindNotFound, "no agent named %q (it was removed)", agentName)
			}
			res, err := a.Execute(ctx, Input{Text: c.Str("input", "")})
			if err != nil {
				return nil, err
			}
			return res.Map(), nil
		},
	}
	if err := r.deps.Tools.Register(t); err != nil {
		return nil, err
	}
	return t, nil
}
