package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"

// A test callback: counts calls and remembers the last event's length in
// the int64_t[3] it gets as user data; the free function marks slot 2.
static void test_event_cb(void *ud, char *json, size_t len) {
	int64_t *slots = (int64_t *)ud;
	__atomic_add_fetch(&slots[0], 1, __ATOMIC_SEQ_CST);
	slots[1] = (int64_t)len;
}
static void test_event_free(void *ud) { ((int64_t *)ud)[2] = 1; }
static int64_t test_slot(void *ud, int i) { return __atomic_load_n(&((int64_t *)ud)[i], __ATOMIC_SEQ_CST); }
// A test hook: cancels writes of key "cancel_me", rewrites "modify_me",
// answers garbage for "garbage_me", fails for "fail_me"; counts calls in slots[0] and marks
// slots[2] when its user data is freed.
static void test_hook(void *ud, char *json, size_t len, llmspell_hook_reply *reply) {
	int64_t *slots = (int64_t *)ud;
	__atomic_add_fetch(&slots[0], 1, __ATOMIC_SEQ_CST);
	const char *r = NULL;
	if (strstr(json, "\"key\":\"cancel_me\"")) r = "{\"type\":\"cancel\",\"reason\":\"from C\"}";
	else if (strstr(json, "\"key\":\"modify_me\"")) r = "{\"type\":\"modified\",\"data\":{\"value\":\"from C\"}}";
	else if (strstr(json, "\"key\":\"garbage_me\"")) r = "{\"type\":\"explode\"}";
	else if (strstr(json, "\"key\":\"fail_me\"")) {
		// answers first, then fails: the failure replaces the answer
		llmspell_hook_reply_set(reply, (char *)"{\"type\":\"cancel\"}", 16);
		llmspell_hook_reply_fail(reply, (char *)"C hook failed", 13);
		return;
	}
	if (r) llmspell_hook_reply_set(reply, (char *)r, strlen(r));
}
// A test tool: echoes its parameters; {"fail":true} fails; counts calls in
// slots[0].
static void test_tool(void *ud, char *json, size_t len, llmspell_tool_reply *reply) {
	int64_t *slots = (int64_t *)ud;
	__atomic_add_fetch(&slots[0], 1, __ATOMIC_SEQ_CST);
	if (strstr(json, "\"fail\":true")) { llmspell_tool_reply_error(reply, (char *)"asked to fail"); return; }
	llmspell_tool_reply_set(reply, json, len);
}
// A hook that ignores its user data, for user_data values that are small
// integers rather than pointers.
static void test_noop_hook(void *ud, char *json, size_t len, llmspell_hook_reply *reply) {}
static llmspell_hook_fn test_noop_hook_ptr(void) { return test_noop_hook; }
static void test_noop_event(void *ud, char *json, size_t len) {}
static llmspell_event_fn test_noop_event_ptr(void) { return test_noop_event; }
// Registers the no-op hook and callback with user_data (void*)7, from C,
// as a C host would.
static void test_register_small(uintptr_t eng, uint64_t *id, llmspell_subscription **sub) {
	llmspell_hook_register((llmspell_engine *)eng, (char *)"BeforeStateWrite", 0, NULL, 0, test_noop_hook, (void *)7, NULL, id, NULL);
	llmspell_event_subscribe_callback((llmspell_engine *)eng, (char *)"*", NULL, 0, test_noop_event, (void *)7, NULL, sub, NULL);
}
static llmspell_tool_fn test_tool_ptr(void) { return (llmspell_tool_fn)test_tool; }
static llmspell_hook_fn test_hook_ptr(void) { return (llmspell_hook_fn)test_hook; }
static llmspell_event_fn test_event_cb_ptr(void) { return (llmspell_event_fn)test_event_cb; }
static llmspell_free_fn test_event_free_ptr(void) { return test_event_free; }
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

