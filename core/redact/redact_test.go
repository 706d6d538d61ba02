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
