package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"
*/
import "C"

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/core/version"
	"github.com/llmspell/llmspell-go/scripting/host"
)

// Static strings handed to C; built once at load and never freed or changed.
// Each is also recorded in the C array ls_roots (roots.c) so leak checkers
// see it as reachable.
var (
	cVersion     = root(0, version.String())
	cUnknown     = root(1, "unknown")
	cEmpty       = root(2, "")
	cEmptyObj    = root(3, "{}")
	cStatusNames = func() []*C.char {
		out := []*C.char{root(4, errs.KindOK.String())}
		for i, k := range errs.Kinds() {
			out = append(out, root(5+i, k.String()))
		}
		return out
	}()
	maxInputLen = C.size_t(1 << 31) // inputs above 2 GiB are refused
)

func root(i int, s string) *C.char {
	p := C.CString(s)
	if i >= C.LS_ROOTS {
		panic("llmspell: ls_roots is too small")
	}
	C.ls_roots[i] = p
	return p
}

// status returns the C status of err and fills *errOut when requested.
func status(errOut **C.llmspell_error, err error) C.llmspell_status {
	if err == nil {
		if errOut != nil {
			*errOut = nil
		}
		return C.LLMSPELL_OK
	}
	e := errs.As(err)
	if errOut != nil {
		*errOut = reg.newError(int32(e.Kind), e.Error(), detailsJSON(e))
	}
	return C.llmspell_status(e.Kind)
}

// detailsJSON renders an error's structured details.
func detailsJSON(e *errs.Error) string {
	m := value.Map{"kind": e.Kind.String(), "message": e.Message}
	for k, v := range e.Details {
		if n, err := value.Normalize(v); err == nil {
			m[k] = n
		}
	}
	out, err := value.Encode(m)
	if err != nil {
		return "{}"
	}
	return string(out)
}

// panicked turns a recovered panic into LLMSPELL_ERR_INTERNAL and poisons
// the engine the call was using.
func panicked(r any, errOut **C.llmspell_error, e *engineRef) C.llmspell_status {
	if e != nil {
		e.eng.Poison(fmt.Sprint(r))
	}
	return status(errOut, errs.New(errs.KindInternal, "internal panic: %v", r))
}

// inputBytes copies a borrowed (pointer, length) input. NULL with length 0
// is an empty input; NULL with a length is an error.
func inputBytes(p *C.char, n C.size_t, what string) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if p == nil {
		return nil, errs.New(errs.KindInvalidArgument, "%s is NULL but its length is %d", what, uint64(n))
	}
	if n > maxInputLen {
		return nil, errs.New(errs.KindLimit, "%s is %d bytes, over the 2 GiB limit", what, uint64(n))
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(n)), nil
}

func inputUTF8(p *C.char, n C.size_t, what string) (string, error) {
	b, err := inputBytes(p, n, what)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", errs.New(errs.KindInvalidArgument, "%s is not valid UTF-8", what)
	}
	return string(b), nil
}

func setOut(out **C.char, outLen *C.size_t, data []byte) {
	*out = reg.cBuffer(data)
	if outLen != nil {
		*outLen = C.size_t(len(data))
	}
}

//export llmspell_version
func llmspell_version() *C.char { return cVersion }

//export llmspell_version_number
func llmspell_version_number() C.uint32_t {
	return C.uint32_t(C.LLMSPELL_VERSION_NUMBER)
}

//export llmspell_abi_version
func llmspell_abi_version() C.uint32_t { return C.uint32_t(version.ABI) }

//export llmspell_status_name
func llmspell_status_name(code C.llmspell_status) *C.char {
	if code >= 0 && int(code) < len(cStatusNames) {
		return cStatusNames[code]
	}
	return cUnknown
}

//export llmspell_error_code
func llmspell_error_code(e *C.llmspell_error) C.llmspell_status {
	if !reg.knownError(e) {
		return C.LLMSPELL_ERR_INVALID_ARGUMENT
	}
	return C.llmspell_status(e.code)
}

//export llmspell_error_message
func llmspell_error_message(e *C.llmspell_error) *C.char {
	if !reg.knownError(e) {
		return cEmpty
	}
	return e.message
}

//export llmspell_error_details
func llmspell_error_details(e *C.llmspell_error) *C.char {
	if !reg.knownError(e) {
		return cEmptyObj
	}
	return e.details
}

//export llmspell_error_free
func llmspell_error_free(e *C.llmspell_error) { reg.freeError(e) }

//export llmspell_free
func llmspell_free(p unsafe.Pointer) {
	if p != nil {
		reg.freeBuffer(p)
	}
}

