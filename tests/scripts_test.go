package tests

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/internal/testmodels"
	"github.com/llmspell/llmspell-go/scripting/host"
)

// TestConformanceScripts runs every tests/scripts/*.lua with its .js twin on
// a pebble-backed engine; both must succeed and return the same JSON.
func TestConformanceScripts(t *testing.T) {
	luaFiles, _ := filepath.Glob("scripts/*.lua")
	if len(luaFiles) == 0 {
		t.Fatal("no conformance scripts found")
	}
	args := value.Map{"name": "x", "1": "pos"}
	for _, lf := range luaFiles {
		if ownTest[filepath.Base(lf)] != "" {
			continue // needs what its own test sets up
		}
		jf := strings.TrimSuffix(lf, ".lua") + ".js"
		t.Run(filepath.Base(lf), func(t *testing.T) {
			if _, err := os.Stat(jf); err != nil {
				t.Fatalf("%s has no JS twin", lf)
			}
			tweaks := scriptTweaks[filepath.Base(lf)]
			if needsModels[filepath.Base(lf)] {
				dir := testmodels.Dir(t)
				tweaks = append(tweaks, func(c *config.Config) { c.Models.Dir = dir })
			}
			var enc [2]string
			for i, f := range []string{lf, jf} {
				enc[i] = runFileJSON(t, newPebbleHost(t, tweaks...), f, args)
			}
			if enc[0] != enc[1] {
				t.Fatalf("Lua and JS differ:\nlua: %s\njs:  %s", enc[0], enc[1])
			}
		})
	}
}

// scriptTweaks holds the config changes a conformance pair needs, by the
// Lua twin's file name.
var scriptTweaks = map[string][]func(*config.Config){
	"hook_metrics.lua": {func(c *config.Config) { c.Hooks.Metrics, c.Hooks.Record = true, true }},
}

// ownTest names the pairs the loop skips, with the test that runs them:
// they need a temp folder or loopback servers set up first.
var ownTest = map[string]string{
	"every_tool.lua":   "TestEveryTool",
	"agent_remote.lua": "TestAgentRemoteScripts",
}

// needsModels names the pairs that run the real local model.
var needsModels = map[string]bool{"agent.lua": true, "workflow.lua": true}

// newPebbleHost returns a script host on a fresh pebble-backed engine;
// tweaks adjust the configuration first.
func newPebbleHost(t *testing.T, tweaks ...func(*config.Config)) *host.Host {
	t.Helper()
	cfg := config.Default()
	cfg.Storage.DataDir = t.TempDir()
	for _, f := range tweaks {
		f(cfg)
	}
	eng, err := engine.New(&engine.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	h, err := host.New(eng)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// runFileJSON runs a spell file with args and returns its result as JSON.
func runFileJSON(t *testing.T, h *host.Host, file string, args value.Map) string {
	t.Helper()
	res, err := h.RunFile(context.Background(), file, host.Request{Args: args})
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	b, err := value.Encode(res.Value)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
