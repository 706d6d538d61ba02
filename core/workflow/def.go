package workflow

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// The workflow types.
const (
	Sequential  = "sequential"
	Parallel    = "parallel"
	Conditional = "conditional"
	Loop        = "loop"
)

// Types lists the workflow types.
var Types = []string{Sequential, Parallel, Conditional, Loop}

// The step kinds.
const (
	StepTool     = "tool"
	StepAgent    = "agent"
	StepWorkflow = "workflow"
	StepFunction = "function"
	// StepInput pauses the run until Resume gives the step its output
	// (human input).
	StepInput = "input"
)

// The error strategies.
const (
	FailFast = "fail_fast" // the first failing step fails the workflow
	Continue = "continue"  // failures are recorded; the workflow goes on
	Retry    = "retry"     // a failing step is retried with backoff, then fails fast
)

// The loop aggregations.
const (
	CollectAll = "collect" // every iteration's output, in order
	LastOnly   = "last"
	FirstN     = "first_n"
	LastN      = "last_n"
	NoOutput   = "none"
)

// Func is a function step or condition written in a host language: it
// gets the step's resolved input and a view of the run.
type Func func(ctx context.Context, sc *StepContext) (value.Value, error)

// StepContext is what a function step sees.
type StepContext struct {
	RunID    string
	Workflow string
	Step     string
	// Input is the step's resolved input (its "input" field).
	Input value.Value
	// WorkflowInput is the input the run started with.
	WorkflowInput value.Value
	// Steps maps the names of the steps run so far in scope to {output,
	// success}.
	Steps value.Map
	// Loop is {item, index} inside a loop body, else nil.
	Loop value.Map
	// Shared is the run's shared context; use Get and Set, which are safe
	// from parallel branches.
	shared *shared
}

// Shared returns a copy of the shared context.
func (sc *StepContext) Shared() value.Map { return sc.shared.snapshot() }

// GetShared reads one key of the shared context.
func (sc *StepContext) GetShared(key string) value.Value { return sc.shared.get(key) }

// SetShared writes one key of the shared context.
func (sc *StepContext) SetShared(key string, v value.Value) { sc.shared.set(key, v) }

// Map returns the context as the value scripts receive.
func (sc *StepContext) Map() value.Map {
	m := value.Map{"run_id": sc.RunID, "workflow": sc.Workflow, "step": sc.Step, "input": sc.Input,
		"workflow_input": sc.WorkflowInput, "steps": sc.Steps, "shared": sc.Shared()}
	if sc.Loop != nil {
		m["loop"] = sc.Loop
	}
	return m
}

// Cond is a condition: an expression (see expr.go), or a host function
// whose result is read as a boolean.
type Cond struct {
	Expr string
	Fn   Func
	e    *expr
}

// RetryPolicy bounds the retry error strategy.
type RetryPolicy struct {
	MaxAttempts int           // default 3
	Backoff     time.Duration // first delay, doubled each attempt; default 100 ms
}

// Step is one step of a workflow.
type Step struct {
	Name string
	Type string
	// Tool, Agent, Function name what the step runs. A function step has
	// either Fn (a host function) or Function (a registered tool called
	// as a function: how C and the bindings give closures to JSON
	// workflows).
	Tool     string
	Agent    string
	Function string
	Fn       Func
	// Workflow is a nested workflow: inline, or by name (WorkflowName).
	Workflow     *Def
	WorkflowName string
	// Input is the step's input; strings may hold {{references}}.
	Input value.Value
	// When, if set, must hold or the step is skipped.
	When *Cond
	// ErrorStrategy overrides the workflow's for this step.
	ErrorStrategy string
	Retry         RetryPolicy
	Timeout       time.Duration
	// Prompt is shown for an input step.
	Prompt string

	input *template
}

// Branch is a branch of a parallel or conditional workflow.
type Branch struct {
	Name  string
	Steps []Step
	// Condition selects a conditional branch; nil on the default branch.
	Condition *Cond
	// Optional marks a parallel branch whose failure does not fail the
	// workflow.
	Optional bool
}

