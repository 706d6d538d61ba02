package errs

import (
	"errors"
	"fmt"
)

// Kind is the stable category of an error. Its numeric value is the C status
// code.
type Kind int32

// The kinds. Values are part of the C ABI: never renumber or reuse them.
const (
	KindOK              Kind = 0
	KindInvalidArgument Kind = 1
	KindNotFound        Kind = 2
	KindDenied          Kind = 3
	KindTimeout         Kind = 4
	KindCancelled       Kind = 5
	KindProvider        Kind = 6
	KindTool            Kind = 7
	KindInternal        Kind = 8
	KindScript          Kind = 9
	KindClosed          Kind = 10
	KindStorage         Kind = 11
	KindLimit           Kind = 12
	KindConflict        Kind = 13
)

var kindNames = [...]string{
	KindOK:              "ok",
	KindInvalidArgument: "invalid_argument",
	KindNotFound:        "not_found",
	KindDenied:          "denied",
	KindTimeout:         "timeout",
	KindCancelled:       "cancelled",
	KindProvider:        "provider_error",
	KindTool:            "tool_error",
	KindInternal:        "internal",
	KindScript:          "script_error",
	KindClosed:          "closed",
	KindStorage:         "storage_error",
	KindLimit:           "limit_exceeded",
	KindConflict:        "conflict",
}

// String returns the stable lower-case name of the kind ("invalid_argument"),
// or "unknown" for a value outside the enum.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Kinds returns every kind except KindOK, in code order.
func Kinds() []Kind {
	out := make([]Kind, 0, len(kindNames)-1)
	for k := KindInvalidArgument; int(k) < len(kindNames); k++ {
		out = append(out, k)
	}
	return out
}

// ParseKind returns the kind with the given name, and false when there is
// none.
func ParseKind(name string) (Kind, bool) {
	for i, n := range kindNames {
		if n == name {
			return Kind(i), true
		}
	}
	return KindInternal, false
}

// Error is an error with a kind, a message and optional structured details.
// The message never holds secrets.
type Error struct {
	Kind    Kind
	Message string
	// Details holds extra structured facts (file, line, field, ...). Values
	// are JSON-compatible: string, int64, float64, bool, nil.
	Details map[string]any
	// Cause is the wrapped error, if any.
	Cause error
}

// Error returns "<kind>: <message>".
func (e *Error) Error() string {
	return e.Kind.String() + ": " + e.Message
}

// Unwrap returns the wrapped cause.
func (e *Error) Unwrap() error { return e.Cause }

// New returns an error of the given kind with a formatted message.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of the given kind whose message is the formatted
// text followed by the cause's text. If cause already has a kind, the
// message uses its message rather than its full "<kind>: ..." text.
func Wrap(kind Kind, cause error, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	if cause != nil {
		var e *Error
		if errors.As(cause, &e) {
			msg += ": " + e.Message
		} else {
			msg += ": " + cause.Error()
		}
	}
	return &Error{Kind: kind, Message: msg, Cause: cause}
}

// With returns a copy of e with the detail key set to v.
func (e *Error) With(key string, v any) *Error {
	c := *e
	c.Details = make(map[string]any, len(e.Details)+1)
	for k, dv := range e.Details {
		c.Details[k] = dv
	}
	c.Details[key] = v
	return &c
}

// KindOf returns the kind of err: the kind of the first *Error in its chain,
// KindOK for nil, and KindInternal for an error without a kind.
func KindOf(err error) Kind {
	if err == nil {
		return KindOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsKind reports whether err has the given kind.
func IsKind(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// As returns err as an *Error, giving an error without a kind KindInternal.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindInternal, Message: err.Error(), Cause: err}
}

// ErrClosed is returned by every operation on a closed object. Test with
// errors.Is or IsKind(err, KindClosed).
var ErrClosed = &Error{Kind: KindClosed, Message: "object is closed"}
