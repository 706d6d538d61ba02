package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"
*/
import "C"

import (
	"context"
	"io"
	"sync"
	"time"
	"unsafe"

	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/session"
	"github.com/llmspell/llmspell-go/core/value"
)

// jsonObject decodes an optional JSON object input; NULL/0 gives an empty
// map.
func jsonObject(p *C.char, n C.size_t, what string) (value.Map, error) {
	v, err := jsonInput(p, n, what)
	if err != nil {
		return nil, err
	}
	switch m := v.(type) {
	case nil:
		return value.Map{}, nil
	case value.Map:
		return m, nil
	}
	return nil, errs.New(errs.KindInvalidArgument, "%s must be a JSON object", what)
}

// checkKeys rejects keys outside known, so typos are errors.
func checkKeys(m value.Map, what string, known ...string) error {
	for k := range m {
		found := false
		for _, kk := range known {
			if k == kk {
				found = true
				break
			}
		}
		if !found {
			return errs.New(errs.KindInvalidArgument, "%s: unknown key %q (known: %v)", what, k, known)
		}
	}
	return nil
}

func strList(v value.Value, what string) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.(value.List)
	if !ok {
		return nil, errs.New(errs.KindInvalidArgument, "%s must be an array of strings", what)
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, errs.New(errs.KindInvalidArgument, "%s must be an array of strings", what)
		}
		out[i] = s
	}
	return out, nil
}

// strOpt reads an optional string field; another type is an error.
func strOpt(m value.Map, key string) (string, error) {
	switch s := m[key].(type) {
	case nil:
		return "", nil
	case string:
		return s, nil
	}
	return "", errs.New(errs.KindInvalidArgument, "%s must be a string", key)
}

// intOpt reads an optional non-negative integer field.
func intOpt(m value.Map, key string) (int64, error) {
	switch n := m[key].(type) {
	case nil:
		return 0, nil
	case int64:
		if n >= 0 {
			return n, nil
		}
	}
	return 0, errs.New(errs.KindInvalidArgument, "%s must be a non-negative integer", key)
}

// strFields reads several optional string fields into the pointers.
func strFields(m value.Map, fields map[string]*string) error {
	for k, p := range fields {
		s, err := strOpt(m, k)
		if err != nil {
			return err
		}
		*p = s
	}
	return nil
}

func mapField(m value.Map, key, what string) (value.Map, error) {
	switch x := m[key].(type) {
	case nil:
		return nil, nil
	case value.Map:
		return x, nil
	}
	return nil, errs.New(errs.KindInvalidArgument, "%s.%s must be an object", what, key)
}

func timeField(m value.Map, key string) (time.Time, error) {
	switch t := m[key].(type) {
	case nil:
		return time.Time{}, nil
	case string:
		ts, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return time.Time{}, errs.New(errs.KindInvalidArgument, "%s must be an RFC 3339 time", key)
		}
		return ts, nil
	}
	return time.Time{}, errs.New(errs.KindInvalidArgument, "%s must be an RFC 3339 time string", key)
}

func encodeOut(out **C.char, outLen *C.size_t, v value.Value) error {
	if out == nil {
		return nil
	}
	data, err := value.Encode(v)
	if err != nil {
		return err
	}
	setOut(out, outLen, data)
	return nil
}

func sessionArg(id *C.char) (string, error) { return cName(id, "session_id", true) }

//export llmspell_session_create
func llmspell_session_create(e *C.llmspell_engine, optionsJSON *C.char, optionsLen C.size_t, idOut **C.char, errOut **C.llmspell_error) C.llmspell_status {
	if idOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "id_out is NULL"))
	}
	*idOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		o, err := jsonObject(optionsJSON, optionsLen, "options_json")
		if err != nil {
			return err
		}
		if err := checkKeys(o, "options_json", "name", "description", "tags", "parent", "metadata"); err != nil {
			return err
		}
		co := session.CreateOptions{}
		if err := strFields(o, map[string]*string{"name": &co.Name, "description": &co.Description, "parent": &co.Parent}); err != nil {
			return err
		}
		if co.Tags, err = strList(o["tags"], "tags"); err != nil {
			return err
		}
		if co.Metadata, err = mapField(o, "metadata", "options_json"); err != nil {
			return err
		}
		s, err := ref.eng.Sessions().Create(context.Background(), co)
		if err != nil {
			return err
		}
		setOut(idOut, nil, []byte(s.ID))
		return nil
	})
}

