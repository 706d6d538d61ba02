package api

import (
	"context"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// toolResult shapes an envelope the way SCRIPT_API.md says: {text, result,
// success, error?, metadata}, where text is the envelope as JSON.
func toolResult(env *tool.Envelope) (value.Value, error) {
	m := env.Map()
	text, err := value.Encode(m)
	if err != nil {
		return nil, err
	}
	out := value.Map{"text": string(text), "result": m, "success": env.Success, "metadata": env.Metadata}
	if e, ok := m["error"]; ok {
		out["error"] = e
	}
	return out, nil
}

func invokeTool(c *Call, name string, params value.Value) (value.Value, error) {
	var p value.Map
	switch x := params.(type) {
	case nil:
	case value.Map:
		p = x
	default:
		return nil, errs.New(errs.KindInvalidArgument, "%s: parameters must be a table/object", c.Name)
	}
	if err := requireData(p, c.Name); err != nil {
		return nil, err
	}
	env, err := c.Engine().Tools().Invoke(c.Ctx(), name, p)
	if err != nil {
		return nil, err
	}
	return toolResult(env)
}

func toolModule() Module {
	invoke := func(c *Call) (value.Value, error) {
		name, err := c.String(0, "name")
		if err != nil {
			return nil, err
		}
		return invokeTool(c, name, c.Arg(1))
	}
	return Module{Name: "Tool", Functions: []Function{
		{Name: "invoke", Aliases: []string{"execute"}, Fn: invoke},
		fn("list", func(c *Call) (value.Value, error) {
			list := c.Engine().Tools().List("", "")
			out := make(value.List, len(list))
			for i, t := range list {
				out[i] = t.Info(false)
			}
			return out, nil
		}),
		fn("get", func(c *Call) (value.Value, error) {
			name, err := c.String(0, "name")
			if err != nil {
				return nil, err
			}
			t, ok := c.Engine().Tools().Get(name)
			if !ok {
				return nil, nil
			}
			return &Object{Fields: t.Info(true), Methods: []Function{
				{Name: "execute", Aliases: []string{"invoke"}, Fn: func(mc *Call) (value.Value, error) {
					return invokeTool(mc, t.Name, mc.Arg(0))
				}},
			}}, nil
		}),
		fn("exists", func(c *Call) (value.Value, error) {
			name, err := c.String(0, "name")
			if err != nil {
				return nil, err
			}
			_, ok := c.Engine().Tools().Get(name)
			return ok, nil
		}),
		fn("categories", func(c *Call) (value.Value, error) {
			cats := c.Engine().Tools().Categories()
			out := make(value.List, len(cats))
			for i, s := range cats {
				out[i] = s
			}
			return out, nil
		}),
		fn("discover", func(c *Call) (value.Value, error) {
			o, err := c.OptMap(0, "filter")
			if err != nil {
				return nil, err
			}
			cat, _ := o["category"].(string)
			tag, _ := o["tag"].(string)
			list := c.Engine().Tools().List(cat, tag)
			out := make(value.List, len(list))
			for i, t := range list {
				out[i] = t.Info(false)
			}
			return out, nil
		}),
		fn("register", func(c *Call) (value.Value, error) {
			o, err := c.OptMap(0, "tool")
			if err != nil {
				return nil, err
			}
			handler, ok := o["handler"].(Callable)
			if !ok {
				return nil, errs.New(errs.KindInvalidArgument, "%s: handler must be a function(params)", c.Name)
			}
			name, _ := o["name"].(string)
			t := &tool.Tool{Name: name, Language: "script", Level: tool.Safe}
			t.Description, _ = o["description"].(string)
			t.Category, _ = o["category"].(string)
			t.Tags = stringList(o["tags"])
			if s, ok := o["parameters"].(value.Map); ok {
				t.Schema = s
			}
			if lvl, ok := o["security_level"].(string); ok {
				if t.Level, err = tool.ParseLevel(lvl); err != nil {
					return nil, err
				}
			}
			run := c.Run
			run.ensureMailbox()
			t.Fn = func(ctx context.Context, tc *tool.Call) (value.Value, error) {
				return run.serve(ctx, "script tool "+name, func() (value.Value, error) {
					v, err := handler.Call(tc.Params)
					if err != nil && errs.KindOf(err) == errs.KindScript {
						return nil, errs.Wrap(errs.KindTool, err, "%s", name)
					}
					return v, err
				})
			}
			if err := c.Engine().Tools().Register(t); err != nil {
				return nil, err
			}
			run.tools = append(run.tools, name)
			return name, nil
		}),
	}}
}
