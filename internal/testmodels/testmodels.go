// Package testmodels finds the shared test models (stories260K) for tests
// outside the local provider: from LLMSPELL_MODELS_DIR, or the shared
// folder beside the repository. Tests skip when the files are absent, and
// fail instead under CI=true, where they must be present.
package testmodels

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the folder holding stories260K/, or skips (fails in CI).
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("LLMSPELL_MODELS_DIR")
	if dir == "" {
		dir = RepoShared()
	}
	for _, f := range []string{"stories260K.bin", "tok512.bin"} {
		p := filepath.Join(dir, "stories260K", f)
		if _, err := os.Stat(p); err != nil {
			msg := "model file " + p + " is missing; set LLMSPELL_MODELS_DIR to a folder holding stories260K/"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	return dir
}

// RepoShared returns <repository>/../shared/models, found from this
// source file's location so it works from any package's test folder.
func RepoShared() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join("..", "shared", "models")
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	return filepath.Join(filepath.Dir(root), "shared", "models")
}