// Iterator drives a loop: a range, a collection, or a while condition.
type Iterator struct {
	// Range: Start, End (exclusive) and Step (default 1).
	Range                 bool
	Start, End, RangeStep int64
	// Collection is a list, or a "{{reference}}" to one.
	Collection value.Value
	While      *Cond
	// MaxIterations bounds every loop (required for while loops).
	MaxIterations int
	// BreakWhen ends the loop after an iteration where it holds.
	BreakWhen *Cond

	collection *template
}

// Def defines a workflow. Build one in Go, or read one from a JSON or
// script table with FromMap.
type Def struct {
	Name        string
	Description string
	Type        string
	// Steps of a sequential workflow, or the body of a loop.
	Steps []Step
	// Branches of a parallel or conditional workflow.
	Branches []Branch
	// DefaultBranch names the conditional branch taken when no condition
	// holds (a branch without a condition is the default too).
	DefaultBranch string
	// RunAll makes a conditional workflow run every matching branch, not
	// only the first.
	RunAll bool
	// MaxConcurrency bounds parallel branches (0: all at once).
	MaxConcurrency int
	// WaitAll lets a parallel workflow finish every branch after a
	// required one failed (default: fail fast, cancelling the others).
	WaitAll   bool
	Iterator  *Iterator
	Aggregate string
	// AggregateN is n for first_n and last_n.
	AggregateN    int
	ErrorStrategy string
	Retry         RetryPolicy
	Timeout       time.Duration
	// Output, when set, is the workflow's output, with {{references}};
	// otherwise the output is the last step's (sequential), the branch
	// outputs by name (parallel), the taken branch's output (conditional)
	// or the aggregate (loop).
	Output value.Value

	output *template
}

// ---- reading definitions from maps -----------------------------------------

// FromMap reads a workflow definition from the table/JSON form of
// SCRIPT_API.md. Host functions (script functions) are read by fnOf,
// which may be nil when the form is pure JSON. Every problem is
// reported at once, as invalid_argument.
func FromMap(m value.Map, fnOf func(v value.Value) (Func, bool)) (*Def, error) {
	r := &reader{fnOf: fnOf}
	d := r.def(m, "workflow")
	if len(r.problems) > 0 {
		return nil, errs.New(errs.KindInvalidArgument, "workflow definition: %s", strings.Join(r.problems, "; "))
	}
	return d, nil
}

type reader struct {
	fnOf     func(v value.Value) (Func, bool)
	problems []string
}

func (r *reader) bad(where, format string, args ...any) {
	r.problems = append(r.problems, where+": "+fmt.Sprintf(format, args...))
}

func (r *reader) keys(m value.Map, where string, known ...string) {
	for k := range m {
		found := false
		for _, kn := range known {
			if k == kn {
				found = true
				break
			}
		}
		if !found {
			sort.Strings(known)
			r.bad(where, "unknown key %q (known: %s)", k, strings.Join(known, ", "))
		}
	}
}

func (r *reader) str(m value.Map, key, where string) string {
	v, ok := m[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.bad(where, "%s must be a string, got %s", key, value.TypeOf(v))
	}
	return s
}

func (r *reader) integer(m value.Map, key, where string) int64 {
	v, ok := m[key]
	if !ok || v == nil {
		return 0
	}
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		if n == float64(int64(n)) {
			return int64(n)
		}
	}
	r.bad(where, "%s must be a whole number, got %v", key, v)
	return 0
}

func (r *reader) boolean(m value.Map, key, where string) bool {
	v, ok := m[key]
	if !ok || v == nil {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		r.bad(where, "%s must be a boolean, got %s", key, value.TypeOf(v))
	}
	return b
}

func (r *reader) list(m value.Map, key, where string) value.List {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	switch l := v.(type) {
	case value.List:
		return l
	case value.Map:
		if len(l) == 0 { // an empty Lua table
			return nil
		}
	}
	r.bad(where, "%s must be a list, got %s", key, value.TypeOf(v))
	return nil
}