// tState calls one llmspell_state_* function the way a binding would and
// returns its JSON result ("null", "true", a value or a key list).
func tState(eng uintptr, call string, scope *string, key, prefix string, limit uint32, arg1, arg2 *string, ops string) (string, tResult) {
	e := C.ls_engine_ptr(C.uintptr_t(eng))
	cstr := func(s *string) *C.char {
		if s == nil {
			return nil
		}
		return C.CString(*s)
	}
	cs := cstr(scope)
	defer C.free(unsafe.Pointer(cs))
	ck := C.CString(key)
	defer C.free(unsafe.Pointer(ck))
	var errp *C.llmspell_error
	var st C.llmspell_status
	out := "null"
	boolJSON := func(b C.int32_t) string {
		if b != 0 {
			return "true"
		}
		return "false"
	}
	switch call {
	case "set":
		p, n, free := cInput(*arg1)
		defer free()
		st = llmspell_state_set(e, cs, ck, p, n, &errp)
	case "get":
		var v *C.char
		var n C.size_t
		st = llmspell_state_get(e, cs, ck, &v, &n, &errp)
		if v != nil {
			out = C.GoStringN(v, C.int(n))
			llmspell_free(unsafe.Pointer(v))
		}
	case "delete":
		var b C.int32_t
		st = llmspell_state_delete(e, cs, ck, &b, &errp)
		out = boolJSON(b)
	case "exists":
		var b C.int32_t
		st = llmspell_state_exists(e, cs, ck, &b, &errp)
		out = boolJSON(b)
	case "list":
		var cp *C.char
		if prefix != "" {
			cp = C.CString(prefix)
			defer C.free(unsafe.Pointer(cp))
		}
		var v *C.char
		var n C.size_t
		st = llmspell_state_list(e, cs, cp, C.uint32_t(limit), &v, &n, &errp)
		if v != nil {
			out = C.GoStringN(v, C.int(n))
			llmspell_free(unsafe.Pointer(v))
		}
	case "cas":
		var p1, p2 *C.char
		var n1, n2 C.size_t
		if arg1 != nil {
			var f func()
			p1, n1, f = cInput(*arg1)
			defer f()
		}
		if arg2 != nil {
			var f func()
			p2, n2, f = cInput(*arg2)
			defer f()
		}
		var b C.int32_t
		st = llmspell_state_compare_and_set(e, cs, ck, p1, n1, p2, n2, &b, &errp)
		out = boolJSON(b)
	case "transaction":
		p, n, free := cInput(ops)
		defer free()
		st = llmspell_state_transaction(e, p, n, &errp)
	}
	return out, takeError(int32(st), errp)
}

// tCall is a generic bridge for the session and artifact exports: it takes
// Go strings, passes C copies, and returns the JSON output (if any).
func tSession(eng uintptr, call string, args ...string) (string, tResult) {
	e := C.ls_engine_ptr(C.uintptr_t(eng))
	cs := make([]*C.char, len(args))
	for i, a := range args {
		cs[i] = C.CString(a)
		defer C.free(unsafe.Pointer(cs[i]))
	}
	arg := func(i int) *C.char {
		if i < len(cs) && args[i] != "\x00nil" {
			return cs[i]
		}
		return nil
	}
	argLen := func(i int) C.size_t {
		if i < len(args) && args[i] != "\x00nil" {
			return C.size_t(len(args[i]))
		}
		return 0
	}
	var out *C.char
	var outLen C.size_t
	var errp *C.llmspell_error
	var st C.llmspell_status
	switch call {
	case "create":
		st = llmspell_session_create(e, arg(0), argLen(0), &out, &errp)
		if out != nil {
			outLen = C.size_t(C.strlen(out))
		}
	case "get":
		st = llmspell_session_get(e, arg(0), &out, &outLen, &errp)
	case "list":
		st = llmspell_session_list(e, arg(0), argLen(0), &out, &outLen, &errp)
	case "transition":
		st = llmspell_session_transition(e, arg(0), arg(1), arg(2), &errp)
	case "update_metadata":
		st = llmspell_session_update_metadata(e, arg(0), arg(1), argLen(1), &errp)
	case "delete":
		st = llmspell_session_delete(e, arg(0), &errp)
	case "history":
		st = llmspell_session_history(e, arg(0), &out, &outLen, &errp)
	case "replay":
		st = llmspell_session_replay(e, arg(0), arg(1), argLen(1), &out, &outLen, &errp)
	case "store": // session, options, data
		st = llmspell_artifact_store(e, arg(0), arg(1), argLen(1), unsafe.Pointer(arg(2)), argLen(2), &out, &outLen, &errp)
	case "store_file": // session, path, options
		st = llmspell_artifact_store_file(e, arg(0), arg(1), arg(2), argLen(2), &out, &outLen, &errp)
	case "query":
		st = llmspell_artifact_query(e, arg(0), argLen(0), &out, &outLen, &errp)
	}
	r := takeError(int32(st), errp)
	res := ""
	if out != nil {
		res = C.GoStringN(out, C.int(outLen))
		llmspell_free(unsafe.Pointer(out))
	}
	return res, r
}

