package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"
*/
import "C"

import "unsafe"

// The functions below let capi_test.go (which, being a test file, cannot
// use cgo) drive the exports the way C does: C-allocated inputs, out
// parameters, and frees through the library. They are unexported, so the
// shared library does not export them.

type tResult struct {
	status         int32
	result, output string
	errCode        int32
	errMsg         string
	errDetails     string
}

func tEngineNew(cfg string) (uintptr, tResult) {
	var out *C.llmspell_engine
	var e *C.llmspell_error
	var p *C.char
	if cfg != "" {
		p = C.CString(cfg)
		defer C.free(unsafe.Pointer(p))
	}
	st := llmspell_engine_new(p, C.size_t(len(cfg)), &out, &e)
	return uintptr(unsafe.Pointer(out)), takeError(int32(st), e)
}

func takeError(st int32, e *C.llmspell_error) tResult {
	r := tResult{status: st}
	if e != nil {
		r.errCode = int32(llmspell_error_code(e))
		r.errMsg = C.GoString(llmspell_error_message(e))
		r.errDetails = C.GoString(llmspell_error_details(e))
		llmspell_error_free(e)
	}
	return r
}

func tEngineFree(id uintptr) { llmspell_engine_free(C.ls_engine_ptr(C.uintptr_t(id))) }

func tPing(id uintptr) int32 {
	return int32(llmspell_engine_ping(C.ls_engine_ptr(C.uintptr_t(id)), nil))
}

func tRunNew(eng uintptr) (uintptr, int32) {
	var out *C.llmspell_run
	st := llmspell_run_new(C.ls_engine_ptr(C.uintptr_t(eng)), &out, nil)
	return uintptr(unsafe.Pointer(out)), int32(st)
}

func tRunCancel(id uintptr) int32 {
	return int32(llmspell_run_cancel(C.ls_run_ptr(C.uintptr_t(id)), nil))
}

func tRunFree(id uintptr) { llmspell_run_free(C.ls_run_ptr(C.uintptr_t(id))) }

func cInput(s string) (*C.char, C.size_t, func()) {
	if s == "" {
		return nil, 0, func() {}
	}
	p := C.CString(s)
	return p, C.size_t(len(s)), func() { C.free(unsafe.Pointer(p)) }
}

func tRun(eng uintptr, lang, src, args, opts string, run uintptr) tResult {
	cl := C.CString(lang)
	defer C.free(unsafe.Pointer(cl))
	cs := C.CString(src) // never NULL, even for ""
	defer C.free(unsafe.Pointer(cs))
	ca, al, fa := cInput(args)
	defer fa()
	co, ol, fo := cInput(opts)
	defer fo()
	var res, out *C.char
	var resLen, outLen C.size_t
	var e *C.llmspell_error
	st := llmspell_engine_run(C.ls_engine_ptr(C.uintptr_t(eng)), cl, cs, C.size_t(len(src)), ca, al, co, ol,
		C.ls_run_ptr(C.uintptr_t(run)), &res, &resLen, &out, &outLen, &e)
	r := takeError(int32(st), e)
	if res != nil {
		r.result = C.GoStringN(res, C.int(resLen))
		llmspell_free(unsafe.Pointer(res))
		llmspell_free(unsafe.Pointer(res)) // a double free must be ignored
	}
	if out != nil {
		r.output = C.GoStringN(out, C.int(outLen))
		llmspell_free(unsafe.Pointer(out))
	}
	return r
}

func tCounts() (engines, runs, buffers, errors int) { return reg.counts() }
