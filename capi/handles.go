package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"
*/
import "C"

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"context"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/scripting/host"
)

// Handle tags: the low two bits of a handle say what it is, so a run token
// passed as an engine is caught.
const (
	tagEngine uintptr = 1
	tagRun    uintptr = 2
	tagWriter uintptr = 3
	tagReader uintptr = 4
	tagSub    uintptr = 5
	tagReply  uintptr = 6
	tagTReply uintptr = 7
	tagShift          = 4
)

// engineRef is what an engine handle names. refs counts the handle itself,
// each live run token and each call in flight; the engine closes at zero.
type engineRef struct {
	eng  *engine.Engine
	host *host.Host
	refs atomic.Int64
	// cleanup registers, once, the engine closer that frees the C hooks and
	// tools never unregistered.
	cleanup sync.Once
}

// closeCObjects frees, at engine close, the C hooks and tools of this engine
// that were never unregistered.
func (e *engineRef) closeCObjects() {
	e.cleanup.Do(func() {
		e.eng.OnClose(func() error {
			cHooksMu.Lock()
			var hooks []*cHook
			for k, h := range cHooks {
				if k.eng == e {
					hooks = append(hooks, h)
					delete(cHooks, k)
				}
			}
			cHooksMu.Unlock()
			cToolsMu.Lock()
			for k, t := range cTools {
				if k.eng == e {
					hooks = append(hooks, t.cHook)
					delete(cTools, k)
				}
			}
			cToolsMu.Unlock()
			for _, h := range hooks {
				h.remove(true)
				h.free()
			}
			return nil
		})
	})
}

func (e *engineRef) release() {
	if e.refs.Add(-1) == 0 {
		e.eng.Close()
	}
}

// runRef is what a run token names.
type runRef struct {
	eng    *engineRef
	ctx    context.Context
	cancel context.CancelCauseFunc
}

// registry maps handles to objects and tracks malloc'd outputs.
type registry struct {
	mu      sync.RWMutex
	next    uintptr
	engines map[uintptr]*engineRef
	runs    map[uintptr]*runRef
	streams map[uintptr]any // artifact writers and readers
	buffers map[uintptr]struct{}
	errors  map[uintptr]struct{}
}

// reg is the process-wide handle table (see doc.go for why it is global).
var reg = &registry{
	engines: map[uintptr]*engineRef{},
	runs:    map[uintptr]*runRef{},
	streams: map[uintptr]any{},
	buffers: map[uintptr]struct{}{},
	errors:  map[uintptr]struct{}{},
}

func (r *registry) newID(tag uintptr) uintptr {
	r.next++
	return r.next<<tagShift | tag
}

// issued reports whether id looks like a handle of this tag that the
// registry once gave out (so a miss means "freed", not "forged").
func (r *registry) issued(id, tag uintptr) bool {
	return id&(1<<tagShift-1) == tag && id>>tagShift >= 1 && id>>tagShift <= r.next
}

func (r *registry) addEngine(e *engineRef) uintptr {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := r.newID(tagEngine)
	r.engines[id] = e
	return id
}

// acquireEngine looks up an engine handle and takes a reference for the
// duration of a call; the caller must release it.
func (r *registry) acquireEngine(id uintptr) (*engineRef, error) {
	if id == 0 {
		return nil, errs.New(errs.KindInvalidArgument, "engine is NULL")
	}
	r.mu.RLock()
	e, ok := r.engines[id]
	if ok {
		e.refs.Add(1)
	}
	issued := r.issued(id, tagEngine)
	r.mu.RUnlock()
	if !ok {
		if issued {
			return nil, errs.New(errs.KindClosed, "engine handle was freed")
		}
		return nil, errs.New(errs.KindInvalidArgument, "not an engine handle")
	}
	return e, nil
}

func (r *registry) removeEngine(id uintptr) *engineRef {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.engines[id]
	delete(r.engines, id)
	return e
}

func (r *registry) addRun(rr *runRef) uintptr {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := r.newID(tagRun)
	r.runs[id] = rr
	return id
}

