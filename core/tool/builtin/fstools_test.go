package builtin

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// fsSetup returns a registry whose only file root is root, plus a folder
// outside it holding secret.txt, and a symlink root/escape -> outside.
func fsSetup(t *testing.T) (r *tool.Registry, root, outside string) {
	t.Helper()
	root, outside = t.TempDir(), t.TempDir()
	p := tool.DefaultPolicy()
	p.FileRoots = []string{root}
	os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("top secret\n"), 0o644)
	if err := os.Symlink(outside, filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(root, "secret-link")); err != nil {
		t.Fatal(err)
	}
	return newRegistry(t, p), root, outside
}

func wantDenied(t *testing.T, r *tool.Registry, name string, params value.Map) {
	t.Helper()
	env, err := r.Invoke(ctx, name, params)
	if !errs.IsKind(err, errs.KindDenied) {
		t.Errorf("%s %v: want denied, got %v %+v", name, params, err, env)
	}
}

func wantToolError(t *testing.T, r *tool.Registry, name string, params value.Map, kind errs.Kind, msg string) {
	t.Helper()
	env, err := r.Invoke(ctx, name, params)
	if err != nil {
		t.Errorf("%s %v: want a %s envelope with %q, got error %v", name, params, kind, msg, err)
		return
	}
	if env.Success || env.Error.Kind != kind || !strings.Contains(env.Error.Message, msg) {
		t.Errorf("%s %v: want %s with %q, got %+v", name, params, kind, msg, env.Error)
	}
}

