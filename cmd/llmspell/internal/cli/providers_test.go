package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/value"
)

// providersCLI runs the command line with env as the whole environment.
func providersCLI(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	f := &Factory{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }, Now: time.Now,
		NotifyInterupt: func(ctx context.Context) (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }}
	code = f.Execute(args)
	return out.String(), errb.String(), code
}

const providersConfig = `
[agents]
default_model = "mine/big-model"

[providers.mine]
type = "openai"
base_url = "http://127.0.0.1:9/v1"
api_key_env = "MINE_KEY"
default_model = "big-model"

[providers.claude]
type = "anthropic"
base_url = "http://127.0.0.1:9"
api_key_env = "CLAUDE_KEY"
default_model = "claude-test"
`

func TestProvidersTable(t *testing.T) {
	cfg := writeFile(t, "llmspell.toml", providersConfig)
	env := map[string]string{"LLMSPELL_DATA_DIR": filepath.Join(t.TempDir(), "data"), "MINE_KEY": "sk-mine-secret-123"}
	out, errOut, code := providersCLI(t, env, "--config", cfg, "providers")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if f := strings.Fields(lines[0]); strings.Join(f, " ") != "NAME TYPE BASE URL DEFAULT MODEL CAPABILITIES KEY" {
		t.Fatalf("header %q", lines[0])
	}
	rows := map[string][]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		rows[f[0]] = f
	}
	want := map[string]string{
		"mine":   "mine openai http://127.0.0.1:9/v1 big-model streaming,tools,parallel_tool_calls,json_mode set",
		"claude": "claude anthropic http://127.0.0.1:9 claude-test streaming,tools,parallel_tool_calls,vision missing ($CLAUDE_KEY)",
		"ollama": "ollama ollama http://127.0.0.1:11434 llama3.2 streaming,tools,parallel_tool_calls,json_mode -",
	}
	for name, w := range want {
		if got := strings.Join(rows[name], " "); got != w {
			t.Errorf("row %s:\n got %q\nwant %q", name, got, w)
		}
	}
	if _, ok := rows["local"]; !ok {
		t.Errorf("local provider not listed:\n%s", out)
	}
	if _, ok := rows["openai"]; ok {
		t.Errorf("the openai preset is listed without OPENAI_API_KEY:\n%s", out)
	}
	if strings.Contains(out+errOut, "sk-mine-secret-123") {
		t.Fatalf("the key was printed:\n%s%s", out, errOut)
	}
}

func TestProvidersJSON(t *testing.T) {
	cfg := writeFile(t, "llmspell.toml", providersConfig)
	env := map[string]string{"LLMSPELL_DATA_DIR": filepath.Join(t.TempDir(), "data"), "MINE_KEY": "sk-mine-secret-123",
		"GROQ_API_KEY": "gsk-secret"}
	var docs []string
	for _, args := range [][]string{{"providers", "--json"}, {"-o", "json", "providers"}} {
		out, errOut, code := providersCLI(t, env, append([]string{"--config", cfg}, args...)...)
		if code != 0 {
			t.Fatalf("%v: code %d: %s", args, code, errOut)
		}
		docs = append(docs, out)
	}
	if docs[0] != docs[1] {
		t.Fatalf("--json and -o json differ:\n%s\n%s", docs[0], docs[1])
	}
	if strings.Contains(docs[0], "secret") {
		t.Fatalf("a key was printed: %s", docs[0])
	}
	doc := mustJSON(t, docs[0])
	if m, _ := value.Get(doc, "defaultModel"); m != "mine/big-model" {
		t.Fatalf("defaultModel %v", m)
	}
	list, _ := value.Get(doc, "providers")
	byName := map[string]value.Map{}
	for _, p := range list.(value.List) {
		m := p.(value.Map)
		byName[m["name"].(string)] = m
	}
	mine := byName["mine"]
	if mine["type"] != "openai" || mine["baseUrl"] != "http://127.0.0.1:9/v1" || mine["defaultModel"] != "big-model" || mine["hasKey"] != true {
		t.Fatalf("mine: %v", mine)
	}
	if caps, _ := mine["capabilities"].(value.Map); caps["streaming"] != true || caps["parallelToolCalls"] != true {
		t.Fatalf("capabilities: %v", mine["capabilities"])
	}
	if byName["claude"]["hasKey"] != false || byName["groq"]["hasKey"] != true || byName["groq"]["type"] != "openai" {
		t.Fatalf("claude %v groq %v", byName["claude"], byName["groq"])
	}
}

func TestProvidersFlags(t *testing.T) {
	var got *ProvidersOptions
	f := &Factory{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
	cmd := NewCmdProviders(f, func(o *ProvidersOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--json"})
	if err := cmd.Execute(); err != nil || got == nil || !got.JSON {
		t.Fatalf("err %v opts %+v", err, got)
	}
	_, errOut, code := runCLI(t, "providers", "extra")
	if code != ExitUsage || !strings.Contains(errOut, "unknown command") && !strings.Contains(errOut, "accepts 0 arg") {
		t.Fatalf("code %d stderr %q", code, errOut)
	}
}

// TestProvidersWhileDataDirInUse: listing opens no store, so a running
// spell's lock on the data folder does not stop it.
func TestProvidersWhileDataDirInUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var out bytes.Buffer
	f := &Factory{Out: &out, Err: &bytes.Buffer{}, Getenv: func(string) string { return "" }, Now: time.Now, DataDir: dir}
	eng, _, err := f.newHost(&out)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	stdout, errOut, code := runCLI(t, "--data-dir", dir, "providers")
	if code != 0 || !strings.Contains(stdout, "local") {
		t.Fatalf("code %d stdout %q stderr %q", code, stdout, errOut)
	}
}

func TestInfoNamesDefaultModel(t *testing.T) {
	out, errOut, code := runCLI(t, "info")
	if code != 0 || !strings.Contains(out, "model:     local/stories260K") {
		t.Fatalf("code %d out %q stderr %q", code, out, errOut)
	}
	out, _, code = runCLI(t, "-o", "json", "info")
	if m, _ := value.Get(mustJSON(t, out), "config.agents.default_model"); code != 0 || m != "local/stories260K" {
		t.Fatalf("info json: %d %v", code, m)
	}
}
