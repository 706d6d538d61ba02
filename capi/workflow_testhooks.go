package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"
*/
import "C"

// Workflow test drivers, as for testhooks.go.

// tWorkflow drives the workflow calls by name: create (arg: definition),
// execute (arg: input, arg2: options), resume (name: run id, arg: input),
// record (name: run id), list, info, remove, wrap (arg: options).
func tWorkflow(eng uintptr, call, name, arg, arg2 string, run uintptr) (out string, flag int32, r tResult) {
	e := C.ls_engine_ptr(C.uintptr_t(eng))
	cn, fn := cNameOrNil(name)
	defer fn()
	p, n, f := cInput(arg)
	defer f()
	p2, n2, f2 := cInput(arg2)
	defer f2()
	var o *C.char
	var l C.size_t
	var errp *C.llmspell_error
	var fl C.int32_t
	var st C.llmspell_status
	rp := C.ls_run_ptr(C.uintptr_t(run))
	switch call {
	case "create":
		st = llmspell_workflow_create(e, p, n, &o, &l, &errp)
	case "execute":
		st = llmspell_workflow_execute(e, cn, p, n, p2, n2, rp, &o, &l, &errp)
	case "resume":
		st = llmspell_workflow_resume(e, cn, p, n, rp, &o, &l, &errp)
	case "record":
		st = llmspell_workflow_run_record(e, cn, &o, &l, &errp)
	case "list":
		st = llmspell_workflow_list(e, &o, &l, &errp)
	case "info":
		st = llmspell_workflow_info(e, cn, &o, &l, &errp)
	case "remove":
		st = llmspell_workflow_remove(e, cn, &fl, &errp)
	case "wrap":
		st = llmspell_workflow_wrap_as_tool(e, cn, p, n, &o, &l, &errp)
	}
	return takeOut(o, l), int32(fl), takeError(int32(st), errp)
}
