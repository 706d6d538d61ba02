package tool

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/event"
	"github.com/llmspell/llmspell-go/core/hook"
	"github.com/llmspell/llmspell-go/core/value"
)

// Func is a tool's body: it gets validated parameters and returns the
// result data, or an error (reported in the envelope).
type Func func(ctx context.Context, c *Call) (value.Value, error)

// Call is what a tool function receives.
type Call struct {
	Params value.Map
	Policy *Policy
}

// Str returns a string parameter or def.
func (c *Call) Str(name, def string) string {
	if s, ok := c.Params[name].(string); ok {
		return s
	}
	return def
}

// Tool describes one tool.
type Tool struct {
	Name        string
	Description string
	Category    string
	Level       Level
	Version     string
	Tags        []string
	Aliases     []string
	// Schema is the JSON Schema of the parameters (an object schema).
	Schema value.Map
	// Language says who wrote it (go, lua, js, c, python, ...).
	Language string
	Fn       Func
}

// Info returns the tool's listing in the shape of SCRIPT_API.md.
func (t *Tool) Info(withSchema bool) value.Map {
	tags := make(value.List, len(t.Tags))
	for i, s := range t.Tags {
		tags[i] = s
	}
	m := value.Map{"name": t.Name, "description": t.Description, "category": t.Category,
		"security_level": t.Level.String(), "version": t.Version, "tags": tags, "language": t.Language}
	if withSchema {
		m["schema"] = t.Schema
	}
	return m
}

// OpenAI returns the tool in OpenAI's function-calling shape.
func (t *Tool) OpenAI() value.Map {
	return value.Map{"type": "function", "function": value.Map{"name": t.Name, "description": t.Description, "parameters": t.Schema}}
}

// Anthropic returns the tool in Anthropic's tool shape.
func (t *Tool) Anthropic() value.Map {
	return value.Map{"name": t.Name, "description": t.Description, "input_schema": t.Schema}
}

// Envelope is a tool call's result, in the shape of TOOLS.md.
type Envelope struct {
	Operation string
	Success   bool
	Result    value.Value
	Error     *errs.Error
	Metadata  value.Map
}

// Map returns the envelope as a value.
func (e *Envelope) Map() value.Map {
	m := value.Map{"operation": e.Operation, "success": e.Success, "metadata": e.Metadata}
	if e.Success {
		m["result"] = e.Result
	} else if e.Error != nil {
		m["error"] = value.Map{"kind": e.Error.Kind.String(), "message": e.Error.Message}
	}
	return m
}

// Registry holds the tools of one engine.
type Registry struct {
	policy *Policy
	hooks  *hook.Registry
	events *event.Bus
	// onCall, when set, sees every finished call (session history uses it).
	onCall func(ctx context.Context, name string, params value.Map, env *Envelope, err error)

	mu      sync.RWMutex
	tools   map[string]*Tool
	aliases map[string]string
}

// New returns an empty registry enforcing policy, running hooks and
// publishing events (hooks and events may be nil).
func New(policy *Policy, hooks *hook.Registry, events *event.Bus) *Registry {
	if policy == nil {
		policy = DefaultPolicy()
	}
	return &Registry{policy: policy, hooks: hooks, events: events, tools: map[string]*Tool{}, aliases: map[string]string{}}
}

// OnCall sets a function told about every finished call: the tool, the
// parameters, and the envelope or the error. It runs on the caller's
// goroutine and must not block. Set it before the registry is used.
func (r *Registry) OnCall(fn func(ctx context.Context, name string, params value.Map, env *Envelope, err error)) {
	r.onCall = fn
}

// Policy returns the registry's security policy.
func (r *Registry) Policy() *Policy { return r.policy }

