package api

import (
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
)

// transformFromValue reads one migration entry of State.register_schema:
// {op ("type" also accepted), field, from, to, value, fn}. For convert, "to"
// is the target type.
func transformFromValue(v value.Value, i int) (state.Transform, error) {
	m, ok := v.(value.Map)
	if !ok {
		return state.Transform{}, errs.New(errs.KindInvalidArgument, "migration %d must be a table/object", i+1)
	}
	t := state.Transform{Value: m["value"]}
	t.Op, _ = m["op"].(string)
	if t.Op == "" {
		t.Op, _ = m["type"].(string)
	}
	t.Field, _ = m["field"].(string)
	t.From, _ = m["from"].(string)
	t.To, _ = m["to"].(string)
	if t.Op == "convert" {
		t.Type, t.To = t.To, ""
	}
	if t.Op == "custom" {
		fn, ok := m["fn"].(Callable)
		if !ok {
			return t, errs.New(errs.KindInvalidArgument, "custom migration %d needs fn = function(obj) ... end", i+1)
		}
		t.Fn = func(obj value.Map) (value.Value, error) { return fn.Call(obj) }
	}
	return t, nil
}

func migrationFunctions() []Function {
	return []Function{
		fn("register_schema", func(c *Call) (value.Value, error) {
			version, err := c.String(0, "version")
			if err != nil {
				return nil, err
			}
			fields, err := c.OptMap(1, "fields")
			if err != nil {
				return nil, err
			}
			var migrations value.List
			switch m := c.Arg(2).(type) {
			case nil:
			case value.List:
				migrations = m
			case value.Map:
				if len(m) > 0 {
					return nil, c.ArgError(2, "migrations", "a list of transforms")
				}
			default:
				return nil, c.ArgError(2, "migrations", "a list of transforms")
			}
			opts, err := c.OptMap(3, "options")
			if err != nil {
				return nil, err
			}
			sc := state.Schema{Version: version, Fields: fields, Scopes: stringList(opts["scopes"])}
			for i, e := range migrations {
				t, err := transformFromValue(e, i)
				if err != nil {
					return nil, err
				}
				sc.Migrations = append(sc.Migrations, t)
			}
			return nil, c.Engine().State().RegisterSchema(sc)
		}),
		fn("migrate_to_version", func(c *Call) (value.Value, error) {
			target, err := c.String(0, "version")
			if err != nil {
				return nil, err
			}
			opts, err := c.OptMap(1, "options")
			if err != nil {
				return nil, err
			}
			mo := engine.MigrateOptions{}
			mo.DryRun, _ = opts["dry_run"].(bool)
			if n, ok := opts["batch_size"].(int64); ok {
				mo.BatchSize = int(n)
			}
			if b, ok := opts["backup"].(bool); ok && !b {
				mo.SkipBackup = true
			}
			rep, backupID, err := c.Engine().Migrate(c.Ctx(), target, mo)
			if err != nil {
				return nil, err
			}
			out := rep.Map()
			out["backup_id"] = nil
			if backupID != "" {
				out["backup_id"] = backupID
			}
			return out, nil
		}),
		fn("get_migration_status", func(c *Call) (value.Value, error) {
			return c.Engine().State().MigrationStatus()
		}),
		fn("list_schema_versions", func(c *Call) (value.Value, error) {
			schemas, err := c.Engine().State().Schemas()
			if err != nil {
				return nil, err
			}
			out := make(value.List, len(schemas))
			for i, sc := range schemas {
				out[i] = sc.Version
			}
			return out, nil
		}),
	}
}
