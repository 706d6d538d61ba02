package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"
*/
import "C"

import (
	"context"
	"sync"
	"time"
	"unsafe"

	"github.com/llmspell/llmspell-go/core/agent"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/value"
)

// findAgent reads an agent name and looks it up.
func findAgent(ref *engineRef, name *C.char) (*agent.Agent, error) {
	n, err := cName(name, "name", true)
	if err != nil {
		return nil, err
	}
	a, ok := ref.eng.Agents().Get(n)
	if !ok {
		return nil, errs.New(errs.KindNotFound, "no agent named %q", n)
	}
	return a, nil
}

// agentInput decodes input_json: a JSON string or {text, messages?,
// parameters?}.
func agentInput(p *C.char, n C.size_t) (agent.Input, error) {
	v, err := jsonInput(p, n, "input_json")
	if err != nil {
		return agent.Input{}, err
	}
	if v == nil {
		return agent.Input{}, errs.New(errs.KindInvalidArgument, "input_json is empty")
	}
	in, err := agent.InputFromValue(v)
	if err != nil {
		return agent.Input{}, errs.Wrap(errs.KindInvalidArgument, err, "input_json")
	}
	return in, nil
}

// agentCall reads what every agent turn takes: the agent, its input and
// the context of the optional run token.
func agentCall(ref *engineRef, name *C.char, inputJSON *C.char, inputLen C.size_t, r *C.llmspell_run) (*agent.Agent, agent.Input, context.Context, error) {
	a, err := findAgent(ref, name)
	if err != nil {
		return nil, agent.Input{}, nil, err
	}
	in, err := agentInput(inputJSON, inputLen)
	if err != nil {
		return nil, agent.Input{}, nil, err
	}
	ctx, err := runContext(r)
	return a, in, ctx, err
}

// runContext returns the context of an optional run token.
func runContext(r *C.llmspell_run) (context.Context, error) {
	if r == nil {
		return context.Background(), nil
	}
	rr, err := reg.lookupRun(uintptr(unsafe.Pointer(r)))
	if err != nil {
		return nil, err
	}
	return rr.ctx, nil
}

//export llmspell_agent_create
func llmspell_agent_create(e *C.llmspell_engine, configJSON *C.char, configLen C.size_t,
	nameOut **C.char, nameLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if nameOut != nil {
		*nameOut = nil
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		m, err := jsonObject(configJSON, configLen, "config_json")
		if err != nil {
			return err
		}
		cfg, err := agent.ConfigFromMap(m)
		if err != nil {
			return err
		}
		a, err := ref.eng.Agents().Create(context.Background(), cfg)
		if err != nil {
			return err
		}
		if nameOut != nil {
			setOut(nameOut, nameLen, []byte(a.Name()))
		}
		return nil
	})
}

//export llmspell_agent_execute
func llmspell_agent_execute(e *C.llmspell_engine, name *C.char, inputJSON *C.char, inputLen C.size_t, r *C.llmspell_run,
	resultOut **C.char, resultLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if resultOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "result_out is NULL"))
	}
	*resultOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		a, in, ctx, err := agentCall(ref, name, inputJSON, inputLen, r)
		if err != nil {
			return err
		}
		res, err := a.Execute(ctx, in)
		if err != nil {
			return err
		}
		return encodeOut(resultOut, resultLen, res.Map())
	})
}

//export llmspell_agent_stream
func llmspell_agent_stream(e *C.llmspell_engine, name *C.char, inputJSON *C.char, inputLen C.size_t, r *C.llmspell_run,
	fn C.llmspell_delta_fn, ud unsafe.Pointer, resultOut **C.char, resultLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	udv := C.uintptr_t(uintptr(ud)) // from here on only the integer
	if resultOut != nil {
		*resultOut = nil
	}
	if fn == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "fn is NULL"))
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		a, in, ctx, err := agentCall(ref, name, inputJSON, inputLen, r)
		if err != nil {
			return err
		}
		// The deltas are handed to fn on this (the caller's) thread: the
		// model's stream is read here, not on another goroutine.
		res, err := a.Stream(ctx, in, func(d provider.Delta) error {
			if d.Text == "" {
				return nil
			}
			p := C.CBytes([]byte(d.Text + "\x00"))
			rc := C.ls_call_delta(fn, udv, (*C.char)(p), C.size_t(len(d.Text)))
			C.free(p)
			if rc != 0 {
				return errs.New(errs.KindCancelled, "the delta callback asked to stop (returned %d)", int(rc))
			}
			return nil
		})
		if err != nil {
			return err
		}
		return encodeOut(resultOut, resultLen, res.Map())
	})
}