func tArtifactGet(eng uintptr, sid string, seq uint64) ([]byte, string, tResult) {
	cs := C.CString(sid)
	defer C.free(unsafe.Pointer(cs))
	var rec *C.char
	var recLen, dataLen C.size_t
	var data unsafe.Pointer
	var errp *C.llmspell_error
	st := llmspell_artifact_get(C.ls_engine_ptr(C.uintptr_t(eng)), cs, C.uint64_t(seq), &rec, &recLen, &data, &dataLen, &errp)
	r := takeError(int32(st), errp)
	var out []byte
	var record string
	if data != nil {
		out = C.GoBytes(data, C.int(dataLen))
		llmspell_free(data)
	}
	if rec != nil {
		record = C.GoStringN(rec, C.int(recLen))
		llmspell_free(unsafe.Pointer(rec))
	}
	return out, record, r
}

func tArtifactDelete(eng uintptr, sid string, seq uint64) int32 {
	cs := C.CString(sid)
	defer C.free(unsafe.Pointer(cs))
	return int32(llmspell_artifact_delete(C.ls_engine_ptr(C.uintptr_t(eng)), cs, C.uint64_t(seq), nil))
}

func tWriterNew(eng uintptr, sid, opts string) (uintptr, tResult) {
	cs := C.CString(sid)
	defer C.free(unsafe.Pointer(cs))
	co := C.CString(opts)
	defer C.free(unsafe.Pointer(co))
	var w *C.llmspell_artifact_writer
	var errp *C.llmspell_error
	st := llmspell_artifact_writer_new(C.ls_engine_ptr(C.uintptr_t(eng)), cs, co, C.size_t(len(opts)), &w, &errp)
	return uintptr(unsafe.Pointer(w)), takeError(int32(st), errp)
}

func tWriterWrite(w uintptr, data []byte) tResult {
	p := C.CBytes(data)
	defer C.free(p)
	var errp *C.llmspell_error
	st := llmspell_artifact_writer_write(C.ls_writer_ptr(C.uintptr_t(w)), p, C.size_t(len(data)), &errp)
	return takeError(int32(st), errp)
}

func tWriterCommit(w uintptr) (string, tResult) {
	var rec *C.char
	var n C.size_t
	var errp *C.llmspell_error
	st := llmspell_artifact_writer_commit(C.ls_writer_ptr(C.uintptr_t(w)), &rec, &n, &errp)
	out := ""
	if rec != nil {
		out = C.GoStringN(rec, C.int(n))
		llmspell_free(unsafe.Pointer(rec))
	}
	return out, takeError(int32(st), errp)
}

