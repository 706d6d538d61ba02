package local

import (
	"os"
	"path/filepath"
	"testing"
)

// testModelsDir returns the folder holding stories260K/: LLMSPELL_MODELS_DIR,
// or the shared folder next to the repository. It skips the test when the
// files are absent, and fails instead when CI=true.
func testModelsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("LLMSPELL_MODELS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "models")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"stories260K.bin", "tok512.bin", "greedy-empty-prompt-256.txt"} {
		if _, err := os.Stat(filepath.Join(abs, "stories260K", f)); err != nil {
			msg := "model file " + filepath.Join(abs, "stories260K", f) + " is missing; set LLMSPELL_MODELS_DIR to a folder holding stories260K/ (see /work/shared/models/stories260K/README.md)"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	return abs
}

// testEngine loads stories260K once per test.
func testEngine(t testing.TB) *engine {
	t.Helper()
	dir := filepath.Join(testModelsDir(t), "stories260K")
	e, err := loadEngine(filepath.Join(dir, "stories260K.bin"), filepath.Join(dir, "tok512.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return e
}
