package js

import (
	"math"
	"math/big"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dop251/goja"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/scripting/api"
)

var (
	arrayBufferType = reflect.TypeOf(goja.ArrayBuffer{})
	bytesType       = reflect.TypeOf([]byte(nil))
)

// maxDepth bounds nesting when converting objects, which also stops cycles.
const maxDepth = 200

// toValue converts a JS value to a value.Value. Arrays become lists, other
// objects maps of their own enumerable properties; functions and symbols
// are errors; undefined is null.
func (rt *Runtime) toValue(v goja.Value, depth int) (value.Value, error) {
	return rt.toValueWith(v, depth, nil)
}

// toValueWith is toValue where wrap, when set, turns functions (at any
// depth) into values, e.g. callables for API arguments, instead of failing
// (at the top) or being skipped (as object properties).
func (rt *Runtime) toValueWith(v goja.Value, depth int, wrap func(goja.Callable) value.Value) (value.Value, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	obj, isObj := v.(*goja.Object)
	if !isObj {
		switch x := v.Export().(type) {
		case int64:
			return x, nil
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, nil // as SCRIPT_API.md says: NaN and Inf become null
			}
			return x, nil
		case string:
			return x, nil
		case bool:
			return x, nil
		case *big.Int:
			if x.IsInt64() {
				return x.Int64(), nil
			}
			f, _ := new(big.Float).SetInt(x).Float64()
			return f, nil
		}
		return nil, errs.New(errs.KindInvalidArgument, "cannot convert a JS %s to a JSON value", v.ExportType())
	}
	if depth >= maxDepth {
		return nil, errs.New(errs.KindLimit, "object nested deeper than %d levels (or a cycle)", maxDepth)
	}
	switch obj.ClassName() {
	case "Function":
		if fn, ok := goja.AssertFunction(obj); ok && wrap != nil {
			return wrap(fn), nil
		}
		return nil, errs.New(errs.KindInvalidArgument, "cannot convert a function to a JSON value")
	case "Array":
		n := int(obj.Get("length").ToInteger())
		out := make(value.List, n)
		for i := 0; i < n; i++ {
			e, err := rt.toValueWith(obj.Get(strconv.Itoa(i)), depth+1, wrap)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case "Date":
		if t, ok := obj.Export().(time.Time); ok {
			return t.UTC().Format(time.RFC3339Nano), nil
		}
	case "Object":
		// ArrayBuffer and Uint8Array report class "Object"; their export
		// type tells them apart from plain objects without exporting.
		switch obj.ExportType() {
		case arrayBufferType:
			return append([]byte(nil), obj.Export().(goja.ArrayBuffer).Bytes()...), nil
		case bytesType:
			return append([]byte(nil), obj.Export().([]byte)...), nil
		}
	case "String", "Number", "Boolean":
		return rt.toValueWith(obj.Export().(goja.Value), depth, wrap)
	}
	keys := obj.Keys()
	out := make(value.Map, len(keys))
	for _, k := range keys {
		pv := obj.Get(k)
		if o, ok := pv.(*goja.Object); ok && o.ClassName() == "Function" && wrap == nil {
			continue // in results, methods are not data
		}
		e, err := rt.toValueWith(pv, depth+1, wrap)
		if err != nil {
			return nil, err
		}
		out[k] = e
	}
	return out, nil
}

// toJS converts a value.Value (or an *api.Object) to a JS value.
func (rt *Runtime) toJS(v value.Value) goja.Value {
	vm := rt.vm
	switch x := v.(type) {
	case nil:
		return goja.Null()
	case bool:
		return vm.ToValue(x)
	case int64:
		return vm.ToValue(x)
	case float64:
		return vm.ToValue(x)
	case string:
		return vm.ToValue(x)
	case []byte:
		// Text stays a string; bytes that are not UTF-8 become an
		// ArrayBuffer, so binary content survives the trip.
		if utf8.Valid(x) {
			return vm.ToValue(string(x))
		}
		return vm.ToValue(vm.NewArrayBuffer(append([]byte(nil), x...)))
	case value.List:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = rt.toJS(e)
		}
		return vm.NewArray(items...)
	case value.Map:
		o := vm.NewObject()
		for _, k := range value.SortedKeys(x) {
			o.Set(k, rt.toJS(x[k]))
		}
		return o
	case *api.Object:
		o := vm.NewObject()
		for _, k := range value.SortedKeys(x.Fields) {
			o.Set(k, rt.toJS(x.Fields[k]))
		}
		for _, m := range x.Methods {
			rt.setFunc(o, m, "object."+m.Name)
		}
		return o
	}
	return goja.Undefined()
}