// agentStream is a pull stream: the agent runs on one goroutine (per
// stream, not per delta) and hands deltas over a small channel, so a slow
// reader slows the model rather than piling up text.
type agentStream struct {
	ref    *engineRef
	deltas chan string
	done   chan struct{}
	cancel context.CancelCauseFunc

	mu     sync.Mutex
	result value.Map
	err    error
	ended  bool
}

const tagAStream uintptr = 8

//export llmspell_agent_stream_open
func llmspell_agent_stream_open(e *C.llmspell_engine, name *C.char, inputJSON *C.char, inputLen C.size_t, r *C.llmspell_run,
	out **C.llmspell_delta_stream, errOut **C.llmspell_error) C.llmspell_status {
	if out == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "out is NULL"))
	}
	*out = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		a, in, parent, err := agentCall(ref, name, inputJSON, inputLen, r)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithCancelCause(parent)
		s := &agentStream{ref: ref, deltas: make(chan string, 16), done: make(chan struct{}), cancel: cancel}
		ref.refs.Add(1) // the stream keeps its engine alive until freed
		go func() {
			defer close(s.done)
			defer close(s.deltas)
			defer func() {
				if p := recover(); p != nil {
					s.mu.Lock()
					s.err = errs.New(errs.KindInternal, "agent stream panicked: %v", p)
					s.mu.Unlock()
				}
			}()
			res, err := a.Stream(ctx, in, func(d provider.Delta) error {
				if d.Text == "" {
					return nil
				}
				select {
				case s.deltas <- d.Text:
					return nil
				case <-ctx.Done():
					return errs.New(errs.KindCancelled, "agent stream closed")
				}
			})
			s.mu.Lock()
			if err != nil {
				s.err = err
			} else {
				s.result = res.Map()
			}
			s.mu.Unlock()
		}()
		*out = C.ls_astream_ptr(C.uintptr_t(reg.addStream(tagAStream, s)))
		return nil
	})
}

func lookupAgentStream(p *C.llmspell_delta_stream) (*agentStream, error) {
	obj, err := reg.lookupStream(uintptr(unsafe.Pointer(p)), tagAStream, "agent stream")
	if err != nil {
		return nil, err
	}
	return obj.(*agentStream), nil
}

//export llmspell_delta_stream_next
func llmspell_delta_stream_next(p *C.llmspell_delta_stream, timeoutMS C.int32_t, textOut **C.char, textLen *C.size_t,
	errOut **C.llmspell_error) (st C.llmspell_status) {
	defer func() {
		if r := recover(); r != nil {
			st = panicked(r, errOut, nil)
		}
	}()
	if textOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "text_out is NULL"))
	}
	*textOut = nil
	if textLen != nil {
		*textLen = 0
	}
	s, err := lookupAgentStream(p)
	if err != nil {
		return status(errOut, err)
	}
	var timer <-chan time.Time
	if timeoutMS >= 0 {
		t := time.NewTimer(time.Duration(timeoutMS) * time.Millisecond)
		defer t.Stop()
		timer = t.C
	}
	select {
	case d, ok := <-s.deltas:
		if ok {
			setOut(textOut, textLen, []byte(d))
			return status(errOut, nil)
		}
		<-s.done
		s.mu.Lock()
		defer s.mu.Unlock()
		s.ended = true
		return status(errOut, s.err)
	case <-timer:
		return status(errOut, errs.New(errs.KindTimeout, "no delta within %d ms; the stream goes on", int(timeoutMS)))
	}
}

//export llmspell_delta_stream_result
func llmspell_delta_stream_result(p *C.llmspell_delta_stream, resultOut **C.char, resultLen *C.size_t,
	errOut **C.llmspell_error) (st C.llmspell_status) {
	defer func() {
		if r := recover(); r != nil {
			st = panicked(r, errOut, nil)
		}
	}()
	if resultOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "result_out is NULL"))
	}
	*resultOut = nil
	s, err := lookupAgentStream(p)
	if err != nil {
		return status(errOut, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		return status(errOut, errs.New(errs.KindInvalidArgument, "the stream has not ended: read it with llmspell_delta_stream_next until it returns no text"))
	}
	if s.err != nil {
		return status(errOut, s.err)
	}
	return status(errOut, encodeOut(resultOut, resultLen, s.result))
}

