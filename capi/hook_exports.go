package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"
*/
import "C"

import (
	"context"
	"strings"
	"sync"
	"unsafe"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/hook"
	"github.com/llmspell/llmspell-go/core/value"
)

// cHook is a C hook function with its user data.
type cHook struct {
	fn       C.llmspell_hook_fn
	ud       C.uintptr_t // user_data, never held as a Go pointer
	udFree   C.llmspell_free_fn
	mu       sync.Mutex
	idle     *sync.Cond // signalled when inflight drops
	removed  bool
	inflight int
	threads  sync.Map // thread ids currently inside fn
	freed    sync.Once
}

func newCHook(fn C.llmspell_hook_fn, ud C.uintptr_t, udFree C.llmspell_free_fn) *cHook {
	h := &cHook{fn: fn, ud: ud, udFree: udFree}
	h.idle = sync.NewCond(&h.mu)
	return h
}

// begin counts a call in, unless the hook was removed.
func (h *cHook) begin() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.removed {
		return false
	}
	h.inflight++
	return true
}

func (h *cHook) end() {
	h.mu.Lock()
	h.inflight--
	h.idle.Broadcast()
	h.mu.Unlock()
}

// remove stops new calls; with wait it also waits for calls in progress.
func (h *cHook) remove(wait bool) {
	h.mu.Lock()
	h.removed = true
	for wait && h.inflight > 0 {
		h.idle.Wait()
	}
	h.mu.Unlock()
}

// reply is what a hook call may answer through llmspell_hook_reply_set.
type reply struct {
	mu     sync.Mutex
	result *hook.Result
	err    error
}

// hookKey names a C hook: hook ids are counted per engine.
type hookKey struct {
	eng *engineRef
	id  uint64
}

// cHooks maps engines' hook ids to their C hooks, so unregister and engine
// close can end them.
var (
	cHooksMu sync.Mutex
	cHooks   = map[hookKey]*cHook{}
)

func (h *cHook) free() {
	h.freed.Do(func() { C.ls_call_free(h.udFree, h.ud) })
}

// call runs the C hook for one hook point.
func (h *cHook) call(_ context.Context, hc *hook.Context) (hook.Result, error) {
	if !h.begin() {
		return hook.Result{Kind: hook.Continue}, nil
	}
	defer h.end()
	data, err := value.Encode(hc.Map())
	if err != nil {
		return hook.Result{}, err
	}
	rp := &reply{}
	id := reg.addStream(tagReply, rp)
	defer reg.removeStream(id, tagReply)
	tid := uint64(C.ls_thread_id())
	h.threads.Store(tid, true)
	defer h.threads.Delete(tid)
	p := C.CBytes(append(data, 0))
	defer C.free(p)
	C.ls_call_hook(h.fn, h.ud, (*C.char)(p), C.size_t(len(data)), C.ls_reply_ptr(C.uintptr_t(id)))
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.err != nil {
		return hook.Result{}, rp.err
	}
	if rp.result == nil {
		return hook.Result{Kind: hook.Continue}, nil
	}
	return *rp.result, nil
}

//export llmspell_hook_register
func llmspell_hook_register(e *C.llmspell_engine, point *C.char, priority C.int32_t, optionsJSON *C.char, optionsLen C.size_t,
	fn C.llmspell_hook_fn, ud unsafe.Pointer, udFree C.llmspell_free_fn, idOut *C.uint64_t, errOut **C.llmspell_error) C.llmspell_status {
	udv := C.uintptr_t(uintptr(ud)) // from here on only the integer
	if idOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "id_out is NULL"))
	}
	*idOut = 0
	if fn == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "fn is NULL"))
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		ps, err := cName(point, "point", true)
		if err != nil {
			return err
		}
		p, err := hook.ParsePoint(ps)
		if err != nil {
			return err
		}
		o, err := jsonObject(optionsJSON, optionsLen, "options_json")
		if err != nil {
			return err
		}
		if err := checkKeys(o, "options_json", "name", "component", "language"); err != nil {
			return err
		}
		ro := &hook.RegisterOptions{Priority: int(priority)}
		if err := strFields(o, map[string]*string{"name": &ro.Name, "component": &ro.ComponentFilter, "language": &ro.Language}); err != nil {
			return err
		}
		if ro.Language == "" {
			ro.Language = "c"
		}
		h := newCHook(fn, udv, udFree)
		id, err := ref.eng.Hooks().Register(p, h.call, ro)
		if err != nil {
			return err
		}
		key := hookKey{ref, id}
		cHooksMu.Lock()
		cHooks[key] = h
		cHooksMu.Unlock()
		ref.closeCObjects()
		*idOut = C.uint64_t(id)
		return nil
	})
}