func (r *registry) lookupRun(id uintptr) (*runRef, error) {
	if id == 0 {
		return nil, errs.New(errs.KindInvalidArgument, "run token is NULL")
	}
	r.mu.RLock()
	rr, ok := r.runs[id]
	issued := r.issued(id, tagRun)
	r.mu.RUnlock()
	if !ok {
		if issued {
			return nil, errs.New(errs.KindClosed, "run token was freed")
		}
		return nil, errs.New(errs.KindInvalidArgument, "not a run token")
	}
	return rr, nil
}

func (r *registry) removeRun(id uintptr) *runRef {
	r.mu.Lock()
	defer r.mu.Unlock()
	rr := r.runs[id]
	delete(r.runs, id)
	return rr
}

// addStream registers an artifact writer or reader under tag.
func (r *registry) addStream(tag uintptr, obj any) uintptr {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := r.newID(tag)
	r.streams[id] = obj
	return id
}

// lookupStream finds a writer or reader handle of the given tag.
func (r *registry) lookupStream(id, tag uintptr, what string) (any, error) {
	if id == 0 {
		return nil, errs.New(errs.KindInvalidArgument, "%s is NULL", what)
	}
	r.mu.RLock()
	obj, ok := r.streams[id]
	issued := r.issued(id, tag)
	r.mu.RUnlock()
	if !ok || !issued {
		if issued {
			return nil, errs.New(errs.KindClosed, "%s was freed", what)
		}
		return nil, errs.New(errs.KindInvalidArgument, "not a %s handle", what)
	}
	return obj, nil
}

func (r *registry) removeStream(id, tag uintptr) any {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id&(1<<tagShift-1) != tag {
		return nil
	}
	obj := r.streams[id]
	delete(r.streams, id)
	return obj
}

// counts reports live objects, for the leak checks of the tests.
func (r *registry) counts() (engines, runs, buffers, errors int) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.engines), len(r.runs) + len(r.streams), len(r.buffers), len(r.errors)
}

// cBuffer copies data into a NUL-terminated malloc'd buffer and tracks it.
func (r *registry) cBuffer(data []byte) *C.char {
	p := C.malloc(C.size_t(len(data) + 1))
	if p == nil {
		panic("llmspell: out of memory")
	}
	if len(data) > 0 {
		C.memcpy(p, unsafe.Pointer(&data[0]), C.size_t(len(data)))
	}
	*(*byte)(unsafe.Add(p, len(data))) = 0
	r.mu.Lock()
	r.buffers[uintptr(p)] = struct{}{}
	r.mu.Unlock()
	return (*C.char)(p)
}

// freeBuffer frees a tracked buffer; unknown pointers are ignored.
func (r *registry) freeBuffer(p unsafe.Pointer) {
	r.mu.Lock()
	_, ok := r.buffers[uintptr(p)]
	delete(r.buffers, uintptr(p))
	r.mu.Unlock()
	if ok {
		C.free(p)
	}
}

// untrackedCString is a malloc'd C string owned by an error object.
func untrackedCString(s string) *C.char {
	p := C.malloc(C.size_t(len(s) + 1))
	if len(s) > 0 {
		C.memcpy(p, unsafe.Pointer(unsafe.StringData(s)), C.size_t(len(s)))
	}
	*(*byte)(unsafe.Add(p, len(s))) = 0
	return (*C.char)(p)
}

func (r *registry) newError(code int32, message, details string) *C.llmspell_error {
	e := C.ls_error_new()
	e.code = C.int32_t(code)
	e.message = untrackedCString(message)
	e.details = untrackedCString(details)
	r.mu.Lock()
	r.errors[uintptr(unsafe.Pointer(e))] = struct{}{}
	r.mu.Unlock()
	return e
}

func (r *registry) knownError(e *C.llmspell_error) bool {
	if e == nil {
		return false
	}
	r.mu.RLock()
	_, ok := r.errors[uintptr(unsafe.Pointer(e))]
	r.mu.RUnlock()
	return ok
}

func (r *registry) freeError(e *C.llmspell_error) {
	if e == nil {
		return
	}
	r.mu.Lock()
	_, ok := r.errors[uintptr(unsafe.Pointer(e))]
	delete(r.errors, uintptr(unsafe.Pointer(e)))
	r.mu.Unlock()
	if ok {
		C.free(unsafe.Pointer(e.message))
		C.free(unsafe.Pointer(e.details))
		C.free(unsafe.Pointer(e))
	}
}