func tWriterFree(w uintptr) { llmspell_artifact_writer_free(C.ls_writer_ptr(C.uintptr_t(w))) }

func tReaderOpen(eng uintptr, sid string, seq uint64) (uintptr, tResult) {
	cs := C.CString(sid)
	defer C.free(unsafe.Pointer(cs))
	var r *C.llmspell_artifact_reader
	var errp *C.llmspell_error
	st := llmspell_artifact_reader_open(C.ls_engine_ptr(C.uintptr_t(eng)), cs, C.uint64_t(seq), &r, nil, nil, &errp)
	return uintptr(unsafe.Pointer(r)), takeError(int32(st), errp)
}

// tReaderReadAll reads with a small C buffer until the end or an error.
func tReaderReadAll(r uintptr, bufSize int) ([]byte, tResult) {
	buf := C.malloc(C.size_t(bufSize))
	defer C.free(buf)
	var out []byte
	for {
		var n C.size_t
		var errp *C.llmspell_error
		st := llmspell_artifact_reader_read(C.ls_reader_ptr(C.uintptr_t(r)), buf, C.size_t(bufSize), &n, &errp)
		if st != 0 {
			return out, takeError(int32(st), errp)
		}
		if n == 0 {
			return out, tResult{}
		}
		out = append(out, C.GoBytes(buf, C.int(n))...)
	}
}

func tReaderFree(r uintptr) { llmspell_artifact_reader_free(C.ls_reader_ptr(C.uintptr_t(r))) }

// tAdmin calls the migration and backup exports: args are (string) inputs
// in the order of the C signature; "\x00nil" passes NULL.
func tAdmin(eng uintptr, call string, args ...string) (string, tResult) {
	e := C.ls_engine_ptr(C.uintptr_t(eng))
	cs := make([]*C.char, len(args))
	for i, a := range args {
		if a != "\x00nil" {
			cs[i] = C.CString(a)
			defer C.free(unsafe.Pointer(cs[i]))
		}
	}
	arg := func(i int) (*C.char, C.size_t) {
		if i < len(cs) && cs[i] != nil {
			return cs[i], C.size_t(len(args[i]))
		}
		return nil, 0
	}
	var out *C.char
	var n C.size_t
	var errp *C.llmspell_error
	var st C.llmspell_status
	a0, l0 := arg(0)
	a1, l1 := arg(1)
	switch call {
	case "register_schema":
		st = llmspell_state_register_schema(e, a0, l0, &errp)
	case "migrate":
		st = llmspell_state_migrate(e, a0, a1, l1, &out, &n, &errp)
	case "migration_status":
		st = llmspell_state_migration_status(e, &out, &n, &errp)
	case "backup_create":
		st = llmspell_backup_create(e, a0, l0, &out, &n, &errp)
	case "backup_list":
		st = llmspell_backup_list(e, &out, &n, &errp)
	case "backup_validate":
		st = llmspell_backup_validate(e, a0, &out, &n, &errp)
	case "backup_restore":
		st = llmspell_backup_restore(e, a0, &out, &n, &errp)
	case "backup_cleanup":
		st = llmspell_backup_cleanup(e, a0, l0, &out, &n, &errp)
	}
	res := ""
	if out != nil {
		res = C.GoStringN(out, C.int(n))
		llmspell_free(unsafe.Pointer(out))
	}
	return res, takeError(int32(st), errp)
}

// tEvents drives the event exports.
func tPublish(eng uintptr, typ, data, opts string) (string, tResult) {
	ct := C.CString(typ)
	defer C.free(unsafe.Pointer(ct))
	d, dl, fd := cInput(data)
	defer fd()
	o, ol, fo := cInput(opts)
	defer fo()
	var out *C.char
	var n C.size_t
	var errp *C.llmspell_error
	st := llmspell_event_publish(C.ls_engine_ptr(C.uintptr_t(eng)), ct, d, dl, o, ol, &out, &n, &errp)
	res := ""
	if out != nil {
		res = C.GoStringN(out, C.int(n))
		llmspell_free(unsafe.Pointer(out))
	}
	return res, takeError(int32(st), errp)
}

