package js

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/scripting/api"
)

// Options configures a Runtime.
type Options struct {
	// MaxCallStack bounds call depth. Default: 2000.
	MaxCallStack int
}

// Runtime is one goja runtime with the API surface installed.
type Runtime struct {
	vm       *goja.Runtime
	baseline map[string]bool // global names present after construction
	run      *api.Run
}

// Program is a compiled script, shareable by every Runtime.
type Program struct {
	prg  *goja.Program
	name string
}

// wrapPrefix puts the script's top level inside a function so `return`
// gives the result and declarations stay per run. It adds no line, so line
// numbers match the source.
const wrapPrefix = "(function(){"

// Compile compiles source; name is used in messages. A syntax error is a
// script_error with file and line.
func Compile(name, source string) (*Program, error) {
	// Parse first: goja.Compile flattens parser errors into text, while the
	// parser's own ErrorList keeps line and column.
	ast, err := parser.ParseFile(nil, name, wrapPrefix+source+"\n})()", 0)
	if err != nil {
		var list parser.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			pos := list[0].Position
			col := pos.Column
			if pos.Line == 1 {
				col -= len(wrapPrefix)
			}
			e := api.ScriptError(name, pos.Line, "SyntaxError: "+list[0].Message)
			return nil, e.With("column", int64(col))
		}
		return nil, errs.Wrap(errs.KindScript, err, "%s", name)
	}
	prg, err := goja.CompileAST(ast, false)
	if err != nil {
		var se *goja.CompilerSyntaxError
		if errors.As(err, &se) && se.File != nil {
			pos := se.File.Position(se.Offset)
			return nil, api.ScriptError(name, pos.Line, "SyntaxError: "+se.Message)
		}
		return nil, errs.Wrap(errs.KindScript, err, "%s", name)
	}
	return &Program{prg: prg, name: name}, nil
}

// New builds a runtime and installs the modules.
func New(modules []api.Module, opts *Options) *Runtime {
	if opts == nil {
		opts = &Options{}
	}
	stack := opts.MaxCallStack
	if stack <= 0 {
		stack = 2000
	}
	vm := goja.New()
	vm.SetMaxCallStackSize(stack)
	rt := &Runtime{vm: vm}
	vm.Set("print", rt.print)
	lib := vm.NewObject()
	for _, m := range modules {
		o := vm.NewObject()
		for _, f := range m.Functions {
			rt.setFunc(o, f, m.Name+"."+f.Name)
		}
		vm.Set(m.Name, o)
		lib.Set(m.Name, o)
	}
	rt.baseline = map[string]bool{"ARGS": true}
	for _, k := range vm.GlobalObject().Keys() {
		rt.baseline[k] = true
	}
	return rt
}

// Close releases the runtime (goja needs nothing beyond dropping it).
func (rt *Runtime) Close() {}

func (rt *Runtime) print(call goja.FunctionCall) goja.Value {
	parts := make([]string, len(call.Arguments))
	for i, a := range call.Arguments {
		parts[i] = a.String()
	}
	if err := rt.run.Print(parts, " "); err != nil {
		rt.throw(err)
	}
	return goja.Undefined()
}

// setFunc installs f on o under its name, its aliases and its camelCase
// alias.
func (rt *Runtime) setFunc(o *goja.Object, f api.Function, fullName string) {
	fn := rt.vm.ToValue(rt.bind(f, fullName))
	o.Set(f.Name, fn)
	for _, a := range f.Aliases {
		o.Set(a, fn)
	}
	if camel := api.CamelAlias(f.Name); camel != "" {
		o.Set(camel, fn)
	}
}

// bind adapts one API function to goja's reflection-free calling convention.
func (rt *Runtime) bind(f api.Function, fullName string) func(goja.FunctionCall) goja.Value {
	return func(call goja.FunctionCall) goja.Value {
		args := make([]value.Value, len(call.Arguments))
		wrap := func(fn goja.Callable) value.Value { return &callable{rt: rt, fn: fn, name: fullName} }
		for i, a := range call.Arguments {
			v, err := rt.toValueWith(a, 0, wrap)
			if err != nil {
				rt.throw(errs.Wrap(errs.KindInvalidArgument, err, "%s: argument %d", fullName, i+1))
			}
			args[i] = v
		}
		res, err := rt.callSafe(f, &api.Call{Run: rt.run, Name: fullName, Args: args})
		if err != nil {
			rt.throw(err)
		}
		return rt.toJS(res)
	}
}

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