func TestFileOperations(t *testing.T) {
	r, root, outside := fsSetup(t)
	f := filepath.Join(root, "a", "b.txt")
	op := func(params value.Map) value.Map {
		t.Helper()
		env := invoke(t, r, "file_operations", params)
		if !env.Success {
			t.Fatalf("%v: %v", params, env.Error)
		}
		return env.Result.(value.Map)
	}
	op(value.Map{"operation": "write", "path": f, "input": "hello", "recursive": true})
	op(value.Map{"operation": "append", "path": f, "input": " world"})
	if got := op(value.Map{"operation": "read", "path": f})["content"]; got != "hello world" {
		t.Fatalf("read %q", got)
	}
	op(value.Map{"operation": "write", "path": f, "input": "replaced"})
	if got := op(value.Map{"operation": "read", "path": f})["content"]; got != "replaced" {
		t.Fatalf("atomic write %q", got)
	}
	if ents, _ := os.ReadDir(filepath.Join(root, "a")); len(ents) != 1 {
		t.Fatalf("temp files left: %v", ents)
	}
	if op(value.Map{"operation": "exists", "path": f})["exists"] != true || op(value.Map{"operation": "exists", "path": f + "x"})["exists"] != false {
		t.Fatal("exists")
	}
	if m := op(value.Map{"operation": "metadata", "path": f}); m["size"] != int64(8) || m["type"] != "file" {
		t.Fatalf("metadata %v", m)
	}
	op(value.Map{"operation": "copy", "source_path": f, "target_path": filepath.Join(root, "c.txt")})
	wantToolError(t, r, "file_operations", value.Map{"operation": "copy", "source_path": f, "target_path": filepath.Join(root, "c.txt")}, errs.KindTool, "target exists")
	op(value.Map{"operation": "move", "source_path": filepath.Join(root, "c.txt"), "target_path": filepath.Join(root, "d.txt")})
	op(value.Map{"operation": "copy", "source_path": filepath.Join(root, "a"), "target_path": filepath.Join(root, "a2"), "recursive": true})
	if b, _ := os.ReadFile(filepath.Join(root, "a2", "b.txt")); string(b) != "replaced" {
		t.Fatalf("recursive copy %q", b)
	}
	op(value.Map{"operation": "create_dir", "path": filepath.Join(root, "x", "y"), "recursive": true})
	l := op(value.Map{"operation": "list_dir", "path": root})
	if l["count"] != int64(7) { // a a2 d.txt escape secret-link x + ...
		names := []string{}
		for _, e := range l["entries"].(value.List) {
			names = append(names, e.(value.Map)["name"].(string))
		}
		if len(names) != 6 {
			t.Fatalf("list_dir %v", names)
		}
	}
	wantToolError(t, r, "file_operations", value.Map{"operation": "delete", "path": filepath.Join(root, "a")}, errs.KindTool, "recursive")
	op(value.Map{"operation": "delete", "path": filepath.Join(root, "a"), "recursive": true})
	wantDenied(t, r, "file_operations", value.Map{"operation": "delete", "path": root, "recursive": true})
	wantToolError(t, r, "file_operations", value.Map{"operation": "read", "path": filepath.Join(root, "nope")}, errs.KindTool, "no such file")

	// path traversal and symlink escapes, for every operation
	secret := filepath.Join(root, "..", filepath.Base(outside), "secret.txt")
	for _, p := range []string{secret, filepath.Join(root, "escape", "secret.txt"), filepath.Join(root, "secret-link"), "/etc/passwd", filepath.Join(root, "escape", "new.txt")} {
		for _, o := range []string{"read", "write", "append", "delete", "metadata", "exists", "list_dir", "create_dir"} {
			wantDenied(t, r, "file_operations", value.Map{"operation": o, "path": p, "input": "x"})
		}
		wantDenied(t, r, "file_operations", value.Map{"operation": "copy", "source_path": p, "target_path": filepath.Join(root, "stolen")})
		wantDenied(t, r, "file_operations", value.Map{"operation": "copy", "source_path": filepath.Join(root, "d.txt"), "target_path": p})
		wantDenied(t, r, "file_operations", value.Map{"operation": "move", "source_path": p, "target_path": filepath.Join(root, "stolen")})
		wantDenied(t, r, "file_operations", value.Map{"operation": "move", "source_path": filepath.Join(root, "d.txt"), "target_path": p})
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "secret.txt")); string(b) != "top secret\n" {
		t.Fatal("outside file changed")
	}
	// a folder copy skips symlinks inside it
	os.MkdirAll(filepath.Join(root, "withlink"), 0o755)
	os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(root, "withlink", "s"))
	op(value.Map{"operation": "copy", "source_path": filepath.Join(root, "withlink"), "target_path": filepath.Join(root, "wl2"), "recursive": true})
	if _, err := os.Lstat(filepath.Join(root, "wl2", "s")); err == nil {
		t.Fatal("symlink copied")
	}
	// deleting a link inside the root removes the link, not its target
	os.WriteFile(filepath.Join(root, "keep.txt"), []byte("keep"), 0o644)
	os.Symlink(filepath.Join(root, "keep.txt"), filepath.Join(root, "keep-link"))
	op(value.Map{"operation": "delete", "path": filepath.Join(root, "keep-link")})
	if _, err := os.Lstat(filepath.Join(root, "keep-link")); err == nil {
		t.Fatal("link still there")
	}
	if b, _ := os.ReadFile(filepath.Join(root, "keep.txt")); string(b) != "keep" {
		t.Fatal("link target deleted")
	}
	// size cap
	p := tool.DefaultPolicy()
	p.FileRoots, p.MaxOutputBytes = []string{root}, 100
	small := newRegistry(t, p)
	wantToolError(t, small, "file_operations", value.Map{"operation": "write", "path": f, "input": strings.Repeat("x", 200)}, errs.KindLimit, "cap")
	os.WriteFile(filepath.Join(root, "big"), bytes.Repeat([]byte("x"), 200), 0o644)
	wantToolError(t, small, "file_operations", value.Map{"operation": "read", "path": filepath.Join(root, "big")}, errs.KindLimit, "cap")
	// binary content comes back as base64
	os.WriteFile(filepath.Join(root, "bin"), []byte{0xff, 0, 1}, 0o644)
	if m := op(value.Map{"operation": "read", "path": filepath.Join(root, "bin")}); m["encoding"] != "base64" || m["content"] != "/wAB" {
		t.Fatalf("binary %v", m)
	}
	if _, err := r.Invoke(ctx, "file_operations", value.Map{"operation": "chmod", "path": f}); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatal(err)
	}
}

