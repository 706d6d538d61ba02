package workflow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/llmspell/llmspell-go/core/agent"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/hook"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// The statuses of a run.
const (
	StatusRunning      = "running"
	StatusCompleted    = "completed"
	StatusFailed       = "failed"
	StatusWaitingInput = "waiting_input"
	StatusCancelled    = "cancelled"
	StatusTimeout      = "timeout"
)

// maxNesting bounds workflows inside workflows at run time (cycles are
// refused at build time; this is the safety net).
const maxNesting = 32

// RunOptions are the optional settings of one run.
type RunOptions struct {
	// RunID names the run (for resume from elsewhere); empty: generated.
	RunID string
	// Timeout bounds the run on top of the workflow's own timeout.
	Timeout time.Duration
}

// RunOptionsFromMap reads the options of a run from their table/JSON form
// {run_id?, timeout_ms?}, shared by scripts, the C ABI and the bindings.
// what names the options in errors ("options", "options_json"). Unknown
// keys and wrong types are invalid_argument.
func RunOptionsFromMap(m value.Map, what string) (*RunOptions, error) {
	opts := &RunOptions{}
	for k, v := range m {
		switch k {
		case "run_id":
			s, ok := v.(string)
			if !ok {
				return nil, errs.New(errs.KindInvalidArgument, "%s.run_id must be a string", what)
			}
			opts.RunID = s
		case "timeout_ms":
			n, ok := v.(int64)
			if !ok || n < 0 {
				return nil, errs.New(errs.KindInvalidArgument, "%s.timeout_ms must be a non-negative whole number", what)
			}
			opts.Timeout = time.Duration(n) * time.Millisecond
		default:
			return nil, errs.New(errs.KindInvalidArgument, "%s: unknown key %q (known: run_id, timeout_ms)", what, k)
		}
	}
	return opts, nil
}

// StepResult is what one step did.
type StepResult struct {
	Name string
	// Path locates the step in the run: "fetch", "each[2].score",
	// "fanout.left.ask", "sub/inner".
	Path     string
	Type     string
	Success  bool
	Skipped  bool
	Restored bool // taken from the checkpoint by a resume
	Output   value.Value
	Error    *errs.Error
	Attempts int
	Started  time.Time
	Duration time.Duration
}

// Map returns {name, path, type, success, output, error?, skipped?,
// restored?, attempts, duration_ms}.
func (s *StepResult) Map() value.Map {
	m := value.Map{"name": s.Name, "path": s.Path, "type": s.Type, "success": s.Success, "output": s.Output,
		"attempts": int64(s.Attempts), "duration_ms": float64(s.Duration.Microseconds()) / 1000}
	if s.Error != nil {
		m["error"] = s.Error.Error()
		m["error_kind"] = s.Error.Kind.String()
	}
	if s.Skipped {
		m["skipped"] = true
	}
	if s.Restored {
		m["restored"] = true
	}
	return m
}

// Result is a finished (or paused) run.
type Result struct {
	RunID    string
	Workflow string
	Status   string
	// Success is true when the run completed: under the continue strategy
	// a run with failed steps still completes.
	Success  bool
	Output   value.Value
	Steps    []*StepResult
	Duration time.Duration
	Error    *errs.Error
	// PendingStep and Prompt name the input step a paused run waits for.
	PendingStep string
	Prompt      string
}

// Map returns the result in the shape of SCRIPT_API.md: {success, output,
// steps, duration_ms, error?} plus run_id, workflow, status and, for a
// paused run, pending_step and prompt.
func (r *Result) Map() value.Map {
	steps := make(value.List, len(r.Steps))
	for i, s := range r.Steps {
		steps[i] = s.Map()
	}
	m := value.Map{"run_id": r.RunID, "workflow": r.Workflow, "status": r.Status, "success": r.Success,
		"output": r.Output, "steps": steps, "duration_ms": float64(r.Duration.Microseconds()) / 1000}
	if r.Error != nil {
		m["error"] = r.Error.Error()
		m["error_kind"] = r.Error.Kind.String()
	}
	if r.PendingStep != "" {
		m["pending_step"] = r.PendingStep
		m["prompt"] = r.Prompt
	}
	return m
}

