package state

import (
	"strings"
	"unicode/utf8"

	"github.com/llmspell/llmspell-go/core/errs"
)

// Scope kinds.
const (
	ScopeGlobal   = "global"
	ScopeAgent    = "agent"
	ScopeWorkflow = "workflow"
	ScopeSession  = "session"
	ScopeTool     = "tool"
	ScopeUser     = "user"
	ScopeCustom   = "custom"
)

// MaxKeyBytes bounds keys and scope ids.
const MaxKeyBytes = 256

// Scope names a namespace of state. The zero Scope is invalid; use Global.
type Scope struct {
	Kind string
	ID   string
}

// Global is the global scope.
var Global = Scope{Kind: ScopeGlobal}

// String returns "global" or "<kind>:<id>".
func (s Scope) String() string {
	if s.Kind == ScopeGlobal {
		return ScopeGlobal
	}
	return s.Kind + ":" + s.ID
}

// ParseScope parses "global" or "<kind>:<id>" with kind one of agent,
// workflow, session, tool, user, custom. An empty string is global.
func ParseScope(s string) (Scope, error) {
	if s == "" || s == ScopeGlobal {
		return Global, nil
	}
	kind, id, ok := strings.Cut(s, ":")
	if !ok {
		return Scope{}, errs.New(errs.KindInvalidArgument,
			"invalid scope %q: use global or <kind>:<id> with kind agent, workflow, session, tool, user or custom", s)
	}
	sc := Scope{Kind: kind, ID: id}
	return sc, sc.Validate()
}

// Validate checks the kind and the id.
func (s Scope) Validate() error {
	switch s.Kind {
	case ScopeGlobal:
		if s.ID != "" {
			return errs.New(errs.KindInvalidArgument, "the global scope takes no id")
		}
		return nil
	case ScopeAgent, ScopeWorkflow, ScopeSession, ScopeTool, ScopeUser, ScopeCustom:
	default:
		return errs.New(errs.KindInvalidArgument, "unknown scope kind %q (use global, agent, workflow, session, tool, user or custom)", s.Kind)
	}
	if s.ID == "" {
		return errs.New(errs.KindInvalidArgument, "scope %s: empty id", s.Kind)
	}
	if err := checkText(s.ID, "scope id"); err != nil {
		return err
	}
	return nil
}

// ValidateKey checks a state key: non-empty, at most MaxKeyBytes, valid
// UTF-8, no "..", NUL, CR or LF, and not starting with the reserved "__" or
// "$$".
func ValidateKey(key string) error {
	if key == "" {
		return errs.New(errs.KindInvalidArgument, "state key is empty")
	}
	if err := checkText(key, "state key"); err != nil {
		return err
	}
	if strings.Contains(key, "..") {
		return errs.New(errs.KindInvalidArgument, "state key %q contains \"..\"", key)
	}
	if strings.HasPrefix(key, "__") || strings.HasPrefix(key, "$$") {
		return errs.New(errs.KindInvalidArgument, "state key %q uses a reserved prefix (__ or $$)", key)
	}
	return nil
}

func checkText(s, what string) error {
	if len(s) > MaxKeyBytes {
		return errs.New(errs.KindInvalidArgument, "%s is %d bytes, over the %d-byte limit", what, len(s), MaxKeyBytes)
	}
	if !utf8.ValidString(s) {
		return errs.New(errs.KindInvalidArgument, "%s is not valid UTF-8", what)
	}
	if strings.ContainsAny(s, "\x00\r\n") {
		return errs.New(errs.KindInvalidArgument, "%s %q contains NUL, CR or LF", what, s)
	}
	return nil
}