func tSubNew(eng uintptr, pattern, opts string) (uintptr, tResult) {
	cp := C.CString(pattern)
	defer C.free(unsafe.Pointer(cp))
	o, ol, fo := cInput(opts)
	defer fo()
	var sub *C.llmspell_subscription
	var errp *C.llmspell_error
	st := llmspell_subscription_new(C.ls_engine_ptr(C.uintptr_t(eng)), cp, o, ol, &sub, &errp)
	return uintptr(unsafe.Pointer(sub)), takeError(int32(st), errp)
}

func tSubNext(sub uintptr, timeoutMS uint32) (string, tResult) {
	var out *C.char
	var n C.size_t
	var errp *C.llmspell_error
	st := llmspell_subscription_next(C.ls_sub_ptr(C.uintptr_t(sub)), C.uint32_t(timeoutMS), &out, &n, &errp)
	res := ""
	if out != nil {
		res = C.GoStringN(out, C.int(n))
		llmspell_free(unsafe.Pointer(out))
	}
	return res, takeError(int32(st), errp)
}

func tSubFree(sub uintptr) { llmspell_subscription_free(C.ls_sub_ptr(C.uintptr_t(sub))) }

// tCallbackSub subscribes the counting test callback; slots is C memory of
// three int64: calls, last length, freed flag.
func tCallbackSub(eng uintptr, pattern, opts string) (uintptr, unsafe.Pointer, tResult) {
	cp := C.CString(pattern)
	defer C.free(unsafe.Pointer(cp))
	o, ol, fo := cInput(opts)
	defer fo()
	slots := C.calloc(3, 8)
	var sub *C.llmspell_subscription
	var errp *C.llmspell_error
	st := llmspell_event_subscribe_callback(C.ls_engine_ptr(C.uintptr_t(eng)), cp, o, ol,
		C.test_event_cb_ptr(), slots, C.test_event_free_ptr(), &sub, &errp)
	return uintptr(unsafe.Pointer(sub)), slots, takeError(int32(st), errp)
}

func tSlot(slots unsafe.Pointer, i int) int64 {
	return int64(C.test_slot(slots, C.int(i)))
}

func tFreeC(p unsafe.Pointer) { C.free(p) }

func tEventStats(eng uintptr) string {
	var out *C.char
	var n C.size_t
	llmspell_event_stats(C.ls_engine_ptr(C.uintptr_t(eng)), &out, &n, nil)
	defer llmspell_free(unsafe.Pointer(out))
	return C.GoStringN(out, C.int(n))
}

// tHookRegister registers the C test hook; slots as for tCallbackSub.
func tHookRegister(eng uintptr, point string, prio int32) (uint64, unsafe.Pointer, tResult) {
	cp := C.CString(point)
	defer C.free(unsafe.Pointer(cp))
	slots := C.calloc(3, 8)
	var id C.uint64_t
	var errp *C.llmspell_error
	st := llmspell_hook_register(C.ls_engine_ptr(C.uintptr_t(eng)), cp, C.int32_t(prio), nil, 0,
		C.test_hook_ptr(), slots, C.test_event_free_ptr(), &id, &errp)
	return uint64(id), slots, takeError(int32(st), errp)
}

func tHookUnregister(eng uintptr, id uint64) int32 {
	return int32(llmspell_hook_unregister(C.ls_engine_ptr(C.uintptr_t(eng)), C.uint64_t(id), nil))
}

func tHookList(eng uintptr) string {
	var out *C.char
	var n C.size_t
	llmspell_hook_list(C.ls_engine_ptr(C.uintptr_t(eng)), nil, &out, &n, nil)
	defer llmspell_free(unsafe.Pointer(out))
	return C.GoStringN(out, C.int(n))
}

