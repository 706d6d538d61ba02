package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/event"
	"github.com/llmspell/llmspell-go/core/value"
)

// subRef is what a subscription handle names.
type subRef struct {
	eng *engineRef
	sub *event.Subscription
	cb  *callback // nil for a pull subscription
}

// callback is a C event callback and its user data.
type callback struct {
	fn      C.llmspell_event_fn
	ud      C.uintptr_t // user_data, never held as a Go pointer
	udFree  C.llmspell_free_fn
	removed atomic.Bool
	mu      sync.Mutex // held while the dispatcher calls fn
	thread  atomic.Uint64
	// freeLater is set when the subscription was freed from inside its own
	// callback: the dispatcher frees the user data once that call returns.
	freeLater atomic.Bool
	// gone is closed when the subscription is freed, so a subscription
	// goroutine waiting for room in the dispatcher queue gives up (the
	// dispatcher itself may be the one freeing it).
	gone     chan struct{}
	goneOnce sync.Once
}

func (cb *callback) markGone() { cb.goneOnce.Do(func() { close(cb.gone) }) }

// freeUserData calls the user_data destructor.
func (cb *callback) freeUserData() { C.ls_call_free(cb.udFree, cb.ud) }

// delivery is one queued callback call.
type delivery struct {
	cb   *callback
	json []byte
}

// dispatcher calls the C callbacks of one engine, one at a time, from a
// bounded queue. It starts with the engine's first callback subscription
// and stops when the engine closes.
type dispatcher struct {
	queue chan delivery
	stop  chan struct{}
	done  chan struct{}
}

// dispatchers maps an engine to its dispatcher. Guarded by reg.mu's
// sibling lock below; entries go when the engine closes.
var (
	dispatchersMu sync.Mutex
	dispatchers   = map[*engineRef]*dispatcher{}
)

func dispatcherFor(ref *engineRef) (*dispatcher, error) {
	dispatchersMu.Lock()
	defer dispatchersMu.Unlock()
	if d, ok := dispatchers[ref]; ok {
		return d, nil
	}
	d := &dispatcher{queue: make(chan delivery, 1024), stop: make(chan struct{}), done: make(chan struct{})}
	if err := ref.eng.OnClose(func() error {
		close(d.stop)
		<-d.done
		dispatchersMu.Lock()
		delete(dispatchers, ref)
		dispatchersMu.Unlock()
		return nil
	}); err != nil {
		return nil, err
	}
	dispatchers[ref] = d
	go d.run()
	return d, nil
}

func (d *dispatcher) run() {
	// One OS thread for the dispatcher's whole life: the header promises one
	// dispatcher thread, and the "freed from inside its own callback" check
	// compares thread ids.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(d.done)
	for {
		select {
		case <-d.stop:
			return
		case del := <-d.queue:
			d.call(del)
		}
	}
}

// call invokes one callback unless its subscription was freed. The event
// JSON lives in C memory for the call only.
func (d *dispatcher) call(del delivery) {
	cb := del.cb
	cb.mu.Lock()
	defer cb.mu.Unlock()
	if cb.removed.Load() {
		return
	}
	p := C.CBytes(append(del.json, 0))
	defer C.free(p)
	cb.thread.Store(uint64(C.ls_thread_id()))
	defer cb.thread.Store(0)
	func() {
		defer func() { recover() }()
		C.ls_call_event(cb.fn, cb.ud, (*C.char)(p), C.size_t(len(del.json)))
	}()
	if cb.freeLater.Load() {
		cb.freeUserData() // freed from inside this very call: now it is over
	}
}

// enqueue hands an event to the dispatcher, waiting while its queue is
// full: this runs on the subscription's own goroutine, so the wait only
// fills that subscription's buffer, where its policy applies.
func (d *dispatcher) enqueue(cb *callback, ev event.Event) {
	if cb.removed.Load() {
		return
	}
	data, err := value.Encode(ev.Map())
	if err != nil {
		return
	}
	select {
	case d.queue <- delivery{cb: cb, json: data}:
	case <-d.stop:
	case <-cb.gone:
	}
}