//export llmspell_hook_reply_set
func llmspell_hook_reply_set(r *C.llmspell_hook_reply, resultJSON *C.char, resultLen C.size_t) C.llmspell_status {
	return guarded(nil, func() error {
		obj, err := reg.lookupStream(uintptr(unsafe.Pointer(r)), tagReply, "hook reply")
		if err != nil {
			return err
		}
		rp := obj.(*reply)
		if resultJSON == nil {
			return errs.New(errs.KindInvalidArgument, "result_json is NULL")
		}
		v, err := jsonInput(resultJSON, resultLen, "result_json")
		if err != nil {
			return err
		}
		res, err := hook.ParseResult(v)
		rp.mu.Lock()
		defer rp.mu.Unlock()
		if err != nil {
			rp.err = err // a malformed answer counts as the hook failing
			return err
		}
		rp.result, rp.err = &res, nil
		return nil
	})
}

//export llmspell_hook_reply_fail
func llmspell_hook_reply_fail(r *C.llmspell_hook_reply, message *C.char, messageLen C.size_t) C.llmspell_status {
	return guarded(nil, func() error {
		obj, err := reg.lookupStream(uintptr(unsafe.Pointer(r)), tagReply, "hook reply")
		if err != nil {
			return err
		}
		rp := obj.(*reply)
		msg := "the hook failed"
		if message != nil && messageLen > 0 {
			b := C.GoBytes(unsafe.Pointer(message), C.int(min(messageLen, maxFailMessage)))
			msg = strings.ToValidUTF8(string(b), "\uFFFD")
		}
		rp.mu.Lock()
		defer rp.mu.Unlock()
		// A script-kind error: the hook's own code failed, as a raising Lua
		// or JS hook does. The breaker counts it; the operation goes on.
		rp.result, rp.err = nil, errs.New(errs.KindScript, "%s", msg)
		return nil
	})
}

// maxFailMessage bounds the message a failing hook leaves in records and logs.
const maxFailMessage = 4096

//export llmspell_hook_unregister
func llmspell_hook_unregister(e *C.llmspell_engine, id C.uint64_t, errOut **C.llmspell_error) C.llmspell_status {
	return withEngine(e, errOut, func(ref *engineRef) error {
		if !ref.eng.Hooks().Unregister(uint64(id)) {
			return errs.New(errs.KindNotFound, "no hook %d", uint64(id))
		}
		key := hookKey{ref, uint64(id)}
		cHooksMu.Lock()
		h, ok := cHooks[key]
		delete(cHooks, key)
		cHooksMu.Unlock()
		if ok {
			if _, inside := h.threads.Load(uint64(C.ls_thread_id())); !inside {
				h.remove(true)
				h.free()
			} else {
				// Called from inside the hook: the call in progress is the
				// last; free the user data once it returns.
				h.remove(false)
				go func() { h.remove(true); h.free() }()
			}
		}
		return nil
	})
}

//export llmspell_hook_list
func llmspell_hook_list(e *C.llmspell_engine, point *C.char, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		var p hook.Point
		if point != nil {
			ps, err := cName(point, "point", true)
			if err != nil {
				return err
			}
			if p, err = hook.ParsePoint(ps); err != nil {
				return err
			}
		}
		infos := ref.eng.Hooks().List(p)
		out := make(value.List, len(infos))
		for i, in := range infos {
			out[i] = in.Map()
		}
		return encodeOut(jsonOut, jsonLen, out)
	})
}

//export llmspell_hook_metrics
func llmspell_hook_metrics(e *C.llmspell_engine, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		m := ref.eng.Metrics()
		if m == nil {
			return errs.New(errs.KindInvalidArgument, "hook metrics are off (set hooks.metrics = true in the config)")
		}
		return encodeOut(jsonOut, jsonLen, m.Snapshot())
	})
}

//export llmspell_hook_records
func llmspell_hook_records(e *C.llmspell_engine, queryJSON *C.char, queryLen C.size_t, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		o, err := jsonObject(queryJSON, queryLen, "query_json")
		if err != nil {
			return err
		}
		if err := checkKeys(o, "query_json", "correlation_id", "limit"); err != nil {
			return err
		}
		var id string
		if err := strFields(o, map[string]*string{"correlation_id": &id}); err != nil {
			return err
		}
		limit, err := intOpt(o, "limit")
		if err != nil {
			return err
		}
		if !ref.eng.Config().Hooks.Record {
			return errs.New(errs.KindInvalidArgument, "hook recording is off (set hooks.record = true in the config)")
		}
		list, err := ref.eng.HookRecords(id, int(limit))
		if err != nil {
			return err
		}
		out := make(value.List, len(list))
		for i, m := range list {
			out[i] = m
		}
		return encodeOut(jsonOut, jsonLen, out)
	})
}
