package api

import (
	"context"
	"fmt"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/core/workflow"
)

// workflowFunc adapts a script function to a workflow step or condition:
// it runs on the run's own goroutine (see serve) and gets the step
// context as an object with get_shared and set_shared.
func (r *Run) workflowFunc(f Callable, what string) workflow.Func {
	r.ensureMailbox()
	return func(ctx context.Context, sc *workflow.StepContext) (value.Value, error) {
		return r.serve(ctx, what, func() (value.Value, error) {
			obj := &Object{Fields: sc.Map(), Methods: []Function{
				fn("get_shared", func(mc *Call) (value.Value, error) {
					k, err := mc.String(0, "key")
					if err != nil {
						return nil, err
					}
					return sc.GetShared(k), nil
				}),
				fn("set_shared", func(mc *Call) (value.Value, error) {
					k, err := mc.String(0, "key")
					if err != nil {
						return nil, err
					}
					v := mc.Arg(1)
					if err := requireData(v, mc.Name); err != nil {
						return nil, err
					}
					sc.SetShared(k, v)
					return nil, nil
				}),
			}}
			v, err := f.Call(obj)
			if err != nil && errs.KindOf(err) == errs.KindScript {
				return nil, errs.Wrap(errs.KindTool, err, "%s", what)
			}
			return v, err
		})
	}
}

// workflowRef reports whether v is a workflow object that came back from
// a script (a table of the object's fields and methods) or a host object,
// and its name: a workflow object is a step, or a step's workflow, by name.
func workflowRef(v value.Value) (string, bool) {
	switch x := v.(type) {
	case *Object:
		name, ok := x.Fields["name"].(string)
		_, isWF := x.Fields["serializable"]
		return name, ok && isWF
	case value.Map:
		name, ok := x["name"].(string)
		_, exec := x["execute"].(Callable)
		_, isWF := x["serializable"]
		return name, ok && exec && isWF
	}
	return "", false
}

// resolveWorkflowObjects replaces workflow objects inside a definition's
// step lists by references to them by name.
func resolveWorkflowObjects(m value.Map) {
	fix := func(l value.List) {
		for i, item := range l {
			if name, ok := workflowRef(item); ok {
				l[i] = value.Map{"name": name, "type": "workflow", "workflow": name}
				continue
			}
			sm, ok := item.(value.Map)
			if !ok {
				continue
			}
			if name, ok := workflowRef(sm["workflow"]); ok {
				sm["workflow"] = name
			} else if wm, ok := sm["workflow"].(value.Map); ok {
				resolveWorkflowObjects(wm)
			}
		}
	}
	if l, ok := m["steps"].(value.List); ok {
		fix(l)
	}
	switch b := m["body"].(type) {
	case value.List:
		fix(b)
	case value.Map:
		if l, ok := b["steps"].(value.List); ok {
			fix(l)
		}
	}
	if bl, ok := m["branches"].(value.List); ok {
		for _, br := range bl {
			if bm, ok := br.(value.Map); ok {
				if l, ok := bm["steps"].(value.List); ok {
					fix(l)
				}
			}
		}
	}
}

// defineWorkflow reads a definition table (with script functions in it),
// builds and registers the workflow. Workflows holding script functions
// are removed when the run ends, since their functions end with it.
func defineWorkflow(c *Call, m value.Map) (value.Value, error) {
	hasFn := false
	fnOf := func(v value.Value) (workflow.Func, bool) {
		f, ok := v.(Callable)
		if !ok {
			return nil, false
		}
		hasFn = true
		return c.Run.workflowFunc(f, "workflow function"), true
	}
	resolveWorkflowObjects(m)
	d, err := workflow.FromMap(m, fnOf)
	if err != nil {
		return nil, err
	}
	w, err := c.Engine().Workflows().Create(d)
	if err != nil {
		return nil, err
	}
	if hasFn {
		c.Run.workflows = append(c.Run.workflows, w.Name())
	}
	return workflowObject(w), nil
}

// workflowResult runs op on a worker (see await) and returns its result
// as the table of SCRIPT_API.md.
func workflowResult(c *Call, op func(ctx context.Context) (*workflow.Result, error)) (value.Value, error) {
	return c.Run.await(c.Ctx(), func(ctx context.Context, _ func(value.Value) error) (value.Value, error) {
		res, err := op(ctx)
		if err != nil {
			return nil, err
		}
		return res.Map(), nil
	}, nil)
}

func runOptions(c *Call, i int) (*workflow.RunOptions, error) {
	o, err := c.OptMap(i, "options")
	if err != nil {
		return nil, err
	}
	return workflow.RunOptionsFromMap(o, c.Name+": options")
}

