package builtin

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
	"unicode/utf8"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

const fileOpsMaxList = 10000

func fileOpsTool() *tool.Tool {
	return &tool.Tool{
		Name: "file_operations", Category: "filesystem", Level: tool.Privileged, Tags: []string{"files"},
		Description: "Read, write (atomically), append, delete, copy, move, list and inspect files inside the allowed folders.",
		Schema: obj(value.Map{
			"operation":   enum("what to do", "read", "write", "append", "delete", "create_dir", "list_dir", "copy", "move", "metadata", "exists"),
			"path":        str("file or folder (inside the allowed folders)"),
			"input":       str("content to write or append"),
			"source_path": str("copy/move source"),
			"target_path": str("copy/move target"),
			"recursive":   boolean("create parents, delete or copy folders recursively"),
			"overwrite":   boolean("copy/move may replace an existing target (default false)"),
		}, "operation"),
		Fn: fileOps,
	}
}

func fileOps(_ context.Context, c *tool.Call) (value.Value, error) {
	const name = "file_operations"
	op := c.Str("operation", "")
	recursive := fBool(c, "recursive", false)
	if op == "copy" || op == "move" {
		src, err := c.Policy.CheckPath(c.Str("source_path", c.Str("path", "")))
		if err != nil {
			return nil, err
		}
		dst, err := c.Policy.CheckPath(c.Str("target_path", ""))
		if err != nil {
			return nil, err
		}
		if _, err := os.Lstat(dst); err == nil && !fBool(c, "overwrite", false) {
			return nil, fail(name, "%s: target exists (set overwrite)", c.Str("target_path", ""))
		}
		if op == "move" {
			if err := os.Rename(src, dst); err != nil {
				return nil, fail(name, "move: %v", errors.Unwrap(err))
			}
			return value.Map{"source_path": src, "target_path": dst}, nil
		}
		n, err := fileCopy(c, src, dst, recursive)
		if err != nil {
			return nil, err
		}
		return value.Map{"source_path": src, "target_path": dst, "bytes": n}, nil
	}
	p := c.Str("path", "")
	real, err := c.Policy.CheckPath(p)
	if err != nil {
		return nil, err
	}
	max := fMaxFile(c)
	switch op {
	case "read":
		fh, err := os.Open(real)
		if err != nil {
			return nil, fail(name, "read %s: %v", p, errors.Unwrap(err))
		}
		defer fh.Close()
		st, err := fh.Stat()
		if err != nil || st.IsDir() {
			return nil, fail(name, "read %s: not a regular file", p)
		}
		data, err := io.ReadAll(io.LimitReader(fh, max+1))
		if err != nil {
			return nil, fail(name, "read %s: %v", p, err)
		}
		if int64(len(data)) > max {
			return nil, errs.New(errs.KindLimit, "%s: %s is larger than the %d-byte cap", name, p, max)
		}
		if utf8.Valid(data) {
			return value.Map{"path": real, "content": string(data), "size": int64(len(data)), "encoding": "utf-8"}, nil
		}
		return value.Map{"path": real, "content": base64.StdEncoding.EncodeToString(data), "size": int64(len(data)), "encoding": "base64"}, nil
	case "write", "append":
		in, ok := c.Params["input"].(string)
		if !ok {
			return nil, errs.New(errs.KindInvalidArgument, "%s: %s needs input", name, op)
		}
		if int64(len(in)) > max {
			return nil, errs.New(errs.KindLimit, "%s: input of %d bytes is over the %d-byte cap", name, len(in), max)
		}
		if recursive {
			if err := os.MkdirAll(filepath.Dir(real), 0o755); err != nil {
				return nil, fail(name, "create parents: %v", errors.Unwrap(err))
			}
		}
		if op == "write" {
			if st, err := os.Stat(real); err == nil && st.IsDir() {
				return nil, fail(name, "write %s: is a folder", p)
			}
			if err := fWriteAtomic(real, []byte(in), 0o644); err != nil {
				return nil, fail(name, "write %s: %v", p, err)
			}
			return value.Map{"path": real, "bytes_written": int64(len(in))}, nil
		}
		if st, err := os.Stat(real); err == nil && st.Size()+int64(len(in)) > max {
			return nil, errs.New(errs.KindLimit, "%s: %s would grow over the %d-byte cap", name, p, max)
		}
		fh, err := os.OpenFile(real, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fail(name, "append %s: %v", p, errors.Unwrap(err))
		}
		_, werr := fh.WriteString(in)
		cerr := fh.Close()
		if werr != nil || cerr != nil {
			return nil, fail(name, "append %s: %v", p, errors.Join(werr, cerr))
		}
		return value.Map{"path": real, "bytes_written": int64(len(in))}, nil
	case "delete":
		for _, root := range c.Policy.FileRoots {
			if r, err := filepath.EvalSymlinks(root); err == nil && r == real {
				return nil, errs.New(errs.KindDenied, "%s: will not delete an allowed root folder", name)
			}
		}
		// a symlink (to somewhere allowed) is deleted itself, not its target
		if b := filepath.Base(p); b != "." && b != ".." && b != string(filepath.Separator) {
			if dir, err := c.Policy.CheckPath(filepath.Dir(p)); err == nil {
				if st, err := os.Lstat(filepath.Join(dir, b)); err == nil && st.Mode()&fs.ModeSymlink != 0 {
					real = filepath.Join(dir, b)
				}
			}
		}
		st, err := os.Lstat(real)
		if err != nil {
			return nil, fail(name, "delete %s: %v", p, errors.Unwrap(err))
		}
		if st.IsDir() && recursive {
			err = os.RemoveAll(real)
		} else {
			err = os.Remove(real)
		}
		if err != nil {
			return nil, fail(name, "delete %s: %v (set recursive for a non-empty folder)", p, errors.Unwrap(err))
		}
		return value.Map{"path": real, "deleted": true}, nil
	case "create_dir":
		if recursive {
			err = os.MkdirAll(real, 0o755)
		} else {
			err = os.Mkdir(real, 0o755)
		}
		if err != nil {
			return nil, fail(name, "create_dir %s: %v", p, errors.Unwrap(err))
		}
		return value.Map{"path": real, "created": true}, nil
	case "list_dir":
		ents, err := os.ReadDir(real)
		if err != nil {
			return nil, fail(name, "list_dir %s: %v", p, errors.Unwrap(err))
		}
		out := value.List{}
		for i, e := range ents {
			if i >= fileOpsMaxList {
				break
			}
			m := value.Map{"name": e.Name(), "type": fileType(e.Type())}
			if info, err := e.Info(); err == nil {
				m["size"] = info.Size()
				m["modified"] = info.ModTime().UTC().Format(time.RFC3339)
			}
			out = append(out, m)
		}
		return value.Map{"path": real, "entries": out, "count": int64(len(out)), "truncated": len(ents) > fileOpsMaxList}, nil
	case "metadata":
		st, err := os.Lstat(real)
		if err != nil {
			return nil, fail(name, "metadata %s: %v", p, errors.Unwrap(err))
		}
		return value.Map{"path": real, "size": st.Size(), "type": fileType(st.Mode()), "is_dir": st.IsDir(),
			"mode": st.Mode().Perm().String(), "modified": st.ModTime().UTC().Format(time.RFC3339Nano)}, nil
	case "exists":
		_, err := os.Lstat(real)
		return value.Map{"path": real, "exists": err == nil}, nil
	}
	return nil, errs.New(errs.KindInvalidArgument, "%s: unknown operation %q", name, op)
}

