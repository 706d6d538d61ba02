package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "capi_internal.h"
*/
import "C"

import (
	"context"
	"time"

	"github.com/llmspell/llmspell-go/core/backup"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
)

// boolField reads an optional boolean option.
func boolField(m value.Map, key string) (bool, error) {
	switch b := m[key].(type) {
	case nil:
		return false, nil
	case bool:
		return b, nil
	}
	return false, errs.New(errs.KindInvalidArgument, "%s must be a boolean", key)
}

func intField(m value.Map, key string) (int64, bool, error) {
	switch n := m[key].(type) {
	case nil:
		return 0, false, nil
	case int64:
		return n, true, nil
	}
	return 0, false, errs.New(errs.KindInvalidArgument, "%s must be an integer", key)
}

//export llmspell_state_register_schema
func llmspell_state_register_schema(e *C.llmspell_engine, schemaJSON *C.char, schemaLen C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	return withEngine(e, errOut, func(ref *engineRef) error {
		if schemaJSON == nil {
			return errs.New(errs.KindInvalidArgument, "schema_json is NULL")
		}
		m, err := jsonObject(schemaJSON, schemaLen, "schema_json")
		if err != nil {
			return err
		}
		if err := checkKeys(m, "schema_json", "version", "fields", "scopes", "migrations"); err != nil {
			return err
		}
		sc := state.Schema{}
		sc.Version, _ = m["version"].(string)
		if sc.Fields, err = mapField(m, "fields", "schema_json"); err != nil {
			return err
		}
		if sc.Scopes, err = strList(m["scopes"], "scopes"); err != nil {
			return err
		}
		list, ok := m["migrations"].(value.List)
		if !ok && m["migrations"] != nil {
			return errs.New(errs.KindInvalidArgument, "migrations must be an array")
		}
		for i, e := range list {
			tm, ok := e.(value.Map)
			if !ok {
				return errs.New(errs.KindInvalidArgument, "migrations[%d] must be an object", i)
			}
			if err := checkKeys(tm, "migration", "op", "field", "from", "to", "value"); err != nil {
				return err
			}
			t := state.Transform{Value: tm["value"]}
			t.Op, _ = tm["op"].(string)
			t.Field, _ = tm["field"].(string)
			t.From, _ = tm["from"].(string)
			t.To, _ = tm["to"].(string)
			switch t.Op {
			case "convert":
				t.Type, t.To = t.To, ""
			case "custom":
				return errs.New(errs.KindInvalidArgument, "migrations[%d]: custom transforms need a script function; use a spell", i)
			}
			sc.Migrations = append(sc.Migrations, t)
		}
		return ref.eng.State().RegisterSchema(sc)
	})
}

//export llmspell_state_migrate
func llmspell_state_migrate(e *C.llmspell_engine, target *C.char, optionsJSON *C.char, optionsLen C.size_t, reportOut **C.char, reportLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if reportOut != nil {
		*reportOut = nil
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		t, err := cName(target, "target", true)
		if err != nil {
			return err
		}
		o, err := jsonObject(optionsJSON, optionsLen, "options_json")
		if err != nil {
			return err
		}
		if err := checkKeys(o, "options_json", "dry_run", "batch_size", "backup"); err != nil {
			return err
		}
		mo := engine.MigrateOptions{}
		if mo.DryRun, err = boolField(o, "dry_run"); err != nil {
			return err
		}
		if n, ok, err := intField(o, "batch_size"); err != nil {
			return err
		} else if ok {
			mo.BatchSize = int(n)
		}
		if b, ok := o["backup"].(bool); ok {
			mo.SkipBackup = !b
		} else if o["backup"] != nil {
			return errs.New(errs.KindInvalidArgument, "backup must be a boolean")
		}
		rep, backupID, err := ref.eng.Migrate(context.Background(), t, mo)
		if err != nil {
			return err
		}
		out := rep.Map()
		out["backup_id"] = nil
		if backupID != "" {
			out["backup_id"] = backupID
		}
		return encodeOut(reportOut, reportLen, out)
	})
}

