// Package redact hides secrets in values shown to people: logs, events,
// backup listings, error details. It never changes stored data; callers
// redact a copy on its way out.
//
// A field is secret when its name looks like a credential (api_key,
// password, token, secret, ...); a string is secret when it looks like a
// provider key (sk-..., sk-ant-..., AKIA..., ghp_..., a JWT). Functions are
// pure and safe for concurrent use.
package redact

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/llmspell/llmspell-go/core/value"
)

// Mask replaces a secret.
const Mask = "[REDACTED]"

var secretName = regexp.MustCompile(`(?i)(api[_-]?key|apikey|password|passwd|secret|token|credential|private[_-]?key|auth)`)

var secretValue = regexp.MustCompile(`^(sk-ant-[A-Za-z0-9_\-]{8,}|sk-[A-Za-z0-9_\-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abpr]-[A-Za-z0-9\-]{10,}|eyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)$`)

// IsSecretName reports whether a field name looks like a credential.
func IsSecretName(name string) bool { return secretName.MatchString(name) }

// IsSecretString reports whether s looks like a provider key, a JWT, or a
// URL that carries a password (a database DSN such as
// postgres://user:pass@host/db).
func IsSecretString(s string) bool {
	s = strings.TrimSpace(s)
	if hasURLPassword(s) {
		return true
	}
	return len(s) >= 20 && secretValue.MatchString(s)
}

// hasURLPassword reports whether s is a URL whose user info has a password.
func hasURLPassword(s string) bool {
	i := strings.Index(s, "://")
	if i <= 0 || !strings.Contains(s[i:], "@") {
		return false // cheap reject before parsing
	}
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}

// Value returns a copy of v with secret fields and secret-looking strings
// masked. v itself is not modified.
func Value(v value.Value) value.Value { return redact(v, 0) }

// Field returns v masked when the field name is secret, else Value(v).
func Field(name string, v value.Value) value.Value {
	if IsSecretName(name) && v != nil {
		return Mask
	}
	return Value(v)
}

func redact(v value.Value, depth int) value.Value {
	if depth > value.MaxDepth {
		return Mask
	}
	switch x := v.(type) {
	case string:
		if IsSecretString(x) {
			return Mask
		}
		return x
	case value.List:
		out := make(value.List, len(x))
		for i, e := range x {
			out[i] = redact(e, depth+1)
		}
		return out
	case value.Map:
		out := make(value.Map, len(x))
		for k, e := range x {
			if IsSecretName(k) && e != nil {
				out[k] = Mask
			} else {
				out[k] = redact(e, depth+1)
			}
		}
		return out
	}
	return v
}