func TestFileSearch(t *testing.T) {
	r, root, _ := fsSetup(t)
	write := func(rel, body string) {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	write("a.go", "package a\nfunc Foo() {}\n// TODO fix foo\nline4\n")
	write("sub/b.txt", "nothing\nFOO bar\n")
	write("sub/deep/c.txt", "foo deep\n")
	write(".git/d.txt", "foo in git\n")
	write("bin.dat", "foo\x00binary")
	search := func(params value.Map) value.Map {
		t.Helper()
		params["path"] = root
		env := invoke(t, r, "file_search", params)
		if !env.Success {
			t.Fatalf("%v: %v", params, env.Error)
		}
		return env.Result.(value.Map)
	}
	if m := search(value.Map{"pattern": "foo"}); m["total_matches"] != int64(2) { // a.go line 3, deep/c.txt; secret via symlink skipped
		t.Fatalf("case-sensitive %v", m)
	}
	if m := search(value.Map{"pattern": "foo", "case_sensitive": false}); m["total_matches"] != int64(4) {
		t.Fatalf("case-insensitive %v", m)
	}
	if m := search(value.Map{"pattern": "foo", "case_sensitive": false, "max_depth": int64(1)}); m["total_matches"] != int64(3) {
		t.Fatalf("max_depth %v", m)
	}
	if m := search(value.Map{"pattern": "foo", "case_sensitive": false, "recursive": false}); m["total_matches"] != int64(2) {
		t.Fatalf("recursive false %v", m)
	}
	if m := search(value.Map{"pattern": "foo", "case_sensitive": false, "include_extensions": value.List{".txt"}}); m["total_matches"] != int64(2) {
		t.Fatalf("include %v", m)
	}
	if m := search(value.Map{"pattern": "foo", "case_sensitive": false, "exclude_extensions": value.List{"txt"}, "exclude_dirs": value.List{}}); m["total_matches"] != int64(2) {
		t.Fatalf("exclude (git included) %v", m)
	}
	if m := search(value.Map{"pattern": "foo", "case_sensitive": false, "include_dirs": value.List{"deep"}}); m["total_matches"] != int64(1) {
		t.Fatalf("include_dirs %v", m)
	}
	m := search(value.Map{"pattern": `F\w+\(`, "use_regex": true, "context_lines": int64(1)})
	res := m["results"].(value.List)
	if len(res) != 1 {
		t.Fatalf("regex %v", m)
	}
	hit := res[0].(value.Map)["matches"].(value.List)[0].(value.Map)
	if hit["line_number"] != int64(2) || hit["match"] != "Foo(" || hit["context_before"].(value.List)[0] != "package a" || hit["context_after"].(value.List)[0] != "// TODO fix foo" {
		t.Fatalf("match %v", hit)
	}
	if m := search(value.Map{"pattern": "o", "max_matches_per_file": int64(1)}); m["total_matches"] != m["files_matched"] {
		t.Fatalf("per file %v", m)
	}
	if m := search(value.Map{"pattern": "(", "use_regex": false}); m["total_matches"] != int64(1) {
		t.Fatalf("literal ( %v", m)
	}
	wantToolError(t, r, "file_search", value.Map{"pattern": "(", "use_regex": true, "path": root}, errs.KindTool, "invalid regex")
	wantToolError(t, r, "file_search", value.Map{"pattern": "a**", "use_regex": true, "path": root}, errs.KindTool, "invalid regex")
	// traversal and symlink escapes
	wantDenied(t, r, "file_search", value.Map{"pattern": "secret", "path": filepath.Join(root, "..")})
	wantDenied(t, r, "file_search", value.Map{"pattern": "secret", "path": filepath.Join(root, "escape")})
	wantDenied(t, r, "file_search", value.Map{"pattern": "secret", "path": filepath.Join(root, "secret-link")})
	if m := search(value.Map{"pattern": "top secret"}); m["total_matches"] != int64(0) {
		t.Fatalf("followed a symlink out: %v", m)
	}
	// a huge single line and many files stay bounded
	write("huge.txt", strings.Repeat("ab", 1<<20)+"\n")
	if m := search(value.Map{"pattern": "ab", "max_results": int64(3)}); m["total_matches"] != int64(1) {
		t.Fatalf("huge %v", m)
	}
}

// zipFile writes a zip with the given entries (name -> body; a name ending
// in "@" is a symlink to body).
func zipFile(t testing.TB, p string, entries [][2]string) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e[0], Method: zip.Deflate}
		if strings.HasSuffix(e[0], "@") {
			h.Name = strings.TrimSuffix(e[0], "@")
			h.SetMode(os.ModeSymlink | 0o777)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e[1]))
	}
	zw.Close()
	os.WriteFile(p, buf.Bytes(), 0o644)
}