// remove stops a callback: after it returns, fn is not called again, and
// the user data is freed. Called from inside the callback itself it cannot
// wait for that call to finish: the call in progress is the last, and the
// dispatcher frees the user data when it returns.
func (cb *callback) remove() {
	cb.markGone()
	if cb.thread.Load() == uint64(C.ls_thread_id()) {
		cb.removed.Store(true)
		cb.freeLater.Store(true)
		return
	}
	cb.mu.Lock() // waits for a call in progress on the dispatcher
	cb.removed.Store(true)
	cb.mu.Unlock()
	cb.freeUserData()
}

func subscribeOpts(p *C.char, n C.size_t) (*event.SubscribeOptions, error) {
	m, err := jsonObject(p, n, "options_json")
	if err != nil {
		return nil, err
	}
	if err := checkKeys(m, "options_json", "buffer_size", "policy", "block_timeout_ms"); err != nil {
		return nil, err
	}
	o := &event.SubscribeOptions{}
	if v, ok, err := intField(m, "buffer_size"); err != nil {
		return nil, err
	} else if ok {
		if v <= 0 {
			return nil, errs.New(errs.KindInvalidArgument, "buffer_size must be positive")
		}
		o.BufferSize = int(v)
	}
	if v, ok, err := intField(m, "block_timeout_ms"); err != nil {
		return nil, err
	} else if ok {
		o.BlockTimeout = time.Duration(v) * time.Millisecond
	}
	switch p := m["policy"].(type) {
	case nil:
	case string:
		pol, err := event.ParsePolicy(p)
		if err != nil {
			return nil, err
		}
		o.Policy = pol
	default:
		return nil, errs.New(errs.KindInvalidArgument, "policy must be a string")
	}
	return o, nil
}

//export llmspell_event_publish
func llmspell_event_publish(e *C.llmspell_engine, typ *C.char, dataJSON *C.char, dataLen C.size_t,
	optionsJSON *C.char, optionsLen C.size_t, eventOut **C.char, eventLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if eventOut != nil {
		*eventOut = nil
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		t, err := cName(typ, "type", true)
		if err != nil {
			return err
		}
		data, err := jsonInput(dataJSON, dataLen, "data_json")
		if err != nil {
			return err
		}
		o, err := jsonObject(optionsJSON, optionsLen, "options_json")
		if err != nil {
			return err
		}
		if err := checkKeys(o, "options_json", "correlation_id", "source", "tags"); err != nil {
			return err
		}
		po := &event.PublishOptions{Source: "host"}
		if s, ok := o["source"].(string); ok {
			po.Source = s
		}
		po.CorrelationID, _ = o["correlation_id"].(string)
		if po.Tags, err = strList(o["tags"], "tags"); err != nil {
			return err
		}
		ev, err := ref.eng.Events().Publish(t, data, po)
		if eventOut != nil && ev.ID != "" {
			if encErr := encodeOut(eventOut, eventLen, ev.Map()); encErr != nil && err == nil {
				err = encErr
			}
		}
		return err
	})
}

func addSub(ref *engineRef, sr *subRef, out **C.llmspell_subscription) {
	ref.refs.Add(1) // the subscription keeps the engine alive
	*out = C.ls_sub_ptr(C.uintptr_t(reg.addStream(tagSub, sr)))
}

//export llmspell_subscription_new
func llmspell_subscription_new(e *C.llmspell_engine, pattern *C.char, optionsJSON *C.char, optionsLen C.size_t,
	out **C.llmspell_subscription, errOut **C.llmspell_error) C.llmspell_status {
	if out == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "out is NULL"))
	}
	*out = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		p, err := cName(pattern, "pattern", true)
		if err != nil {
			return err
		}
		o, err := subscribeOpts(optionsJSON, optionsLen)
		if err != nil {
			return err
		}
		sub, err := ref.eng.Events().Subscribe(p, o)
		if err != nil {
			return err
		}
		addSub(ref, &subRef{eng: ref, sub: sub}, out)
		return nil
	})
}

