package builtin

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// Archive limits: a bomb stops at whichever comes first.
const (
	archiveMaxEntries = 10000
	archiveMaxTotal   = 512 << 20 // uncompressed bytes
	archiveMaxRatio   = 200       // uncompressed / compressed
)

func archiveTool() *tool.Tool {
	return &tool.Tool{
		Name: "archive_handler", Category: "filesystem", Level: tool.Restricted, Tags: []string{"files", "archive"},
		Description: "List, extract and create zip, tar and tar.gz archives, guarding against path traversal and decompression bombs.",
		Schema: obj(value.Map{
			"operation":       enum("what to do", "list", "extract", "create"),
			"path":            str("the archive (inside the allowed folders)"),
			"target_path":     str("folder to extract into"),
			"input":           fListSchema("files and folders to put in the archive (create)"),
			"format":          enum("archive format (default: from the file name)", "zip", "tar", "tar.gz"),
			"max_total_bytes": fIntSchema("lower the uncompressed size limit", 1, archiveMaxTotal),
			"max_entries":     fIntSchema("lower the entry count limit", 1, archiveMaxEntries),
		}, "operation", "path"),
		Fn: archiveRun,
	}
}

func archiveFormat(c *tool.Call, p string) (string, error) {
	if f := c.Str("format", ""); f != "" {
		return f, nil
	}
	l := strings.ToLower(p)
	switch {
	case strings.HasSuffix(l, ".zip"):
		return "zip", nil
	case strings.HasSuffix(l, ".tar.gz"), strings.HasSuffix(l, ".tgz"):
		return "tar.gz", nil
	case strings.HasSuffix(l, ".tar"):
		return "tar", nil
	}
	return "", fail("archive_handler", "cannot tell the format of %s (set format: zip, tar or tar.gz)", p)
}

// archiveEntry is one entry seen while walking an archive.
type archiveEntry struct {
	name     string
	kind     string // file, dir, symlink, hardlink, other
	size     int64
	linkname string
	open     func() (io.Reader, error)
}

type archiveLimits struct {
	entries int
	total   int64
	ratio   int64
	packed  int64 // compressed size of the archive
}

