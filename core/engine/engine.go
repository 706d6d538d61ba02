package engine

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmspell/llmspell-go/core/agent"
	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/event"
	"github.com/llmspell/llmspell-go/core/hook"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/session"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/tool/builtin"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/core/version"
	"github.com/llmspell/llmspell-go/core/workflow"
)

// Options configures New. A nil *Options or any zero field means the default.
type Options struct {
	// Config is the engine configuration. Default: config.Default().
	Config *config.Config
	// Output is the sink of script print output when a run does not capture
	// it. Default: io.Discard (the CLI passes os.Stdout).
	Output io.Writer
	// LogOutput receives log records. Default: os.Stderr.
	LogOutput io.Writer
	// Hooks are registered before the engine starts, so they see
	// SystemStartup. Default: none.
	Hooks []HookSpec
	// LookupEnv reads provider API keys. Default: os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// HookSpec is a hook to register at engine creation.
type HookSpec struct {
	Point   hook.Point
	Fn      hook.Func
	Options hook.RegisterOptions
}

// Engine owns a store, a config and a logger, and everything later
// subsystems register on it. Methods are safe for concurrent use.
type Engine struct {
	cfg       *config.Config
	store     kv.Store
	state     *state.Store
	sess      *session.Manager
	events    *event.Bus
	hooks     *hook.Registry
	jrnl      *event.Journal
	tools     *tool.Registry
	providers *provider.Registry
	agents    *agent.Registry
	workflows *workflow.Registry
	metrics   *hook.Metrics
	recSeq    atomic.Uint64
	bk        *backups
	output    io.Writer
	logger    *slog.Logger

	poisoned atomic.Pointer[string]

	mu       sync.Mutex
	closed   bool
	closers  []func() error
	closeErr error
}

// New creates an engine. The caller must Close it. It fails with
// invalid_argument for a bad config and storage_error when the data folder
// cannot be opened.
func New(opts *Options) (*Engine, error) {
	if opts == nil {
		opts = &Options{}
	}
	cfg := opts.Config
	if cfg == nil {
		cfg = config.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, output: opts.Output}
	if e.output == nil {
		e.output = io.Discard
	}
	logOut := opts.LogOutput
	if logOut == nil {
		logOut = os.Stderr
	}
	e.logger = newLogger(logOut, cfg.Logging)

	switch cfg.StorageBackend() {
	case "memory":
		e.store = kv.NewMemory()
	case "pebble":
		s, err := pebblekv.Open(cfg.Storage.DataDir, &pebblekv.Options{
			Sync:       cfg.Storage.Sync,
			CacheBytes: cfg.Storage.CacheMB << 20,
		})
		if err != nil {
			return nil, err
		}
		e.store = s
	}
	if err := e.initBackups(); err != nil {
		e.store.Close()
		return nil, err
	}
	e.hooks = e.newHooks(cfg.Hooks)
	if err := e.registerBuiltins(cfg.Hooks); err != nil {
		e.store.Close()
		return nil, err
	}
	for _, h := range opts.Hooks {
		if _, err := e.hooks.Register(h.Point, h.Fn, &h.Options); err != nil {
			e.store.Close()
			return nil, err
		}
	}
	e.events = event.New(&event.Options{Hooks: e.eventHooks()})
	if cfg.Events.Persist {
		var patterns []string
		for _, p := range strings.Split(cfg.Events.PersistPatterns, ",") {
			if p = strings.TrimSpace(p); p != "" {
				patterns = append(patterns, p)
			}
		}
		j, err := event.NewJournal(e.events, e.store, &event.JournalOptions{Patterns: patterns,
			TTL: time.Duration(cfg.Events.TTLSeconds) * time.Second, MaxCount: int(cfg.Events.MaxCount)})
		if err != nil {
			e.store.Close()
			return nil, errs.Wrap(errs.KindInvalidArgument, err, "config events.persist_patterns")
		}
		e.jrnl = j
	}
	durability, _ := state.ParseDurability(cfg.State.Durability) // validated by config
	e.state = state.New(e.store, &state.Options{
		Durability:    durability,
		BatchWindow:   time.Duration(cfg.State.BatchWindowMS) * time.Millisecond,
		MaxValueBytes: int(cfg.State.MaxValueBytes),
		Hooks:         e.stateHooks(),
	})
	e.sess = session.New(e.store, &session.Options{
		CompressThreshold: int(cfg.Session.CompressThresholdBytes),
		MaxArtifacts:      cfg.Session.MaxArtifacts,
		MaxSessionBytes:   cfg.Session.MaxSessionBytes,
		Hooks:             e.sessionHooks(),
		Sync:              e.state.SyncWrites, // session saves follow state.durability
	})
	e.tools = tool.New(toolPolicy(cfg), e.hooks, e.events)
	e.tools.OnCall(e.recordToolCall)
	if err := builtin.Register(e.tools); err != nil {
		e.store.Close()
		return nil, err
	}
	e.providers = newProviders(cfg, opts.LookupEnv)
	e.agents = e.newAgents()
	e.workflows = workflow.NewRegistry(workflow.Deps{Tools: e.tools, Agents: e.agents, Hooks: e.hooks, Events: e.events, Store: e.store, Sync: e.state.SyncWrites,
		OnRun: e.recordWorkflowRun, MaxRuns: int(cfg.Workflows.MaxRuns)})
	e.fireSystem(hook.SystemStartup, "system.startup")
	return e, nil
}

func newLogger(w io.Writer, lc config.Logging) *slog.Logger {
	var level slog.Level
	switch lc.Level {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	hopts := &slog.HandlerOptions{Level: level}
	if lc.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, hopts))
	}
	return slog.New(slog.NewTextHandler(w, hopts))
}

