package agent

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/event"
	"github.com/llmspell/llmspell-go/core/hook"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// The agent types.
const (
	TypeLLM   = "llm"   // talks to a model, runs the tool loop
	TypeBasic = "basic" // echoes its input; needs no provider
)

// Config describes an agent. Zero fields take the registry's defaults.
type Config struct {
	Name        string
	Description string
	// Type is "llm" (default) or "basic".
	Type string
	// Model is "provider/model"; empty means the registry's default.
	Model        string
	SystemPrompt string
	// Temperature, TopP and Seed are optional sampling settings.
	Temperature *float64
	TopP        *float64
	Seed        *int64
	// MaxTokens bounds each answer; 0 is the provider's default.
	MaxTokens int
	// Tools are the names of registered tools the agent may call.
	Tools []string
	// MaxConversationLength bounds the memory in messages (0: the
	// registry's default; negative: no memory kept).
	MaxConversationLength int
	// MaxToolRounds bounds the tool loop (0: the registry's default).
	MaxToolRounds int
	// BaseURL and APIKeyEnv override the provider's for this agent.
	BaseURL   string
	APIKeyEnv string
	// Custom is free-form data kept with the agent.
	Custom value.Map
	// Timeout bounds one execute (0: the registry's default).
	Timeout time.Duration
}

// Deps are what agents use. Models and Tools are required for llm agents;
// the others may be nil.
type Deps struct {
	Models *provider.Registry
	Tools  *tool.Registry
	Hooks  *hook.Registry
	Events *event.Bus
	State  *state.Store
	// DefaultModel, MaxToolRounds, MaxConversationLength and Timeout are
	// the defaults for agents that set none.
	DefaultModel          string
	MaxToolRounds         int
	MaxConversationLength int
	Timeout               time.Duration
	// OnExecute, when set, is told about every finished execute (the
	// engine records them in the current session's history). It runs on
	// the caller's goroutine and must not block.
	OnExecute func(ctx context.Context, agent string, in Input, res *Result, err error)
}

// Registry holds an engine's agents by name. It is safe for concurrent use.
type Registry struct {
	deps Deps

	mu     sync.RWMutex
	agents map[string]*Agent
}

// NewRegistry returns an empty registry.
func NewRegistry(deps Deps) *Registry {
	if deps.DefaultModel == "" {
		deps.DefaultModel = "local/stories260K"
	}
	if deps.MaxToolRounds <= 0 {
		deps.MaxToolRounds = 8
	}
	if deps.MaxConversationLength == 0 {
		deps.MaxConversationLength = 50
	}
	return &Registry{deps: deps, agents: map[string]*Agent{}}
}