// workflowObject is a workflow as a script object.
func workflowObject(w *workflow.Workflow) *Object {
	return &Object{Fields: w.Info(), Methods: []Function{
		{Name: "execute", Aliases: []string{"run"}, Fn: func(mc *Call) (value.Value, error) {
			in := mc.Arg(0)
			if err := requireData(in, mc.Name); err != nil {
				return nil, err
			}
			opts, err := runOptions(mc, 1)
			if err != nil {
				return nil, err
			}
			return workflowResult(mc, func(ctx context.Context) (*workflow.Result, error) { return w.Execute(ctx, in, opts) })
		}},
		fn("info", func(mc *Call) (value.Value, error) { return w.Info(), nil }),
		fn("definition", func(mc *Call) (value.Value, error) {
			m, _ := w.Definition().Map()
			return m, nil
		}),
		fn("wrap_as_tool", func(mc *Call) (value.Value, error) {
			o, err := mc.OptMap(0, "options")
			if err != nil {
				return nil, err
			}
			return wrapWorkflow(mc, w.Name(), o)
		}),
	}}
}

func wrapWorkflow(c *Call, name string, o value.Map) (value.Value, error) {
	toolName, _ := o["tool_name"].(string)
	desc, _ := o["description"].(string)
	t, err := c.Engine().Workflows().WrapAsTool(name, toolName, desc)
	if err != nil {
		return nil, err
	}
	return t.Name, nil
}

// builderKeys maps Workflow.builder() chain methods that set one key.
var builderKeys = []struct{ method, key string }{
	{"name", "name"}, {"description", "description"}, {"max_iterations", "max_iterations"},
	{"max_concurrency", "max_concurrency"}, {"timeout_ms", "timeout_ms"}, {"error_strategy", "error_strategy"},
	{"output", "output"}, {"default_branch", "default_branch"}, {"break_when", "break_when"},
}

func workflowModule() Module {
	typed := func(typ string) Func {
		return func(c *Call) (value.Value, error) {
			m, err := c.OptMap(0, "config")
			if err != nil {
				return nil, err
			}
			if m == nil {
				return nil, c.ArgError(0, "config", "a table/object")
			}
			cfg := make(value.Map, len(m)+1)
			for k, v := range m {
				cfg[k] = v
			}
			if t, ok := cfg["type"]; ok && t != typ {
				return nil, errs.New(errs.KindInvalidArgument, "%s: type %v does not match", c.Name, t)
			}
			cfg["type"] = typ
			return defineWorkflow(c, cfg)
		}
	}
	return Module{Name: "Workflow", Functions: []Function{
		fn("builder", func(c *Call) (value.Value, error) { return workflowBuilder(), nil }),
		fn("sequential", typed(workflow.Sequential)),
		fn("parallel", typed(workflow.Parallel)),
		fn("conditional", typed(workflow.Conditional)),
		fn("loop", typed(workflow.Loop)),
		fn("create", func(c *Call) (value.Value, error) {
			m, err := c.OptMap(0, "definition")
			if err != nil {
				return nil, err
			}
			if m == nil {
				return nil, c.ArgError(0, "definition", "a table/object")
			}
			return defineWorkflow(c, m)
		}),
		fn("get", func(c *Call) (value.Value, error) {
			name, err := c.String(0, "name")
			if err != nil {
				return nil, err
			}
			w, ok := c.Engine().Workflows().Get(name)
			if !ok {
				return nil, nil
			}
			return workflowObject(w), nil
		}),
		fn("list", func(c *Call) (value.Value, error) {
			list := c.Engine().Workflows().List()
			out := make(value.List, len(list))
			for i, w := range list {
				out[i] = w.Info()
			}
			return out, nil
		}),
		fn("remove", func(c *Call) (value.Value, error) {
			name, err := c.String(0, "name")
			if err != nil {
				return nil, err
			}
			return c.Engine().Workflows().Remove(name), nil
		}),
		fn("types", func(c *Call) (value.Value, error) {
			out := make(value.List, len(workflow.Types))
			for i, t := range workflow.Types {
				out[i] = t
			}
			return out, nil
		}),
		fn("resume", func(c *Call) (value.Value, error) {
			id, err := c.String(0, "run_id")
			if err != nil {
				return nil, err
			}
			answer := c.Arg(1)
			if err := requireData(answer, c.Name); err != nil {
				return nil, err
			}
			opts, err := runOptions(c, 2)
			if err != nil {
				return nil, err
			}
			return workflowResult(c, func(ctx context.Context) (*workflow.Result, error) {
				return c.Engine().Workflows().Resume(ctx, id, answer, opts)
			})
		}),
		fn("run_record", func(c *Call) (value.Value, error) {
			id, err := c.String(0, "run_id")
			if err != nil {
				return nil, err
			}
			return c.Engine().Workflows().RunRecord(id)
		}),
		fn("wrap_as_tool", func(c *Call) (value.Value, error) {
			name, err := c.String(0, "name")
			if err != nil {
				return nil, err
			}
			o, err := c.OptMap(1, "options")
			if err != nil {
				return nil, err
			}
			return wrapWorkflow(c, name, o)
		}),
	}}
}

