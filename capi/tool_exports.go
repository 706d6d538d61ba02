package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"
*/
import "C"

import (
	"context"
	"sync"
	"unsafe"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// toolReply is what a C tool answers through llmspell_tool_reply_*.
type toolReply struct {
	mu     sync.Mutex
	result value.Value
	set    bool
	err    error
}

// cTool is a tool written in C: a cHook-like call counter guards its
// unregister, and its user data is freed once.
type cTool struct {
	*cHook
}

func (t cTool) call(_ context.Context, c *tool.Call) (value.Value, error) {
	if !t.begin() {
		return nil, errs.New(errs.KindNotFound, "the tool was unregistered")
	}
	defer t.end()
	data, err := value.Encode(c.Params)
	if err != nil {
		return nil, err
	}
	rp := &toolReply{}
	id := reg.addStream(tagTReply, rp)
	defer reg.removeStream(id, tagTReply)
	tid := uint64(C.ls_thread_id())
	t.threads.Store(tid, true)
	defer t.threads.Delete(tid)
	p := C.CBytes(append(data, 0))
	defer C.free(p)
	C.ls_call_tool(C.llmspell_tool_fn(t.fn), t.ud, (*C.char)(p), C.size_t(len(data)), C.ls_tool_reply_ptr(C.uintptr_t(id)))
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.err != nil {
		return nil, rp.err
	}
	if !rp.set {
		return nil, errs.New(errs.KindTool, "the tool returned without a reply")
	}
	return rp.result, nil
}

// cTools maps (engine, name) to host tools for unregister and close.
var (
	cToolsMu sync.Mutex
	cTools   = map[struct {
		eng  *engineRef
		name string
	}]cTool{}
)

//export llmspell_tool_invoke
func llmspell_tool_invoke(e *C.llmspell_engine, name *C.char, paramsJSON *C.char, paramsLen C.size_t,
	envOut **C.char, envLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if envOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "envelope_out is NULL"))
	}
	*envOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		n, err := cName(name, "name", true)
		if err != nil {
			return err
		}
		params, err := jsonObject(paramsJSON, paramsLen, "params_json")
		if err != nil {
			return err
		}
		env, err := ref.eng.Tools().Invoke(context.Background(), n, params)
		if err != nil {
			return err
		}
		return encodeOut(envOut, envLen, env.Map())
	})
}

//export llmspell_tool_list
func llmspell_tool_list(e *C.llmspell_engine, optionsJSON *C.char, optionsLen C.size_t, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		o, err := jsonObject(optionsJSON, optionsLen, "options_json")
		if err != nil {
			return err
		}
		if err := checkKeys(o, "options_json", "category", "tag", "format"); err != nil {
			return err
		}
		var cat, tag, format string
		if err := strFields(o, map[string]*string{"category": &cat, "tag": &tag, "format": &format}); err != nil {
			return err
		}
		list := ref.eng.Tools().List(cat, tag)
		out := make(value.List, len(list))
		for i, t := range list {
			switch format {
			case "", "info":
				out[i] = t.Info(true)
			case "openai":
				out[i] = t.OpenAI()
			case "anthropic":
				out[i] = t.Anthropic()
			default:
				return errs.New(errs.KindInvalidArgument, "format %q is not info, openai or anthropic", format)
			}
		}
		return encodeOut(jsonOut, jsonLen, out)
	})
}

