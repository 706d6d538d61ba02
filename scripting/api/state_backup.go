package api

import (
	"errors"

	"github.com/llmspell/llmspell-go/core/backup"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// backupFunctions are the State functions over the engine's backups.
func backupFunctions() []Function {
	return []Function{
		fn("create_backup", stateCreateBackupFn),
		fn("list_backups", stateListBackupsFn),
		fn("restore_backup", stateRestoreBackupFn),
		fn("validate_backup", stateValidateBackupFn),
	}
}

// State.create_backup({incremental?, label?}) -> backup info
func stateCreateBackupFn(c *Call) (value.Value, error) {
	opts, err := c.OptMap(0, "options")
	if err != nil {
		return nil, err
	}
	co := &backup.CreateOptions{}
	switch v := opts["incremental"].(type) {
	case nil:
	case bool:
		co.Incremental = v
	default:
		return nil, errs.New(errs.KindInvalidArgument, "%s: options.incremental must be a boolean, got %s", c.Name, TypeName(v))
	}
	switch v := opts["label"].(type) {
	case nil:
	case string:
		co.Label = v
	default:
		return nil, errs.New(errs.KindInvalidArgument, "%s: options.label must be a string, got %s", c.Name, TypeName(v))
	}
	man, err := c.Engine().Backups().Create(c.Ctx(), co)
	if err != nil {
		return nil, err
	}
	return man.Summary().Value(), nil
}

// State.list_backups() -> [backup info], newest first
func stateListBackupsFn(c *Call) (value.Value, error) {
	list, err := c.Engine().Backups().List(c.Ctx())
	if err != nil {
		return nil, err
	}
	out := make(value.List, len(list))
	for i, s := range list {
		out[i] = s.Value()
	}
	return out, nil
}

// State.restore_backup(id) -> {id, key_count, files, bytes, duration_ms}
func stateRestoreBackupFn(c *Call) (value.Value, error) {
	id, err := c.String(0, "id")
	if err != nil {
		return nil, err
	}
	if c.Run.Tx != nil {
		return nil, errs.New(errs.KindInvalidArgument, "%s cannot run inside State.transaction", c.Name)
	}
	rep, err := c.Engine().RestoreBackup(c.Ctx(), id)
	if err != nil {
		return nil, err
	}
	return rep.Value(), nil
}

// State.validate_backup(id) -> {id, valid = true, ...}, or
// {id, valid = false, error = {code, message}} for a corrupt backup.
func stateValidateBackupFn(c *Call) (value.Value, error) {
	id, err := c.String(0, "id")
	if err != nil {
		return nil, err
	}
	rep, err := c.Engine().Backups().Validate(c.Ctx(), id)
	if errors.Is(err, backup.ErrCorrupt) {
		e := errs.As(err)
		return value.Map{"id": id, "valid": false, "error": value.Map{"code": e.Kind.String(), "message": e.Message}}, nil
	}
	if err != nil {
		return nil, err
	}
	return rep.Value(), nil
}
