package builtin

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

func TestFileConverter(t *testing.T) {
	r, root, outside := fsSetup(t)
	f := filepath.Join(root, "t.txt")
	conv := func(params value.Map) {
		t.Helper()
		env := invoke(t, r, "file_converter", params)
		if !env.Success {
			t.Fatalf("%v: %v", params, env.Error)
		}
	}
	read := func(p string) []byte { b, _ := os.ReadFile(p); return b }
	os.WriteFile(f, []byte("café ü\n"), 0o644)
	conv(value.Map{"operation": "encoding", "path": f, "to_encoding": "latin-1", "target_path": f + ".l1"})
	if !bytes.Equal(read(f+".l1"), []byte("caf\xe9 \xfc\n")) {
		t.Fatalf("latin-1 %q", read(f+".l1"))
	}
	conv(value.Map{"operation": "encoding", "path": f + ".l1", "from_encoding": "latin-1", "to_encoding": "utf-16", "target_path": f + ".u16"})
	if b := read(f + ".u16"); !bytes.HasPrefix(b, []byte{0xff, 0xfe, 'c', 0}) || len(b) != 2+2*7 {
		t.Fatalf("utf-16 %q", b)
	}
	conv(value.Map{"operation": "encoding", "path": f + ".u16", "from_encoding": "utf-16", "to_encoding": "utf-16be", "target_path": f + ".be"})
	conv(value.Map{"operation": "encoding", "path": f + ".be", "from_encoding": "utf-16be", "target_path": f + ".back"})
	if string(read(f+".back")) != "café ü\n" {
		t.Fatalf("round trip %q", read(f+".back"))
	}
	os.WriteFile(f+".emoji", []byte("😀\n"), 0o644)
	wantToolError(t, r, "file_converter", value.Map{"operation": "encoding", "path": f + ".emoji", "to_encoding": "latin-1"}, errs.KindTool, "latin-1 cannot hold")
	wantToolError(t, r, "file_converter", value.Map{"operation": "encoding", "path": f + ".l1", "to_encoding": "utf-16"}, errs.KindTool, "not valid utf-8")

	os.Remove(f)
	os.WriteFile(f, []byte("a\r\nb\rc\nd"), 0o600)
	conv(value.Map{"operation": "line_endings", "path": f, "line_ending": "crlf"})
	if string(read(f)) != "a\r\nb\r\nc\r\nd" {
		t.Fatalf("crlf %q", read(f))
	}
	if st, _ := os.Stat(f); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode changed: %v", st.Mode())
	}
	conv(value.Map{"operation": "line_endings", "path": f})
	if string(read(f)) != "a\nb\nc\nd" {
		t.Fatalf("lf %q", read(f))
	}
	os.WriteFile(f, []byte("x\n\ty\n\t\tz\n  \tw\n"), 0o644)
	conv(value.Map{"operation": "indentation", "path": f, "indentation": "spaces", "tab_size": int64(2)})
	if string(read(f)) != "x\n  y\n    z\n    w\n" {
		t.Fatalf("spaces %q", read(f))
	}
	conv(value.Map{"operation": "indentation", "path": f, "indentation": "tabs", "tab_size": int64(2)})
	if string(read(f)) != "x\n\ty\n\t\tz\n\t\tw\n" {
		t.Fatalf("tabs %q", read(f))
	}
	// traversal and symlink escapes, source and target
	for _, p := range []string{filepath.Join(root, "..", filepath.Base(outside), "secret.txt"), filepath.Join(root, "escape", "secret.txt"), filepath.Join(root, "secret-link")} {
		wantDenied(t, r, "file_converter", value.Map{"operation": "line_endings", "path": p})
		wantDenied(t, r, "file_converter", value.Map{"operation": "line_endings", "path": f, "target_path": p})
	}
	if string(read(filepath.Join(outside, "secret.txt"))) != "top secret\n" {
		t.Fatal("outside file changed")
	}
	p := tool.DefaultPolicy()
	p.FileRoots, p.MaxOutputBytes = []string{root}, 10
	os.WriteFile(f, []byte(strings.Repeat("x", 50)), 0o644)
	wantToolError(t, newRegistry(t, p), "file_converter", value.Map{"operation": "line_endings", "path": f}, errs.KindLimit, "cap")
}