func (r *reader) cond(v value.Value, where string) *Cond {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return &Cond{Expr: x}
	case bool:
		if x {
			return &Cond{Expr: "true"}
		}
		return &Cond{Expr: "false"}
	}
	if r.fnOf != nil {
		if f, ok := r.fnOf(v); ok {
			return &Cond{Fn: f}
		}
	}
	r.bad(where, "a condition must be an expression string or a function, got %s", value.TypeOf(v))
	return nil
}

func (r *reader) duration(m value.Map, key, where string) time.Duration {
	n := r.integer(m, key, where)
	if n < 0 {
		r.bad(where, "%s must not be negative", key)
	}
	return time.Duration(n) * time.Millisecond
}

func (r *reader) retry(m value.Map, where string) RetryPolicy {
	v, ok := m["retry"]
	if !ok || v == nil {
		return RetryPolicy{}
	}
	rm, ok := v.(value.Map)
	if !ok {
		r.bad(where, "retry must be a table/object {max_attempts, backoff_ms}")
		return RetryPolicy{}
	}
	r.keys(rm, where+".retry", "max_attempts", "backoff_ms")
	return RetryPolicy{MaxAttempts: int(r.integer(rm, "max_attempts", where)), Backoff: r.duration(rm, "backoff_ms", where)}
}

func (r *reader) steps(l value.List, where string) []Step {
	out := make([]Step, 0, len(l))
	for i, item := range l {
		sm, ok := item.(value.Map)
		if !ok {
			r.bad(fmt.Sprintf("%s.steps[%d]", where, i+1), "a step must be a table/object")
			continue
		}
		out = append(out, r.step(sm, fmt.Sprintf("%s.steps[%d]", where, i+1)))
	}
	return out
}

func (r *reader) step(m value.Map, where string) Step {
	r.keys(m, where, "name", "type", "tool", "agent", "workflow", "function", "fn", "input", "when", "condition",
		"error_strategy", "on_error", "retry", "timeout_ms", "prompt")
	s := Step{Name: r.str(m, "name", where), Type: r.str(m, "type", where), Tool: r.str(m, "tool", where),
		Agent: r.str(m, "agent", where), Input: m["input"], ErrorStrategy: r.str(m, "error_strategy", where),
		Retry: r.retry(m, where), Timeout: r.duration(m, "timeout_ms", where), Prompt: r.str(m, "prompt", where)}
	if s.Name != "" {
		where += " (" + s.Name + ")"
	}
	if s.ErrorStrategy == "" {
		s.ErrorStrategy = r.str(m, "on_error", where)
	}
	if w, ok := m["when"]; ok {
		s.When = r.cond(w, where)
	} else if c, ok := m["condition"]; ok {
		s.When = r.cond(c, where)
	}
	switch f := m["fn"].(type) {
	case nil:
	case string:
		s.Function = f
	default:
		if r.fnOf != nil {
			if fn, ok := r.fnOf(f); ok {
				s.Fn = fn
				break
			}
		}
		r.bad(where, "fn must be a function, got %s", value.TypeOf(f))
	}
	if fname := r.str(m, "function", where); fname != "" {
		s.Function = fname
	}
	switch w := m["workflow"].(type) {
	case nil:
	case string:
		s.WorkflowName = w
	case value.Map:
		s.Workflow = r.def(w, where+".workflow")
	default:
		if d, ok := w.(interface{ Definition() *Def }); ok {
			s.Workflow = d.Definition()
			break
		}
		r.bad(where, "workflow must be a name or a definition, got %s", value.TypeOf(w))
	}
	if s.Type == "" { // inferred from what the step names
		switch {
		case s.Tool != "":
			s.Type = StepTool
		case s.Agent != "":
			s.Type = StepAgent
		case s.Workflow != nil || s.WorkflowName != "":
			s.Type = StepWorkflow
		case s.Fn != nil || s.Function != "":
			s.Type = StepFunction
		}
	}
	return s
}