func tarBytes(entries []*tar.Header, gz bool) []byte {
	var buf bytes.Buffer
	var w = &buf
	tw := tar.NewWriter(w)
	for _, h := range entries {
		tw.WriteHeader(h)
		if h.Typeflag == tar.TypeReg {
			tw.Write(bytes.Repeat([]byte("z"), int(h.Size)))
		}
	}
	tw.Close()
	if !gz {
		return buf.Bytes()
	}
	var out bytes.Buffer
	g := gzip.NewWriter(&out)
	g.Write(buf.Bytes())
	g.Close()
	return out.Bytes()
}

func TestArchiveHandler(t *testing.T) {
	r, root, outside := fsSetup(t)
	src := filepath.Join(root, "src")
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	os.WriteFile(filepath.Join(src, "one.txt"), []byte("one"), 0o644)
	os.WriteFile(filepath.Join(src, "sub", "two.txt"), []byte("two two"), 0o644)
	os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(src, "leak"))
	for _, ext := range []string{"zip", "tar", "tar.gz"} {
		arch := filepath.Join(root, "out."+ext)
		c := result(t, invoke(t, r, "archive_handler", value.Map{"operation": "create", "path": arch, "input": value.List{src}}), "count")
		if c != int64(4) { // src/ src/one.txt src/sub/ src/sub/two.txt, not the symlink
			t.Fatalf("%s create count %v", ext, c)
		}
		l := invoke(t, r, "archive_handler", value.Map{"operation": "list", "path": arch})
		if result(t, l, "total_size") != int64(10) {
			t.Fatalf("%s list %v", ext, l.Result)
		}
		dst := filepath.Join(root, "x-"+ext)
		invoke(t, r, "archive_handler", value.Map{"operation": "extract", "path": arch, "target_path": dst})
		if b, _ := os.ReadFile(filepath.Join(dst, "src", "sub", "two.txt")); string(b) != "two two" {
			t.Fatalf("%s extract %q", ext, b)
		}
		os.WriteFile(filepath.Join(dst, "src", "one.txt"), []byte("changed"), 0o644)
		invoke(t, r, "archive_handler", value.Map{"operation": "extract", "path": arch, "target_path": dst}) // again, over the old files
		if b, _ := os.ReadFile(filepath.Join(dst, "src", "one.txt")); string(b) != "one" {
			t.Fatalf("%s re-extract %q", ext, b)
		}
		wantDenied(t, r, "archive_handler", value.Map{"operation": "extract", "path": arch, "target_path": filepath.Join(root, "escape", "x")})
		wantDenied(t, r, "archive_handler", value.Map{"operation": "extract", "path": arch, "target_path": filepath.Join(root, "..", "x")})
		wantDenied(t, r, "archive_handler", value.Map{"operation": "create", "path": filepath.Join(root, "escape", "a."+ext), "input": value.List{src}})
	}
	wantDenied(t, r, "archive_handler", value.Map{"operation": "create", "path": filepath.Join(root, "s.zip"), "input": value.List{filepath.Join(root, "secret-link")}})
	wantDenied(t, r, "archive_handler", value.Map{"operation": "create", "path": filepath.Join(root, "s.zip"), "input": value.List{filepath.Join(root, "..", filepath.Base(outside))}})
	wantDenied(t, r, "archive_handler", value.Map{"operation": "list", "path": filepath.Join(root, "escape", "a.zip")})

	extract := func(p string) (*tool.Envelope, error) {
		return r.Invoke(ctx, "archive_handler", value.Map{"operation": "extract", "path": p, "target_path": filepath.Join(root, "t-"+filepath.Base(p))})
	}
	// zip slip, absolute names, symlink entries pointing out
	for i, entries := range [][][2]string{
		{{"../evil.txt", "x"}},
		{{"ok/../../evil.txt", "x"}},
		{{"/tmp/evil.txt", "x"}},
		{{"..\\evil.txt", "x"}},
		{{"link@", "../../" + filepath.Base(outside)}},
		{{"link@", outside}},
		{{"link@", "."}, {"link/../../evil.txt", "x"}},
	} {
		p := filepath.Join(root, "slip"+string(rune('a'+i))+".zip")
		zipFile(t, p, entries)
		env, err := extract(p)
		if err == nil && env.Success {
			t.Errorf("zip slip %v extracted", entries)
		}
	}
	// a symlink inside is fine, a write through a link pointing out is not
	p := filepath.Join(root, "inlink.zip")
	zipFile(t, p, [][2]string{{"d/f.txt", "f"}, {"l@", "d"}, {"l/g.txt", "g"}})
	if env, err := extract(p); err != nil || !env.Success {
		t.Fatalf("inner link %v %v", err, env.Error)
	}
	tp := filepath.Join(root, "tarlink.tar")
	os.WriteFile(tp, tarBytes([]*tar.Header{
		{Name: "a", Typeflag: tar.TypeSymlink, Linkname: "."},
		{Name: "b", Typeflag: tar.TypeSymlink, Linkname: "a/../.."},
	}, false), 0o644)
	if env, err := extract(tp); err == nil && env.Success {
		t.Fatal("tar symlink escape extracted")
	}
	tp = filepath.Join(root, "hard.tar")
	os.WriteFile(tp, tarBytes([]*tar.Header{{Name: "h", Typeflag: tar.TypeLink, Linkname: "/etc/passwd"}}, false), 0o644)
	if env, err := extract(tp); err == nil && env.Success {
		t.Fatal("hard link extracted")
	}
	if _, err := os.Stat(filepath.Join(outside, "evil.txt")); err == nil {
		t.Fatal("a file was written outside")
	}
	if _, err := os.Stat(filepath.Join(root, "evil.txt")); err == nil {
		t.Fatal("a file was written beside the target")
	}
	// decompression bombs: ratio, total size (with lying headers), entry count
	bomb := filepath.Join(root, "bomb.zip")
	zipFile(t, bomb, [][2]string{{"zeros", strings.Repeat("\x00", 20<<20)}})
	env, err := extract(bomb)
	if err != nil || env.Success || env.Error.Kind != errs.KindLimit {
		t.Fatalf("ratio bomb: %v %+v", err, env)
	}
	tb := filepath.Join(root, "big.tar.gz")
	os.WriteFile(tb, tarBytes([]*tar.Header{{Name: "big", Typeflag: tar.TypeReg, Size: 3 << 20, Mode: 0o644}}, true), 0o644)
	env, _ = r.Invoke(ctx, "archive_handler", value.Map{"operation": "extract", "path": tb, "target_path": filepath.Join(root, "tb"), "max_total_bytes": int64(1 << 20)})
	if env == nil || env.Success || env.Error.Kind != errs.KindLimit {
		t.Fatalf("total bomb %+v", env)
	}
	many := [][2]string{}
	for i := 0; i < 20; i++ {
		many = append(many, [2]string{"f" + string(rune('a'+i)), "x"})
	}
	mz := filepath.Join(root, "many.zip")
	zipFile(t, mz, many)
	env, _ = r.Invoke(ctx, "archive_handler", value.Map{"operation": "list", "path": mz, "max_entries": int64(10)})
	if env == nil || env.Success || env.Error.Kind != errs.KindLimit {
		t.Fatalf("entry count %+v", env)
	}
	wantToolError(t, r, "archive_handler", value.Map{"operation": "list", "path": filepath.Join(root, "src", "one.txt"), "format": "zip"}, errs.KindTool, "not a valid zip")
	wantToolError(t, r, "archive_handler", value.Map{"operation": "list", "path": filepath.Join(root, "src", "one.txt")}, errs.KindTool, "format")
}