// shared is a run's shared context, safe for parallel branches.
type shared struct {
	mu      sync.Mutex
	m       value.Map
	version int
}

func (s *shared) get(k string) value.Value {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k]
}

func (s *shared) set(k string, v value.Value) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = v
	s.version++
}

func (s *shared) snapshot() value.Map {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(value.Map, len(s.m))
	for k, v := range s.m {
		out[k] = v
	}
	return out
}

// run is the state of one execution.
type run struct {
	reg    *Registry
	id     string
	wf     *Workflow
	input  value.Value
	shared *shared
	depth  int

	mu      sync.Mutex
	results []*StepResult
	seq     int
	// recorded holds the successful steps of an earlier attempt, by
	// path (resume).
	recorded map[string]*StepResult
	// answer is the input a resume gives the pending input step.
	answerPath string
	answer     value.Value
	persisted  int    // shared.version last written
	startedAt  string // when the run (its first attempt) started
}

// scope resolves step references: the steps of the current sequence and
// of the enclosing ones.
type scope struct {
	parent *scope
	steps  map[string]*StepResult
	loop   value.Map
	run    *run
}

func (sc *scope) child() *scope {
	return &scope{parent: sc, steps: map[string]*StepResult{}, run: sc.run}
}

func (sc *scope) put(r *StepResult) {
	sc.steps[r.Name] = r
}

func (sc *scope) find(name string) (*StepResult, bool) {
	for s := sc; s != nil; s = s.parent {
		if r, ok := s.steps[name]; ok {
			return r, true
		}
	}
	return nil, false
}

func (sc *scope) lookup(path []pathPart) (value.Value, error) {
	switch path[0].field {
	case "input":
		return walk(sc.run.input, path[1:], "input")
	case "shared":
		return walk(sc.run.shared.snapshot(), path[1:], "shared")
	case "loop":
		for s := sc; s != nil; s = s.parent {
			if s.loop != nil {
				return walk(s.loop, path[1:], "loop")
			}
		}
		return nil, errs.New(errs.KindInvalidArgument, "loop.%s outside a loop", pathString(path[1:]))
	case "steps":
		if len(path) < 2 {
			return nil, errs.New(errs.KindInvalidArgument, "a step reference needs a name")
		}
		name := path[1].field
		r, ok := sc.find(name)
		if !ok {
			return nil, errs.New(errs.KindNotFound, "step %q has not run (skipped, in a branch not taken, or failed before it)", name)
		}
		if len(path) == 2 {
			return value.Map{"output": r.Output, "success": r.Success}, nil
		}
		switch path[2].field {
		case "output":
			return walk(r.Output, path[3:], "steps."+name+".output")
		case "success", "succeeded":
			return r.Success, nil
		case "failed":
			return !r.Success, nil
		case "error":
			if r.Error == nil {
				return nil, nil
			}
			return r.Error.Error(), nil
		case "duration_ms":
			return float64(r.Duration.Microseconds()) / 1000, nil
		}
		return nil, errs.New(errs.KindInvalidArgument, "steps.%s.%s: no such field", name, path[2].field)
	}
	return nil, errs.New(errs.KindInvalidArgument, "unknown reference %s", pathString(path))
}

// stepsView is the steps in scope as {name = {output, success}}.
func (sc *scope) stepsView() value.Map {
	out := value.Map{}
	var chain []*scope
	for s := sc; s != nil; s = s.parent {
		chain = append(chain, s)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		for n, r := range chain[i].steps {
			out[n] = value.Map{"output": r.Output, "success": r.Success}
		}
	}
	return out
}