func (r *reader) def(m value.Map, where string) *Def {
	r.keys(m, where, "name", "description", "type", "steps", "branches", "default_branch", "run_all", "max_concurrency",
		"wait_all", "fail_fast", "iterator", "body", "aggregate", "aggregate_n", "error_strategy", "retry", "timeout_ms",
		"output", "max_iterations", "break_when")
	d := &Def{Name: r.str(m, "name", where), Description: r.str(m, "description", where), Type: r.str(m, "type", where),
		DefaultBranch: r.str(m, "default_branch", where), RunAll: r.boolean(m, "run_all", where),
		MaxConcurrency: int(r.integer(m, "max_concurrency", where)), WaitAll: r.boolean(m, "wait_all", where),
		Aggregate: r.str(m, "aggregate", where), AggregateN: int(r.integer(m, "aggregate_n", where)),
		ErrorStrategy: r.str(m, "error_strategy", where), Retry: r.retry(m, where),
		Timeout: r.duration(m, "timeout_ms", where), Output: m["output"]}
	if d.Name != "" {
		where = d.Name
	}
	if ff, ok := m["fail_fast"].(bool); ok {
		d.WaitAll = !ff
	}
	d.Steps = r.steps(r.list(m, "steps", where), where)
	if body, ok := m["body"]; ok && body != nil {
		switch b := body.(type) {
		case value.Map:
			d.Steps = append(d.Steps, r.steps(r.list(b, "steps", where+".body"), where+".body")...)
		case value.List:
			d.Steps = append(d.Steps, r.steps(b, where+".body")...)
		default:
			r.bad(where, "body must be {steps = {...}} or a list of steps")
		}
	}
	for i, item := range r.list(m, "branches", where) {
		bw := fmt.Sprintf("%s.branches[%d]", where, i+1)
		bm, ok := item.(value.Map)
		if !ok {
			r.bad(bw, "a branch must be a table/object")
			continue
		}
		r.keys(bm, bw, "name", "steps", "condition", "optional", "required")
		b := Branch{Name: r.str(bm, "name", bw), Steps: r.steps(r.list(bm, "steps", bw), bw),
			Optional: r.boolean(bm, "optional", bw)}
		if req, ok := bm["required"].(bool); ok {
			b.Optional = !req
		}
		if c, ok := bm["condition"]; ok {
			b.Condition = r.cond(c, bw)
		}
		d.Branches = append(d.Branches, b)
	}
	if it, ok := m["iterator"]; ok && it != nil {
		im, ok := it.(value.Map)
		if !ok {
			r.bad(where, "iterator must be a table/object")
		} else {
			d.Iterator = r.iterator(im, where+".iterator")
		}
	}
	if n := r.integer(m, "max_iterations", where); n != 0 {
		if d.Iterator == nil {
			d.Iterator = &Iterator{}
		}
		d.Iterator.MaxIterations = int(n)
	}
	if bw, ok := m["break_when"]; ok {
		if d.Iterator == nil {
			d.Iterator = &Iterator{}
		}
		d.Iterator.BreakWhen = r.cond(bw, where)
	}
	return d
}

func (r *reader) iterator(m value.Map, where string) *Iterator {
	r.keys(m, where, "range", "collection", "items", "while_condition", "while", "max_iterations", "break_when")
	it := &Iterator{MaxIterations: int(r.integer(m, "max_iterations", where))}
	if rv, ok := m["range"]; ok && rv != nil {
		rm, ok := rv.(value.Map)
		if !ok {
			r.bad(where, "range must be {start, end, step}")
		} else {
			r.keys(rm, where+".range", "start", "end", "step")
			if _, ok := rm["end"]; !ok {
				r.bad(where, "range needs an end")
			}
			it.Range, it.Start, it.End, it.RangeStep = true, r.integer(rm, "start", where), r.integer(rm, "end", where), r.integer(rm, "step", where)
		}
	}
	for _, k := range []string{"collection", "items"} {
		if c, ok := m[k]; ok && c != nil {
			it.Collection = c
		}
	}
	for _, k := range []string{"while_condition", "while"} {
		if c, ok := m[k]; ok && c != nil {
			it.While = r.cond(c, where)
		}
	}
	if bw, ok := m["break_when"]; ok {
		it.BreakWhen = r.cond(bw, where)
	}
	return it
}