//export llmspell_engine_new
func llmspell_engine_new(configJSON *C.char, configLen C.size_t, out **C.llmspell_engine, errOut **C.llmspell_error) (st C.llmspell_status) {
	defer func() {
		if r := recover(); r != nil {
			st = panicked(r, errOut, nil)
		}
	}()
	if out == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "out is NULL"))
	}
	*out = nil
	raw, err := inputUTF8(configJSON, configLen, "config_json")
	if err != nil {
		return status(errOut, err)
	}
	cfg, err := config.FromJSON([]byte(raw), os.LookupEnv)
	if err != nil {
		return status(errOut, err)
	}
	eng, err := engine.New(&engine.Options{Config: cfg, Output: io.Discard})
	if err != nil {
		return status(errOut, err)
	}
	h, err := host.New(eng)
	if err != nil {
		eng.Close()
		return status(errOut, err)
	}
	ref := &engineRef{eng: eng, host: h}
	ref.refs.Store(1)
	*out = C.ls_engine_ptr(C.uintptr_t(reg.addEngine(ref)))
	return status(errOut, nil)
}

//export llmspell_engine_free
func llmspell_engine_free(e *C.llmspell_engine) {
	defer func() { recover() }()
	if e == nil {
		return
	}
	if ref := reg.removeEngine(uintptr(unsafe.Pointer(e))); ref != nil {
		ref.release()
	}
}

//export llmspell_engine_ping
func llmspell_engine_ping(e *C.llmspell_engine, errOut **C.llmspell_error) (st C.llmspell_status) {
	defer func() {
		if r := recover(); r != nil {
			st = panicked(r, errOut, nil)
		}
	}()
	ref, err := reg.acquireEngine(uintptr(unsafe.Pointer(e)))
	if err != nil {
		return status(errOut, err)
	}
	defer ref.release()
	if ref.eng.Poisoned() {
		return status(errOut, ref.eng.Check())
	}
	if errOut != nil {
		*errOut = nil
	}
	return C.LLMSPELL_OK
}

//export llmspell_engine_info
func llmspell_engine_info(e *C.llmspell_engine, out **C.char, outLen *C.size_t, errOut **C.llmspell_error) (st C.llmspell_status) {
	var ref *engineRef
	defer func() {
		if r := recover(); r != nil {
			st = panicked(r, errOut, ref)
		}
	}()
	if out == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "out is NULL"))
	}
	*out = nil
	ref, err := reg.acquireEngine(uintptr(unsafe.Pointer(e)))
	if err != nil {
		return status(errOut, err)
	}
	defer ref.release()
	if err := ref.eng.Check(); err != nil {
		return status(errOut, err)
	}
	info := ref.eng.Info()
	langs := value.List{}
	for _, l := range host.Languages() {
		langs = append(langs, l)
	}
	info["languages"] = langs
	data, err := value.Encode(info)
	if err != nil {
		return status(errOut, err)
	}
	setOut(out, outLen, data)
	return status(errOut, nil)
}

//export llmspell_run_new
func llmspell_run_new(e *C.llmspell_engine, out **C.llmspell_run, errOut **C.llmspell_error) (st C.llmspell_status) {
	defer func() {
		if r := recover(); r != nil {
			st = panicked(r, errOut, nil)
		}
	}()
	if out == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "out is NULL"))
	}
	*out = nil
	ref, err := reg.acquireEngine(uintptr(unsafe.Pointer(e)))
	if err != nil {
		return status(errOut, err)
	}
	// The token keeps the reference just taken until llmspell_run_free.
	ctx, cancel := context.WithCancelCause(context.Background())
	id := reg.addRun(&runRef{eng: ref, ctx: ctx, cancel: cancel})
	*out = C.ls_run_ptr(C.uintptr_t(id))
	return status(errOut, nil)
}

//export llmspell_run_cancel
func llmspell_run_cancel(r *C.llmspell_run, errOut **C.llmspell_error) (st C.llmspell_status) {
	defer func() {
		if p := recover(); p != nil {
			st = panicked(p, errOut, nil)
		}
	}()
	rr, err := reg.lookupRun(uintptr(unsafe.Pointer(r)))
	if err != nil {
		return status(errOut, err)
	}
	rr.cancel(errs.New(errs.KindCancelled, "run cancelled through its run token"))
	return status(errOut, nil)
}

//export llmspell_run_free
func llmspell_run_free(r *C.llmspell_run) {
	defer func() { recover() }()
	if r == nil {
		return
	}
	if rr := reg.removeRun(uintptr(unsafe.Pointer(r))); rr != nil {
		// Runs still using the token go on (the header promises it): its
		// context is not cancelled here, only forgotten.
		rr.eng.release()
	}
}

// runOptions are the keys of llmspell_engine_run's options_json.
type runOptions struct {
	name      string
	timeout   time.Duration
	maxOutput int64
}

func parseRunOptions(raw []byte) (runOptions, error) {
	var o runOptions
	if len(raw) == 0 {
		return o, nil
	}
	v, err := value.Decode(raw)
	if err != nil {
		return o, errs.Wrap(errs.KindInvalidArgument, err, "options_json")
	}
	m, ok := v.(value.Map)
	if !ok {
		return o, errs.New(errs.KindInvalidArgument, "options_json must be a JSON object")
	}
	for k, val := range m {
		switch k {
		case "name":
			s, ok := val.(string)
			if !ok {
				return o, errs.New(errs.KindInvalidArgument, "options_json.name must be a string")
			}
			o.name = s
		case "timeout_ms", "max_output_bytes":
			n, ok := val.(int64)
			if !ok || n < 0 {
				return o, errs.New(errs.KindInvalidArgument, "options_json.%s must be a non-negative integer", k)
			}
			if k == "timeout_ms" {
				o.timeout = time.Duration(n) * time.Millisecond
			} else {
				o.maxOutput = n
			}
		default:
			return o, errs.New(errs.KindInvalidArgument, "options_json: unknown key %q (known: name, timeout_ms, max_output_bytes)", k)
		}
	}
	return o, nil
}