// ValidName reports whether name can name a tool: 1-64 letters, digits,
// '_', '-' or '.'. Agents use the same rule, so any agent can become a tool.
func ValidName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Register adds a tool. A name in use is a conflict error.
func (r *Registry) Register(t *Tool) error {
	if t == nil || t.Fn == nil {
		return errs.New(errs.KindInvalidArgument, "tool needs a function")
	}
	if !ValidName(t.Name) {
		return errs.New(errs.KindInvalidArgument, "tool name %q must be 1-64 letters, digits, '_', '-' or '.'", t.Name)
	}
	if t.Schema == nil {
		t.Schema = value.Map{"type": "object", "properties": value.Map{}}
	}
	if typ, _ := t.Schema["type"].(string); typ != "object" {
		return errs.New(errs.KindInvalidArgument, "tool %s: its schema must be an object schema", t.Name)
	}
	if t.Version == "" {
		t.Version = "1.0.0"
	}
	if t.Category == "" {
		t.Category = "custom"
	}
	if t.Language == "" {
		t.Language = "go"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range append([]string{t.Name}, t.Aliases...) {
		if _, ok := r.tools[n]; ok {
			return errs.New(errs.KindConflict, "a tool named %q is already registered", n)
		}
		if _, ok := r.aliases[n]; ok {
			return errs.New(errs.KindConflict, "a tool named %q is already registered", n)
		}
	}
	r.tools[t.Name] = t
	for _, a := range t.Aliases {
		r.aliases[a] = t.Name
	}
	return nil
}

// Unregister removes a tool and reports whether it was there.
func (r *Registry) Unregister(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.tools[name]
	if !ok {
		return false
	}
	delete(r.tools, name)
	for _, a := range t.Aliases {
		delete(r.aliases, a)
	}
	return true
}

// Get finds a tool by name or alias.
func (r *Registry) Get(name string) (*Tool, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if canon, ok := r.aliases[name]; ok {
		name = canon
	}
	t, ok := r.tools[name]
	return t, ok
}

// List returns the tools sorted by name, optionally only a category and/or
// a tag.
func (r *Registry) List(category, tag string) []*Tool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := []*Tool{}
	for _, t := range r.tools {
		if (category == "" || t.Category == category) && (tag == "" || slices.Contains(t.Tags, tag)) {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Categories returns the categories in use, sorted.
func (r *Registry) Categories() []string {
	seen := map[string]bool{}
	for _, t := range r.List("", "") {
		seen[t.Category] = true
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

func (r *Registry) publish(typ string, data value.Map) {
	if r.events != nil && r.events.Active(typ) {
		r.events.Publish(typ, data, &event.PublishOptions{Source: "tool"})
	}
}

type unrecordedKey struct{}

// Unrecorded marks ctx so that calls made under it (tool calls, agent
// turns, workflow runs) are not added to a session's history: replays run
// under it.
func Unrecorded(ctx context.Context) context.Context {
	return context.WithValue(ctx, unrecordedKey{}, true)
}

// IsUnrecorded reports whether ctx was marked by Unrecorded.
func IsUnrecorded(ctx context.Context) bool { return ctx.Value(unrecordedKey{}) != nil }

type parentKey struct{}

// WithParent records that calls made under ctx belong to a larger call
// (an agent turn, a workflow run) named like "agent:teller": the history
// keeps them as its parts, and a replay runs only the larger call.
func WithParent(ctx context.Context, parent string) context.Context {
	if Parent(ctx) != "" {
		return ctx // the outermost call is the one replayed
	}
	return context.WithValue(ctx, parentKey{}, parent)
}

// Parent returns the larger call ctx belongs to, or "".
func Parent(ctx context.Context) string {
	p, _ := ctx.Value(parentKey{}).(string)
	return p
}

// InvokeUnrecorded is Invoke without telling OnCall (replays use it).
func (r *Registry) InvokeUnrecorded(ctx context.Context, name string, params value.Map) (*Envelope, error) {
	return r.Invoke(Unrecorded(ctx), name, params)
}

// Invoke validates params, enforces the policy, runs hooks and the tool,
// and returns its envelope. It fails (rather than returning an envelope)
// for an unknown tool (not_found), invalid parameters (invalid_argument),
// a denial (denied), a hook's cancel (cancelled) and a timeout; a tool's
// own failure is an envelope with success false.
func (r *Registry) Invoke(ctx context.Context, name string, params value.Map) (env *Envelope, err error) {
	if r.onCall != nil && ctx.Value(unrecordedKey{}) == nil {
		defer func() { r.onCall(ctx, name, params, env, err) }()
	}
	t, ok := r.Get(name)
	if !ok {
		return nil, errs.New(errs.KindNotFound, "no tool named %q", name)
	}
	if params == nil {
		params = value.Map{}
	}
	if err := r.policy.CheckLevel(t.Name, t.Level); err != nil {
		return nil, err
	}
	if err := Validate(t.Schema, params); err != nil {
		return nil, errs.Wrap(errs.KindInvalidArgument, err, "tool %s", t.Name)
	}
	op, _ := params["operation"].(string)
	env = &Envelope{Operation: op, Metadata: value.Map{"tool": t.Name}}
	start := time.Now()
	r.publish("tool.execution.started", value.Map{"tool": t.Name, "operation": op})
	run := func(ctx context.Context, data value.Value) (value.Value, error) {
		p, _ := data.(value.Map)
		if p == nil {
			p = params
		}
		if r.policy.Timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeoutCause(ctx, r.policy.Timeout,
				errs.New(errs.KindTimeout, "tool %s exceeded its timeout of %s", t.Name, r.policy.Timeout))
			defer cancel()
		}
		return callTool(ctx, t, &Call{Params: p, Policy: r.policy})
	}
	var result value.Value
	comp := hook.Component{Type: "tool", Name: t.Name}
	if r.hooks != nil {
		result, err = r.hooks.Around(ctx, hook.BeforeToolExecution, hook.AfterToolExecution, comp, params, run)
	} else {
		result, err = run(ctx, params)
	}
	env.Metadata["duration_ms"] = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		e := errs.As(err)
		switch e.Kind {
		case errs.KindDenied, errs.KindCancelled, errs.KindTimeout, errs.KindInvalidArgument, errs.KindNotFound:
			r.publish("tool.execution.failed", value.Map{"tool": t.Name, "error": e.Error()})
			return nil, err
		}
		if r.hooks != nil && r.hooks.Has(hook.ToolError) {
			r.hooks.Run(ctx, &hook.Context{Point: hook.ToolError, Component: comp, Data: value.Map{"error": e.Error(), "params": params}})
		}
		env.Error = e
		r.publish("tool.execution.failed", value.Map{"tool": t.Name, "error": e.Error()})
		return env, nil
	}
	if enc, err := value.Encode(result); err == nil && int64(len(enc)) > r.policy.MaxOutputBytes {
		env.Error = errs.New(errs.KindLimit, "tool %s returned %d bytes, over the %d-byte cap", t.Name, len(enc), r.policy.MaxOutputBytes)
		if r.hooks != nil && r.hooks.Has(hook.ToolError) {
			r.hooks.Run(ctx, &hook.Context{Point: hook.ToolError, Component: comp, Data: value.Map{"error": env.Error.Error(), "params": params}})
		}
		r.publish("tool.execution.failed", value.Map{"tool": t.Name, "error": env.Error.Error()})
		return env, nil
	}
	env.Success, env.Result = true, result
	r.publish("tool.execution.completed", value.Map{"tool": t.Name, "operation": op, "duration_ms": env.Metadata["duration_ms"]})
	return env, nil
}

// callTool runs a tool function, turning a panic into a tool error.
func callTool(ctx context.Context, t *Tool, c *Call) (res value.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errs.New(errs.KindTool, "tool %s panicked: %v", t.Name, p)
		}
	}()
	res, err = t.Fn(ctx, c)
	if err != nil && errs.KindOf(err) == errs.KindInternal {
		err = errs.New(errs.KindTool, "%s: %v", t.Name, err)
	}
	if ctx.Err() != nil {
		if cause := context.Cause(ctx); cause != nil {
			if _, ok := cause.(*errs.Error); ok {
				return nil, cause
			}
		}
	}
	return res, err
}