func (sc *scope) loopView() value.Map {
	for s := sc; s != nil; s = s.parent {
		if s.loop != nil {
			return s.loop
		}
	}
	return nil
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// errPaused stops a run at an input step with no answer yet.
type errPaused struct{ path, prompt string }

func (e *errPaused) Error() string { return "waiting for input at " + e.path }

// Execute runs the workflow with input. Step failures are in the result
// (Success false, Error set); the returned error is for the run as a
// whole: cancelled, timeout, or a hook refusing it. The run is
// checkpointed in the store after every step, so Resume can finish it.
func (w *Workflow) Execute(ctx context.Context, input value.Value, opts *RunOptions) (res *Result, err error) {
	if on := w.reg.deps.OnRun; on != nil {
		outer := ctx
		ctx = tool.WithParent(ctx, "workflow:"+w.def.Name)
		defer func() { on(outer, w.def.Name, input, res, err) }()
	}
	if opts == nil {
		opts = &RunOptions{}
	}
	id := opts.RunID
	if id == "" {
		id = newID()
	} else if err := validRunID(id); err != nil {
		return nil, err
	} else if _, ok, err := w.reg.loadHeader(id); err != nil {
		return nil, err
	} else if ok {
		return nil, errs.New(errs.KindConflict, "a run with id %q exists; resume it instead", id)
	}
	if err := requireData(input); err != nil {
		return nil, err
	}
	rn := &run{reg: w.reg, id: id, wf: w, input: input, shared: &shared{m: value.Map{}}}
	w.reg.indexRun(id)
	defer w.reg.maybePrune()
	return rn.execute(ctx, opts.Timeout, true)
}

func requireData(v value.Value) error {
	if _, err := value.Normalize(v); err != nil {
		return errs.Wrap(errs.KindInvalidArgument, err, "workflow input")
	}
	return nil
}

// execute runs the whole workflow between its start and complete hooks.
func (rn *run) execute(ctx context.Context, timeout time.Duration, fresh bool) (*Result, error) {
	w := rn.wf
	d := w.def
	start := time.Now()
	for _, t := range []time.Duration{d.Timeout, timeout} {
		if t > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeoutCause(ctx, t, errs.New(errs.KindTimeout, "workflow %s exceeded its timeout of %s", d.Name, t))
			defer cancel()
		}
	}
	r := rn.reg
	rn.saveHeader(StatusRunning, nil, nil)
	r.publish("workflow.started", value.Map{"workflow": d.Name, "run_id": rn.id, "resumed": !fresh}, rn.id)
	comp := hook.Component{Type: "workflow", Name: d.Name}
	op := func(ctx context.Context, data value.Value) (value.Value, error) {
		if dm, ok := data.(value.Map); ok {
			if in, ok := dm["input"]; ok {
				rn.input = in
			}
		}
		res := rn.body(ctx, start)
		return res.Map(), nil
	}
	var out value.Value
	var err error
	if r.deps.Hooks != nil {
		out, err = r.deps.Hooks.Around(ctx, hook.BeforeWorkflowStart, hook.AfterWorkflowComplete, comp,
			value.Map{"workflow": d.Name, "run_id": rn.id, "input": rn.input}, op)
	} else {
		out, err = op(ctx, nil)
	}
	if err != nil {
		rn.fail(ctx, err)
		rn.saveHeader(StatusFailed, nil, errs.As(err))
		return nil, err
	}
	res := rn.resultFromMap(out)
	switch res.Status {
	case StatusCancelled, StatusTimeout:
		rn.fail(ctx, res.Error)
		return nil, res.Error
	case StatusFailed:
		rn.fail(ctx, res.Error)
	}
	return res, nil
}

// resultFromMap rebuilds the result after the complete hook (which may
// have replaced it): step records come from the run itself.
func (rn *run) resultFromMap(v value.Value) *Result {
	m, _ := v.(value.Map)
	res := &Result{RunID: rn.id, Workflow: rn.wf.def.Name, Steps: rn.stepResults()}
	res.Status, _ = m["status"].(string)
	res.Success, _ = m["success"].(bool)
	res.Output = m["output"]
	if d, ok := value.Number(m["duration_ms"]); ok {
		res.Duration = time.Duration(d * float64(time.Millisecond))
	}
	if e, ok := m["error"].(string); ok {
		kind, _ := errs.ParseKind(fmt.Sprint(m["error_kind"]))
		res.Error = &errs.Error{Kind: kind, Message: strings.TrimPrefix(e, kind.String()+": ")}
	}
	res.PendingStep, _ = m["pending_step"].(string)
	res.Prompt, _ = m["prompt"].(string)
	if res.Status == "" {
		res.Status = StatusCompleted
		if !res.Success {
			res.Status = StatusFailed
		}
	}
	return res
}