// Create builds an agent and registers it. It fails at build time, not at
// the first execute: invalid_argument for a bad name, type or setting;
// not_found for an unknown provider or tool; conflict for a name in use.
// An empty name gets a generated one.
func (r *Registry) Create(ctx context.Context, cfg Config) (*Agent, error) {
	if cfg.Name == "" {
		cfg.Name = "agent-" + newID()[:12]
	}
	if !tool.ValidName(cfg.Name) { // agents can become tools
		return nil, errs.New(errs.KindInvalidArgument, "agent name %q must be 1-64 letters, digits, '_', '-' or '.'", cfg.Name)
	}
	switch cfg.Type {
	case "":
		cfg.Type = TypeLLM
	case TypeLLM, TypeBasic:
	default:
		return nil, errs.New(errs.KindInvalidArgument, "agent %s: type %q is not \"llm\" or \"basic\"", cfg.Name, cfg.Type)
	}
	if cfg.Temperature != nil && (*cfg.Temperature < 0 || *cfg.Temperature > 2) {
		return nil, errs.New(errs.KindInvalidArgument, "agent %s: temperature %g is outside 0..2", cfg.Name, *cfg.Temperature)
	}
	if cfg.TopP != nil && (*cfg.TopP <= 0 || *cfg.TopP > 1) {
		return nil, errs.New(errs.KindInvalidArgument, "agent %s: top_p %g is outside (0, 1]", cfg.Name, *cfg.TopP)
	}
	if cfg.MaxTokens < 0 {
		return nil, errs.New(errs.KindInvalidArgument, "agent %s: max_tokens %d is negative", cfg.Name, cfg.MaxTokens)
	}
	if cfg.MaxToolRounds < 0 {
		return nil, errs.New(errs.KindInvalidArgument, "agent %s: max_tool_rounds %d is negative", cfg.Name, cfg.MaxToolRounds)
	}
	if cfg.MaxToolRounds == 0 {
		cfg.MaxToolRounds = r.deps.MaxToolRounds
	}
	if cfg.MaxConversationLength == 0 {
		cfg.MaxConversationLength = r.deps.MaxConversationLength
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = r.deps.Timeout
	}
	a := &Agent{cfg: cfg, reg: r}
	comp := hook.Component{Type: "agent", Name: cfg.Name}
	init := func(ctx context.Context, _ value.Value) (value.Value, error) {
		if cfg.Type == TypeLLM {
			if cfg.Model == "" {
				a.cfg.Model = r.deps.DefaultModel
			}
			if r.deps.Models == nil {
				return nil, errs.New(errs.KindInvalidArgument, "agent %s: this engine has no model providers", cfg.Name)
			}
			m, err := r.deps.Models.ResolveWith(a.cfg.Model, cfg.BaseURL, cfg.APIKeyEnv)
			if err != nil {
				return nil, errs.Wrap(errs.KindOf(err), err, "agent %s", cfg.Name)
			}
			a.model = m
			a.provider, _ = provider.SplitModel(a.cfg.Model)
		}
		specs, err := r.toolSpecs(cfg.Name, cfg.Tools)
		if err != nil {
			return nil, err
		}
		if len(specs) > 0 && a.model != nil && !a.model.Capabilities().Tools {
			return nil, errs.New(errs.KindInvalidArgument, "agent %s: model %s does not support tool calling", cfg.Name, a.cfg.Model)
		}
		a.tools = specs
		return a.infoMap(), nil
	}
	var err error
	if r.deps.Hooks != nil {
		_, err = r.deps.Hooks.Around(ctx, hook.BeforeAgentInit, hook.AfterAgentInit, comp, cfg.map0(), init)
	} else {
		_, err = init(ctx, nil)
	}
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if _, ok := r.agents[cfg.Name]; ok {
		r.mu.Unlock()
		return nil, errs.New(errs.KindConflict, "an agent named %q already exists", cfg.Name)
	}
	r.agents[cfg.Name] = a
	r.mu.Unlock()
	r.publish("agent.created", value.Map{"agent": cfg.Name, "type": cfg.Type, "model": a.cfg.Model}, "")
	return a, nil
}

// toolSpecs looks up the agent's tools.
func (r *Registry) toolSpecs(agent string, names []string) ([]provider.ToolSpec, error) {
	if len(names) == 0 {
		return nil, nil
	}
	if r.deps.Tools == nil {
		return nil, errs.New(errs.KindInvalidArgument, "agent %s: this engine has no tool registry", agent)
	}
	specs := make([]provider.ToolSpec, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		t, ok := r.deps.Tools.Get(n)
		if !ok {
			return nil, errs.New(errs.KindNotFound, "agent %s: no tool named %q", agent, n)
		}
		if seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		specs = append(specs, provider.ToolSpec{Name: t.Name, Description: t.Description, Schema: t.Schema})
	}
	return specs, nil
}

// Get finds an agent.
func (r *Registry) Get(name string) (*Agent, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	a, ok := r.agents[name]
	return a, ok
}

// List returns the agents sorted by name.
func (r *Registry) List() []*Agent {
	r.mu.RLock()
	out := make([]*Agent, 0, len(r.agents))
	for _, a := range r.agents {
		out = append(out, a)
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].cfg.Name < out[j].cfg.Name })
	return out
}

// Remove unregisters an agent and reports whether it was there. Running
// executes finish; its saved state is kept.
func (r *Registry) Remove(name string) bool {
	r.mu.Lock()
	_, ok := r.agents[name]
	delete(r.agents, name)
	r.mu.Unlock()
	if ok {
		r.publish("agent.removed", value.Map{"agent": name}, "")
	}
	return ok
}

func (r *Registry) publish(typ string, data value.Map, corr string) {
	if r.deps.Events != nil && r.deps.Events.Active(typ) {
		r.deps.Events.Publish(typ, data, &event.PublishOptions{Source: "agent", CorrelationID: corr})
	}
}

// Agent is a configured agent with its conversation memory. Methods are
// safe for concurrent use; concurrent executes each see the memory as it
// was when they started and append their turns when they finish.
type Agent struct {
	cfg      Config
	reg      *Registry
	model    provider.Model
	provider string
	tools    []provider.ToolSpec

	mu     sync.Mutex
	memory []provider.Message
}

// Name returns the agent's name.
func (a *Agent) Name() string { return a.cfg.Name }