//export llmspell_engine_run
func llmspell_engine_run(e *C.llmspell_engine, lang *C.char, source *C.char, sourceLen C.size_t,
	argsJSON *C.char, argsLen C.size_t, optionsJSON *C.char, optionsLen C.size_t,
	r *C.llmspell_run, resultOut **C.char, resultLen *C.size_t, outputOut **C.char, outputLen *C.size_t,
	errOut **C.llmspell_error) (st C.llmspell_status) {
	var ref *engineRef
	defer func() {
		if p := recover(); p != nil {
			st = panicked(p, errOut, ref)
		}
	}()
	if resultOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "result_out is NULL"))
	}
	*resultOut = nil
	if outputOut != nil {
		*outputOut = nil
	}
	ref, err := reg.acquireEngine(uintptr(unsafe.Pointer(e)))
	if err != nil {
		return status(errOut, err)
	}
	defer ref.release()
	if lang == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "lang is NULL"))
	}
	if source == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "source is NULL"))
	}
	src, err := inputUTF8(source, sourceLen, "source")
	if err != nil {
		return status(errOut, err)
	}
	req := host.Request{Language: C.GoString(lang), Source: src}
	if rawArgs, err := inputUTF8(argsJSON, argsLen, "args_json"); err != nil {
		return status(errOut, err)
	} else if rawArgs != "" {
		args, err := value.DecodeString(rawArgs)
		if err != nil {
			return status(errOut, errs.Wrap(errs.KindInvalidArgument, err, "args_json"))
		}
		switch args.(type) {
		case value.Map, value.List, nil:
		default:
			return status(errOut, errs.New(errs.KindInvalidArgument, "args_json must be a JSON object or array"))
		}
		req.Args = args
	}
	rawOpts, err := inputBytes(optionsJSON, optionsLen, "options_json")
	if err != nil {
		return status(errOut, err)
	}
	opts, err := parseRunOptions(rawOpts)
	if err != nil {
		return status(errOut, err)
	}
	req.Name, req.Timeout, req.MaxOutput = opts.name, opts.timeout, opts.maxOutput
	if outputOut == nil {
		req.Output = io.Discard
	}
	ctx := context.Background()
	if r != nil {
		rr, err := reg.lookupRun(uintptr(unsafe.Pointer(r)))
		if err != nil {
			return status(errOut, err)
		}
		ctx = rr.ctx
	}
	res, runErr := runOnGoroutine(ctx, ref, req)
	if outputOut != nil && res != nil {
		setOut(outputOut, outputLen, res.Output)
	}
	if runErr != nil {
		return status(errOut, runErr)
	}
	data, err := value.Encode(res.Value)
	if err != nil {
		if outputOut != nil && *outputOut != nil {
			llmspell_free(unsafe.Pointer(*outputOut))
			*outputOut = nil
		}
		return status(errOut, errs.Wrap(errs.KindScript, err, "result"))
	}
	setOut(resultOut, resultLen, data)
	return status(errOut, nil)
}

// runOnGoroutine runs a JS script on a goroutine the library starts, while
// the calling (C-created) thread waits on a channel. Script code must not spin
// on the caller's thread: a tight JS loop has no stack checks, so only
// asynchronous preemption (SIGURG) can stop it, and the Go runtime can lose
// that signal on a thread that entered Go through a cgo callback; the next
// garbage collection then waits for that thread forever and the timeout
// never fires. Goroutines of our own get preempted normally. A panic in the
// run is re-raised here, so the export's recover sees it.
func runOnGoroutine(ctx context.Context, ref *engineRef, req host.Request) (*host.Result, error) {
	// Lua needs no hand-off: gopher-lua's interpreter loop checks the run's
	// context on every instruction through a runtime call, where Go can
	// stop it synchronously. The hand-off costs two thread wake-ups on a
	// cgo thread (tens of microseconds), so only JS pays it.
	lang := req.Language
	if lang == "" {
		lang = ref.eng.Config().Script.DefaultLanguage
	}
	if l, err := host.NormalizeLanguage(lang); err != nil || l == host.Lua {
		return ref.host.Run(ctx, req)
	}
	type outcome struct {
		res   *host.Result
		err   error
		panic any
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- outcome{panic: p}
			}
		}()
		res, err := ref.host.Run(ctx, req)
		done <- outcome{res: res, err: err}
	}()
	out := <-done
	if out.panic != nil {
		panic(out.panic)
	}
	return out.res, out.err
}