func (rn *run) fail(ctx context.Context, err error) {
	r := rn.reg
	e := errs.As(err)
	if r.deps.Hooks != nil && r.deps.Hooks.Has(hook.WorkflowError) {
		r.deps.Hooks.Run(context.WithoutCancel(ctx), &hook.Context{Point: hook.WorkflowError,
			Component: hook.Component{Type: "workflow", Name: rn.wf.def.Name},
			Data:      value.Map{"run_id": rn.id, "error": e.Error(), "kind": e.Kind.String()}, CorrelationID: rn.id})
	}
	r.publish("workflow.failed", value.Map{"workflow": rn.wf.def.Name, "run_id": rn.id, "error": e.Error(), "kind": e.Kind.String()}, rn.id)
}

// body runs the definition and shapes the result.
func (rn *run) body(ctx context.Context, start time.Time) *Result {
	d := rn.wf.def
	root := &scope{steps: map[string]*StepResult{}, run: rn}
	out, err := rn.runDef(ctx, d, root, "")
	res := &Result{RunID: rn.id, Workflow: d.Name, Steps: rn.stepResults(), Duration: time.Since(start)}
	var paused *errPaused
	switch {
	case err == nil:
		res.Status, res.Success, res.Output = StatusCompleted, true, out
	case asPaused(err, &paused):
		res.Status, res.PendingStep, res.Prompt = StatusWaitingInput, paused.path, paused.prompt
		rn.reg.publish("workflow.paused", value.Map{"workflow": d.Name, "run_id": rn.id, "step": paused.path, "prompt": paused.prompt}, rn.id)
	case ctx.Err() != nil:
		res.Error = ctxError(ctx)
		res.Status = StatusCancelled
		if res.Error.Kind == errs.KindTimeout {
			res.Status = StatusTimeout
		}
	default:
		res.Status, res.Error = StatusFailed, errs.As(err)
	}
	rn.saveHeader(res.Status, res, res.Error)
	if res.Status == StatusCompleted {
		rn.reg.publish("workflow.completed", value.Map{"workflow": d.Name, "run_id": rn.id, "success": true,
			"duration_ms": float64(res.Duration.Microseconds()) / 1000}, rn.id)
	}
	return res
}

func asPaused(err error, p **errPaused) bool {
	e, ok := err.(*errPaused)
	if ok {
		*p = e
	}
	return ok
}

// ctxError is the context's end as a kinded error.
func ctxError(ctx context.Context) *errs.Error {
	if cause, ok := context.Cause(ctx).(*errs.Error); ok {
		return cause
	}
	if ctx.Err() == context.DeadlineExceeded {
		return errs.New(errs.KindTimeout, "workflow deadline exceeded")
	}
	return errs.New(errs.KindCancelled, "workflow cancelled")
}

func (rn *run) stepResults() []*StepResult {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	return append([]*StepResult(nil), rn.results...)
}

// runDef runs one definition in a scope. prefix is the path of the
// enclosing step ("" at the top).
func (rn *run) runDef(ctx context.Context, d *Def, sc *scope, prefix string) (value.Value, error) {
	switch d.Type {
	case Parallel:
		return rn.parallel(ctx, d, sc, prefix)
	case Conditional:
		return rn.conditional(ctx, d, sc, prefix)
	case Loop:
		return rn.loop(ctx, d, sc, prefix)
	}
	out, err := rn.sequence(ctx, d, d.Steps, sc, prefix)
	if err != nil {
		return nil, err
	}
	return rn.output(d, sc, out)
}

// output applies a declared output mapping.
func (rn *run) output(d *Def, sc *scope, def value.Value) (value.Value, error) {
	if d.output == nil {
		return def, nil
	}
	return d.output.resolve(sc)
}

func join(prefix, name string) string {
	if prefix == "" || strings.HasSuffix(prefix, "/") {
		return prefix + name
	}
	return prefix + "." + name
}

