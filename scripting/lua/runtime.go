package lua

import (
	"regexp"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/scripting/api"
)

// Options configures a Runtime.
type Options struct {
	// FullStdlib opens io, os, package and debug too. Default: false.
	FullStdlib bool
	// CallStackSize bounds call depth. Default: 2000.
	CallStackSize int
}

// Runtime is one sandboxed Lua state with the API surface installed.
type Runtime struct {
	L       *lua.LState
	globals *lua.LTable
	lib     *lua.LTable // what require("llmspell") returns
	run     *api.Run
}

// Program is a compiled chunk, shareable by every Runtime.
type Program struct {
	proto *lua.FunctionProto
	name  string
}

// Compile parses and compiles source; name is the chunk name used in
// messages. A syntax error is a script_error with file and line.
func Compile(name, source string) (*Program, error) {
	chunk, err := parse.Parse(strings.NewReader(source), name)
	if err != nil {
		if pe, ok := err.(*parse.Error); ok {
			line := pe.Pos.Line
			if line <= 0 { // at EOF: report the last line
				line = strings.Count(source, "\n") + 1
			}
			msg := pe.Message
			if pe.Token != "" {
				msg += " near '" + pe.Token + "'"
			}
			return nil, api.ScriptError(name, line, msg)
		}
		return nil, errs.Wrap(errs.KindScript, err, "%s", name)
	}
	proto, err := lua.Compile(chunk, name)
	if err != nil {
		return nil, errs.Wrap(errs.KindScript, err, "%s", name)
	}
	return &Program{proto: proto, name: name}, nil
}

// New builds a runtime and installs the modules.
func New(modules []api.Module, opts *Options) *Runtime {
	if opts == nil {
		opts = &Options{}
	}
	stack := opts.CallStackSize
	if stack <= 0 {
		stack = 2000
	}
	L := lua.NewState(lua.Options{
		SkipOpenLibs:        true,
		CallStackSize:       stack,
		RegistrySize:        1024 * 4,
		RegistryMaxSize:     1024 * 1024,
		MinimizeStackMemory: true,
	})
	rt := &Runtime{L: L, globals: L.G.Global}
	libs := []struct {
		name string
		fn   lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
	}
	if opts.FullStdlib {
		libs = append(libs, []struct {
			name string
			fn   lua.LGFunction
		}{
			{lua.LoadLibName, lua.OpenPackage},
			{lua.IoLibName, lua.OpenIo},
			{lua.OsLibName, lua.OpenOs},
			{lua.DebugLibName, lua.OpenDebug},
		}...)
	}
	for _, lib := range libs {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	g := rt.globals
	if !opts.FullStdlib {
		for _, name := range []string{"dofile", "loadfile", "module", "require", "_printregs", "newproxy"} {
			g.RawSetString(name, lua.LNil)
		}
		g.RawSetString("require", L.NewFunction(rt.require))
	}
	g.RawSetString("print", L.NewFunction(rt.print))
	rt.lib = L.NewTable()
	for _, m := range modules {
		t := L.CreateTable(0, len(m.Functions))
		for _, f := range m.Functions {
			lf := L.NewFunction(rt.bind(f, m.Name+"."+f.Name, nil))
			t.RawSetString(f.Name, lf)
			for _, a := range f.Aliases {
				t.RawSetString(a, lf)
			}
		}
		g.RawSetString(m.Name, t)
		rt.lib.RawSetString(m.Name, t)
	}
	return rt
}

// Close releases the state.
func (rt *Runtime) Close() { rt.L.Close() }

func (rt *Runtime) require(L *lua.LState) int {
	name := L.CheckString(1)
	if name == "llmspell" {
		L.Push(rt.lib)
		return 1
	}
	L.RaiseError("module '%s' not found: the sandbox provides only 'llmspell'", name)
	return 0
}

func (rt *Runtime) print(L *lua.LState) int {
	n := L.GetTop()
	parts := make([]string, n)
	for i := 1; i <= n; i++ {
		parts[i-1] = L.ToStringMeta(L.Get(i)).String()
	}
	if err := rt.run.Print(parts, "\t"); err != nil {
		rt.raise(err)
	}
	return 0
}

// bind adapts one API function to an LGFunction. When self is set (a method
// of a host object), a first argument equal to self is dropped, so both
// obj:m() and obj.m() work.
func (rt *Runtime) bind(f api.Function, fullName string, self *lua.LTable) lua.LGFunction {
	return func(L *lua.LState) int {
		top := L.GetTop()
		first := 1
		if self != nil && top >= 1 && L.Get(1) == self {
			first = 2
		}
		args := make([]value.Value, 0, top-first+1)
		wrap := func(fn *lua.LFunction) value.Value { return &callable{rt: rt, fn: fn, name: fullName} }
		for i := first; i <= top; i++ {
			v, err := toValueWith(L.Get(i), 0, wrap)
			if err != nil {
				rt.raise(errs.Wrap(errs.KindInvalidArgument, err, "%s: argument %d", fullName, i-first+1))
			}
			args = append(args, v)
		}
		res, err := rt.callSafe(f, &api.Call{Run: rt.run, Name: fullName, Args: args})
		if err != nil {
			rt.raise(err)
		}
		L.Push(rt.toLua(res))
		return 1
	}
}

// callSafe runs an API function, turning a Go panic into an internal error.
func (rt *Runtime) callSafe(f api.Function, c *api.Call) (res value.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errs.New(errs.KindInternal, "%s panicked: %v", c.Name, r)
		}
	}()
	if c.Run.HasHandlers() {
		c.Run.Pump() // an API call is a safe point to serve the run's event handlers
	}
	return f.Fn(c)
}

