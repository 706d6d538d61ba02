package value

import (
	"fmt"
	"math"
	"sort"

	"github.com/llmspell/llmspell-go/core/errs"
)

// Value is a JSON-compatible value: nil, bool, int64, float64, string,
// []byte, List or Map.
type Value = any

// List is an ordered list of values (a JSON array).
type List = []Value

// Map is a string-keyed map of values (a JSON object).
type Map = map[string]Value

// Type names the dynamic type of a Value.
type Type uint8

// The types of Value.
const (
	TypeNull Type = iota
	TypeBool
	TypeInt
	TypeFloat
	TypeString
	TypeBytes
	TypeList
	TypeMap
	TypeInvalid
)

var typeNames = [...]string{"null", "bool", "int", "float", "string", "bytes", "list", "map", "invalid"}

// String returns the type name, e.g. "map".
func (t Type) String() string { return typeNames[t] }

// TypeOf returns the type of v, or TypeInvalid if v is not a Value.
func TypeOf(v Value) Type {
	switch v.(type) {
	case nil:
		return TypeNull
	case bool:
		return TypeBool
	case int64:
		return TypeInt
	case float64:
		return TypeFloat
	case string:
		return TypeString
	case []byte:
		return TypeBytes
	case List:
		return TypeList
	case Map:
		return TypeMap
	}
	return TypeInvalid
}

// Normalize converts common Go values (other int and float sizes, []string,
// map[string]string, []map[string]any, ...) into a Value. It returns an
// invalid_argument error naming the Go type for anything else.
func Normalize(v any) (Value, error) {
	switch x := v.(type) {
	case nil, bool, int64, float64, string, []byte:
		return x, nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint:
		return uintValue(uint64(x)), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		return uintValue(x), nil
	case float32:
		return float64(x), nil
	case List:
		out := make(List, len(x))
		for i, e := range x {
			n, err := Normalize(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case Map:
		out := make(Map, len(x))
		for k, e := range x {
			n, err := Normalize(e)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case []string:
		out := make(List, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, nil
	case map[string]string:
		out := make(Map, len(x))
		for k, s := range x {
			out[k] = s
		}
		return out, nil
	case []Map:
		out := make(List, len(x))
		for i, m := range x {
			n, err := Normalize(m)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, errs.New(errs.KindInvalidArgument, "value of Go type %T cannot be a value", v)
}

func uintValue(u uint64) Value {
	if u <= math.MaxInt64 {
		return int64(u)
	}
	return float64(u)
}

// Equal reports whether a and b are the same value. An int64 and a float64
// with the same numeric value are equal, as they are in JSON.
func Equal(a, b Value) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return float64(x) == y
		}
		return false
	case float64:
		switch y := b.(type) {
		case int64:
			return x == float64(y)
		case float64:
			return x == y
		}
		return false
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []byte:
		y, ok := b.([]byte)
		return ok && string(x) == string(y)
	case List:
		y, ok := b.(List)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case Map:
		y, ok := b.(Map)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !Equal(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

// SortedKeys returns the keys of m in ascending order.
func SortedKeys(m Map) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Get walks a dotted path ("a.b.0.c") through maps and lists and returns the
// value found, and false when any step is missing.
func Get(v Value, path string) (Value, bool) {
	if path == "" {
		return v, true
	}
	start := 0
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] != '.' {
			continue
		}
		seg := path[start:i]
		start = i + 1
		switch x := v.(type) {
		case Map:
			next, ok := x[seg]
			if !ok {
				return nil, false
			}
			v = next
		case List:
			var idx int
			if _, err := fmt.Sscanf(seg, "%d", &idx); err != nil || idx < 0 || idx >= len(x) {
				return nil, false
			}
			v = x[idx]
		default:
			return nil, false
		}
	}
	return v, true
}

// Truthy is the one notion of truth for conditions over values (workflow
// conditions, template if blocks): nil, false, 0, NaN, "" and empty
// bytes, lists and maps are false; everything else is true.
func Truthy(v Value) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0 && !math.IsNaN(x)
	case string:
		return x != ""
	case []byte:
		return len(x) > 0
	case List:
		return len(x) > 0
	case Map:
		return len(x) > 0
	}
	return true
}

// Number reads a number: int64 or float64 (and a plain Go int, which Go
// callers may hand in before normalizing).
func Number(v Value) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}
