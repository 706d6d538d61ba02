package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"
*/
import "C"

import (
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/core/workflow"
)

// workflowOptions reads options_json: {run_id?, timeout_ms?}.
func workflowOptions(p *C.char, n C.size_t) (*workflow.RunOptions, error) {
	o, err := jsonObject(p, n, "options_json")
	if err != nil {
		return nil, err
	}
	return workflow.RunOptionsFromMap(o, "options_json")
}

func findWorkflow(ref *engineRef, name *C.char) (*workflow.Workflow, error) {
	n, err := cName(name, "name", true)
	if err != nil {
		return nil, err
	}
	w, ok := ref.eng.Workflows().Get(n)
	if !ok {
		return nil, errs.New(errs.KindNotFound, "no workflow named %q", n)
	}
	return w, nil
}

//export llmspell_workflow_create
func llmspell_workflow_create(e *C.llmspell_engine, defJSON *C.char, defLen C.size_t,
	nameOut **C.char, nameLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if nameOut != nil {
		*nameOut = nil
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		if defJSON == nil {
			return errs.New(errs.KindInvalidArgument, "definition_json is NULL")
		}
		m, err := jsonObject(defJSON, defLen, "definition_json")
		if err != nil {
			return err
		}
		d, err := workflow.FromMap(m, nil)
		if err != nil {
			return err
		}
		w, err := ref.eng.Workflows().Create(d)
		if err != nil {
			return err
		}
		if nameOut != nil {
			setOut(nameOut, nameLen, []byte(w.Name()))
		}
		return nil
	})
}

//export llmspell_workflow_execute
func llmspell_workflow_execute(e *C.llmspell_engine, name *C.char, inputJSON *C.char, inputLen C.size_t,
	optionsJSON *C.char, optionsLen C.size_t, r *C.llmspell_run, resultOut **C.char, resultLen *C.size_t,
	errOut **C.llmspell_error) C.llmspell_status {
	if resultOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "result_out is NULL"))
	}
	*resultOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		w, err := findWorkflow(ref, name)
		if err != nil {
			return err
		}
		in, err := jsonInput(inputJSON, inputLen, "input_json")
		if err != nil {
			return err
		}
		opts, err := workflowOptions(optionsJSON, optionsLen)
		if err != nil {
			return err
		}
		ctx, err := runContext(r)
		if err != nil {
			return err
		}
		res, err := w.Execute(ctx, in, opts)
		if err != nil {
			return err
		}
		return encodeOut(resultOut, resultLen, res.Map())
	})
}

//export llmspell_workflow_resume
func llmspell_workflow_resume(e *C.llmspell_engine, runID *C.char, inputJSON *C.char, inputLen C.size_t,
	r *C.llmspell_run, resultOut **C.char, resultLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if resultOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "result_out is NULL"))
	}
	*resultOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		id, err := cName(runID, "run_id", true)
		if err != nil {
			return err
		}
		in, err := jsonInput(inputJSON, inputLen, "input_json")
		if err != nil {
			return err
		}
		ctx, err := runContext(r)
		if err != nil {
			return err
		}
		res, err := ref.eng.Workflows().Resume(ctx, id, in, nil)
		if err != nil {
			return err
		}
		return encodeOut(resultOut, resultLen, res.Map())
	})
}

//export llmspell_workflow_run_record
func llmspell_workflow_run_record(e *C.llmspell_engine, runID *C.char, jsonOut **C.char, jsonLen *C.size_t,
	errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		id, err := cName(runID, "run_id", true)
		if err != nil {
			return err
		}
		rec, err := ref.eng.Workflows().RunRecord(id)
		if err != nil {
			return err
		}
		return encodeOut(jsonOut, jsonLen, rec)
	})
}

//export llmspell_workflow_list
func llmspell_workflow_list(e *C.llmspell_engine, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	return listExport(e, jsonOut, jsonLen, errOut, func(ref *engineRef) value.List {
		list := ref.eng.Workflows().List()
		out := make(value.List, len(list))
		for i, w := range list {
			out[i] = w.Info()
		}
		return out
	})
}

//export llmspell_workflow_info
func llmspell_workflow_info(e *C.llmspell_engine, name *C.char, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		w, err := findWorkflow(ref, name)
		if err != nil {
			return err
		}
		info := w.Info()
		if def, ok := w.Definition().Map(); ok {
			info["definition"] = def
		}
		return encodeOut(jsonOut, jsonLen, info)
	})
}

//export llmspell_workflow_remove
func llmspell_workflow_remove(e *C.llmspell_engine, name *C.char, removed *C.int32_t, errOut **C.llmspell_error) C.llmspell_status {
	return removeExport(e, name, removed, errOut, func(ref *engineRef, n string) bool { return ref.eng.Workflows().Remove(n) })
}

//export llmspell_workflow_wrap_as_tool
func llmspell_workflow_wrap_as_tool(e *C.llmspell_engine, name *C.char, optionsJSON *C.char, optionsLen C.size_t,
	toolOut **C.char, toolLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	return wrapExport(e, name, optionsJSON, optionsLen, toolOut, toolLen, errOut, func(ref *engineRef, n, toolName, desc string) (string, error) {
		t, err := ref.eng.Workflows().WrapAsTool(n, toolName, desc)
		if err != nil {
			return "", err
		}
		return t.Name, nil
	})
}