func FuzzArchiveList(f *testing.F) {
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("a/b.txt")
	w.Write([]byte("hello"))
	zw.Close()
	f.Add(zb.Bytes())
	f.Add(tarBytes([]*tar.Header{{Name: "x", Typeflag: tar.TypeReg, Size: 3}, {Name: "l", Typeflag: tar.TypeSymlink, Linkname: "../x"}}, false))
	f.Add(tarBytes([]*tar.Header{{Name: "d/", Typeflag: tar.TypeDir}}, true))
	f.Add([]byte("PK\x03\x04garbage"))
	root := f.TempDir()
	p := tool.DefaultPolicy()
	p.FileRoots = []string{root}
	r := tool.New(p, nil, nil)
	r.Register(archiveTool())
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(root, "f.bin")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"zip", "tar", "tar.gz"} {
			env, err := r.Invoke(ctx, "archive_handler", value.Map{"operation": "list", "path": path, "format": format, "max_entries": int64(100)})
			if err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			if !env.Success && env.Error.Kind != errs.KindTool && env.Error.Kind != errs.KindLimit {
				t.Fatalf("%s: %v", format, env.Error)
			}
		}
	})
}

// FuzzArchiveExtract checks that whatever an archive holds, extracting it
// writes nothing outside the target folder.
func FuzzArchiveExtract(f *testing.F) {
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for _, n := range []string{"a/b.txt", "../up.txt", "/abs.txt", "a/../../x"} {
		w, _ := zw.Create(n)
		w.Write([]byte("hello"))
	}
	zw.Close()
	f.Add(zb.Bytes())
	f.Add(tarBytes([]*tar.Header{{Name: "l", Typeflag: tar.TypeSymlink, Linkname: ".."}, {Name: "l/x", Typeflag: tar.TypeReg, Size: 1}}, false))
	f.Add(tarBytes([]*tar.Header{{Name: "d/", Typeflag: tar.TypeDir}, {Name: "d/l", Typeflag: tar.TypeSymlink, Linkname: "../.."}}, true))
	base := f.TempDir()
	root := filepath.Join(base, "root")
	os.MkdirAll(root, 0o755)
	p := tool.DefaultPolicy()
	p.FileRoots = []string{root}
	r := tool.New(p, nil, nil)
	r.Register(archiveTool())
	n := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		n++
		arch := filepath.Join(root, "in.bin")
		os.WriteFile(arch, data, 0o644)
		for _, format := range []string{"zip", "tar", "tar.gz"} {
			target := filepath.Join(root, "t", format)
			os.RemoveAll(filepath.Join(root, "t"))
			env, err := r.Invoke(ctx, "archive_handler", value.Map{"operation": "extract", "path": arch, "target_path": target, "format": format, "max_entries": int64(50), "max_total_bytes": int64(1 << 20)})
			if err != nil && !errs.IsKind(err, errs.KindDenied) {
				t.Fatalf("%s: %v", format, err)
			}
			if env != nil && !env.Success && env.Error.Kind != errs.KindTool && env.Error.Kind != errs.KindLimit {
				t.Fatalf("%s: %v", format, env.Error)
			}
			ents, _ := os.ReadDir(base)
			if len(ents) != 1 {
				t.Fatalf("%s: wrote beside the root: %v", format, ents)
			}
			ents, _ = os.ReadDir(root)
			for _, e := range ents {
				if e.Name() != "in.bin" && e.Name() != "t" {
					t.Fatalf("%s: wrote %s outside the target", format, e.Name())
				}
			}
		}
	})
}
