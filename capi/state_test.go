package main

import (
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/llmspell/llmspell-go/core/value"
)

type stateStep struct {
	Call        string          `json:"call"`
	Scope       *string         `json:"scope"`
	Key         string          `json:"key"`
	Prefix      string          `json:"prefix"`
	Limit       uint32          `json:"limit"`
	Value       json.RawMessage `json:"value"`
	Expected    json.RawMessage `json:"expected"`
	New         json.RawMessage `json:"new"`
	Ops         json.RawMessage `json:"ops"`
	Expect      json.RawMessage `json:"expect"`
	ExpectError string          `json:"expect_error"`
}

func rawPtr(r json.RawMessage) *string {
	if r == nil {
		return nil
	}
	s := string(r)
	return &s
}

// TestStateVectors runs tests/vectors/state.json through the exports, as
// every binding does.
func TestStateVectors(t *testing.T) {
	data, err := os.ReadFile("../tests/vectors/state.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []struct {
			Name  string      `json:"name"`
			Steps []stateStep `json:"steps"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			eng, res := tEngineNew(`{"storage":{"data_dir":"` + t.TempDir() + `"}}`)
			if res.status != 0 {
				t.Fatal(res.errMsg)
			}
			defer tEngineFree(eng)
			for i, s := range c.Steps {
				arg1, arg2 := rawPtr(s.Value), (*string)(nil)
				if s.Call == "cas" {
					arg1, arg2 = rawPtr(s.Expected), rawPtr(s.New)
				}
				out, r := tState(eng, s.Call, s.Scope, s.Key, s.Prefix, s.Limit, arg1, arg2, string(s.Ops))
				if s.ExpectError != "" {
					if name := statusName(r.status); name != s.ExpectError {
						t.Fatalf("step %d (%s): status %s (%s), want %s", i, s.Call, name, r.errMsg, s.ExpectError)
					}
					continue
				}
				if r.status != 0 {
					t.Fatalf("step %d (%s): %s", i, s.Call, r.errMsg)
				}
				got, _ := value.DecodeString(out)
				want, _ := value.Decode(s.Expect)
				if !value.Equal(got, want) {
					t.Fatalf("step %d (%s): got %s want %s", i, s.Call, out, s.Expect)
				}
			}
		})
	}
	checkEmpty(t)
}

func statusName(code int32) string {
	names := []string{"ok", "invalid_argument", "not_found", "denied", "timeout", "cancelled", "provider_error",
		"tool_error", "internal", "script_error", "closed", "storage_error", "limit_exceeded", "conflict"}
	if code >= 0 && int(code) < len(names) {
		return names[code]
	}
	return "unknown"
}

func TestStateNullArgumentsAndClosed(t *testing.T) {
	eng, _ := tEngineNew("")
	g := "global"
	empty := ""
	if _, r := tState(eng, "set", &g, "k", "", 0, &empty, nil, ""); r.status != 1 || !strings.Contains(r.errMsg, "value_json") {
		t.Fatalf("empty value: %+v", r)
	}
	bad := "{"
	if _, r := tState(eng, "set", &g, "k", "", 0, &bad, nil, ""); r.status != 1 {
		t.Fatalf("malformed value: %+v", r)
	}
	if _, r := tState(eng, "transaction", nil, "", "", 0, nil, nil, `{"op":"set"}`); r.status != 1 || !strings.Contains(r.errMsg, "array") {
		t.Fatalf("non-array ops: %+v", r)
	}
	tEngineFree(eng)
	one := "1"
	if _, r := tState(eng, "set", &g, "k", "", 0, &one, nil, ""); r.status != 10 {
		t.Fatalf("closed engine: %+v", r)
	}
	checkEmpty(t)
}

func TestStateConcurrentThreads(t *testing.T) {
	eng, _ := tEngineNew(`{"storage":{"data_dir":"` + t.TempDir() + `"}}`)
	defer func() { tEngineFree(eng); checkEmpty(t) }()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scope := "agent:shared"
			for i := 0; i < 20; {
				cur, _ := tState(eng, "get", &scope, "n", "", 0, nil, nil, "")
				var n int64
				json.Unmarshal([]byte(cur), &n)
				next, _ := json.Marshal(n + 1)
				var expected *string
				if cur != "null" {
					expected = &cur
				}
				ns := string(next)
				ok, r := tState(eng, "cas", &scope, "n", "", 0, expected, &ns, "")
				if r.status != 0 {
					t.Error(r.errMsg)
					return
				}
				if ok == "true" {
					i++
				}
			}
		}()
	}
	wg.Wait()
	scope := "agent:shared"
	if v, _ := tState(eng, "get", &scope, "n", "", 0, nil, nil, ""); v != "160" {
		t.Fatalf("n = %s, want 160", v)
	}
}
