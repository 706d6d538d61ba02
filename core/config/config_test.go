package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

func TestDefaults(t *testing.T) {
	c := Default()
	if c.Script.DefaultLanguage != "lua" || c.Script.MaxOutputBytes != 16<<20 || c.StorageBackend() != "memory" {
		t.Fatalf("defaults: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestTOMLAndEnvPrecedence(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.toml")
	os.WriteFile(p, []byte("[script]\ntimeout_ms = 500\npool_size = 2\n[storage]\ndata_dir = \""+dir+"\"\n"), 0o600)
	t.Setenv("LLMSPELL_SCRIPT_TIMEOUT_MS", "750")
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Script.TimeoutMS != 750 || c.Script.PoolSize != 2 || c.StorageBackend() != "pebble" {
		t.Fatalf("got %+v", c.Script)
	}
}

func TestUnknownKeysReportedTogether(t *testing.T) {
	_, err := FromJSON([]byte(`{"script":{"timeot_ms":1,"pool_size":"x"},"nope":{}}`), nil)
	if !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{`unknown key "timeot_ms"`, `unknown section "nope"`, "pool_size"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestJSONShapes(t *testing.T) {
	for _, in := range []string{`[]`, `"x"`, `{`, `{"script":3}`} {
		if _, err := FromJSON([]byte(in), nil); !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Errorf("%s: err = %v", in, err)
		}
	}
	if _, err := FromJSON(nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestValidateReportsAll(t *testing.T) {
	_, err := FromJSON([]byte(`{"script":{"stdlib":"weird","timeout_ms":-1}}`), nil)
	if err == nil || !strings.Contains(err.Error(), "stdlib") || !strings.Contains(err.Error(), "timeout_ms") {
		t.Fatalf("err = %v", err)
	}
}

func TestEnvBadValue(t *testing.T) {
	env := map[string]string{"LLMSPELL_STORAGE_SYNC": "maybe"}
	_, err := FromJSON(nil, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if !errs.IsKind(err, errs.KindInvalidArgument) || !strings.Contains(err.Error(), "LLMSPELL_STORAGE_SYNC") {
		t.Fatalf("err = %v", err)
	}
}

func TestMapHasEveryField(t *testing.T) {
	m := Default().Map()
	if m["script"].(map[string]any)["default_language"] != "lua" {
		t.Fatalf("map: %v", m)
	}
}

func TestProvidersSection(t *testing.T) {
	c := Default()
	err := c.MergeTOML([]byte(`
[providers.work]
type = "openai"
base_url = "http://127.0.0.1:9/v1"
api_key_env = "WORK_KEY"
default_model = "m"
timeout_ms = 5000
max_retries = -1
fallback = "anthropic/claude"

[providers.home]
type = "ollama"

[agents]
default_model = "work/m"
max_tool_rounds = 3
`), "t.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Providers) != 2 || c.Providers[0].Name != "home" || c.Providers[1].TimeoutMS != 5000 || c.Providers[1].MaxRetries != -1 {
		t.Fatalf("providers %+v", c.Providers)
	}
	if c.Agents.DefaultModel != "work/m" || c.Agents.MaxToolRounds != 3 {
		t.Fatalf("agents %+v", c.Agents)
	}
	m := c.Map()["providers"].(value.Map)
	if m["work"].(value.Map)["api_key_env"] != "WORK_KEY" {
		t.Fatalf("map %v", m)
	}
	// Every problem at once, and never a key in the file.
	err = Default().MergeTOML([]byte(`
[providers.bad]
type = "grpc"
api_key = "sk-secret"
colour = "red"
timeout_ms = "soon"
`), "bad.toml")
	msg := fmt.Sprint(err)
	for _, want := range []string{`type "grpc"`, "api_key_env", `unknown key "colour"`, "timeout_ms"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "sk-secret") {
		t.Fatalf("key in the error: %s", msg)
	}
	if err := Default().MergeTOML([]byte("providers = 3"), "x"); err == nil {
		t.Fatal("providers must be a table")
	}
	if err := Default().MergeTOML([]byte("[agents]\ndefault_model = \"\""), "x"); err != nil {
		// merged; validation catches it
		t.Fatal(err)
	}
	c = Default()
	c.Agents.DefaultModel = ""
	if err := c.Validate(); err == nil {
		t.Fatal("empty default model accepted")
	}
}
