package tests

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/llmspell/llmspell-go"

// allowed lists, for each project package, the project packages it may
// import (directly or not). The layers of STYLE.md: imports point down only.
var allowed = map[string][]string{
	"core/errs":                            {},
	"core/value":                           {"core/errs"},
	"core/version":                         {},
	"core/config":                          {"core/errs", "core/value"},
	"core/kv":                              {"core/errs"},
	"core/kv/pebblekv":                     {"core/errs", "core/kv"},
	"core/redact":                          {"core/errs", "core/value"},
	"core/backup":                          {"core/errs", "core/value", "core/kv", "core/redact"},
	"core/tool":                            {"core/errs", "core/value", "core/hook", "core/event", "core/kv"},
	"core/tool/builtin":                    {"core/errs", "core/value", "core/hook", "core/event", "core/kv", "core/tool", "core/redact"},
	"internal/faultkv":                     {"core/errs", "core/kv"},
	"core/hook":                            {"core/errs", "core/value"},
	"core/event":                           {"core/errs", "core/value", "core/kv"},
	"core/session":                         {"core/errs", "core/value", "core/kv"},
	"core/state":                           {"core/errs", "core/value", "core/kv"},
	"core/provider":                        {"core/errs", "core/value"},
	"core/provider/internal/wire":          {"core/errs", "core/value", "core/provider"},
	"core/provider/internal/wire/wiretest": {"core/errs", "core/value", "core/provider"},
	"core/provider/openai":                 {"core/errs", "core/value", "core/provider", "core/provider/internal/wire"},
	"core/provider/anthropic":              {"core/errs", "core/value", "core/provider", "core/provider/internal/wire"},
	"core/provider/ollama":                 {"core/errs", "core/value", "core/provider", "core/provider/internal/wire"},
	"core/provider/local":                  {"core/errs", "core/value", "core/provider"},
	"core/agent":                           {"core/errs", "core/value", "core/provider", "core/hook", "core/event", "core/kv", "core/state", "core/tool"},
	"internal/testmodels":                  {},
	"core/workflow":                        {"core/errs", "core/value", "core/provider", "core/hook", "core/event", "core/kv", "core/state", "core/tool", "core/agent"},
	"core/engine":                          {"core/errs", "core/value", "core/version", "core/config", "core/kv", "core/kv/pebblekv", "core/state", "core/session", "core/backup", "core/redact", "core/event", "core/hook", "core/tool", "core/tool/builtin", "core/provider", "core/provider/*", "core/agent", "core/workflow"},
	"scripting/api":                        {"core/*"},
	"scripting/lua":                        {"core/*", "scripting/api"},
	"scripting/js":                         {"core/*", "scripting/api"},
	"scripting/host":                       {"core/*", "scripting/api", "scripting/lua", "scripting/js"},
	"capi":                                 {"core/*", "scripting/*"},
	"cmd/llmspell":                         {"core/*", "scripting/*", "cmd/llmspell/internal/cli"},
	"cmd/llmspell/internal/cli":            {"core/*", "scripting/*"},
}

func permitted(pkg, dep string) bool {
	for _, a := range allowed[pkg] {
		if a == dep || (strings.HasSuffix(a, "/*") && strings.HasPrefix(dep, strings.TrimSuffix(a, "*"))) {
			return true
		}
	}
	return false
}

// TestImportArrows fails on any import that breaks the layering, and on a
// new package that has no entry in the table.
func TestImportArrows(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}:{{join .Deps \" \"}}", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, deps, _ := strings.Cut(line, ":")
		if !strings.HasPrefix(name, module+"/") {
			continue
		}
		pkg := strings.TrimPrefix(name, module+"/")
		if pkg == "tests" || strings.HasPrefix(pkg, "bench") {
			continue
		}
		if _, ok := allowed[pkg]; !ok {
			t.Errorf("package %s has no entry in the import table of tests/arch_test.go", pkg)
			continue
		}
		for _, d := range strings.Fields(deps) {
			if !strings.HasPrefix(d, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(d, module+"/")
			if !permitted(pkg, dep) {
				t.Errorf("%s imports %s, which breaks the layering", pkg, dep)
			}
		}
	}
	// No package may import capi.
	out, _ = exec.Command("go", "list", "-f", "{{.ImportPath}}:{{join .Imports \" \"}}", module+"/...").Output()
	if strings.Contains(string(out), module+"/capi ") || strings.HasSuffix(strings.TrimSpace(string(out)), module+"/capi") {
		t.Error("a package imports capi")
	}
}
