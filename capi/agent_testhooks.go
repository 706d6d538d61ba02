package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"

// A delta callback for the tests: counts deltas in slots[0] and bytes in
// slots[1]; asks to stop once slots[2] (when non-zero) deltas were seen.
static int32_t test_delta(void *ud, char *text, size_t len) {
	int64_t *slots = (int64_t *)ud;
	int64_t n = __atomic_add_fetch(&slots[0], 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&slots[1], (int64_t)len, __ATOMIC_SEQ_CST);
	if ((int64_t)strlen(text) != (int64_t)len) return 99;
	return slots[2] != 0 && n >= slots[2] ? 1 : 0;
}
static llmspell_delta_fn test_delta_ptr(void) { return (llmspell_delta_fn)test_delta; }
*/
import "C"

import "unsafe"

// Agent test drivers, as for testhooks.go: C-allocated inputs and frees
// through the library.

func takeOut(out *C.char, l C.size_t) string {
	if out == nil {
		return ""
	}
	s := C.GoStringN(out, C.int(l))
	llmspell_free(unsafe.Pointer(out))
	return s
}

func tAgentCreate(eng uintptr, cfg string) (string, tResult) {
	p, n, f := cInput(cfg)
	defer f()
	var out *C.char
	var l C.size_t
	var errp *C.llmspell_error
	st := llmspell_agent_create(C.ls_engine_ptr(C.uintptr_t(eng)), p, n, &out, &l, &errp)
	return takeOut(out, l), takeError(int32(st), errp)
}

func cNameOrNil(name string) (*C.char, func()) {
	if name == "\x00" {
		return nil, func() {}
	}
	cn := C.CString(name)
	return cn, func() { C.free(unsafe.Pointer(cn)) }
}

func tAgentExecute(eng uintptr, name, input string, run uintptr) (string, tResult) {
	cn, fn := cNameOrNil(name)
	defer fn()
	p, n, f := cInput(input)
	defer f()
	var out *C.char
	var l C.size_t
	var errp *C.llmspell_error
	st := llmspell_agent_execute(C.ls_engine_ptr(C.uintptr_t(eng)), cn, p, n, C.ls_run_ptr(C.uintptr_t(run)), &out, &l, &errp)
	return takeOut(out, l), takeError(int32(st), errp)
}

// tAgentStream streams through the callback; stopAfter > 0 makes the
// callback ask to stop after that many deltas. It returns the result, the
// delta count and byte count.
func tAgentStream(eng uintptr, name, input string, stopAfter int64) (string, int64, int64, tResult) {
	cn, fn := cNameOrNil(name)
	defer fn()
	p, n, f := cInput(input)
	defer f()
	slots := (*[3]C.int64_t)(C.calloc(3, 8))
	defer C.free(unsafe.Pointer(slots))
	slots[2] = C.int64_t(stopAfter)
	var out *C.char
	var l C.size_t
	var errp *C.llmspell_error
	st := llmspell_agent_stream(C.ls_engine_ptr(C.uintptr_t(eng)), cn, p, n, nil, C.test_delta_ptr(), unsafe.Pointer(slots), &out, &l, &errp)
	return takeOut(out, l), int64(slots[0]), int64(slots[1]), takeError(int32(st), errp)
}

func tDeltaOpen(eng uintptr, name, input string, run uintptr) (uintptr, tResult) {
	cn, fn := cNameOrNil(name)
	defer fn()
	p, n, f := cInput(input)
	defer f()
	var s *C.llmspell_delta_stream
	var errp *C.llmspell_error
	st := llmspell_agent_stream_open(C.ls_engine_ptr(C.uintptr_t(eng)), cn, p, n, C.ls_run_ptr(C.uintptr_t(run)), &s, &errp)
	return uintptr(unsafe.Pointer(s)), takeError(int32(st), errp)
}

// tDeltaNext returns the next delta; end is true when the stream ended.
func tDeltaNext(s uintptr, timeoutMS int32) (text string, end bool, r tResult) {
	var out *C.char
	var l C.size_t
	var errp *C.llmspell_error
	st := llmspell_delta_stream_next(C.ls_astream_ptr(C.uintptr_t(s)), C.int32_t(timeoutMS), &out, &l, &errp)
	end = st == 0 && out == nil
	return takeOut(out, l), end, takeError(int32(st), errp)
}

func tDeltaResult(s uintptr) (string, tResult) {
	var out *C.char
	var l C.size_t
	var errp *C.llmspell_error
	st := llmspell_delta_stream_result(C.ls_astream_ptr(C.uintptr_t(s)), &out, &l, &errp)
	return takeOut(out, l), takeError(int32(st), errp)
}

func tDeltaCancel(s uintptr) int32 {
	return int32(llmspell_delta_stream_cancel(C.ls_astream_ptr(C.uintptr_t(s)), nil))
}

func tDeltaFree(s uintptr) { llmspell_delta_stream_free(C.ls_astream_ptr(C.uintptr_t(s))) }

// tAgentCall drives the small agent calls by name: list, info, remove,
// history, clear, save, load, wrap, providers. flag is removed/found.
func tAgentCall(eng uintptr, call, name, arg string) (out string, flag int32, r tResult) {
	e := C.ls_engine_ptr(C.uintptr_t(eng))
	cn, fn := cNameOrNil(name)
	defer fn()
	var o *C.char
	var l C.size_t
	var errp *C.llmspell_error
	var fl C.int32_t
	var st C.llmspell_status
	switch call {
	case "list":
		st = llmspell_agent_list(e, &o, &l, &errp)
	case "info":
		st = llmspell_agent_info(e, cn, &o, &l, &errp)
	case "remove":
		st = llmspell_agent_remove(e, cn, &fl, &errp)
	case "history":
		st = llmspell_agent_history(e, cn, &o, &l, &errp)
	case "clear":
		st = llmspell_agent_clear_history(e, cn, &errp)
	case "save":
		st = llmspell_agent_save_state(e, cn, &errp)
	case "load":
		st = llmspell_agent_load_state(e, cn, &fl, &errp)
	case "wrap":
		p, n, f := cInput(arg)
		defer f()
		st = llmspell_agent_wrap_as_tool(e, cn, p, n, &o, &l, &errp)
	case "providers":
		st = llmspell_provider_list(e, &o, &l, &errp)
	}
	return takeOut(o, l), int32(fl), takeError(int32(st), errp)
}