//export llmspell_delta_stream_cancel
func llmspell_delta_stream_cancel(p *C.llmspell_delta_stream, errOut **C.llmspell_error) (st C.llmspell_status) {
	defer func() {
		if r := recover(); r != nil {
			st = panicked(r, errOut, nil)
		}
	}()
	s, err := lookupAgentStream(p)
	if err != nil {
		return status(errOut, err)
	}
	s.cancel(errs.New(errs.KindCancelled, "agent stream cancelled"))
	return status(errOut, nil)
}

//export llmspell_delta_stream_free
func llmspell_delta_stream_free(p *C.llmspell_delta_stream) {
	defer func() { recover() }()
	if p == nil {
		return
	}
	obj := reg.removeStream(uintptr(unsafe.Pointer(p)), tagAStream)
	s, ok := obj.(*agentStream)
	if !ok {
		return
	}
	s.cancel(errs.New(errs.KindCancelled, "agent stream freed"))
	// Drain so the worker is never stuck on a send, then wait for it: no
	// goroutine outlives the handle.
	for range s.deltas {
	}
	<-s.done
	s.ref.release()
}

//export llmspell_agent_list
func llmspell_agent_list(e *C.llmspell_engine, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	return listExport(e, jsonOut, jsonLen, errOut, func(ref *engineRef) value.List {
		list := ref.eng.Agents().List()
		out := make(value.List, len(list))
		for i, a := range list {
			out[i] = a.Info()
		}
		return out
	})
}

//export llmspell_agent_info
func llmspell_agent_info(e *C.llmspell_engine, name *C.char, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		a, err := findAgent(ref, name)
		if err != nil {
			return err
		}
		return encodeOut(jsonOut, jsonLen, a.Info())
	})
}

//export llmspell_agent_remove
func llmspell_agent_remove(e *C.llmspell_engine, name *C.char, removed *C.int32_t, errOut **C.llmspell_error) C.llmspell_status {
	return removeExport(e, name, removed, errOut, func(ref *engineRef, n string) bool { return ref.eng.Agents().Remove(n) })
}

//export llmspell_agent_history
func llmspell_agent_history(e *C.llmspell_engine, name *C.char, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		a, err := findAgent(ref, name)
		if err != nil {
			return err
		}
		h := a.History()
		out := make(value.List, len(h))
		for i := range h {
			out[i] = h[i].Map()
		}
		return encodeOut(jsonOut, jsonLen, out)
	})
}

//export llmspell_agent_clear_history
func llmspell_agent_clear_history(e *C.llmspell_engine, name *C.char, errOut **C.llmspell_error) C.llmspell_status {
	return withEngine(e, errOut, func(ref *engineRef) error {
		a, err := findAgent(ref, name)
		if err != nil {
			return err
		}
		a.ClearHistory()
		return nil
	})
}

//export llmspell_agent_save_state
func llmspell_agent_save_state(e *C.llmspell_engine, name *C.char, errOut **C.llmspell_error) C.llmspell_status {
	return withEngine(e, errOut, func(ref *engineRef) error {
		a, err := findAgent(ref, name)
		if err != nil {
			return err
		}
		return a.SaveState(context.Background())
	})
}

//export llmspell_agent_load_state
func llmspell_agent_load_state(e *C.llmspell_engine, name *C.char, found *C.int32_t, errOut **C.llmspell_error) C.llmspell_status {
	if found != nil {
		*found = 0
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		a, err := findAgent(ref, name)
		if err != nil {
			return err
		}
		ok, err := a.LoadState(context.Background())
		if ok && found != nil {
			*found = 1
		}
		return err
	})
}

//export llmspell_agent_wrap_as_tool
func llmspell_agent_wrap_as_tool(e *C.llmspell_engine, name *C.char, optionsJSON *C.char, optionsLen C.size_t,
	toolOut **C.char, toolLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	return wrapExport(e, name, optionsJSON, optionsLen, toolOut, toolLen, errOut, func(ref *engineRef, n, toolName, desc string) (string, error) {
		t, err := ref.eng.Agents().WrapAsTool(n, toolName, desc)
		if err != nil {
			return "", err
		}
		return t.Name, nil
	})
}

//export llmspell_provider_list
func llmspell_provider_list(e *C.llmspell_engine, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	return listExport(e, jsonOut, jsonLen, errOut, func(ref *engineRef) value.List {
		list := ref.eng.Providers().List()
		out := make(value.List, len(list))
		for i, p := range list {
			out[i] = p
		}
		return out
	})
}