//export llmspell_session_get
func llmspell_session_get(e *C.llmspell_engine, id *C.char, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		sid, err := sessionArg(id)
		if err != nil {
			return err
		}
		s, err := ref.eng.Sessions().Get(context.Background(), sid)
		if err != nil {
			return err
		}
		return encodeOut(jsonOut, jsonLen, s.Map())
	})
}

//export llmspell_session_list
func llmspell_session_list(e *C.llmspell_engine, queryJSON *C.char, queryLen C.size_t, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		o, err := jsonObject(queryJSON, queryLen, "query_json")
		if err != nil {
			return err
		}
		if err := checkKeys(o, "query_json", "tags", "status", "parent", "limit", "created_after", "created_before"); err != nil {
			return err
		}
		q := &session.Query{}
		if q.Tags, err = strList(o["tags"], "tags"); err != nil {
			return err
		}
		var st string
		if err := strFields(o, map[string]*string{"status": &st, "parent": &q.Parent}); err != nil {
			return err
		}
		if err := checkStatus(st, true); err != nil {
			return err
		}
		q.Status = session.Status(st)
		limit, err := intOpt(o, "limit")
		if err != nil {
			return err
		}
		q.Limit = int(limit)
		if q.CreatedAfter, err = timeField(o, "created_after"); err != nil {
			return err
		}
		if q.CreatedBefore, err = timeField(o, "created_before"); err != nil {
			return err
		}
		list, err := ref.eng.Sessions().List(context.Background(), q)
		if err != nil {
			return err
		}
		out := make(value.List, len(list))
		for i, s := range list {
			out[i] = s.Map()
		}
		return encodeOut(jsonOut, jsonLen, out)
	})
}

//export llmspell_session_transition
func llmspell_session_transition(e *C.llmspell_engine, id, statusName, reason *C.char, errOut **C.llmspell_error) C.llmspell_status {
	return withEngine(e, errOut, func(ref *engineRef) error {
		sid, err := sessionArg(id)
		if err != nil {
			return err
		}
		to, err := cName(statusName, "status", true)
		if err != nil {
			return err
		}
		if err := checkStatus(to, false); err != nil {
			return err
		}
		why, err := cName(reason, "reason", false)
		if err != nil {
			return err
		}
		_, err = ref.eng.Sessions().Transition(context.Background(), sid, session.Status(to), why)
		return err
	})
}

//export llmspell_session_update_metadata
func llmspell_session_update_metadata(e *C.llmspell_engine, id *C.char, fieldsJSON *C.char, fieldsLen C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	return withEngine(e, errOut, func(ref *engineRef) error {
		sid, err := sessionArg(id)
		if err != nil {
			return err
		}
		if fieldsJSON == nil {
			return errs.New(errs.KindInvalidArgument, "fields_json is NULL")
		}
		fields, err := jsonObject(fieldsJSON, fieldsLen, "fields_json")
		if err != nil {
			return err
		}
		_, err = ref.eng.Sessions().UpdateMetadata(context.Background(), sid, fields)
		return err
	})
}

//export llmspell_session_delete
func llmspell_session_delete(e *C.llmspell_engine, id *C.char, errOut **C.llmspell_error) C.llmspell_status {
	return withEngine(e, errOut, func(ref *engineRef) error {
		sid, err := sessionArg(id)
		if err != nil {
			return err
		}
		return ref.eng.Sessions().Delete(context.Background(), sid)
	})
}

// checkStatus rejects an unknown session status ("" allowed when empty).
func checkStatus(s string, empty bool) error {
	switch session.Status(s) {
	case session.StatusActive, session.StatusSuspended, session.StatusCompleted, session.StatusFailed, session.StatusArchived:
		return nil
	case "":
		if empty {
			return nil
		}
	}
	return errs.New(errs.KindInvalidArgument, "unknown session status %q (use active, suspended, completed, failed or archived)", s)
}