func fileType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "dir"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m.IsRegular():
		return "file"
	}
	return "other"
}

// fileCopy copies a file, or a folder when recursive; symlinks inside a
// copied folder are skipped, never followed.
func fileCopy(c *tool.Call, src, dst string, recursive bool) (int64, error) {
	const name = "file_operations"
	st, err := os.Stat(src)
	if err != nil {
		return 0, fail(name, "copy: %v", errors.Unwrap(err))
	}
	max := fMaxFile(c) * 10
	if !st.IsDir() {
		return copyOne(src, dst, st.Mode().Perm(), max)
	}
	if !recursive {
		return 0, fail(name, "copy: source is a folder (set recursive)")
	}
	if rel, err := filepath.Rel(src, dst); err == nil && (rel == "." || filepath.IsLocal(rel)) {
		return 0, fail(name, "copy: target is inside the source")
	}
	var total int64
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(out, 0o755)
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			n, err := copyOne(p, out, info.Mode().Perm(), max-total)
			total += n
			return err
		}
		return nil // symlinks and devices are skipped
	})
	if err != nil {
		if e, ok := err.(*errs.Error); ok {
			return total, e
		}
		return total, fail(name, "copy: %v", err)
	}
	return total, nil
}

func copyOne(src, dst string, perm fs.FileMode, max int64) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, fail("file_operations", "copy: %v", errors.Unwrap(err))
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return 0, fail("file_operations", "copy: %v", errors.Unwrap(err))
	}
	n, err := io.Copy(tmp, io.LimitReader(in, max+1))
	cerr := tmp.Close()
	if err == nil && n > max {
		err = errs.New(errs.KindLimit, "file_operations: copy is over the %d-byte cap", max)
	}
	if err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), perm)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
		if e, ok := err.(*errs.Error); ok {
			return n, e
		}
		return n, fail("file_operations", "copy: %v", err)
	}
	return n, nil
}
