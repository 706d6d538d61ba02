package workflow

import (
	"fmt"
	"strings"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// maxIterations caps every loop, bounded or not.
const maxIterations = 100000

// compiler checks a definition before anything runs: unknown tools,
// agents and workflows, references to steps that do not exist or come
// later, loops without a bound and cyclic nesting are errors here, not at
// step 7.
type compiler struct {
	reg      *Registry
	problems []string
	// nesting holds the names of the workflows being compiled, outermost
	// first, to catch cycles.
	nesting []string
}

func (c *compiler) bad(where, format string, args ...any) {
	c.problems = append(c.problems, where+": "+fmt.Sprintf(format, args...))
}

// compile validates d and fills its defaults and compiled expressions.
func (r *Registry) compile(d *Def) error {
	c := &compiler{reg: r}
	c.def(d, d.Name)
	if len(c.problems) > 0 {
		kind := errs.KindInvalidArgument
		for _, p := range c.problems {
			if strings.Contains(p, "no tool named") || strings.Contains(p, "no agent named") || strings.Contains(p, "no workflow named") {
				kind = errs.KindNotFound
				break
			}
		}
		return errs.New(kind, "workflow %s: %s", d.Name, strings.Join(c.problems, "; "))
	}
	return nil
}

// visible is the set of step names a reference may name at some point.
type visible struct {
	names  map[string]bool
	inLoop bool
}

func (v visible) with(name string) visible {
	n := make(map[string]bool, len(v.names)+1)
	for k := range v.names {
		n[k] = true
	}
	n[name] = true
	return visible{names: n, inLoop: v.inLoop}
}

func (c *compiler) def(d *Def, where string) {
	if d.Name == "" {
		d.Name = "workflow"
	}
	if where == "" {
		where = d.Name
	}
	for _, n := range c.nesting {
		if n == d.Name {
			c.bad(where, "workflow %q contains itself (%s)", d.Name, strings.Join(append(c.nesting, d.Name), " -> "))
			return
		}
	}
	c.nesting = append(c.nesting, d.Name)
	defer func() { c.nesting = c.nesting[:len(c.nesting)-1] }()
	if d.Type == "" {
		d.Type = Sequential
	}
	switch d.ErrorStrategy {
	case "":
		d.ErrorStrategy = FailFast
	case FailFast, Continue, Retry:
	default:
		c.bad(where, "error_strategy %q is not fail_fast, continue or retry", d.ErrorStrategy)
	}
	if d.MaxConcurrency < 0 {
		c.bad(where, "max_concurrency must not be negative")
	}
	names := map[string]bool{} // every step name in this definition
	top := visible{names: map[string]bool{}}
	switch d.Type {
	case Sequential:
		if len(d.Steps) == 0 {
			c.bad(where, "a sequential workflow needs steps")
		}
		c.steps(d.Steps, top, names, where)
	case Parallel:
		if len(d.Branches) == 0 {
			c.bad(where, "a parallel workflow needs branches")
		}
		c.branches(d, top, names, where, false)
	case Conditional:
		if len(d.Branches) == 0 {
			c.bad(where, "a conditional workflow needs branches")
		}
		c.branches(d, top, names, where, true)
	case Loop:
		c.loop(d, top, names, where)
	default:
		c.bad(where, "type %q is not one of %s", d.Type, strings.Join(Types, ", "))
	}
	switch d.Aggregate {
	case "":
		d.Aggregate = CollectAll
	case CollectAll, LastOnly, NoOutput:
	case FirstN, LastN:
		if d.AggregateN <= 0 {
			c.bad(where, "aggregate %s needs aggregate_n > 0", d.Aggregate)
		}
	default:
		c.bad(where, "aggregate %q is not collect, last, first_n, last_n or none", d.Aggregate)
	}
	if d.Output != nil {
		d.output = c.template(d.Output, visible{names: names}, where, "output")
	}
}

func (c *compiler) branches(d *Def, top visible, names map[string]bool, where string, conditional bool) {
	seen := map[string]bool{}
	defaults := 0
	for i := range d.Branches {
		b := &d.Branches[i]
		if b.Name == "" {
			b.Name = fmt.Sprintf("branch_%d", i+1)
		}
		bw := where + "." + b.Name
		if seen[b.Name] {
			c.bad(bw, "two branches are named %q", b.Name)
		}
		seen[b.Name] = true
		if len(b.Steps) == 0 {
			c.bad(bw, "a branch needs steps")
		}
		if conditional {
			if b.Condition == nil {
				defaults++
			} else {
				c.cond(b.Condition, top, bw+": condition")
			}
		} else if b.Condition != nil {
			c.bad(bw, "parallel branches have no condition (use a conditional workflow, or a step's when)")
		}
		c.steps(b.Steps, top, names, bw)
	}
	if conditional {
		if d.DefaultBranch != "" && !seen[d.DefaultBranch] {
			c.bad(where, "default_branch %q is not a branch", d.DefaultBranch)
		}
		if defaults > 1 {
			c.bad(where, "%d branches have no condition; at most one may be the default", defaults)
		}
	}
}

func (c *compiler) loop(d *Def, top visible, names map[string]bool, where string) {
	it := d.Iterator
	if it == nil {
		c.bad(where, "a loop needs an iterator: range, collection or while_condition")
		return
	}
	kinds := 0
	if it.Range {
		kinds++
		if it.RangeStep == 0 {
			it.RangeStep = 1
		}
		if (it.End-it.Start)*it.RangeStep < 0 {
			c.bad(where, "range from %d to %d never ends with step %d", it.Start, it.End, it.RangeStep)
		}
	}
	if it.Collection != nil {
		kinds++
		it.collection = c.template(it.Collection, top, where, "collection")
	}
	if it.While != nil {
		kinds++
		if it.MaxIterations <= 0 {
			c.bad(where, "a while loop needs max_iterations (a loop without a bound never ends)")
		}
		c.cond(it.While, visible{names: top.names, inLoop: true}, where+": while_condition")
	}
	if kinds != 1 {
		c.bad(where, "a loop needs exactly one of range, collection and while_condition (got %d)", kinds)
	}
	if it.MaxIterations < 0 || it.MaxIterations > maxIterations {
		c.bad(where, "max_iterations must be between 1 and %d", maxIterations)
	}
	if len(d.Steps) == 0 {
		c.bad(where, "a loop needs body steps")
	}
	body := visible{names: top.names, inLoop: true}
	c.steps(d.Steps, body, names, where)
	if it.BreakWhen != nil {
		all := visible{names: map[string]bool{}, inLoop: true}
		for _, s := range d.Steps {
			all.names[s.Name] = true
		}
		c.cond(it.BreakWhen, all, where+": break_when")
	}
}

// template compiles a value with {{references}} and checks them against
// what is visible there; nil after a reported problem.
func (c *compiler) template(raw value.Value, v visible, where, what string) *template {
	t, err := compileTemplate(raw)
	if err != nil {
		c.bad(where, "%s: %v", what, err)
		return nil
	}
	c.checkRefs(t.refs(), v, where+": "+what)
	return t
}

func (c *compiler) cond(cd *Cond, v visible, where string) {
	if cd.Fn != nil {
		return
	}
	e, err := parseExpr(cd.Expr)
	if err != nil {
		c.bad(where, "%v", err)
		return
	}
	cd.e = e
	c.checkRefs(e.refs(), v, where)
}

// checkRefs reports references to steps that are not visible there and
// loop references outside loops.
func (c *compiler) checkRefs(refs [][]pathPart, v visible, where string) {
	for _, p := range refs {
		switch p[0].field {
		case "steps":
			if len(p) < 2 || p[1].isIdx {
				c.bad(where, "a step reference needs a name: steps.<name>.output")
				continue
			}
			if !v.names[p[1].field] {
				c.bad(where, "steps.%s: no step %q runs before this point", p[1].field, p[1].field)
			}
			if len(p) > 2 && !p[2].isIdx {
				switch p[2].field {
				case "output", "success", "succeeded", "failed", "error", "duration_ms":
				default:
					c.bad(where, "steps.%s.%s: a step has output, success, succeeded, failed, error and duration_ms", p[1].field, p[2].field)
				}
			}
		case "loop":
			if !v.inLoop {
				c.bad(where, "loop.%s outside a loop", pathString(p[1:]))
			}
			if len(p) > 1 && p[1].field != "item" && p[1].field != "index" {
				c.bad(where, "loop has item and index, not %q", p[1].field)
			}
		}
	}
}

func (c *compiler) steps(steps []Step, v visible, names map[string]bool, where string) {
	for i := range steps {
		s := &steps[i]
		if s.Name == "" {
			s.Name = fmt.Sprintf("%s_%d", orDefault(s.Type, "step"), i+1)
		}
		sw := where + "." + s.Name
		if names[s.Name] {
			c.bad(sw, "two steps are named %q", s.Name)
		}
		names[s.Name] = true
		c.step(s, v, sw)
		v = v.with(s.Name)
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (c *compiler) step(s *Step, v visible, where string) {
	switch s.ErrorStrategy {
	case "", FailFast, Continue, Retry:
	default:
		c.bad(where, "error_strategy %q is not fail_fast, continue or retry", s.ErrorStrategy)
	}
	if s.Timeout < 0 {
		c.bad(where, "timeout_ms must not be negative")
	}
	if s.Input != nil {
		s.input = c.template(s.Input, v, where, "input")
	}
	if s.When != nil {
		c.cond(s.When, v, where+": when")
	}
	deps := c.reg.deps
	switch s.Type {
	case StepTool:
		if s.Tool == "" {
			c.bad(where, "a tool step needs tool")
		} else if deps.Tools == nil {
			c.bad(where, "this engine has no tools")
		} else if _, ok := deps.Tools.Get(s.Tool); !ok {
			c.bad(where, "no tool named %q", s.Tool)
		}
	case StepAgent:
		if s.Agent == "" {
			c.bad(where, "an agent step needs agent")
		} else if deps.Agents == nil {
			c.bad(where, "this engine has no agents")
		} else if _, ok := deps.Agents.Get(s.Agent); !ok {
			c.bad(where, "no agent named %q", s.Agent)
		}
	case StepWorkflow:
		switch {
		case s.Workflow != nil:
			c.def(s.Workflow, where)
		case s.WorkflowName != "":
			if c.nested(s.WorkflowName, where) {
				break
			}
			w, ok := c.reg.Get(s.WorkflowName)
			if !ok {
				c.bad(where, "no workflow named %q", s.WorkflowName)
				break
			}
			// Its own compile checked it; walk its named children for
			// cycles through this one.
			c.cycles(w.def, where)
		default:
			c.bad(where, "a workflow step needs workflow (a name or a definition)")
		}
	case StepFunction:
		switch {
		case s.Fn != nil:
		case s.Function != "":
			if deps.Tools == nil {
				c.bad(where, "this engine has no tools")
			} else if _, ok := deps.Tools.Get(s.Function); !ok {
				c.bad(where, "no tool named %q (a function step by name calls a registered tool)", s.Function)
			}
		default:
			c.bad(where, "a function step needs fn")
		}
	case StepInput:
	case "":
		c.bad(where, "the step needs a type: tool, agent, workflow, function or input")
	default:
		c.bad(where, "step type %q is not tool, agent, workflow, function or input", s.Type)
	}
}

// nested reports (and records) a reference to a workflow being compiled.
func (c *compiler) nested(name, where string) bool {
	for _, n := range c.nesting {
		if n == name {
			c.bad(where, "workflow %q contains itself (%s)", name, strings.Join(append(c.nesting, name), " -> "))
			return true
		}
	}
	return false
}

// cycles walks a registered workflow's named sub-workflows looking for one
// being compiled.
func (c *compiler) cycles(d *Def, where string) {
	for _, n := range c.nesting {
		if n == d.Name {
			c.bad(where, "workflow %q contains itself (%s)", d.Name, strings.Join(append(c.nesting, d.Name), " -> "))
			return
		}
	}
	c.nesting = append(c.nesting, d.Name)
	defer func() { c.nesting = c.nesting[:len(c.nesting)-1] }()
	walk := func(steps []Step) {
		for _, s := range steps {
			switch {
			case s.Workflow != nil:
				c.cycles(s.Workflow, where)
			case s.WorkflowName != "":
				if c.nested(s.WorkflowName, where) {
					continue
				}
				if w, ok := c.reg.Get(s.WorkflowName); ok {
					c.cycles(w.def, where)
				}
			}
		}
	}
	walk(d.Steps)
	for _, b := range d.Branches {
		walk(b.Steps)
	}
}
