package api

import (
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
)

// stateArgs reads the (scope, key, ...) arguments of a State function, or
// (key, ...) for the global scope when the call has one argument fewer than
// full. It returns the scope, the key and the index of the next argument.
func stateArgs(c *Call, full int) (state.Scope, string, int, error) {
	if len(c.Args) < full {
		key, err := c.String(0, "key")
		return state.Global, key, 1, err
	}
	sc, err := c.String(0, "scope")
	if err != nil {
		return state.Scope{}, "", 0, err
	}
	scope, err := state.ParseScope(sc)
	if err != nil {
		return state.Scope{}, "", 0, err
	}
	key, err := c.String(1, "key")
	return scope, key, 2, err
}

// stateGet reads through the run's transaction when one is open.
func stateGet(c *Call, scope state.Scope, key string) (value.Value, error) {
	if c.Run.Tx != nil {
		v, _, err := c.Run.Tx.Get(scope, key)
		return v, err
	}
	v, _, err := c.Engine().State().Get(c.Ctx(), scope, key)
	return v, err
}

// stateSet writes through the run's transaction when one is open.
func stateSet(c *Call, scope state.Scope, key string, v value.Value) error {
	if err := requireData(v, c.Name); err != nil {
		return err
	}
	if c.Run.Tx != nil {
		return c.Run.Tx.Set(scope, key, v)
	}
	return c.Engine().State().Set(c.Ctx(), scope, key, v)
}

func stateSetFn(c *Call) (value.Value, error) {
	scope, key, next, err := stateArgs(c, 3)
	if err != nil {
		return nil, err
	}
	return nil, stateSet(c, scope, key, c.Arg(next))
}

func stateGetFn(c *Call) (value.Value, error) {
	scope, key, _, err := stateArgs(c, 2)
	if err != nil {
		return nil, err
	}
	return stateGet(c, scope, key)
}

func stateDeleteFn(c *Call) (value.Value, error) {
	scope, key, _, err := stateArgs(c, 2)
	if err != nil {
		return nil, err
	}
	if c.Run.Tx != nil {
		existed, err := c.Run.Tx.Exists(scope, key)
		if err != nil {
			return nil, err
		}
		return existed, c.Run.Tx.Delete(scope, key)
	}
	return c.Engine().State().Delete(c.Ctx(), scope, key)
}

func stateExistsFn(c *Call) (value.Value, error) {
	scope, key, _, err := stateArgs(c, 2)
	if err != nil {
		return nil, err
	}
	v, err := stateGet(c, scope, key)
	return v != nil, err
}

func stateListFn(c *Call) (value.Value, error) {
	scope := state.Global
	optIdx := 0
	if s, ok := c.Arg(0).(string); ok {
		sc, err := state.ParseScope(s)
		if err != nil {
			return nil, err
		}
		scope, optIdx = sc, 1
	}
	opts, err := c.OptMap(optIdx, "options")
	if err != nil {
		return nil, err
	}
	lo := &state.ListOptions{}
	if p, ok := opts["prefix"].(string); ok {
		lo.Prefix = p
	}
	if n, ok := opts["limit"].(int64); ok {
		lo.Limit = int(n)
	}
	keys, err := c.Engine().State().Keys(c.Ctx(), scope, lo)
	if err != nil {
		return nil, err
	}
	out := make(value.List, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out, nil
}

// scoped builds the agent_/tool_/workflow_ shortcuts: (id, key[, value]).
func scoped(kind string, set bool) Func {
	return func(c *Call) (value.Value, error) {
		id, err := c.String(0, "id")
		if err != nil {
			return nil, err
		}
		key, err := c.String(1, "key")
		if err != nil {
			return nil, err
		}
		scope := state.Scope{Kind: kind, ID: id}
		if err := scope.Validate(); err != nil {
			return nil, err
		}
		if set {
			return nil, stateSet(c, scope, key, c.Arg(2))
		}
		return stateGet(c, scope, key)
	}
}

func stateTransactionFn(c *Call) (value.Value, error) {
	fn, err := c.Callable(0, "fn")
	if err != nil {
		return nil, err
	}
	if c.Run.Tx != nil { // nested: join the outer transaction
		return fn.Call()
	}
	var result value.Value
	err = c.Engine().State().Update(c.Ctx(), func(tx *state.Tx) error {
		c.Run.Tx = tx
		defer func() { c.Run.Tx = nil }()
		r, err := fn.Call()
		result = r
		return err
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

func stateCASFn(c *Call) (value.Value, error) {
	scope, key, next, err := stateArgs(c, 4)
	if err != nil {
		return nil, err
	}
	if c.Run.Tx != nil {
		return nil, errs.New(errs.KindInvalidArgument, "State.compare_and_set cannot run inside State.transaction")
	}
	return c.Engine().State().CompareAndSet(c.Ctx(), scope, key, c.Arg(next), c.Arg(next+1))
}

func stateClearFn(c *Call) (value.Value, error) {
	sc, err := c.String(0, "scope")
	if err != nil {
		return nil, err
	}
	scope, err := state.ParseScope(sc)
	if err != nil {
		return nil, err
	}
	n, err := c.Engine().State().ClearScope(c.Ctx(), scope)
	return int64(n), err
}

func stateModule() Module {
	return Module{Name: "State", Functions: append([]Function{
		{Name: "save", Aliases: []string{"set"}, Fn: stateSetFn},
		{Name: "load", Aliases: []string{"get"}, Fn: stateGetFn},
		fn("delete", stateDeleteFn),
		fn("exists", stateExistsFn),
		{Name: "list_keys", Aliases: []string{"list"}, Fn: stateListFn},
		fn("clear_scope", stateClearFn),
		fn("transaction", stateTransactionFn),
		fn("compare_and_set", stateCASFn),
		fn("agent_set", scoped(state.ScopeAgent, true)),
		fn("agent_get", scoped(state.ScopeAgent, false)),
		fn("tool_set", scoped(state.ScopeTool, true)),
		fn("tool_get", scoped(state.ScopeTool, false)),
		fn("workflow_set", scoped(state.ScopeWorkflow, true)),
		fn("workflow_get", scoped(state.ScopeWorkflow, false)),
	}, append(backupFunctions(), migrationFunctions()...)...)}
}