// raise throws err as a Lua error: a table {code, message} whose tostring is
// the message, so pcall can branch on err.code.
func (rt *Runtime) raise(err error) {
	e := errs.As(err)
	L := rt.L
	t := L.CreateTable(0, 2)
	t.RawSetString("code", lua.LString(e.Kind.String()))
	t.RawSetString("message", lua.LString(e.Error()))
	mt := L.CreateTable(0, 1)
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(e.Error()))
		return 1
	}))
	L.SetMetatable(t, mt)
	L.Error(t, 0)
}

// Run executes a compiled program for one run and returns its first return
// value. It reports whether the runtime is still fit for reuse: after a
// timeout or cancellation it is not.
func (rt *Runtime) Run(run *api.Run, prog *Program) (result value.Value, reusable bool, err error) {
	L := rt.L
	rt.run = run
	defer func() { rt.run = nil }()

	env := L.CreateTable(0, 4)
	meta := L.CreateTable(0, 1)
	meta.RawSetString("__index", rt.globals)
	L.SetMetatable(env, meta)
	env.RawSetString("_G", env)
	env.RawSetString("ARGS", rt.argsToLua(run.Args))

	fn := L.NewFunctionFromProto(prog.proto)
	fn.Env = env

	L.SetContext(run.Ctx)
	defer L.RemoveContext()
	top := L.GetTop()
	L.Push(fn)
	callErr := L.PCall(0, 1, nil)
	run.Finish(callErr == nil)
	if stop := run.Stopped(); stop != nil {
		L.SetTop(top)
		return nil, false, stop
	}
	if callErr != nil {
		L.SetTop(top)
		return nil, true, convertError(callErr, prog.name)
	}
	ret := L.Get(-1)
	L.SetTop(top)
	v, err := toValue(ret, 0)
	if err != nil {
		return nil, true, errs.Wrap(errs.KindScript, err, "%s: result", prog.name)
	}
	return v, true, nil
}

var linePrefix = regexp.MustCompile(`^(.*?):(\d+): `)

// convertError maps a Lua error to a kinded error: an API error table keeps
// its kind; any other error is a script_error with file and line when the
// message carries them.
func convertError(err error, name string) error {
	apiErr, ok := err.(*lua.ApiError)
	if !ok {
		return errs.Wrap(errs.KindScript, err, "%s", name)
	}
	if t, ok := apiErr.Object.(*lua.LTable); ok {
		code, _ := t.RawGetString("code").(lua.LString)
		msg, _ := t.RawGetString("message").(lua.LString)
		if kind, ok := errs.ParseKind(string(code)); ok && msg != "" {
			text := strings.TrimPrefix(string(msg), string(code)+": ")
			return errs.New(kind, "%s", text)
		}
	}
	msg := apiErr.Object.String()
	e := errs.New(errs.KindScript, "%s", msg).With("file", name)
	if m := linePrefix.FindStringSubmatch(msg); m != nil {
		if line, err := strconv.Atoi(m[2]); err == nil {
			e = e.With("line", int64(line))
		}
	}
	if apiErr.StackTrace != "" {
		e = e.With("traceback", apiErr.StackTrace)
	}
	return e
}

// callable is a Lua function handed to an API function as an argument.
type callable struct {
	rt   *Runtime
	fn   *lua.LFunction
	name string
}

// Call runs the function on the runtime's goroutine (the caller's: it is
// only valid during the API call that received it).
func (c *callable) Call(args ...value.Value) (value.Value, error) {
	L := c.rt.L
	top := L.GetTop()
	L.Push(c.fn)
	for _, a := range args {
		L.Push(c.rt.toLua(a))
	}
	err := L.PCall(len(args), 1, nil)
	if c.rt.run != nil {
		if stop := c.rt.run.Stopped(); stop != nil {
			L.SetTop(top)
			return nil, stop
		}
	}
	if err != nil {
		L.SetTop(top)
		return nil, convertError(err, c.name+" callback")
	}
	ret := L.Get(-1)
	L.SetTop(top)
	return toValue(ret, 0)
}
