package workflow

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/llmspell/llmspell-go/core/agent"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/event"
	"github.com/llmspell/llmspell-go/core/hook"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// Deps are what workflows use; any may be nil (a step needing a missing
// one fails at build time).
type Deps struct {
	Tools  *tool.Registry
	Agents *agent.Registry
	Hooks  *hook.Registry
	Events *event.Bus
	// Store keeps run records (checkpoints) under workflow/run/.
	Store kv.Store
	// Sync, when set, is called after each checkpoint write: the engine
	// passes the state store's SyncWrites, so checkpoints are as durable
	// as state writes (synced before the next step in sync mode, within
	// the batch window in batched mode).
	Sync func() error
	// OnRun, when set, is told about every finished Execute (the engine
	// records them in the current session's history). It runs on the
	// caller's goroutine and must not block.
	OnRun func(ctx context.Context, workflow string, input value.Value, res *Result, err error)
	// MaxRuns bounds the run records kept (0: all); see prune.
	MaxRuns int
}

// Registry holds an engine's workflows by name and runs them. It is safe
// for concurrent use.
type Registry struct {
	deps Deps

	mu    sync.RWMutex
	flows map[string]*Workflow

	// runs counts runs started since the last prune.
	runs    atomic.Int64
	pruneMu sync.Mutex
}

// NewRegistry returns an empty registry.
func NewRegistry(deps Deps) *Registry {
	return &Registry{deps: deps, flows: map[string]*Workflow{}}
}

// Workflow is a checked definition, ready to run any number of times,
// concurrently.
type Workflow struct {
	def *Def
	reg *Registry

	// saved is the definition as written into run headers, made once.
	savedOnce sync.Once
	saved     value.Map
}

// savedDefinition returns the definition's map for run headers, or nil
// when it holds host functions.
func (w *Workflow) savedDefinition() value.Map {
	w.savedOnce.Do(func() {
		if m, ok := w.def.Map(); ok {
			if n, err := value.Normalize(m); err == nil {
				w.saved, _ = n.(value.Map)
			}
		}
	})
	return w.saved
}

// Name returns the workflow's name.
func (w *Workflow) Name() string { return w.def.Name }

// Definition returns the checked definition. Do not change it.
func (w *Workflow) Definition() *Def { return w.def }

// Info returns {name, description, type, steps, branches, serializable}.
func (w *Workflow) Info() value.Map {
	_, ok := w.def.Map()
	names := value.List{}
	for _, s := range w.def.Steps {
		names = append(names, s.Name)
	}
	branches := value.List{}
	for _, b := range w.def.Branches {
		branches = append(branches, b.Name)
	}
	return value.Map{"name": w.def.Name, "description": w.def.Description, "type": w.def.Type,
		"steps": names, "branches": branches, "serializable": ok}
}

// Build checks a definition (unknown tools, agents and workflows,
// references, bounds, cycles) and returns the runnable workflow without
// registering it.
func (r *Registry) Build(d *Def) (*Workflow, error) {
	if d == nil {
		return nil, errs.New(errs.KindInvalidArgument, "nil workflow definition")
	}
	if err := r.compile(d); err != nil {
		return nil, err
	}
	return &Workflow{def: d, reg: r}, nil
}

// Create builds and registers a workflow; a name in use is a conflict.
func (r *Registry) Create(d *Def) (*Workflow, error) {
	w, err := r.Build(d)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.flows[w.def.Name]; ok {
		return nil, errs.New(errs.KindConflict, "a workflow named %q already exists", w.def.Name)
	}
	r.flows[w.def.Name] = w
	return w, nil
}

// Get finds a registered workflow.
func (r *Registry) Get(name string) (*Workflow, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	w, ok := r.flows[name]
	return w, ok
}

// List returns the registered workflows sorted by name.
func (r *Registry) List() []*Workflow {
	r.mu.RLock()
	out := make([]*Workflow, 0, len(r.flows))
	for _, w := range r.flows {
		out = append(out, w)
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].def.Name < out[j].def.Name })
	return out
}

// Remove unregisters a workflow and reports whether it was there.
func (r *Registry) Remove(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.flows[name]
	delete(r.flows, name)
	return ok
}

// WrapAsTool registers a registered workflow as a tool taking {input}
// (any value) and returning the run's result, so agents can call it.
func (r *Registry) WrapAsTool(name, toolName, description string) (*tool.Tool, error) {
	w, ok := r.Get(name)
	if !ok {
		return nil, errs.New(errs.KindNotFound, "no workflow named %q", name)
	}
	if r.deps.Tools == nil {
		return nil, errs.New(errs.KindInvalidArgument, "this engine has no tool registry")
	}
	if toolName == "" {
		toolName = "workflow_" + name
	}
	if description == "" {
		description = w.def.Description
	}
	if description == "" {
		description = "Run the workflow " + name + " and get its output."
	}
	t := &tool.Tool{Name: toolName, Description: description, Category: "workflow", Level: tool.Safe, Tags: []string{"workflow"},
		Schema: value.Map{"type": "object", "properties": value.Map{"input": value.Map{"description": "the workflow's input"}}},
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			w, ok := r.Get(name)
			if !ok {
				return nil, errs.New(errs.KindNotFound, "no workflow named %q (it was removed)", name)
			}
			res, err := w.Execute(ctx, c.Params["input"], nil)
			if err != nil {
				return nil, err
			}
			if !res.Success {
				return nil, errs.New(errs.KindTool, "workflow %s failed: %v", name, res.Error)
			}
			return res.Map(), nil
		}}
	if err := r.deps.Tools.Register(t); err != nil {
		return nil, err
	}
	return t, nil
}

func (r *Registry) publish(typ string, data value.Map, runID string) {
	if r.deps.Events != nil && r.deps.Events.Active(typ) {
		r.deps.Events.Publish(typ, data, &event.PublishOptions{Source: "workflow", CorrelationID: runID})
	}
}