// Config returns a copy of the agent's configuration.
func (a *Agent) Config() Config { return a.cfg }

// Model returns the agent's model client (nil for a basic agent).
func (a *Agent) Model() provider.Model { return a.model }

// map0 is the config as hook data.
func (c *Config) map0() value.Map {
	tools := make(value.List, len(c.Tools))
	for i, t := range c.Tools {
		tools[i] = t
	}
	return value.Map{"name": c.Name, "type": c.Type, "model": c.Model, "tools": tools}
}

// Info returns the agent's listing: name, description, type, model,
// provider, tools, memory length.
func (a *Agent) Info() value.Map {
	m := a.infoMap()
	a.mu.Lock()
	m["memory_length"] = int64(len(a.memory))
	a.mu.Unlock()
	return m
}

func (a *Agent) infoMap() value.Map {
	tools := make(value.List, len(a.tools))
	for i, t := range a.tools {
		tools[i] = t.Name
	}
	m := value.Map{"name": a.cfg.Name, "description": a.cfg.Description, "type": a.cfg.Type, "model": a.cfg.Model,
		"provider": a.provider, "tools": tools, "max_conversation_length": int64(a.cfg.MaxConversationLength),
		"max_tool_rounds": int64(a.cfg.MaxToolRounds), "system_prompt": a.cfg.SystemPrompt}
	if a.cfg.Custom != nil {
		m["custom_config"] = a.cfg.Custom
	}
	return m
}

// History returns a copy of the conversation memory.
func (a *Agent) History() []provider.Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]provider.Message(nil), a.memory...)
}

// ClearHistory empties the conversation memory (not the saved copy).
func (a *Agent) ClearHistory() {
	a.mu.Lock()
	a.memory = nil
	a.mu.Unlock()
}

// remember appends a finished turn and trims the memory to its bound,
// never leaving tool results without the call that asked for them.
func (a *Agent) remember(turn []provider.Message) {
	limit := a.cfg.MaxConversationLength
	if limit < 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.memory = append(a.memory, turn...)
	if len(a.memory) > limit {
		drop := len(a.memory) - limit
		for drop < len(a.memory) && a.memory[drop].Role == provider.RoleTool {
			drop++
		}
		a.memory = append([]provider.Message(nil), a.memory[drop:]...)
	}
}

// stateKey is where SaveState keeps the memory, in scope agent:<name>.
const stateKey = "memory"

// SaveState persists the memory in state scope agent:<name>.
func (a *Agent) SaveState(ctx context.Context) error {
	st := a.reg.deps.State
	if st == nil {
		return errs.New(errs.KindInvalidArgument, "agent %s: this engine has no state store", a.cfg.Name)
	}
	hist := a.History()
	list := make(value.List, len(hist))
	for i := range hist {
		list[i] = hist[i].Map()
	}
	return st.Set(ctx, state.Scope{Kind: state.ScopeAgent, ID: a.cfg.Name}, stateKey,
		value.Map{"messages": list, "saved_at": time.Now().UTC().Format(time.RFC3339Nano)})
}

// LoadState replaces the memory with the saved copy and reports whether
// there was one.
func (a *Agent) LoadState(ctx context.Context) (bool, error) {
	st := a.reg.deps.State
	if st == nil {
		return false, errs.New(errs.KindInvalidArgument, "agent %s: this engine has no state store", a.cfg.Name)
	}
	v, ok, err := st.Get(ctx, state.Scope{Kind: state.ScopeAgent, ID: a.cfg.Name}, stateKey)
	if err != nil || !ok {
		return false, err
	}
	m, _ := v.(value.Map)
	list, _ := m["messages"].(value.List)
	msgs := make([]provider.Message, 0, len(list))
	for _, item := range list {
		msg, err := provider.MessageFromMap(item)
		if err != nil {
			return false, errs.Wrap(errs.KindStorage, err, "agent %s: saved memory is damaged", a.cfg.Name)
		}
		msgs = append(msgs, msg)
	}
	a.mu.Lock()
	a.memory = msgs
	a.mu.Unlock()
	return true, nil
}

// InvokeTool runs a tool on the agent's behalf.
func (a *Agent) InvokeTool(ctx context.Context, name string, params value.Map) (*tool.Envelope, error) {
	if a.reg.deps.Tools == nil {
		return nil, errs.New(errs.KindInvalidArgument, "agent %s: this engine has no tool registry", a.cfg.Name)
	}
	return a.reg.deps.Tools.Invoke(ctx, name, params)
}
