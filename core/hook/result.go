package hook

import (
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// Kind is what a hook asks for.
type Kind string

// The result kinds.
const (
	Continue Kind = "continue"
	Modified Kind = "modified"
	Cancel   Kind = "cancel"
	Replace  Kind = "replace"
	Retry    Kind = "retry"
	Skipped  Kind = "skipped"
	Redirect Kind = "redirect"
	Cache    Kind = "cache"
)

// Result is a hook's answer.
type Result struct {
	Kind        Kind
	Data        value.Value   // modified, replace
	Reason      string        // cancel, skipped
	Delay       time.Duration // retry
	MaxAttempts int           // retry; default 3
	Target      string        // redirect
	CacheKey    string        // cache; default: the point and the data
	TTL         time.Duration // cache; default 60 s
	Backoff     float64       // retry: delay multiplier per attempt; default 1
	Denied      bool          // cancel: the operation fails with kind denied, not cancelled
}

// ParseResult reads a script's return value: nil or "continue", or a table
// {type = "modified", data}, {type = "cancel", reason}, {type = "replace",
// data}, {type = "retry", delay_ms, max_attempts}, {type = "skipped",
// reason}, {type = "redirect", target}, {type = "cache", key, ttl_s}.
func ParseResult(v value.Value) (Result, error) {
	switch x := v.(type) {
	case nil:
		return Result{Kind: Continue}, nil
	case string:
		if x == "continue" || x == "" {
			return Result{Kind: Continue}, nil
		}
		return Result{}, errs.New(errs.KindInvalidArgument, "hook result %q is not a result (return nil, \"continue\" or a table with type)", x)
	case value.Map:
		typ, _ := x["type"].(string)
		r := Result{Kind: Kind(typ), Data: x["data"]}
		r.Reason, _ = x["reason"].(string)
		r.Target, _ = x["target"].(string)
		r.CacheKey, _ = x["key"].(string)
		if ms, ok := value.Number(x["delay_ms"]); ok {
			r.Delay = time.Duration(ms * float64(time.Millisecond))
		}
		if n, ok := value.Number(x["max_attempts"]); ok {
			r.MaxAttempts = int(n)
		}
		if s, ok := value.Number(x["ttl_s"]); ok {
			r.TTL = time.Duration(s * float64(time.Second))
		}
		if b, ok := value.Number(x["backoff"]); ok {
			r.Backoff = b
		}
		switch r.Kind {
		case Continue, Modified, Replace, Retry, Skipped, Cache:
		case Cancel:
			if r.Reason == "" {
				r.Reason = "cancelled by a hook"
			}
		case Redirect:
			if r.Target == "" {
				return Result{}, errs.New(errs.KindInvalidArgument, "a redirect result needs a target")
			}
		default:
			return Result{}, errs.New(errs.KindInvalidArgument, "unknown hook result type %q (continue, modified, cancel, replace, retry, skipped, redirect, cache)", typ)
		}
		return r, nil
	}
	return Result{}, errs.New(errs.KindInvalidArgument, "a hook must return nil, \"continue\" or a result table")
}

// Map returns the result as a value.
func (r Result) Map() value.Map {
	return value.Map{"type": string(r.Kind), "data": r.Data, "reason": r.Reason, "target": r.Target,
		"delay_ms": r.Delay.Milliseconds(), "max_attempts": int64(r.MaxAttempts)}
}