// throw raises err as a JS exception: a TypeError for invalid arguments,
// an Error otherwise, each with a string `code` property.
func (rt *Runtime) throw(err error) {
	e := errs.As(err)
	var obj *goja.Object
	if e.Kind == errs.KindInvalidArgument {
		obj = rt.vm.NewTypeError(e.Error())
	} else {
		obj = rt.vm.NewGoError(e)
		obj.Set("message", e.Error())
	}
	obj.Set("code", e.Kind.String())
	panic(obj)
}

// Run executes a compiled program for one run and returns the value its top
// level returned. It reports whether the runtime is fit for reuse.
func (rt *Runtime) Run(run *api.Run, prog *Program) (result value.Value, reusable bool, err error) {
	vm := rt.vm
	rt.run = run
	defer func() { rt.run = nil }()
	vm.Set("ARGS", rt.toJS(argsOrEmpty(run.Args)))
	stop := context.AfterFunc(run.Ctx, func() { vm.Interrupt(run.Stopped()) })
	defer func() {
		stop()
		vm.ClearInterrupt()
		rt.cleanGlobals()
	}()
	ret, runErr := vm.RunProgram(prog.prg)
	run.Finish(runErr == nil)
	if s := run.Stopped(); s != nil {
		return nil, false, s
	}
	if runErr != nil {
		return nil, true, rt.convertError(runErr, prog.name)
	}
	v, err := rt.toValue(ret, 0)
	if err != nil {
		return nil, true, errs.Wrap(errs.KindScript, err, "%s: result", prog.name)
	}
	return v, true, nil
}

func argsOrEmpty(v value.Value) value.Value {
	if v == nil {
		return value.Map{}
	}
	return v
}

// cleanGlobals deletes globals the run created by plain assignment.
func (rt *Runtime) cleanGlobals() {
	g := rt.vm.GlobalObject()
	for _, k := range g.Keys() {
		if !rt.baseline[k] {
			g.Delete(k)
		}
	}
}

// convertError maps a JS exception to a kinded error: an API error keeps
// its code; anything else is a script_error with file and line.
func (rt *Runtime) convertError(err error, name string) error {
	var ex *goja.Exception
	if !errors.As(err, &ex) {
		return errs.Wrap(errs.KindScript, err, "%s", name)
	}
	if obj, ok := ex.Value().(*goja.Object); ok {
		if code := obj.Get("code"); code != nil && !goja.IsUndefined(code) {
			if kind, ok := errs.ParseKind(code.String()); ok {
				msg := obj.Get("message").String()
				return errs.New(kind, "%s", strings.TrimPrefix(msg, kind.String()+": "))
			}
		}
	}
	e := errs.New(errs.KindScript, "%s", ex.Error()).With("file", name)
	if st := ex.Stack(); len(st) > 0 {
		pos := st[0].Position()
		if pos.Line > 0 {
			e = e.With("line", int64(pos.Line))
			e.Message = name + ":" + strconv.Itoa(pos.Line) + ": " + ex.Value().String()
		}
	}
	return e
}

// callable is a JS function handed to an API function as an argument.
type callable struct {
	rt   *Runtime
	fn   goja.Callable
	name string
}

// Call runs the function on the runtime's goroutine (the caller's: it is
// only valid during the API call that received it).
func (c *callable) Call(args ...value.Value) (value.Value, error) {
	jsArgs := make([]goja.Value, len(args))
	for i, a := range args {
		jsArgs[i] = c.rt.toJS(a)
	}
	ret, err := c.fn(goja.Undefined(), jsArgs...)
	if c.rt.run != nil {
		if stop := c.rt.run.Stopped(); stop != nil {
			return nil, stop
		}
	}
	if err != nil {
		return nil, c.rt.convertError(err, c.name+" callback")
	}
	return c.rt.toValue(ret, 0)
}