// walkArchive calls fn for each entry, enforcing the entry limit.
func walkArchive(real, format string, lim archiveLimits, fn func(e *archiveEntry) error) error {
	const name = "archive_handler"
	fh, err := os.Open(real)
	if err != nil {
		return fail(name, "open: %v", errors.Unwrap(err))
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return fail(name, "open: %v", err)
	}
	count := 0
	if format == "zip" {
		zr, err := zip.NewReader(fh, st.Size())
		if err != nil {
			return fail(name, "not a valid zip archive: %v", err)
		}
		if len(zr.File) > lim.entries {
			return errs.New(errs.KindLimit, "%s: archive has %d entries, over the limit of %d", name, len(zr.File), lim.entries)
		}
		for _, f := range zr.File {
			e := &archiveEntry{name: f.Name, kind: "file", size: int64(f.UncompressedSize64)}
			m := f.Mode()
			switch {
			case m.IsDir() || strings.HasSuffix(f.Name, "/"):
				e.kind = "dir"
			case m&fs.ModeSymlink != 0:
				e.kind = "symlink"
				rc, err := f.Open()
				if err != nil {
					return fail(name, "entry %s: %v", f.Name, err)
				}
				b, _ := io.ReadAll(io.LimitReader(rc, 4096))
				rc.Close()
				e.linkname = string(b)
			case !m.IsRegular():
				e.kind = "other"
			}
			f := f
			var rc io.ReadCloser
			e.open = func() (io.Reader, error) {
				var err error
				rc, err = f.Open()
				return rc, err
			}
			err := fn(e)
			if rc != nil {
				rc.Close()
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	var r io.Reader = fh
	if format == "tar.gz" {
		gz, err := gzip.NewReader(fh)
		if err != nil {
			return fail(name, "not a valid gzip stream: %v", err)
		}
		defer gz.Close()
		r = gz
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fail(name, "not a valid tar archive: %v", err)
		}
		count++
		if count > lim.entries {
			return errs.New(errs.KindLimit, "%s: archive has more than %d entries", name, lim.entries)
		}
		e := &archiveEntry{name: h.Name, size: h.Size, linkname: h.Linkname, open: func() (io.Reader, error) { return tr, nil }}
		switch h.Typeflag {
		case tar.TypeReg:
			e.kind = "file"
		case tar.TypeDir:
			e.kind = "dir"
		case tar.TypeSymlink:
			e.kind = "symlink"
		case tar.TypeLink:
			e.kind = "hardlink"
		case tar.TypeXGlobalHeader:
			continue
		default:
			e.kind = "other"
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// safeEntryName cleans an entry name and refuses absolute names, drive
// letters, backslashes that hide "..", and names leaving the folder.
func safeEntryName(n string) (string, error) {
	n = strings.ReplaceAll(n, "\\", "/")
	if n == "" || strings.HasPrefix(n, "/") || strings.ContainsRune(n, 0) || (len(n) > 1 && n[1] == ':') {
		return "", fail("archive_handler", "entry %q has an absolute or invalid name", n)
	}
	clean := path.Clean(n)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fail("archive_handler", "entry %q escapes the target folder (zip slip)", n)
	}
	return clean, nil
}

func archiveRun(ctx context.Context, c *tool.Call) (value.Value, error) {
	const name = "archive_handler"
	p := c.Str("path", "")
	real, err := c.Policy.CheckPath(p)
	if err != nil {
		return nil, err
	}
	format, err := archiveFormat(c, p)
	if err != nil {
		return nil, err
	}
	lim := archiveLimits{entries: int(fInt(c, "max_entries", archiveMaxEntries)), total: fInt(c, "max_total_bytes", archiveMaxTotal), ratio: archiveMaxRatio}
	switch c.Str("operation", "") {
	case "list":
		out := value.List{}
		var total int64
		err := walkArchive(real, format, lim, func(e *archiveEntry) error {
			total += e.size
			m := value.Map{"name": e.name, "type": e.kind, "size": e.size}
			if e.linkname != "" {
				m["link_target"] = e.linkname
			}
			out = append(out, m)
			return nil
		})
		if err != nil {
			return nil, err
		}
		return value.Map{"path": real, "format": format, "entries": out, "count": int64(len(out)), "total_size": total}, nil
	case "extract":
		return archiveExtract(ctx, c, real, format, lim)
	case "create":
		return archiveCreate(ctx, c, real, format)
	}
	return nil, errs.New(errs.KindInvalidArgument, "%s: unknown operation", name)
}

func archiveExtract(ctx context.Context, c *tool.Call, real, format string, lim archiveLimits) (value.Value, error) {
	const name = "archive_handler"
	tp := c.Str("target_path", "")
	if tp == "" {
		return nil, errs.New(errs.KindInvalidArgument, "%s: extract needs target_path", name)
	}
	target, err := c.Policy.CheckPath(tp)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(target, 0o755); err != nil {
		return nil, fail(name, "create %s: %v", tp, errors.Unwrap(err))
	}
	if st, err := os.Stat(real); err == nil {
		lim.packed = st.Size()
	}
	var total int64
	files := value.List{}
	err = walkArchive(real, format, lim, func(e *archiveEntry) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		clean, err := safeEntryName(e.name)
		if err != nil {
			return err
		}
		if clean == "." {
			return nil
		}
		dest := filepath.Join(target, filepath.FromSlash(clean))
		// resolve through the policy too: a symlink extracted earlier must not
		// carry later entries out of the target folder
		checked, err := c.Policy.CheckPath(dest)
		if err != nil {
			return err
		}
		if rel, err := filepath.Rel(target, checked); err != nil || !filepath.IsLocal(rel) {
			return fail(name, "entry %q escapes the target folder", e.name)
		}
		switch e.kind {
		case "dir":
			return os.MkdirAll(checked, 0o755)
		case "symlink":
			link := filepath.FromSlash(strings.ReplaceAll(e.linkname, "\\", "/"))
			if filepath.IsAbs(link) {
				return fail(name, "symlink entry %q points to an absolute path", e.name)
			}
			rel, err := filepath.Rel(target, filepath.Join(filepath.Dir(checked), link))
			if err != nil || !filepath.IsLocal(rel) {
				return fail(name, "symlink entry %q points out of the target folder", e.name)
			}
			if err := os.MkdirAll(filepath.Dir(checked), 0o755); err != nil {
				return err
			}
			if err := os.Symlink(link, checked); err != nil {
				return err
			}
			// links through links: check where it really lands
			if r, err := c.Policy.CheckPath(checked); err != nil || !insideDir(target, r) {
				os.Remove(checked)
				return fail(name, "symlink entry %q points out of the target folder", e.name)
			}
			return nil
		case "file":
		default:
			return fail(name, "entry %q is a %s, which is not extracted", e.name, e.kind)
		}
		if err := os.MkdirAll(filepath.Dir(checked), 0o755); err != nil {
			return err
		}
		r, err := e.open()
		if err != nil {
			return fail(name, "entry %s: %v", e.name, err)
		}
		if st, err := os.Lstat(checked); err == nil {
			if !st.Mode().IsRegular() {
				return fail(name, "entry %q would replace a %s", e.name, fileType(st.Mode()))
			}
			os.Remove(checked) // replaced, never written through
		}
		out, err := os.OpenFile(checked, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_EXCL, 0o644)
		if err != nil {
			return fail(name, "entry %s: %v", e.name, errors.Unwrap(err))
		}
		// count real bytes: headers may lie about sizes
		room := lim.total - total
		if lim.packed > 0 && lim.packed*lim.ratio-total < room {
			room = lim.packed*lim.ratio - total
		}
		n, err := io.Copy(out, io.LimitReader(r, room+1))
		out.Close()
		total += n
		if err != nil {
			return fail(name, "entry %s: %v", e.name, err)
		}
		if n > room {
			os.Remove(checked)
			return errs.New(errs.KindLimit, "%s: archive expands past the limits (%d bytes total, ratio %d) — a decompression bomb?", name, lim.total, lim.ratio)
		}
		files = append(files, clean)
		return nil
	})
	if err != nil {
		if e, ok := err.(*errs.Error); ok {
			return nil, e
		}
		return nil, fail(name, "extract: %v", err)
	}
	return value.Map{"path": real, "target_path": target, "format": format, "extracted": files, "count": int64(len(files)), "total_size": total}, nil
}

func archiveCreate(ctx context.Context, c *tool.Call, real, format string) (value.Value, error) {
	const name = "archive_handler"
	inputs := fStrs(c, "input")
	if len(inputs) == 0 {
		return nil, errs.New(errs.KindInvalidArgument, "%s: create needs input (files and folders)", name)
	}
	type item struct{ src, name string }
	var items []item
	for _, in := range inputs {
		src, err := c.Policy.CheckPath(in)
		if err != nil {
			return nil, err
		}
		base := filepath.Dir(src)
		err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() && !d.IsDir() {
				return nil // symlinks and devices are left out
			}
			rel, _ := filepath.Rel(base, p)
			n := filepath.ToSlash(rel)
			if d.IsDir() {
				n += "/"
			}
			items = append(items, item{p, n})
			if len(items) > archiveMaxEntries {
				return errs.New(errs.KindLimit, "%s: more than %d entries", name, archiveMaxEntries)
			}
			return nil
		})
		if err != nil {
			if e, ok := err.(*errs.Error); ok {
				return nil, e
			}
			return nil, fail(name, "create: %v", err)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(real), "."+filepath.Base(real)+".tmp-*")
	if err != nil {
		return nil, fail(name, "create: %v", errors.Unwrap(err))
	}
	defer os.Remove(tmp.Name())
	var total int64
	add := func(w func(it item, info fs.FileInfo) (io.Writer, error)) error {
		for _, it := range items {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			info, err := os.Stat(it.src)
			if err != nil {
				return err
			}
			dst, err := w(it, info)
			if err != nil {
				return err
			}
			if info.IsDir() {
				continue
			}
			f, err := os.Open(it.src)
			if err != nil {
				return err
			}
			n, err := io.Copy(dst, f)
			f.Close()
			total += n
			if err != nil {
				return err
			}
			if total > archiveMaxTotal {
				return errs.New(errs.KindLimit, "%s: inputs exceed %d bytes", name, archiveMaxTotal)
			}
		}
		return nil
	}
	if format == "zip" {
		zw := zip.NewWriter(tmp)
		err = add(func(it item, info fs.FileInfo) (io.Writer, error) {
			h, err := zip.FileInfoHeader(info)
			if err != nil {
				return nil, err
			}
			h.Name = it.name
			if !info.IsDir() {
				h.Method = zip.Deflate
			}
			return zw.CreateHeader(h)
		})
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
	} else {
		var w io.Writer = tmp
		var gz *gzip.Writer
		if format == "tar.gz" {
			gz = gzip.NewWriter(tmp)
			w = gz
		}
		tw := tar.NewWriter(w)
		err = add(func(it item, info fs.FileInfo) (io.Writer, error) {
			h, err := tar.FileInfoHeader(info, "")
			if err != nil {
				return nil, err
			}
			h.Name = it.name
			h.Uname, h.Gname = "", ""
			return tw, tw.WriteHeader(h)
		})
		if cerr := tw.Close(); err == nil {
			err = cerr
		}
		if gz != nil {
			if cerr := gz.Close(); err == nil {
				err = cerr
			}
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), real)
	}
	if err != nil {
		if e, ok := err.(*errs.Error); ok {
			return nil, e
		}
		return nil, fail(name, "create: %v", err)
	}
	st, _ := os.Stat(real)
	var size int64
	if st != nil {
		size = st.Size()
	}
	return value.Map{"path": real, "format": format, "count": int64(len(items)), "total_size": total, "archive_size": size}, nil
}

func insideDir(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}