// tHookMetrics calls llmspell_hook_metrics; a NULL json_out when noOut.
func tHookMetrics(eng uintptr, noOut bool) (string, tResult) {
	var out *C.char
	var l C.size_t
	var errp *C.llmspell_error
	outp := &out
	if noOut {
		outp = nil
	}
	st := llmspell_hook_metrics(C.ls_engine_ptr(C.uintptr_t(eng)), outp, &l, &errp)
	res := ""
	if out != nil {
		res = C.GoStringN(out, C.int(l))
		llmspell_free(unsafe.Pointer(out))
	}
	return res, takeError(int32(st), errp)
}

func tHookRecords(eng uintptr, q string) (string, tResult) {
	p, n, f := cInput(q)
	defer f()
	var out *C.char
	var l C.size_t
	var errp *C.llmspell_error
	st := llmspell_hook_records(C.ls_engine_ptr(C.uintptr_t(eng)), p, n, &out, &l, &errp)
	res := ""
	if out != nil {
		res = C.GoStringN(out, C.int(l))
		llmspell_free(unsafe.Pointer(out))
	}
	return res, takeError(int32(st), errp)
}

func tEventQuery(eng uintptr, q string) (string, tResult) {
	p, n, f := cInput(q)
	defer f()
	var out *C.char
	var l C.size_t
	var errp *C.llmspell_error
	st := llmspell_event_query(C.ls_engine_ptr(C.uintptr_t(eng)), p, n, &out, &l, &errp)
	res := ""
	if out != nil {
		res = C.GoStringN(out, C.int(l))
		llmspell_free(unsafe.Pointer(out))
	}
	return res, takeError(int32(st), errp)
}

func tToolRegister(eng uintptr, spec string) (unsafe.Pointer, tResult) {
	p, n, f := cInput(spec)
	defer f()
	slots := C.calloc(3, 8)
	var errp *C.llmspell_error
	st := llmspell_tool_register(C.ls_engine_ptr(C.uintptr_t(eng)), p, n, C.test_tool_ptr(), slots, C.test_event_free_ptr(), &errp)
	return slots, takeError(int32(st), errp)
}

func tToolInvoke(eng uintptr, name, params string) (string, tResult) {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	p, n, f := cInput(params)
	defer f()
	var out *C.char
	var l C.size_t
	var errp *C.llmspell_error
	st := llmspell_tool_invoke(C.ls_engine_ptr(C.uintptr_t(eng)), cn, p, n, &out, &l, &errp)
	res := ""
	if out != nil {
		res = C.GoStringN(out, C.int(l))
		llmspell_free(unsafe.Pointer(out))
	}
	return res, takeError(int32(st), errp)
}

func tToolList(eng uintptr, opts string) (string, tResult) {
	p, n, f := cInput(opts)
	defer f()
	var out *C.char
	var l C.size_t
	var errp *C.llmspell_error
	st := llmspell_tool_list(C.ls_engine_ptr(C.uintptr_t(eng)), p, n, &out, &l, &errp)
	res := ""
	if out != nil {
		res = C.GoStringN(out, C.int(l))
		llmspell_free(unsafe.Pointer(out))
	}
	return res, takeError(int32(st), errp)
}

func tToolUnregister(eng uintptr, name string) int32 {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	return int32(llmspell_tool_unregister(C.ls_engine_ptr(C.uintptr_t(eng)), cn, nil))
}

// tSmallUserData registers a hook and a callback subscription whose
// user_data is the integer 7, not a pointer (from C, as a host would).
func tSmallUserData(eng uintptr) (uint64, uintptr) {
	var id C.uint64_t
	var sub *C.llmspell_subscription
	C.test_register_small(C.uintptr_t(eng), &id, &sub)
	return uint64(id), uintptr(unsafe.Pointer(sub))
}
