package redact

import (
	"testing"

	"github.com/llmspell/llmspell-go/core/value"
)

func TestRedactsNamesAndValues(t *testing.T) {
	in := value.Map{
		"api_key":  "abc",
		"Password": "hunter2",
		"nested":   value.Map{"token": int64(5), "note": "sk-ant-REDACTME1234567890"},
		"list":     value.List{"AKIAABCDEFGHIJKLMNOP", "plain", "ghp_abcdefghijklmnopqrstuvwxyz012345"},
		"jwt":      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlX2hlcmU",
		"name":     "alice",
		"empty":    nil,
		"secret":   nil,
	}
	out := Value(in).(value.Map)
	want := value.Map{
		"api_key": Mask, "Password": Mask,
		"nested": value.Map{"token": Mask, "note": Mask},
		"list":   value.List{Mask, "plain", Mask},
		"jwt":    Mask, "name": "alice", "empty": nil, "secret": nil,
	}
	if !value.Equal(out, want) {
		got, _ := value.Encode(out)
		t.Fatalf("got %s", got)
	}
	if in["api_key"] != "abc" {
		t.Fatal("input modified")
	}
	if IsSecretString("sk-short") || IsSecretString("hello world, this is long enough") {
		t.Fatal("false positive")
	}
}

func TestURLPasswordIsSecret(t *testing.T) {
	for s, want := range map[string]bool{
		"postgres://llmspell:llmspell@127.0.0.1:5432/db?sslmode=disable": true,
		"  mysql://u:p@h/db ":                true,
		"https://user@example.com/":          false, // no password
		"https://example.com/a@b":            false,
		"see http://x.y for a:b@c":           false,
		"postgres://127.0.0.1:5432/db":       false,
		"not a url user:pass@host":           false,
		"redis://:only-password@localhost/0": true,
	} {
		if got := IsSecretString(s); got != want {
			t.Errorf("IsSecretString(%q) = %v, want %v", s, got, want)
		}
	}
}
