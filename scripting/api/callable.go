package api

import "github.com/llmspell/llmspell-go/core/value"

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