// storeOpts parses the options_json of the artifact store functions.
func storeOpts(p *C.char, n C.size_t, nameRequired bool) (session.StoreOptions, error) {
	var o session.StoreOptions
	if p == nil {
		return o, errs.New(errs.KindInvalidArgument, "options_json is NULL")
	}
	m, err := jsonObject(p, n, "options_json")
	if err != nil {
		return o, err
	}
	if err := checkKeys(m, "options_json", "type", "name", "mime_type", "tags", "metadata"); err != nil {
		return o, err
	}
	if err := strFields(m, map[string]*string{"type": &o.Type, "name": &o.Name, "mime_type": &o.MIMEType}); err != nil {
		return o, err
	}
	if o.Tags, err = strList(m["tags"], "tags"); err != nil {
		return o, err
	}
	if o.Metadata, err = mapField(m, "metadata", "options_json"); err != nil {
		return o, err
	}
	if nameRequired && o.Name == "" {
		return o, errs.New(errs.KindInvalidArgument, "options_json.name is required")
	}
	return o, nil
}

//export llmspell_artifact_store
func llmspell_artifact_store(e *C.llmspell_engine, id *C.char, optionsJSON *C.char, optionsLen C.size_t,
	data unsafe.Pointer, dataLen C.size_t, recordOut **C.char, recordLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if recordOut != nil {
		*recordOut = nil
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		sid, err := sessionArg(id)
		if err != nil {
			return err
		}
		o, err := storeOpts(optionsJSON, optionsLen, true)
		if err != nil {
			return err
		}
		if data == nil && dataLen > 0 {
			return errs.New(errs.KindInvalidArgument, "data is NULL but data_len is %d", uint64(dataLen))
		}
		var content []byte
		if dataLen > 0 {
			// Borrowed for the call: the writer copies what it keeps.
			content = unsafe.Slice((*byte)(data), int(dataLen))
		}
		a, err := ref.eng.Sessions().Store(context.Background(), sid, o, content)
		if err != nil {
			return err
		}
		return encodeOut(recordOut, recordLen, a.Map())
	})
}

//export llmspell_artifact_store_file
func llmspell_artifact_store_file(e *C.llmspell_engine, id *C.char, path *C.char, optionsJSON *C.char, optionsLen C.size_t,
	recordOut **C.char, recordLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if recordOut != nil {
		*recordOut = nil
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		sid, err := sessionArg(id)
		if err != nil {
			return err
		}
		p, err := cName(path, "path", true)
		if err != nil {
			return err
		}
		o, err := storeOpts(optionsJSON, optionsLen, false)
		if err != nil {
			return err
		}
		a, err := ref.eng.Sessions().StoreFile(context.Background(), sid, p, o)
		if err != nil {
			return err
		}
		return encodeOut(recordOut, recordLen, a.Map())
	})
}

//export llmspell_artifact_get
func llmspell_artifact_get(e *C.llmspell_engine, id *C.char, seq C.uint64_t, recordOut **C.char, recordLen *C.size_t,
	dataOut *unsafe.Pointer, dataLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if dataOut == nil || dataLen == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "data_out and data_len must not be NULL"))
	}
	*dataOut = nil
	*dataLen = 0
	if recordOut != nil {
		*recordOut = nil
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		sid, err := sessionArg(id)
		if err != nil {
			return err
		}
		a, data, err := ref.eng.Sessions().GetArtifact(context.Background(), sid, int64(seq))
		if err != nil {
			return err
		}
		if err := encodeOut(recordOut, recordLen, a.Map()); err != nil {
			return err
		}
		*dataOut = unsafe.Pointer(reg.cBuffer(data))
		*dataLen = C.size_t(len(data))
		return nil
	})
}

//export llmspell_artifact_query
func llmspell_artifact_query(e *C.llmspell_engine, queryJSON *C.char, queryLen C.size_t, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		o, err := jsonObject(queryJSON, queryLen, "query_json")
		if err != nil {
			return err
		}
		if err := checkKeys(o, "query_json", "session_id", "type", "name_pattern", "tags", "min_size", "max_size", "limit", "created_after", "created_before"); err != nil {
			return err
		}
		q := &session.ArtifactQuery{}
		if err := strFields(o, map[string]*string{"session_id": &q.SessionID, "type": &q.Type, "name_pattern": &q.NamePattern}); err != nil {
			return err
		}
		if q.MinSize, err = intOpt(o, "min_size"); err != nil {
			return err
		}
		if q.MaxSize, err = intOpt(o, "max_size"); err != nil {
			return err
		}
		limit, err := intOpt(o, "limit")
		if err != nil {
			return err
		}
		q.Limit = int(limit)
		if q.Tags, err = strList(o["tags"], "tags"); err != nil {
			return err
		}
		if q.CreatedAfter, err = timeField(o, "created_after"); err != nil {
			return err
		}
		if q.CreatedBefore, err = timeField(o, "created_before"); err != nil {
			return err
		}
		list, err := ref.eng.Sessions().QueryArtifacts(context.Background(), q)
		if err != nil {
			return err
		}
		out := make(value.List, len(list))
		for i, a := range list {
			out[i] = a.Map()
		}
		return encodeOut(jsonOut, jsonLen, out)
	})
}