// workflowBuilder is Workflow.builder(): it collects a definition table
// and builds it with the same reader as the table forms.
func workflowBuilder() *Object {
	cfg := value.Map{"type": workflow.Sequential}
	var steps, thenSteps, elseSteps, branches value.List
	var cond value.Value
	b := &Object{}
	set := func(name string, f func(mc *Call) error) {
		b.Methods = append(b.Methods, Function{Name: name, Fn: func(mc *Call) (value.Value, error) {
			if err := f(mc); err != nil {
				return nil, err
			}
			return b, nil
		}})
	}
	for _, k := range builderKeys {
		key := k.key
		set(k.method, func(mc *Call) error {
			cfg[key] = mc.Arg(0)
			return nil
		})
	}
	for _, t := range workflow.Types {
		typ := t
		set(typ, func(mc *Call) error {
			cfg["type"] = typ
			return nil
		})
	}
	stepArg := func(mc *Call) (value.Value, error) {
		if name, ok := workflowRef(mc.Arg(0)); ok { // a workflow object as a step
			return value.Map{"type": "workflow", "name": name, "workflow": name}, nil
		}
		if s, ok := mc.Arg(0).(value.Map); ok {
			return s, nil
		}
		return nil, mc.ArgError(0, "step", "a step table/object")
	}
	set("add_step", func(mc *Call) error {
		s, err := stepArg(mc)
		steps = append(steps, s)
		return err
	})
	set("add_then_step", func(mc *Call) error {
		s, err := stepArg(mc)
		thenSteps = append(thenSteps, s)
		return err
	})
	set("add_else_step", func(mc *Call) error {
		s, err := stepArg(mc)
		elseSteps = append(elseSteps, s)
		return err
	})
	set("add_branch", func(mc *Call) error {
		br, ok := mc.Arg(0).(value.Map)
		if !ok {
			return mc.ArgError(0, "branch", "a branch table/object {name, steps, condition?, optional?}")
		}
		branches = append(branches, br)
		return nil
	})
	set("condition", func(mc *Call) error {
		cond = mc.Arg(0)
		return nil
	})
	set("iterations", func(mc *Call) error {
		n, err := mc.Number(0, "n")
		if err != nil {
			return err
		}
		cfg["iterator"] = value.Map{"range": value.Map{"start": int64(0), "end": int64(n)}}
		return nil
	})
	set("over", func(mc *Call) error {
		cfg["iterator"] = value.Map{"collection": mc.Arg(0)}
		return nil
	})
	set("while", func(mc *Call) error {
		cfg["iterator"] = value.Map{"while_condition": mc.Arg(0)}
		return nil
	})
	set("aggregate", func(mc *Call) error {
		cfg["aggregate"] = mc.Arg(0)
		if n := mc.Arg(1); n != nil {
			cfg["aggregate_n"] = n
		}
		return nil
	})
	b.Methods = append(b.Methods, fn("build", func(mc *Call) (value.Value, error) {
		def := make(value.Map, len(cfg)+2)
		for k, v := range cfg {
			def[k] = v
		}
		if mi, ok := def["max_iterations"]; ok {
			if it, ok := def["iterator"].(value.Map); ok {
				it["max_iterations"] = mi
				delete(def, "max_iterations")
			}
		}
		if bw, ok := def["break_when"]; ok {
			if it, ok := def["iterator"].(value.Map); ok {
				it["break_when"] = bw
				delete(def, "break_when")
			}
		}
		switch def["type"] {
		case workflow.Conditional:
			br := append(value.List{}, branches...)
			if cond != nil || len(thenSteps) > 0 {
				br = append(br, value.Map{"name": "then", "condition": cond, "steps": thenSteps})
			}
			if len(elseSteps) > 0 {
				br = append(br, value.Map{"name": "else", "steps": elseSteps})
			}
			def["branches"] = br
		case workflow.Parallel:
			br := append(value.List{}, branches...)
			for i, s := range steps { // each added step is a branch of its own
				name, _ := s.(value.Map)["name"].(string)
				if name == "" {
					name = fmt.Sprintf("branch_%d", i+1)
				}
				br = append(br, value.Map{"name": name, "steps": value.List{s}})
			}
			def["branches"] = br
		default:
			def["steps"] = steps
		}
		return defineWorkflow(mc, def)
	}))
	return b
}