// sequence runs steps in order; it returns the last step's output.
func (rn *run) sequence(ctx context.Context, d *Def, steps []Step, sc *scope, prefix string) (value.Value, error) {
	var last value.Value
	for i := range steps {
		s := &steps[i]
		if err := ctx.Err(); err != nil {
			return nil, ctxError(ctx)
		}
		res, err := rn.step(ctx, d, s, sc, join(prefix, s.Name))
		if err != nil {
			return nil, err
		}
		if res.Skipped {
			continue
		}
		sc.put(res)
		if res.Success {
			last = res.Output
			continue
		}
		if strategy(d, s) != Continue {
			return nil, res.Error
		}
	}
	return last, nil
}

func strategy(d *Def, s *Step) string {
	if s.ErrorStrategy != "" {
		return s.ErrorStrategy
	}
	return d.ErrorStrategy
}

// step runs one step with its condition, hooks, retries and timeout. The
// error is for the run as a whole (cancelled, paused); a failing step is a
// result with Success false.
func (rn *run) step(ctx context.Context, d *Def, s *Step, sc *scope, path string) (*StepResult, error) {
	if rec, ok := rn.recorded[path]; ok {
		r := *rec
		r.Restored = true
		rn.add(&r)
		return &r, nil
	}
	res := &StepResult{Name: s.Name, Path: path, Type: s.Type, Started: time.Now()}
	if s.When != nil {
		ok, err := rn.truth(ctx, s.When, sc, path)
		if err != nil {
			res.Error = errs.As(err)
			rn.finish(res)
			return res, nil
		}
		if !ok {
			res.Skipped, res.Success = true, true
			rn.add(res)
			rn.reg.publish("workflow.step.skipped", value.Map{"workflow": d.Name, "run_id": rn.id, "step": path}, rn.id)
			return res, nil
		}
	}
	input, err := s.input.resolve(sc)
	if err != nil {
		res.Error = errs.Wrap(errs.KindOf(err), err, "step %s: input", path)
		rn.finish(res)
		return res, nil
	}
	rn.reg.publish("workflow.step.started", value.Map{"workflow": d.Name, "run_id": rn.id, "step": path, "type": s.Type}, rn.id)
	attempt := func(ctx context.Context, in value.Value) (value.Value, error) {
		policy := s.Retry
		if policy == (RetryPolicy{}) {
			policy = d.Retry
		}
		tries := 1
		if strategy(d, s) == Retry {
			tries = policy.MaxAttempts
			if tries <= 0 {
				tries = 3
			}
		}
		delay := policy.Backoff
		if delay <= 0 {
			delay = 100 * time.Millisecond
		}
		var out value.Value
		var err error
		for i := 0; i < tries; i++ {
			res.Attempts++
			out, err = rn.once(ctx, s, sc, in, path)
			if err == nil || !retryable(err) || ctx.Err() != nil || i+1 == tries {
				break
			}
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, ctxError(ctx)
			}
			delay *= 2
		}
		return out, err
	}
	var out value.Value
	if h := rn.reg.deps.Hooks; h != nil && (h.Has(hook.BeforeWorkflowStage) || h.Has(hook.AfterWorkflowStage)) {
		out, err = h.Around(ctx, hook.BeforeWorkflowStage, hook.AfterWorkflowStage, hook.Component{Type: "workflow", Name: d.Name},
			value.Map{"workflow": d.Name, "run_id": rn.id, "step": s.Name, "path": path, "type": s.Type, "input": input},
			func(ctx context.Context, data value.Value) (value.Value, error) {
				if dm, ok := data.(value.Map); ok {
					if in, ok := dm["input"]; ok {
						input = in
					}
				}
				return attempt(ctx, input)
			})
	} else {
		out, err = attempt(ctx, input)
	}
	if p, ok := err.(*errPaused); ok {
		return nil, p
	}
	if err != nil && ctx.Err() != nil {
		res.Error = ctxError(ctx)
		res.Duration = time.Since(res.Started)
		rn.add(res)
		return nil, res.Error
	}
	if err != nil {
		res.Error = errs.As(err)
	} else {
		res.Success, res.Output = true, out
	}
	rn.finish(res)
	return res, nil
}

