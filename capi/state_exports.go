package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"
*/
import "C"

import (
	"context"
	"unicode/utf8"
	"unsafe"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
)

// withEngine runs fn with a live engine reference, turning a panic into
// LLMSPELL_ERR_INTERNAL (poisoning the engine) and any error into a status.
func withEngine(e *C.llmspell_engine, errOut **C.llmspell_error, fn func(ref *engineRef) error) (st C.llmspell_status) {
	var ref *engineRef
	defer func() {
		if r := recover(); r != nil {
			st = panicked(r, errOut, ref)
		}
	}()
	ref, err := reg.acquireEngine(uintptr(unsafe.Pointer(e)))
	if err != nil {
		return status(errOut, err)
	}
	defer ref.release()
	if err := ref.eng.Check(); err != nil {
		return status(errOut, err)
	}
	return status(errOut, fn(ref))
}

// cName reads a NUL-terminated name (scope, key, prefix).
func cName(p *C.char, what string, required bool) (string, error) {
	if p == nil {
		if required {
			return "", errs.New(errs.KindInvalidArgument, "%s is NULL", what)
		}
		return "", nil
	}
	s := C.GoString(p)
	if !utf8.ValidString(s) {
		return "", errs.New(errs.KindInvalidArgument, "%s is not valid UTF-8", what)
	}
	return s, nil
}

func cScopeKey(scope, key *C.char) (state.Scope, string, error) {
	sc, err := cName(scope, "scope", false)
	if err != nil {
		return state.Scope{}, "", err
	}
	s, err := state.ParseScope(sc)
	if err != nil {
		return state.Scope{}, "", err
	}
	k, err := cName(key, "key", true)
	return s, k, err
}

// jsonInput decodes an optional JSON input; NULL/0 gives nil.
func jsonInput(p *C.char, n C.size_t, what string) (value.Value, error) {
	raw, err := inputUTF8(p, n, what)
	if err != nil || raw == "" {
		return nil, err
	}
	v, err := value.DecodeString(raw)
	if err != nil {
		return nil, errs.Wrap(errs.KindInvalidArgument, err, "%s", what)
	}
	return v, nil
}

//export llmspell_state_set
func llmspell_state_set(e *C.llmspell_engine, scope, key *C.char, valueJSON *C.char, valueLen C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	return withEngine(e, errOut, func(ref *engineRef) error {
		s, k, err := cScopeKey(scope, key)
		if err != nil {
			return err
		}
		if valueJSON == nil {
			return errs.New(errs.KindInvalidArgument, "value_json is NULL")
		}
		if valueLen == 0 {
			return errs.New(errs.KindInvalidArgument, "value_json is empty")
		}
		v, err := jsonInput(valueJSON, valueLen, "value_json")
		if err != nil {
			return err
		}
		return ref.eng.State().Set(context.Background(), s, k, v)
	})
}

//export llmspell_state_get
func llmspell_state_get(e *C.llmspell_engine, scope, key *C.char, valueOut **C.char, valueLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if valueOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "value_out is NULL"))
	}
	*valueOut = nil
	if valueLen != nil {
		*valueLen = 0
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		s, k, err := cScopeKey(scope, key)
		if err != nil {
			return err
		}
		v, ok, err := ref.eng.State().Get(context.Background(), s, k)
		if err != nil || !ok {
			return err
		}
		data, err := value.Encode(v)
		if err != nil {
			return err
		}
		setOut(valueOut, valueLen, data)
		return nil
	})
}

//export llmspell_state_delete
func llmspell_state_delete(e *C.llmspell_engine, scope, key *C.char, existedOut *C.int32_t, errOut **C.llmspell_error) C.llmspell_status {
	return withEngine(e, errOut, func(ref *engineRef) error {
		s, k, err := cScopeKey(scope, key)
		if err != nil {
			return err
		}
		existed, err := ref.eng.State().Delete(context.Background(), s, k)
		if err == nil && existedOut != nil {
			*existedOut = cBool(existed)
		}
		return err
	})
}

func cBool(b bool) C.int32_t {
	if b {
		return 1
	}
	return 0
}