//export llmspell_state_migration_status
func llmspell_state_migration_status(e *C.llmspell_engine, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		st, err := ref.eng.State().MigrationStatus()
		if err != nil {
			return err
		}
		return encodeOut(jsonOut, jsonLen, st)
	})
}

//export llmspell_backup_create
func llmspell_backup_create(e *C.llmspell_engine, optionsJSON *C.char, optionsLen C.size_t, summaryOut **C.char, summaryLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if summaryOut != nil {
		*summaryOut = nil
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		o, err := jsonObject(optionsJSON, optionsLen, "options_json")
		if err != nil {
			return err
		}
		if err := checkKeys(o, "options_json", "incremental", "label"); err != nil {
			return err
		}
		co := &backup.CreateOptions{}
		if co.Incremental, err = boolField(o, "incremental"); err != nil {
			return err
		}
		if l, ok := o["label"].(string); ok {
			co.Label = l
		} else if o["label"] != nil {
			return errs.New(errs.KindInvalidArgument, "label must be a string")
		}
		man, err := ref.eng.Backups().Create(context.Background(), co)
		if err != nil {
			return err
		}
		return encodeOut(summaryOut, summaryLen, man.Summary().Value())
	})
}

//export llmspell_backup_list
func llmspell_backup_list(e *C.llmspell_engine, jsonOut **C.char, jsonLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if jsonOut == nil {
		return status(errOut, errs.New(errs.KindInvalidArgument, "json_out is NULL"))
	}
	*jsonOut = nil
	return withEngine(e, errOut, func(ref *engineRef) error {
		list, err := ref.eng.Backups().List(context.Background())
		if err != nil {
			return err
		}
		out := make(value.List, len(list))
		for i, s := range list {
			out[i] = s.Value()
		}
		return encodeOut(jsonOut, jsonLen, out)
	})
}

//export llmspell_backup_validate
func llmspell_backup_validate(e *C.llmspell_engine, id *C.char, reportOut **C.char, reportLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if reportOut != nil {
		*reportOut = nil
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		bid, err := cName(id, "id", true)
		if err != nil {
			return err
		}
		rep, err := ref.eng.Backups().Validate(context.Background(), bid)
		if err != nil {
			return err
		}
		return encodeOut(reportOut, reportLen, rep.Value())
	})
}

//export llmspell_backup_restore
func llmspell_backup_restore(e *C.llmspell_engine, id *C.char, reportOut **C.char, reportLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if reportOut != nil {
		*reportOut = nil
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		bid, err := cName(id, "id", true)
		if err != nil {
			return err
		}
		rep, err := ref.eng.RestoreBackup(context.Background(), bid)
		if err != nil {
			return err
		}
		return encodeOut(reportOut, reportLen, rep.Value())
	})
}

//export llmspell_backup_cleanup
func llmspell_backup_cleanup(e *C.llmspell_engine, optionsJSON *C.char, optionsLen C.size_t, reportOut **C.char, reportLen *C.size_t, errOut **C.llmspell_error) C.llmspell_status {
	if reportOut != nil {
		*reportOut = nil
	}
	return withEngine(e, errOut, func(ref *engineRef) error {
		o, err := jsonObject(optionsJSON, optionsLen, "options_json")
		if err != nil {
			return err
		}
		if err := checkKeys(o, "options_json", "dry_run", "max_count", "max_age_days"); err != nil {
			return err
		}
		co := &backup.CleanupOptions{}
		if co.DryRun, err = boolField(o, "dry_run"); err != nil {
			return err
		}
		if n, ok, err := intField(o, "max_count"); err != nil {
			return err
		} else if ok {
			co.MaxCount = int(n)
		}
		if n, ok, err := intField(o, "max_age_days"); err != nil {
			return err
		} else if ok {
			co.MaxAge = time.Duration(n) * 24 * time.Hour
			if n < 0 {
				co.MaxAge = -1
			}
		}
		rep, err := ref.eng.Backups().Cleanup(context.Background(), co)
		if err != nil {
			return err
		}
		return encodeOut(reportOut, reportLen, rep.Value())
	})
}
