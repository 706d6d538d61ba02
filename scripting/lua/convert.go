package lua

import (
	"math"
	"strconv"

	lua "github.com/yuin/gopher-lua"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/scripting/api"
)

// maxDepth bounds nesting when converting tables, which also stops cycles.
const maxDepth = 200

// toValue converts a Lua value to a value.Value. Tables with keys 1..n
// become lists, other tables maps (number keys become strings), the empty
// table an empty map; functions, userdata and threads are errors.
func toValue(lv lua.LValue, depth int) (value.Value, error) { return toValueWith(lv, depth, nil) }

// toValueWith is toValue where wrap, when set, turns functions (at any depth)
// into values, e.g. callables for API arguments.
func toValueWith(lv lua.LValue, depth int, wrap func(*lua.LFunction) value.Value) (value.Value, error) {
	switch v := lv.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(v), nil
	case lua.LNumber:
		return numberValue(float64(v)), nil
	case lua.LString:
		return string(v), nil
	case *lua.LTable:
		if depth >= maxDepth {
			return nil, errs.New(errs.KindLimit, "table nested deeper than %d levels (or a cycle)", maxDepth)
		}
		return tableValue(v, depth, wrap)
	case *lua.LFunction:
		if wrap != nil {
			return wrap(v), nil
		}
		return nil, errs.New(errs.KindInvalidArgument, "cannot convert a function to a JSON value")
	}
	return nil, errs.New(errs.KindInvalidArgument, "cannot convert a Lua %s to a JSON value", lv.Type().String())
}

// numberValue keeps integral numbers as int64, as JSON readers expect.
// NaN and ±Inf become nil, as SCRIPT_API.md says.
func numberValue(f float64) value.Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	if f == math.Trunc(f) && f >= -9.2e18 && f <= 9.2e18 {
		return int64(f)
	}
	return f
}

func tableValue(t *lua.LTable, depth int, wrap func(*lua.LFunction) value.Value) (value.Value, error) {
	n := t.MaxN()
	count := 0
	t.ForEach(func(lua.LValue, lua.LValue) { count++ })
	if n > 0 && count == n {
		out := make(value.List, n)
		for i := 1; i <= n; i++ {
			v, err := toValueWith(t.RawGetInt(i), depth+1, wrap)
			if err != nil {
				return nil, err
			}
			out[i-1] = v
		}
		return out, nil
	}
	out := make(value.Map, count)
	var firstErr error
	t.ForEach(func(k, lv lua.LValue) {
		if firstErr != nil {
			return
		}
		var key string
		switch kk := k.(type) {
		case lua.LString:
			key = string(kk)
		case lua.LNumber:
			key = strconv.FormatFloat(float64(kk), 'f', -1, 64)
		default:
			firstErr = errs.New(errs.KindInvalidArgument, "cannot convert a table with a %s key to a JSON value", k.Type().String())
			return
		}
		v, err := toValueWith(lv, depth+1, wrap)
		if err != nil {
			firstErr = err
			return
		}
		out[key] = v
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// toLua converts a value.Value (or an *api.Object) to a Lua value.
func (rt *Runtime) toLua(v value.Value) lua.LValue {
	L := rt.L
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(x)
	case int64:
		return lua.LNumber(x)
	case float64:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case []byte:
		return lua.LString(x)
	case value.List:
		t := L.CreateTable(len(x), 0)
		for i, e := range x {
			t.RawSetInt(i+1, rt.toLua(e))
		}
		return t
	case value.Map:
		t := L.CreateTable(0, len(x))
		for k, e := range x {
			t.RawSetString(k, rt.toLua(e))
		}
		return t
	case *api.Object:
		return rt.objectToLua(x)
	}
	return lua.LNil
}

// argsToLua converts ARGS: like toLua, but keys that are decimal integers
// become number keys so positional arguments read as ARGS[1].
func (rt *Runtime) argsToLua(v value.Value) lua.LValue {
	m, ok := v.(value.Map)
	if !ok {
		if v == nil {
			return rt.L.NewTable()
		}
		return rt.toLua(v)
	}
	t := rt.L.CreateTable(0, len(m))
	for k, e := range m {
		if n, err := strconv.Atoi(k); err == nil && n > 0 && strconv.Itoa(n) == k {
			t.RawSetInt(n, rt.toLua(e))
		} else {
			t.RawSetString(k, rt.toLua(e))
		}
	}
	return t
}

// objectToLua builds a table holding the object's fields and its methods.
// Methods accept both obj:m() and obj.m().
func (rt *Runtime) objectToLua(o *api.Object) *lua.LTable {
	t := rt.L.CreateTable(0, len(o.Fields)+len(o.Methods))
	for k, e := range o.Fields {
		t.RawSetString(k, rt.toLua(e))
	}
	for _, m := range o.Methods {
		t.RawSetString(m.Name, rt.L.NewFunction(rt.bind(m, "object."+m.Name, t)))
	}
	return t
}