//export llmspell_state_exists
func llmspell_state_exists(e *C.llmspell_engine, scope, key *C.char, existsOut *C.int32_t, errOut **C.llmspell_error) C.llmspell_status {
	if existsOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "exists_out is NULL"))
	}
	*existsOut = 0
	return withEngine(e, errOut, func(ref *engineRef) error {
		s, k, err := cScopeKey(scope, key)
		if err != nil {
			return err
		}
		ok, err := ref.eng.State().Exists(context.Background(), s, k)
		*existsOut = cBool(ok)
		return err
	})
}

//export llmspell_state_list
func llmspell_state_list(e *C.llmspell_engine, scope, prefix *C.char, limit C.uint32_t, keysOut **C.char, keysLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if keysOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "keys_out is NULL"))
	}
	*keysOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		sc, err := cName(scope, "scope", false)
		if err != nil {
			return err
		}
		s, err := state.ParseScope(sc)
		if err != nil {
			return err
		}
		p, err := cName(prefix, "prefix", false)
		if err != nil {
			return err
		}
		keys, err := ref.eng.State().Keys(context.Background(), s, &state.ListOptions{Prefix: p, Limit: int(limit)})
		if err != nil {
			return err
		}
		list := make(value.List, len(keys))
		for i, k := range keys {
			list[i] = k
		}
		data, err := value.Encode(list)
		if err != nil {
			return err
		}
		setOut(keysOut, keysLen, data)
		return nil
	})
}

//export llmspell_state_compare_and_set
func llmspell_state_compare_and_set(e *C.llmspell_engine, scope, key *C.char, expectedJSON *C.char, expectedLen C.size_t,
	newJSON *C.char, newLen C.size_t, swappedOut *C.int32_t, errOut **C.llmspell_error) C.llmspell_status {
	if swappedOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "swapped_out is NULL"))
	}
	*swappedOut = 0
	return withEngine(e, errOut, func(ref *engineRef) error {
		s, k, err := cScopeKey(scope, key)
		if err != nil {
			return err
		}
		expected, err := jsonInput(expectedJSON, expectedLen, "expected_json")
		if err != nil {
			return err
		}
		newV, err := jsonInput(newJSON, newLen, "new_json")
		if err != nil {
			return err
		}
		ok, err := ref.eng.State().CompareAndSet(context.Background(), s, k, expected, newV)
		*swappedOut = cBool(ok)
		return err
	})
}

//export llmspell_state_transaction
func llmspell_state_transaction(e *C.llmspell_engine, opsJSON *C.char, opsLen C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	return withEngine(e, errOut, func(ref *engineRef) error {
		if opsJSON == nil {
			return errs.New(errs.KindInvalidArgument, "ops_json is NULL")
		}
		v, err := jsonInput(opsJSON, opsLen, "ops_json")
		if err != nil {
			return err
		}
		ops, ok := v.(value.List)
		if !ok {
			return errs.New(errs.KindInvalidArgument, "ops_json must be a JSON array of operations")
		}
		return ref.eng.State().Update(context.Background(), func(tx *state.Tx) error {
			for i, o := range ops {
				if err := applyOp(tx, o); err != nil {
					return errs.Wrap(errs.KindOf(err), err, "ops_json[%d]", i)
				}
			}
			return nil
		})
	})
}

func applyOp(tx *state.Tx, o value.Value) error {
	m, ok := o.(value.Map)
	if !ok {
		return errs.New(errs.KindInvalidArgument, "an operation must be an object")
	}
	for k := range m {
		switch k {
		case "op", "scope", "key", "value":
		default:
			return errs.New(errs.KindInvalidArgument, "unknown field %q", k)
		}
	}
	sc, isString := m["scope"].(string)
	if m["scope"] != nil && !isString {
		return errs.New(errs.KindInvalidArgument, "\"scope\" must be a string")
	}
	scope, err := state.ParseScope(sc)
	if err != nil {
		return err
	}
	key, ok := m["key"].(string)
	if !ok {
		return errs.New(errs.KindInvalidArgument, "\"key\" must be a string")
	}
	switch op, _ := m["op"].(string); op {
	case "set":
		if _, ok := m["value"]; !ok {
			return errs.New(errs.KindInvalidArgument, "set needs a \"value\"")
		}
		return tx.Set(scope, key, m["value"])
	case "delete":
		return tx.Delete(scope, key)
	default:
		return errs.New(errs.KindInvalidArgument, "\"op\" must be \"set\" or \"delete\", got %q", op)
	}
}
