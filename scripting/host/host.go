package host

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/scripting/api"
	"github.com/llmspell/llmspell-go/scripting/js"
	"github.com/llmspell/llmspell-go/scripting/lua"
)

// Language names.
const (
	Lua        = "lua"
	JavaScript = "js"
)

// Languages lists the supported languages.
func Languages() []string { return []string{Lua, JavaScript} }

// NormalizeLanguage maps a language name or alias ("javascript", "Lua") to
// its canonical name, or fails with invalid_argument.
func NormalizeLanguage(name string) (string, error) {
	switch strings.ToLower(name) {
	case "lua":
		return Lua, nil
	case "js", "javascript":
		return JavaScript, nil
	}
	return "", errs.New(errs.KindInvalidArgument, "unknown script language %q (use \"lua\" or \"js\")", name)
}

// LanguageForFile picks the language from a file name's extension.
func LanguageForFile(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".lua":
		return Lua, nil
	case ".js", ".mjs", ".cjs":
		return JavaScript, nil
	}
	return "", errs.New(errs.KindInvalidArgument, "cannot tell the language of %q from its extension (use .lua or .js, or name the engine)", path)
}

// Request describes one run.
type Request struct {
	// Language is "lua" or "js" (aliases accepted). Default: the config's
	// script.default_language.
	Language string
	// Source is the script text.
	Source string
	// Name is the file name used in messages. Default: "script.lua" /
	// "script.js".
	Name string
	// Args is the ARGS global: a Map or a List. Default: empty map.
	Args value.Value
	// Timeout bounds the run's wall-clock time. Default: the config's
	// script.timeout_ms (0 = none).
	Timeout time.Duration
	// MaxOutput bounds printed bytes. Default: script.max_output_bytes.
	MaxOutput int64
	// Output, when set, receives print output as it happens instead of
	// capturing it in Result.Output.
	Output io.Writer
}

// Result is what a run produced.
type Result struct {
	// Value is what the script returned from its top level.
	Value value.Value
	// Output is the captured print output (empty when Request.Output was
	// set).
	Output []byte
}

// Host runs scripts for one engine.
type Host struct {
	eng     *engine.Engine
	modules []api.Module
	luaOpts *lua.Options
	jsOpts  *js.Options

	luaPool chan *lua.Runtime
	jsPool  chan *js.Runtime

	luaCache *cache[*lua.Program]
	jsCache  *cache[*js.Program]

	base   context.Context // cancelled by Close
	cancel context.CancelCauseFunc
	runs   sync.WaitGroup
	mu     sync.Mutex
	closed bool
}

// New creates the host for eng and pre-builds pooled runtimes in the
// background. It closes when eng closes.
func New(eng *engine.Engine) (*Host, error) {
	if err := eng.Check(); err != nil {
		return nil, err
	}
	sc := eng.Config().Script
	pool := int(sc.PoolSize)
	h := &Host{
		eng:      eng,
		modules:  api.Surface(),
		luaOpts:  &lua.Options{FullStdlib: sc.Stdlib == "full", CallStackSize: int(sc.MaxCallStack)},
		jsOpts:   &js.Options{MaxCallStack: int(sc.MaxCallStack)},
		luaPool:  make(chan *lua.Runtime, pool),
		jsPool:   make(chan *js.Runtime, pool),
		luaCache: newCache[*lua.Program](128),
		jsCache:  newCache[*js.Program](128),
	}
	h.base, h.cancel = context.WithCancelCause(context.Background())
	if err := eng.OnClose(h.Close); err != nil {
		return nil, err
	}
	if pool > 0 {
		h.runs.Add(1)
		go h.prefill(pool)
	}
	return h, nil
}

// prefill builds the pooled runtimes off the caller's path.
func (h *Host) prefill(n int) {
	defer h.runs.Done()
	defer func() { recover() }() // never let a construction panic escape
	for i := 0; i < n && h.base.Err() == nil; i++ {
		select {
		case h.luaPool <- lua.New(h.modules, h.luaOpts):
		default:
		}
		select {
		case h.jsPool <- js.New(h.modules, h.jsOpts):
		default:
		}
	}
}

// Engine returns the host's engine.
func (h *Host) Engine() *engine.Engine { return h.eng }

// Close cancels runs in flight, waits for them and releases the pooled
// runtimes. It is idempotent.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	h.mu.Unlock()
	h.cancel(errs.New(errs.KindCancelled, "engine closed"))
	h.runs.Wait()
	for {
		select {
		case rt := <-h.luaPool:
			rt.Close()
		case rt := <-h.jsPool:
			rt.Close()
		default:
			return nil
		}
	}
}

// begin registers a run in flight, or fails when the host is closed.
func (h *Host) begin() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errs.ErrClosed
	}
	if err := h.eng.Check(); err != nil {
		return err
	}
	h.runs.Add(1)
	return nil
}