// retryable says whether a failure may pass on another try: bad input
// and refusals will not.
func retryable(err error) bool {
	switch errs.KindOf(err) {
	case errs.KindInvalidArgument, errs.KindNotFound, errs.KindDenied, errs.KindCancelled, errs.KindConflict:
		return false
	}
	_, paused := err.(*errPaused)
	return !paused
}

// finish records a finished step: the result list, the events, and the
// checkpoint.
func (rn *run) finish(res *StepResult) {
	res.Duration = time.Since(res.Started)
	rn.add(res)
	d := rn.wf.def.Name
	if res.Success {
		rn.reg.publish("workflow.step.completed", value.Map{"workflow": d, "run_id": rn.id, "step": res.Path,
			"duration_ms": float64(res.Duration.Microseconds()) / 1000}, rn.id)
	} else {
		rn.reg.publish("workflow.step.failed", value.Map{"workflow": d, "run_id": rn.id, "step": res.Path,
			"error": res.Error.Error(), "kind": res.Error.Kind.String()}, rn.id)
	}
	rn.saveStep(res)
}

func (rn *run) add(res *StepResult) {
	rn.mu.Lock()
	rn.results = append(rn.results, res)
	rn.mu.Unlock()
}

// once runs a step's body one time, under its timeout.
func (rn *run) once(ctx context.Context, s *Step, sc *scope, input value.Value, path string) (out value.Value, err error) {
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, s.Timeout, errs.New(errs.KindTimeout, "step %s exceeded its timeout of %s", path, s.Timeout))
		defer cancel()
	}
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, errs.New(errs.KindInternal, "step %s panicked: %v", path, p)
		}
		if err != nil && ctx.Err() != nil {
			if cause, ok := context.Cause(ctx).(*errs.Error); ok && cause.Kind == errs.KindTimeout {
				err = cause
			}
		}
	}()
	deps := rn.reg.deps
	switch s.Type {
	case StepTool:
		return rn.callTool(ctx, s.Tool, input)
	case StepFunction:
		if s.Fn != nil {
			return s.Fn(ctx, &StepContext{RunID: rn.id, Workflow: rn.wf.def.Name, Step: s.Name, Input: input,
				WorkflowInput: rn.input, Steps: sc.stepsView(), Loop: sc.loopView(), shared: rn.shared})
		}
		return rn.callTool(ctx, s.Function, input)
	case StepAgent:
		a, ok := deps.Agents.Get(s.Agent)
		if !ok {
			return nil, errs.New(errs.KindNotFound, "no agent named %q (it was removed)", s.Agent)
		}
		if input == nil {
			return nil, errs.New(errs.KindInvalidArgument, "agent step %s has no input", path)
		}
		in, err := agent.InputFromValue(input)
		if err != nil {
			return nil, err
		}
		res, err := a.Execute(ctx, in)
		if err != nil {
			return nil, err
		}
		return res.Text, nil
	case StepWorkflow:
		sub := s.Workflow
		if sub == nil {
			w, ok := rn.reg.Get(s.WorkflowName)
			if !ok {
				return nil, errs.New(errs.KindNotFound, "no workflow named %q (it was removed)", s.WorkflowName)
			}
			sub = w.def
		}
		if rn.depth+1 > maxNesting {
			return nil, errs.New(errs.KindLimit, "workflows nested more than %d deep", maxNesting)
		}
		// The nested workflow sees its step input as its input, and the
		// run's shared context; its steps get paths under this step.
		child := &run{reg: rn.reg, id: rn.id, wf: &Workflow{def: sub, reg: rn.reg}, input: input, shared: rn.shared,
			depth: rn.depth + 1, recorded: rn.recorded, answerPath: rn.answerPath, answer: rn.answer}
		if input == nil {
			child.input = rn.input
		}
		root := &scope{steps: map[string]*StepResult{}, run: child}
		out, err := child.runDef(ctx, sub, root, path+"/")
		rn.mu.Lock()
		rn.results = append(rn.results, child.results...)
		rn.mu.Unlock()
		return out, err
	case StepInput:
		if rn.answerPath == path {
			return rn.answer, nil
		}
		return nil, &errPaused{path: path, prompt: s.Prompt}
	}
	return nil, errs.New(errs.KindInvalidArgument, "step %s has unknown type %q", path, s.Type)
}