//export llmspell_artifact_delete
func llmspell_artifact_delete(e *C.llmspell_engine, id *C.char, seq C.uint64_t, errOut **C.llmspell_error) C.llmspell_status {
	return withEngine(e, errOut, func(ref *engineRef) error {
		sid, err := sessionArg(id)
		if err != nil {
			return err
		}
		return ref.eng.Sessions().DeleteArtifact(context.Background(), sid, int64(seq))
	})
}

// writerRef is what an artifact writer handle names. Its mutex makes a
// misuse from two threads an orderly sequence instead of a data race.
type writerRef struct {
	mu  sync.Mutex
	eng *engineRef
	w   *session.Writer
	end bool // committed or discarded
}

// readerRef is what an artifact reader handle names.
type readerRef struct {
	mu  sync.Mutex
	eng *engineRef
	r   *session.Reader
}

//export llmspell_artifact_writer_new
func llmspell_artifact_writer_new(e *C.llmspell_engine, id *C.char, optionsJSON *C.char, optionsLen C.size_t, out **C.llmspell_artifact_writer, errOut **C.llmspell_error) C.llmspell_status {
	if out == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "out is NULL"))
	}
	*out = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		sid, err := sessionArg(id)
		if err != nil {
			return err
		}
		o, err := storeOpts(optionsJSON, optionsLen, true)
		if err != nil {
			return err
		}
		w, err := ref.eng.Sessions().NewWriter(context.Background(), sid, o)
		if err != nil {
			return err
		}
		ref.refs.Add(1) // the writer keeps the engine alive
		*out = C.ls_writer_ptr(C.uintptr_t(reg.addStream(tagWriter, &writerRef{eng: ref, w: w})))
		return nil
	})
}

func lookupWriter(w *C.llmspell_artifact_writer) (*writerRef, error) {
	obj, err := reg.lookupStream(uintptr(unsafe.Pointer(w)), tagWriter, "artifact writer")
	if err != nil {
		return nil, err
	}
	return obj.(*writerRef), nil
}

// guarded runs fn and turns a panic into an internal error.
func guarded(errOut **C.llmspell_error, fn func() error) (st C.llmspell_status) {
	defer func() {
		if r := recover(); r != nil {
			st = panicked(r, errOut, nil)
		}
	}()
	return status(errOut, fn())
}

//export llmspell_artifact_writer_write
func llmspell_artifact_writer_write(w *C.llmspell_artifact_writer, data unsafe.Pointer, dataLen C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	return guarded(errOut, func() error {
		wr, err := lookupWriter(w)
		if err != nil {
			return err
		}
		wr.mu.Lock()
		defer wr.mu.Unlock()
		if wr.end {
			return errs.New(errs.KindClosed, "artifact writer was committed or discarded")
		}
		if data == nil && dataLen > 0 {
			return errs.New(errs.KindInvalidArgument, "data is NULL but data_len is %d", uint64(dataLen))
		}
		if dataLen == 0 {
			return nil
		}
		if _, err := wr.w.Write(unsafe.Slice((*byte)(data), int(dataLen))); err != nil {
			wr.end = true
			return err
		}
		return nil
	})
}

//export llmspell_artifact_writer_commit
func llmspell_artifact_writer_commit(w *C.llmspell_artifact_writer, recordOut **C.char, recordLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if recordOut != nil {
		*recordOut = nil
	}
	return guarded(errOut, func() error {
		wr, err := lookupWriter(w)
		if err != nil {
			return err
		}
		wr.mu.Lock()
		defer wr.mu.Unlock()
		if wr.end {
			return errs.New(errs.KindClosed, "artifact writer was committed or discarded")
		}
		wr.end = true
		a, err := wr.w.Commit()
		if err != nil {
			return err
		}
		return encodeOut(recordOut, recordLen, a.Map())
	})
}