// Config returns the engine's configuration. Do not mutate it.
func (e *Engine) Config() *config.Config { return e.cfg }

// Store returns the engine's key-value store. It is closed by Close.
func (e *Engine) Store() kv.Store { return e.store }

// State returns the engine's persistent state. It is closed by Close.
func (e *Engine) State() *state.Store { return e.state }

// Tools returns the engine's tool registry.
func (e *Engine) Tools() *tool.Registry { return e.tools }

// toolPolicy builds the tool security policy from the config.
func toolPolicy(cfg *config.Config) *tool.Policy {
	split := func(s string) []string {
		var out []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	p := tool.DefaultPolicy()
	if cfg.Storage.DataDir != "" {
		p.FileRoots = append(p.FileRoots, filepath.Join(cfg.Storage.DataDir, "sandbox"))
	}
	p.FileRoots = append(p.FileRoots, split(cfg.Tools.FileRoots)...)
	p.AllowHosts = split(cfg.Tools.AllowHosts)
	p.Executables = split(cfg.Tools.Executables)
	p.MaxLevel, _ = tool.ParseLevel(cfg.Tools.MaxLevel) // validated by config
	p.Timeout = time.Duration(cfg.Tools.TimeoutMS) * time.Millisecond
	p.MaxOutputBytes = cfg.Tools.MaxOutputBytes
	return p
}

// Journal returns the engine's event journal, or nil when events.persist
// is off.
func (e *Engine) Journal() *event.Journal { return e.jrnl }

// Events returns the engine's event bus. It is closed by Close.
func (e *Engine) Events() *event.Bus { return e.events }

// Sessions returns the engine's sessions and artifacts.
func (e *Engine) Sessions() *session.Manager { return e.sess }

// Output returns the default print sink.
func (e *Engine) Output() io.Writer { return e.output }

// Logger returns the engine's logger.
func (e *Engine) Logger() *slog.Logger { return e.logger }

// OnClose registers fn to run when the engine closes, before the store
// closes, in reverse order of registration. If the engine is already closed
// it returns errs.ErrClosed and does not call fn.
func (e *Engine) OnClose(fn func() error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errs.ErrClosed
	}
	e.closers = append(e.closers, fn)
	return nil
}

// Check returns errs.ErrClosed for a closed engine and an internal error for
// a poisoned one, and nil otherwise.
func (e *Engine) Check() error {
	if p := e.poisoned.Load(); p != nil {
		return errs.New(errs.KindInternal, "engine is poisoned by an earlier internal failure: %s", *p)
	}
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return errs.ErrClosed
	}
	return nil
}

// Poison marks the engine unusable after an internal failure (a recovered
// panic); every later Check fails with kind internal. The first reason wins.
func (e *Engine) Poison(reason string) {
	e.poisoned.CompareAndSwap(nil, &reason)
}

// Poisoned reports whether Poison was called.
func (e *Engine) Poisoned() bool { return e.poisoned.Load() != nil }

// Close runs the registered closers, then closes the store. It is
// idempotent: later calls return the first call's error.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return e.closeErr
	}
	e.closed = true
	closers := e.closers
	e.closers = nil
	e.mu.Unlock()
	e.fireSystem(hook.SystemShutdown, "system.shutdown")

	var first error
	for i := len(closers) - 1; i >= 0; i-- {
		if err := closers[i](); err != nil && first == nil {
			first = err
		}
	}
	e.events.Close()
	if err := e.state.Close(); err != nil && first == nil {
		first = err
	}
	if err := e.store.Close(); err != nil && first == nil {
		first = err
	}
	e.mu.Lock()
	e.closeErr = first
	e.mu.Unlock()
	return first
}

// Info describes the engine: version, storage and effective config.
func (e *Engine) Info() value.Map {
	return value.Map{
		"version":     version.String(),
		"abi_version": int64(version.ABI),
		"storage": value.Map{
			"backend":  e.cfg.StorageBackend(),
			"data_dir": e.cfg.Storage.DataDir,
		},
		"config": e.cfg.Map(),
	}
}