// Run runs one script to completion. Errors: script_error (syntax, runtime,
// unconvertible result), timeout, cancelled, limit_exceeded (output),
// invalid_argument (language), closed.
func (h *Host) Run(ctx context.Context, req Request) (res *Result, err error) {
	if err := h.begin(); err != nil {
		return nil, err
	}
	defer h.runs.Done()
	defer func() {
		if r := recover(); r != nil {
			h.eng.Poison(fmt.Sprint(r))
			res, err = nil, errs.New(errs.KindInternal, "script run panicked: %v", r)
		}
	}()

	cfg := h.eng.Config().Script
	langName := req.Language
	if langName == "" {
		langName = cfg.DefaultLanguage
	}
	lang, err := NormalizeLanguage(langName)
	if err != nil {
		return nil, err
	}
	if !utf8.ValidString(req.Source) {
		return nil, errs.New(errs.KindInvalidArgument, "script source is not valid UTF-8")
	}
	name := req.Name
	if name == "" {
		name = "script." + lang
	}
	timeout := req.Timeout
	if timeout == 0 && cfg.TimeoutMS > 0 {
		timeout = time.Duration(cfg.TimeoutMS) * time.Millisecond
	}
	maxOut := req.MaxOutput
	if maxOut <= 0 {
		maxOut = cfg.MaxOutputBytes
	}

	// The run's context ends on the caller's cancel, the host's close, the
	// timeout, or the output bound; its cause says which.
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopHost := context.AfterFunc(h.base, func() { cancel(context.Cause(h.base)) })
	defer stopHost()
	if ctx.Done() != nil {
		stopCaller := context.AfterFunc(ctx, func() {
			cause := context.Cause(ctx)
			if _, ok := cause.(*errs.Error); !ok {
				cause = errs.New(errs.KindCancelled, "run cancelled")
			}
			cancel(cause)
		})
		defer stopCaller()
	}
	if timeout > 0 {
		var cancelTimeout context.CancelFunc
		runCtx, cancelTimeout = context.WithTimeoutCause(runCtx, timeout,
			errs.New(errs.KindTimeout, "run exceeded its timeout of %d ms", timeout.Milliseconds()))
		defer cancelTimeout()
	}
	var sink io.Writer
	if req.Output != nil {
		sink = req.Output
	}
	out := api.NewOutput(maxOut, sink, cancel)
	run := &api.Run{Ctx: runCtx, Engine: h.eng, Args: req.Args, Output: out, Cancel: cancel}
	run.Bind()
	if s := run.Stopped(); s != nil {
		return &Result{Output: out.Bytes()}, s
	}

	var v value.Value
	switch lang {
	case Lua:
		v, err = h.runLua(run, name, req.Source)
	default:
		v, err = h.runJS(run, name, req.Source)
	}
	return &Result{Value: v, Output: out.Bytes()}, err
}

func (h *Host) runLua(run *api.Run, name, src string) (value.Value, error) {
	prog, err := h.luaCache.get(name, src, lua.Compile)
	if err != nil {
		return nil, err
	}
	var rt *lua.Runtime
	select {
	case rt = <-h.luaPool:
	default:
		rt = lua.New(h.modules, h.luaOpts)
	}
	v, reusable, err := rt.Run(run, prog)
	h.releaseLua(rt, reusable)
	return v, err
}

func (h *Host) releaseLua(rt *lua.Runtime, reusable bool) {
	if reusable && h.base.Err() == nil {
		select {
		case h.luaPool <- rt:
			return
		default:
		}
	}
	rt.Close()
}

func (h *Host) runJS(run *api.Run, name, src string) (value.Value, error) {
	prog, err := h.jsCache.get(name, src, js.Compile)
	if err != nil {
		return nil, err
	}
	var rt *js.Runtime
	select {
	case rt = <-h.jsPool:
	default:
		rt = js.New(h.modules, h.jsOpts)
	}
	v, reusable, err := rt.Run(run, prog)
	if reusable && h.base.Err() == nil {
		select {
		case h.jsPool <- rt:
		default:
		}
	}
	return v, err
}

// RunFile reads a script file and runs it, picking the language from the
// extension unless req.Language is set.
func (h *Host) RunFile(ctx context.Context, path string, req Request) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		kind := errs.KindInvalidArgument
		if os.IsNotExist(err) {
			kind = errs.KindNotFound
		}
		return nil, errs.Wrap(kind, err, "read script")
	}
	if req.Language == "" {
		if req.Language, err = LanguageForFile(path); err != nil {
			return nil, err
		}
	}
	if req.Name == "" {
		req.Name = filepath.Base(path)
	}
	req.Source = string(data)
	return h.Run(ctx, req)
}

// cache keeps compiled programs by (name, source). When full it starts over:
// simple, and spells are few.
type cache[P any] struct {
	mu  sync.Mutex
	max int
	m   map[string]P
}

func newCache[P any](max int) *cache[P] { return &cache[P]{max: max, m: map[string]P{}} }

func (c *cache[P]) get(name, src string, compile func(name, src string) (P, error)) (P, error) {
	key := name + "\x00" + src
	c.mu.Lock()
	p, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := compile(name, src)
	if err != nil {
		return p, err
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		c.m = map[string]P{}
	}
	c.m[key] = p
	c.mu.Unlock()
	return p, nil
}

// Check compiles a script without running it: nil, or the script_error of
// its first syntax error (with file and line). It needs no engine.
func Check(language, name, source string) error {
	lang, err := NormalizeLanguage(language)
	if err != nil {
		return err
	}
	if !utf8.ValidString(source) {
		return errs.New(errs.KindInvalidArgument, "script source is not valid UTF-8")
	}
	if lang == Lua {
		_, err = lua.Compile(name, source)
	} else {
		_, err = js.Compile(name, source)
	}
	return err
}