// callTool runs a tool with the step's input as parameters (an object
// input is the parameters; any other value is {input = value}).
func (rn *run) callTool(ctx context.Context, name string, input value.Value) (value.Value, error) {
	params, ok := input.(value.Map)
	if !ok {
		params = value.Map{}
		if input != nil {
			params["input"] = input
		}
	}
	env, err := rn.reg.deps.Tools.Invoke(ctx, name, params)
	if err != nil {
		return nil, err
	}
	if !env.Success {
		return nil, env.Error
	}
	return env.Result, nil
}

// truth evaluates a condition in a scope.
func (rn *run) truth(ctx context.Context, c *Cond, sc *scope, path string) (bool, error) {
	if c.Fn != nil {
		v, err := c.Fn(ctx, &StepContext{RunID: rn.id, Workflow: rn.wf.def.Name, Step: path, WorkflowInput: rn.input,
			Steps: sc.stepsView(), Loop: sc.loopView(), shared: rn.shared})
		if err != nil {
			return false, err
		}
		return value.Truthy(v), nil
	}
	return c.e.truth(sc)
}

// parallel runs the branches concurrently, at most MaxConcurrency at once.
// Its output maps branch names to their last outputs.
func (rn *run) parallel(ctx context.Context, d *Def, sc *scope, prefix string) (value.Value, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	limit := d.MaxConcurrency
	if limit <= 0 || limit > len(d.Branches) {
		limit = len(d.Branches)
	}
	sem := make(chan struct{}, limit)
	type branchOut struct {
		out value.Value
		err error
	}
	outs := make([]branchOut, len(d.Branches))
	var wg sync.WaitGroup
	for i := range d.Branches {
		b := &d.Branches[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				outs[i].err = ctxError(ctx)
				return
			}
			defer func() { <-sem }()
			defer func() {
				if p := recover(); p != nil {
					outs[i].err = errs.New(errs.KindInternal, "branch %s panicked: %v", b.Name, p)
				}
			}()
			out, err := rn.sequence(ctx, d, b.Steps, sc.child(), join(prefix, b.Name))
			outs[i] = branchOut{out, err}
			if err != nil && !b.Optional && !d.WaitAll {
				if _, paused := err.(*errPaused); !paused {
					cancel(errs.New(errs.KindCancelled, "branch %s failed: %v", b.Name, err))
				} else {
					cancel(err)
				}
			}
		}()
	}
	wg.Wait()
	merged := value.Map{}
	var firstErr error
	for i, b := range d.Branches {
		o := outs[i]
		if p, ok := o.err.(*errPaused); ok {
			return nil, p
		}
		if o.err != nil {
			if b.Optional {
				merged[b.Name] = nil
				continue
			}
			// Prefer the branch's own failure over the cancellation it
			// caused in the others.
			if firstErr == nil || errs.KindOf(firstErr) == errs.KindCancelled && errs.KindOf(o.err) != errs.KindCancelled {
				firstErr = o.err
			}
			continue
		}
		merged[b.Name] = o.out
	}
	if firstErr != nil {
		if parent := context.Cause(ctx); parent != nil && ctx.Err() != nil && errs.KindOf(firstErr) == errs.KindCancelled {
			// the whole run was cancelled, not a branch
			if e, ok := parent.(*errs.Error); ok && e.Kind != errs.KindCancelled {
				return nil, e
			}
		}
		return nil, firstErr
	}
	return rn.output(d, sc, merged)
}

