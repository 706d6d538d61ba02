package api

import (
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// Callable is a script function received as an argument. It may be called
// only during the API call that received it, on the same goroutine (the
// runtime's owner); errors it raises come back as kinded errors.
type Callable interface {
	Call(args ...value.Value) (value.Value, error)
}

// Callable returns argument i as a script function.
func (c *Call) Callable(i int, name string) (Callable, error) {
	if f, ok := c.Arg(i).(Callable); ok {
		return f, nil
	}
	return nil, c.ArgError(i, name, "a function")
}

// requireData fails with invalid_argument when v holds a function anywhere:
// functions cannot cross into JSON or the store.
func requireData(v value.Value, what string) error {
	switch x := v.(type) {
	case Callable:
		return errs.New(errs.KindInvalidArgument, "%s: functions cannot cross into JSON", what)
	case value.List:
		for _, e := range x {
			if err := requireData(e, what); err != nil {
				return err
			}
		}
	case value.Map:
		for _, e := range x {
			if err := requireData(e, what); err != nil {
				return err
			}
		}
	}
	return nil
}