//export llmspell_subscription_next
func llmspell_subscription_next(s *C.llmspell_subscription, timeoutMS C.uint32_t, eventOut **C.char, eventLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if eventOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "event_out is NULL"))
	}
	*eventOut = nil
	if eventLen != nil {
		*eventLen = 0
	}
	return guarded(errOut, func() error {
		obj, err := reg.lookupStream(uintptr(unsafe.Pointer(s)), tagSub, "subscription")
		if err != nil {
			return err
		}
		sr := obj.(*subRef)
		if sr.cb != nil {
			return errs.New(errs.KindInvalidArgument, "a callback subscription delivers to its callback; it cannot be pulled")
		}
		ev, ok, err := sr.sub.Receive(context.Background(), time.Duration(timeoutMS)*time.Millisecond)
		if err != nil || !ok {
			return err
		}
		return encodeOut(eventOut, eventLen, ev.Map())
	})
}

//export llmspell_event_subscribe_callback
func llmspell_event_subscribe_callback(e *C.llmspell_engine, pattern *C.char, optionsJSON *C.char, optionsLen C.size_t,
	fn C.llmspell_event_fn, ud unsafe.Pointer, udFree C.llmspell_free_fn, out **C.llmspell_subscription, errOut **C.llmspell_error) C.llmspell_status {
	udv := C.uintptr_t(uintptr(ud)) // from here on only the integer
	if out == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "out is NULL"))
	}
	*out = nil
	if fn == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "fn is NULL"))
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		p, err := cName(pattern, "pattern", true)
		if err != nil {
			return err
		}
		o, err := subscribeOpts(optionsJSON, optionsLen)
		if err != nil {
			return err
		}
		d, err := dispatcherFor(ref)
		if err != nil {
			return err
		}
		cb := &callback{fn: fn, ud: udv, udFree: udFree, gone: make(chan struct{})}
		o.Handler = func(ev event.Event) { d.enqueue(cb, ev) }
		sub, err := ref.eng.Events().Subscribe(p, o)
		if err != nil {
			return err
		}
		addSub(ref, &subRef{eng: ref, sub: sub, cb: cb}, out)
		return nil
	})
}

//export llmspell_subscription_free
func llmspell_subscription_free(s *C.llmspell_subscription) {
	defer func() { recover() }()
	obj := reg.removeStream(uintptr(unsafe.Pointer(s)), tagSub)
	if obj == nil {
		return
	}
	sr := obj.(*subRef)
	if sr.cb != nil {
		sr.cb.remove()
	}
	sr.eng.eng.Events().Unsubscribe(sr.sub.ID())
	sr.eng.release()
}

//export llmspell_event_stats
func llmspell_event_stats(e *C.llmspell_engine, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		return encodeOut(jsonOut, jsonLen, ref.eng.Events().Stats().Map())
	})
}

//export llmspell_event_query
func llmspell_event_query(e *C.llmspell_engine, queryJSON *C.char, queryLen C.size_t, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		j := ref.eng.Journal()
		if j == nil {
			return errs.New(errs.KindInvalidArgument, "event persistence is off (set events.persist = true in the config)")
		}
		o, err := jsonObject(queryJSON, queryLen, "query_json")
		if err != nil {
			return err
		}
		if err := checkKeys(o, "query_json", "pattern", "correlation_id", "since", "until", "limit"); err != nil {
			return err
		}
		q := &event.Query{}
		if err := strFields(o, map[string]*string{"pattern": &q.Pattern, "correlation_id": &q.CorrelationID}); err != nil {
			return err
		}
		limit, err := intOpt(o, "limit")
		if err != nil {
			return err
		}
		q.Limit = int(limit)
		if q.Since, err = timeField(o, "since"); err != nil {
			return err
		}
		if q.Until, err = timeField(o, "until"); err != nil {
			return err
		}
		list, err := j.Query(q)
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

//export llmspell_subscription_id
func llmspell_subscription_id(s *C.llmspell_subscription, idOut *C.uint64_t, errOut **C.llmspell_error) C.llmspell_status {
	if idOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "id_out is NULL"))
	}
	*idOut = 0
	return guarded(errOut, func() error {
		obj, err := reg.lookupStream(uintptr(unsafe.Pointer(s)), tagSub, "subscription")
		if err != nil {
			return err
		}
		*idOut = C.uint64_t(obj.(*subRef).sub.ID())
		return nil
	})
}