//export llmspell_artifact_writer_free
func llmspell_artifact_writer_free(w *C.llmspell_artifact_writer) {
	defer func() { recover() }()
	obj := reg.removeStream(uintptr(unsafe.Pointer(w)), tagWriter)
	if obj == nil {
		return
	}
	wr := obj.(*writerRef)
	wr.mu.Lock()
	if !wr.end {
		wr.end = true
		wr.w.Abort()
	}
	wr.mu.Unlock()
	wr.eng.release()
}

//export llmspell_artifact_reader_open
func llmspell_artifact_reader_open(e *C.llmspell_engine, id *C.char, seq C.uint64_t, out **C.llmspell_artifact_reader,
	recordOut **C.char, recordLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if out == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "out is NULL"))
	}
	*out = nil
	if recordOut != nil {
		*recordOut = nil
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		sid, err := sessionArg(id)
		if err != nil {
			return err
		}
		r, a, err := ref.eng.Sessions().Open(context.Background(), sid, int64(seq))
		if err != nil {
			return err
		}
		if err := encodeOut(recordOut, recordLen, a.Map()); err != nil {
			return err
		}
		ref.refs.Add(1) // the reader keeps the engine alive
		*out = C.ls_reader_ptr(C.uintptr_t(reg.addStream(tagReader, &readerRef{eng: ref, r: r})))
		return nil
	})
}

//export llmspell_artifact_reader_read
func llmspell_artifact_reader_read(r *C.llmspell_artifact_reader, buf unsafe.Pointer, capacity C.size_t, nOut *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if nOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "n_out is NULL"))
	}
	*nOut = 0
	return guarded(errOut, func() error {
		obj, err := reg.lookupStream(uintptr(unsafe.Pointer(r)), tagReader, "artifact reader")
		if err != nil {
			return err
		}
		rr := obj.(*readerRef)
		if buf == nil && capacity > 0 {
			return errs.New(errs.KindInvalidArgument, "buf is NULL but cap is %d", uint64(capacity))
		}
		if capacity == 0 {
			return nil
		}
		rr.mu.Lock()
		defer rr.mu.Unlock()
		dst := unsafe.Slice((*byte)(buf), int(capacity))
		total := 0
		for total < len(dst) {
			n, err := rr.r.Read(dst[total:])
			total += n
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
		*nOut = C.size_t(total)
		return nil
	})
}

//export llmspell_artifact_reader_free
func llmspell_artifact_reader_free(r *C.llmspell_artifact_reader) {
	defer func() { recover() }()
	obj := reg.removeStream(uintptr(unsafe.Pointer(r)), tagReader)
	if obj == nil {
		return
	}
	rr := obj.(*readerRef)
	rr.mu.Lock() // a read in progress on another thread finishes first
	rr.r.Close()
	rr.mu.Unlock()
	rr.eng.release()
}

//export llmspell_session_history
func llmspell_session_history(e *C.llmspell_engine, id *C.char, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		sid, err := sessionArg(id)
		if err != nil {
			return err
		}
		h, err := ref.eng.Sessions().History(context.Background(), sid)
		if err != nil {
			return err
		}
		out := make(value.List, len(h))
		for i, m := range h {
			out[i] = m
		}
		return encodeOut(jsonOut, jsonLen, out)
	})
}

//export llmspell_session_replay
func llmspell_session_replay(e *C.llmspell_engine, id *C.char, optionsJSON *C.char, optionsLen C.size_t, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		sid, err := sessionArg(id)
		if err != nil {
			return err
		}
		o, err := jsonObject(optionsJSON, optionsLen, "options_json")
		if err != nil {
			return err
		}
		if err := checkKeys(o, "options_json", "start_from", "end_at"); err != nil {
			return err
		}
		ro := engine.ReplayOptions{To: -1}
		if n, err := intOpt(o, "start_from"); err != nil {
			return err
		} else {
			ro.From = int(n)
		}
		if _, ok := o["end_at"]; ok {
			n, err := intOpt(o, "end_at")
			if err != nil {
				return err
			}
			ro.To = int(n)
		}
		rep, err := ref.eng.Replay(context.Background(), sid, ro)
		if err != nil {
			return err
		}
		return encodeOut(jsonOut, jsonLen, rep)
	})
}