// conditional runs the first branch whose condition holds (every one with
// RunAll), or the default branch.
func (rn *run) conditional(ctx context.Context, d *Def, sc *scope, prefix string) (value.Value, error) {
	var taken []*Branch
	var def *Branch
	for i := range d.Branches {
		b := &d.Branches[i]
		if b.Condition == nil || b.Name == d.DefaultBranch {
			if def == nil {
				def = b
			}
			if b.Condition == nil {
				continue
			}
		}
		ok, err := rn.truth(ctx, b.Condition, sc, join(prefix, b.Name))
		if err != nil {
			return nil, errs.Wrap(errs.KindOf(err), err, "condition of branch %s", b.Name)
		}
		if ok {
			taken = append(taken, b)
			if !d.RunAll {
				break
			}
		}
	}
	if len(taken) == 0 && def != nil {
		taken = append(taken, def)
	}
	rn.reg.publish("workflow.branch.selected", value.Map{"workflow": d.Name, "run_id": rn.id, "branches": branchNames(taken)}, rn.id)
	if len(taken) == 0 {
		return rn.output(d, sc, nil)
	}
	outs := value.Map{}
	var last value.Value
	for _, b := range taken {
		out, err := rn.sequence(ctx, d, b.Steps, sc, join(prefix, b.Name))
		if err != nil {
			return nil, err
		}
		outs[b.Name], last = out, out
	}
	if d.RunAll {
		return rn.output(d, sc, outs)
	}
	return rn.output(d, sc, last)
}

func branchNames(bs []*Branch) value.List {
	out := make(value.List, len(bs))
	for i, b := range bs {
		out[i] = b.Name
	}
	return out
}

// loop runs the body once per item of a range or collection, or while a
// condition holds, never more than MaxIterations times, and aggregates
// the body's outputs.
func (rn *run) loop(ctx context.Context, d *Def, sc *scope, prefix string) (value.Value, error) {
	it := d.Iterator
	limit := it.MaxIterations
	if limit <= 0 || limit > maxIterations {
		limit = maxIterations
	}
	var items value.List
	switch {
	case it.Range:
		for v := it.Start; (it.RangeStep > 0 && v < it.End) || (it.RangeStep < 0 && v > it.End); v += it.RangeStep {
			items = append(items, v)
			if len(items) >= limit {
				break
			}
		}
	case it.collection != nil:
		v, err := it.collection.resolve(sc)
		if err != nil {
			return nil, errs.Wrap(errs.KindOf(err), err, "loop collection")
		}
		switch c := v.(type) {
		case value.List:
			items = c
		case value.Map:
			for _, k := range value.SortedKeys(c) {
				items = append(items, value.Map{"key": k, "value": c[k]})
			}
		case nil:
		default:
			return nil, errs.New(errs.KindInvalidArgument, "loop collection is %s, not a list", value.TypeOf(v))
		}
	}
	var outs value.List
	for i := 0; i < limit; i++ {
		if err := ctx.Err(); err != nil {
			return nil, ctxError(ctx)
		}
		iter := sc.child()
		iter.loop = value.Map{"index": int64(i), "item": nil}
		if it.While != nil {
			ok, err := rn.truth(ctx, it.While, iter, fmt.Sprintf("%s[%d]", prefix, i))
			if err != nil {
				return nil, errs.Wrap(errs.KindOf(err), err, "while condition")
			}
			if !ok {
				break
			}
		} else {
			if i >= len(items) {
				break
			}
			iter.loop["item"] = items[i]
		}
		out, err := rn.sequence(ctx, d, d.Steps, iter, fmt.Sprintf("%s[%d]", prefix, i))
		if err != nil {
			return nil, err
		}
		outs = append(outs, out)
		if it.BreakWhen != nil {
			ok, err := rn.truth(ctx, it.BreakWhen, iter, fmt.Sprintf("%s[%d]", prefix, i))
			if err != nil {
				return nil, errs.Wrap(errs.KindOf(err), err, "break_when")
			}
			if ok {
				break
			}
		}
	}
	var agg value.Value
	switch d.Aggregate {
	case LastOnly:
		if len(outs) > 0 {
			agg = outs[len(outs)-1]
		}
	case FirstN:
		agg = append(value.List{}, outs[:min(d.AggregateN, len(outs))]...)
	case LastN:
		agg = append(value.List{}, outs[max(0, len(outs)-d.AggregateN):]...)
	case NoOutput:
	default:
		if outs == nil {
			outs = value.List{}
		}
		agg = outs
	}
	return rn.output(d, sc, agg)
}