//export llmspell_tool_register
func llmspell_tool_register(e *C.llmspell_engine, specJSON *C.char, specLen C.size_t, fn C.llmspell_tool_fn,
	ud unsafe.Pointer, udFree C.llmspell_free_fn, errOut **C.llmspell_error) C.llmspell_status {
	udv := C.uintptr_t(uintptr(ud)) // from here on only the integer
	if fn == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "fn is NULL"))
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		if specJSON == nil {
			return errs.New(errs.KindInvalidArgument, "spec_json is NULL")
		}
		m, err := jsonObject(specJSON, specLen, "spec_json")
		if err != nil {
			return err
		}
		if err := checkKeys(m, "spec_json", "name", "description", "category", "security_level", "version", "tags", "parameters", "language"); err != nil {
			return err
		}
		t := &tool.Tool{}
		var level string
		if err := strFields(m, map[string]*string{"name": &t.Name, "description": &t.Description, "category": &t.Category,
			"security_level": &level, "version": &t.Version, "language": &t.Language}); err != nil {
			return err
		}
		if t.Language == "" {
			t.Language = "c"
		}
		if level != "" {
			if t.Level, err = tool.ParseLevel(level); err != nil {
				return err
			}
		}
		if t.Tags, err = strList(m["tags"], "tags"); err != nil {
			return err
		}
		if t.Schema, err = mapField(m, "parameters", "spec_json"); err != nil {
			return err
		}
		ct := cTool{newCHook(C.llmspell_hook_fn(unsafe.Pointer(fn)), udv, udFree)}
		t.Fn = ct.call
		if err := ref.eng.Tools().Register(t); err != nil {
			return err
		}
		key := struct {
			eng  *engineRef
			name string
		}{ref, t.Name}
		cToolsMu.Lock()
		cTools[key] = ct
		cToolsMu.Unlock()
		ref.closeCObjects()
		return nil
	})
}

func lookupToolReply(r *C.llmspell_tool_reply) (*toolReply, error) {
	obj, err := reg.lookupStream(uintptr(unsafe.Pointer(r)), tagTReply, "tool reply")
	if err != nil {
		return nil, err
	}
	return obj.(*toolReply), nil
}

//export llmspell_tool_reply_set
func llmspell_tool_reply_set(r *C.llmspell_tool_reply, resultJSON *C.char, resultLen C.size_t) C.llmspell_status {
	return guarded(nil, func() error {
		rp, err := lookupToolReply(r)
		if err != nil {
			return err
		}
		if resultJSON == nil {
			return errs.New(errs.KindInvalidArgument, "result_json is NULL")
		}
		raw, err := inputUTF8(resultJSON, resultLen, "result_json")
		if err != nil {
			return err
		}
		v, err := value.DecodeString(raw)
		if err != nil {
			return errs.Wrap(errs.KindInvalidArgument, err, "result_json")
		}
		rp.mu.Lock()
		rp.result, rp.set, rp.err = v, true, nil
		rp.mu.Unlock()
		return nil
	})
}

//export llmspell_tool_reply_error
func llmspell_tool_reply_error(r *C.llmspell_tool_reply, message *C.char) C.llmspell_status {
	return guarded(nil, func() error {
		rp, err := lookupToolReply(r)
		if err != nil {
			return err
		}
		msg, err := cName(message, "message", true)
		if err != nil {
			return err
		}
		rp.mu.Lock()
		rp.err, rp.set = errs.New(errs.KindTool, "%s", msg), true
		rp.mu.Unlock()
		return nil
	})
}

//export llmspell_tool_unregister
func llmspell_tool_unregister(e *C.llmspell_engine, name *C.char, errOut **C.llmspell_error) C.llmspell_status {
	return withEngine(e, errOut, func(ref *engineRef) error {
		n, err := cName(name, "name", true)
		if err != nil {
			return err
		}
		key := struct {
			eng  *engineRef
			name string
		}{ref, n}
		cToolsMu.Lock()
		ct, ok := cTools[key]
		delete(cTools, key)
		cToolsMu.Unlock()
		if !ok {
			return errs.New(errs.KindNotFound, "no host tool named %q (built-in tools cannot be removed)", n)
		}
		ref.eng.Tools().Unregister(n)
		if _, inside := ct.threads.Load(uint64(C.ls_thread_id())); !inside {
			ct.remove(true)
			ct.free()
		} else {
			ct.remove(false)
			go func() { ct.remove(true); ct.free() }()
		}
		return nil
	})
}
