package api

import (
	"context"

	"github.com/llmspell/llmspell-go/core/agent"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/value"
)

// builderSetters maps each Agent.builder() chain method to the config key
// it sets; the one parser (agent.ConfigFromMap) then reads the table.
var builderSetters = []struct{ method, key string }{
	{"name", "name"}, {"description", "description"}, {"type", "type"}, {"model", "model"},
	{"provider", "provider"}, {"system_prompt", "system_prompt"}, {"temperature", "temperature"},
	{"top_p", "top_p"}, {"seed", "seed"}, {"max_tokens", "max_tokens"}, {"tools", "tools"},
	{"memory", "memory"}, {"max_tool_rounds", "max_tool_rounds"}, {"base_url", "base_url"},
	{"api_key_env", "api_key_env"}, {"custom_config", "custom_config"}, {"resource_limits", "resource_limits"},
}

func agentModule() Module {
	return Module{Name: "Agent", Functions: []Function{
		fn("builder", func(c *Call) (value.Value, error) {
			cfg := value.Map{}
			b := &Object{}
			for _, s := range builderSetters {
				key := s.key
				b.Methods = append(b.Methods, Function{Name: s.method, Fn: func(mc *Call) (value.Value, error) {
					v := mc.Arg(0)
					if err := requireData(v, mc.Name); err != nil {
						return nil, err
					}
					cfg[key] = v
					return b, nil
				}})
			}
			b.Methods = append(b.Methods, fn("build", func(mc *Call) (value.Value, error) {
				return createAgent(mc, cfg)
			}))
			return b, nil
		}),
		fn("create", func(c *Call) (value.Value, error) {
			m, err := c.OptMap(0, "config")
			if err != nil {
				return nil, err
			}
			if m == nil {
				return nil, c.ArgError(0, "config", "a table/object")
			}
			if err := requireData(m, c.Name); err != nil {
				return nil, err
			}
			return createAgent(c, m)
		}),
		fn("get", func(c *Call) (value.Value, error) {
			name, err := c.String(0, "name")
			if err != nil {
				return nil, err
			}
			a, ok := c.Engine().Agents().Get(name)
			if !ok {
				return nil, nil
			}
			return agentObject(a), nil
		}),
		fn("list", func(c *Call) (value.Value, error) {
			list := c.Engine().Agents().List()
			out := make(value.List, len(list))
			for i, a := range list {
				out[i] = a.Info()
			}
			return out, nil
		}),
		fn("remove", func(c *Call) (value.Value, error) {
			name, err := c.String(0, "name")
			if err != nil {
				return nil, err
			}
			return c.Engine().Agents().Remove(name), nil
		}),
		fn("wrap_as_tool", func(c *Call) (value.Value, error) {
			name, err := c.String(0, "agent_name")
			if err != nil {
				return nil, err
			}
			o, err := c.OptMap(1, "options")
			if err != nil {
				return nil, err
			}
			toolName, _ := o["tool_name"].(string)
			desc, _ := o["description"].(string)
			t, err := c.Engine().Agents().WrapAsTool(name, toolName, desc)
			if err != nil {
				return nil, err
			}
			return t.Name, nil
		}),
	}}
}

func createAgent(c *Call, m value.Map) (value.Value, error) {
	cfg, err := agent.ConfigFromMap(m)
	if err != nil {
		return nil, err
	}
	a, err := c.Engine().Agents().Create(c.Ctx(), cfg)
	if err != nil {
		return nil, err
	}
	return agentObject(a), nil
}

// agentObject is an agent as a script object: its info as fields, and
// methods bound to it.
func agentObject(a *agent.Agent) *Object {
	run := func(mc *Call, stream bool) (value.Value, error) {
		in, err := agent.InputFromValue(mc.Arg(0))
		if err != nil {
			return nil, errs.Wrap(errs.KindInvalidArgument, err, "%s", mc.Name)
		}
		var onDelta Callable
		if stream {
			if onDelta, err = mc.Callable(1, "fn"); err != nil {
				return nil, err
			}
		}
		return mc.Run.await(mc.Ctx(), func(ctx context.Context, emit func(value.Value) error) (value.Value, error) {
			var res *agent.Result
			var err error
			if stream {
				res, err = a.Stream(ctx, in, func(d provider.Delta) error {
					if d.Text == "" {
						return nil
					}
					return emit(d.Text)
				})
			} else {
				res, err = a.Execute(ctx, in)
			}
			if err != nil {
				return nil, err
			}
			return res.Map(), nil
		}, func(v value.Value) error {
			_, err := onDelta.Call(v)
			return err
		})
	}
	fields := a.Info()
	return &Object{Fields: fields, Methods: []Function{
		{Name: "execute", Aliases: []string{"invoke"}, Fn: func(mc *Call) (value.Value, error) { return run(mc, false) }},
		{Name: "stream", Aliases: []string{"invoke_stream"}, Fn: func(mc *Call) (value.Value, error) { return run(mc, true) }},
		fn("invoke_tool", func(mc *Call) (value.Value, error) {
			name, err := mc.String(0, "name")
			if err != nil {
				return nil, err
			}
			return invokeTool(mc, name, mc.Arg(1))
		}),
		fn("history", func(mc *Call) (value.Value, error) {
			h := a.History()
			out := make(value.List, len(h))
			for i := range h {
				out[i] = h[i].Map()
			}
			return out, nil
		}),
		fn("clear_history", func(mc *Call) (value.Value, error) {
			a.ClearHistory()
			return nil, nil
		}),
		fn("save_state", func(mc *Call) (value.Value, error) {
			return true, a.SaveState(mc.Ctx())
		}),
		fn("load_state", func(mc *Call) (value.Value, error) {
			return a.LoadState(mc.Ctx())
		}),
		fn("info", func(mc *Call) (value.Value, error) { return a.Info(), nil }),
	}}
}

func providerModule() Module {
	return Module{Name: "Provider", Functions: []Function{
		fn("list", func(c *Call) (value.Value, error) {
			list := c.Engine().Providers().List()
			out := make(value.List, len(list))
			for i, p := range list {
				out[i] = p
			}
			return out, nil
		}),
		fn("get", func(c *Call) (value.Value, error) {
			name, err := c.String(0, "name")
			if err != nil {
				return nil, err
			}
			if info, ok := c.Engine().Providers().Info(name); ok {
				return info, nil
			}
			return nil, nil
		}),
	}}
}
