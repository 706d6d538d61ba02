package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"
*/
import "C"

import (
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// The agent and workflow registries have the same small calls (list,
// remove, wrap as a tool); these are their one implementation.

// listExport writes the list fn returns to json_out.
func listExport(e *C.llmspell_engine, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error,
	list func(ref *engineRef) value.List) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		return encodeOut(jsonOut, jsonLen, list(ref))
	})
}

// removeExport removes the named entry and reports it in *removed.
func removeExport(e *C.llmspell_engine, name *C.char, removed *C.int32_t, errOut **C.llmspell_error,
	remove func(ref *engineRef, name string) bool) C.llmspell_status {
	return withEngine(e, errOut, func(ref *engineRef) error {
		n, err := cName(name, "name", true)
		if err != nil {
			return err
		}
		ok := remove(ref, n)
		if removed != nil {
			*removed = 0
			if ok {
				*removed = 1
			}
		}
		return nil
	})
}

// wrapExport registers the named entry as a tool, reading options_json
// {tool_name?, description?}, and writes the tool's name to tool_out.
func wrapExport(e *C.llmspell_engine, name *C.char, optionsJSON *C.char, optionsLen C.size_t,
	toolOut **C.char, toolLen *C.size_t, errOut **C.llmspell_error,
	wrap func(ref *engineRef, name, toolName, desc string) (string, error)) C.llmspell_status {
	if toolOut != nil {
		*toolOut = nil
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		n, err := cName(name, "name", true)
		if err != nil {
			return err
		}
		o, err := jsonObject(optionsJSON, optionsLen, "options_json")
		if err != nil {
			return err
		}
		if err := checkKeys(o, "options_json", "tool_name", "description"); err != nil {
			return err
		}
		var toolName, desc string
		if err := strFields(o, map[string]*string{"tool_name": &toolName, "description": &desc}); err != nil {
			return err
		}
		t, err := wrap(ref, n, toolName, desc)
		if err != nil {
			return err
		}
		if toolOut != nil {
			setOut(toolOut, toolLen, []byte(t))
		}
		return nil
	})
}