// ---- writing definitions back ----------------------------------------------

// Map returns the definition in the form FromMap reads. ok is false when
// it holds host functions, which cannot be written down (such a workflow
// can be resumed only where it is registered again under its name).
func (d *Def) Map() (m value.Map, ok bool) {
	ok = true
	var stepsMap func(steps []Step) value.List
	cond := func(c *Cond) value.Value {
		if c == nil {
			return nil
		}
		if c.Fn != nil {
			ok = false
			return nil
		}
		return c.Expr
	}
	retry := func(r RetryPolicy) value.Value {
		if r == (RetryPolicy{}) {
			return nil
		}
		return value.Map{"max_attempts": int64(r.MaxAttempts), "backoff_ms": r.Backoff.Milliseconds()}
	}
	put := func(m value.Map, k string, v value.Value) {
		switch x := v.(type) {
		case nil:
			return
		case string:
			if x == "" {
				return
			}
		case int64:
			if x == 0 {
				return
			}
		case bool:
			if !x {
				return
			}
		}
		m[k] = v
	}
	stepsMap = func(steps []Step) value.List {
		out := make(value.List, len(steps))
		for i, s := range steps {
			sm := value.Map{"name": s.Name, "type": s.Type}
			put(sm, "tool", s.Tool)
			put(sm, "agent", s.Agent)
			put(sm, "function", s.Function)
			if s.Fn != nil {
				ok = false
			}
			if s.Workflow != nil {
				wm, wok := s.Workflow.Map()
				ok = ok && wok
				sm["workflow"] = wm
			} else {
				put(sm, "workflow", s.WorkflowName)
			}
			put(sm, "input", s.Input)
			put(sm, "when", cond(s.When))
			put(sm, "error_strategy", s.ErrorStrategy)
			put(sm, "retry", retry(s.Retry))
			put(sm, "timeout_ms", s.Timeout.Milliseconds())
			put(sm, "prompt", s.Prompt)
			out[i] = sm
		}
		return out
	}
	m = value.Map{"name": d.Name, "type": d.Type}
	put(m, "description", d.Description)
	if len(d.Steps) > 0 {
		m["steps"] = stepsMap(d.Steps)
	}
	if len(d.Branches) > 0 {
		bl := make(value.List, len(d.Branches))
		for i, b := range d.Branches {
			bm := value.Map{"name": b.Name, "steps": stepsMap(b.Steps)}
			put(bm, "condition", cond(b.Condition))
			put(bm, "optional", b.Optional)
			bl[i] = bm
		}
		m["branches"] = bl
	}
	put(m, "default_branch", d.DefaultBranch)
	put(m, "run_all", d.RunAll)
	put(m, "max_concurrency", int64(d.MaxConcurrency))
	put(m, "wait_all", d.WaitAll)
	if it := d.Iterator; it != nil {
		im := value.Map{}
		if it.Range {
			im["range"] = value.Map{"start": it.Start, "end": it.End, "step": it.RangeStep}
		}
		put(im, "collection", it.Collection)
		put(im, "while_condition", cond(it.While))
		put(im, "max_iterations", int64(it.MaxIterations))
		put(im, "break_when", cond(it.BreakWhen))
		m["iterator"] = im
	}
	put(m, "aggregate", d.Aggregate)
	put(m, "aggregate_n", int64(d.AggregateN))
	put(m, "error_strategy", d.ErrorStrategy)
	put(m, "retry", retry(d.Retry))
	put(m, "timeout_ms", d.Timeout.Milliseconds())
	put(m, "output", d.Output)
	return m, ok
}
