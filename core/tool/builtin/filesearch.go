package builtin

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

const (
	searchMaxFiles   = 20000
	searchMaxResults = 5000
)

func fileSearchTool() *tool.Tool {
	return &tool.Tool{
		Name: "file_search", Category: "filesystem", Level: tool.Restricted, Tags: []string{"files", "search"},
		Description: "Search text files for a literal pattern or a regular expression, with context lines.",
		Schema: obj(value.Map{
			"operation":            enum("search (default)", "search"),
			"pattern":              str("text or regular expression (RE2 syntax) to find"),
			"path":                 str("file or folder to search (inside the allowed folders)"),
			"use_regex":            boolean("pattern is a regular expression (default false)"),
			"case_sensitive":       boolean("match case (default true)"),
			"recursive":            boolean("search sub-folders (default true)"),
			"max_depth":            fIntSchema("deepest folder level to enter (0 = only path)", 0, 1000),
			"include_extensions":   fListSchema("only files with these extensions (\"go\" or \".go\")"),
			"exclude_extensions":   fListSchema("skip files with these extensions"),
			"exclude_dirs":         fListSchema("skip folders with these names (default .git, node_modules, target)"),
			"include_dirs":         fListSchema("only files under folders with these names"),
			"context_lines":        fIntSchema("lines of context before and after each match", 0, 20),
			"max_matches_per_file": fIntSchema("stop a file after this many matches (default 100)", 1, 10000),
			"max_results":          fIntSchema("stop after this many matches in all (default 1000)", 1, searchMaxResults),
		}, "pattern", "path"),
		Fn: fileSearch,
	}
}

func normExts(l []string) []string {
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = strings.ToLower(strings.TrimPrefix(e, "."))
	}
	return out
}

func fileSearch(ctx context.Context, c *tool.Call) (value.Value, error) {
	const name = "file_search"
	pat := c.Str("pattern", "")
	if pat == "" {
		return nil, errs.New(errs.KindInvalidArgument, "%s: pattern is empty", name)
	}
	root, err := c.Policy.CheckPath(c.Str("path", ""))
	if err != nil {
		return nil, err
	}
	expr := pat
	if !fBool(c, "use_regex", false) {
		expr = regexp.QuoteMeta(pat)
	}
	if !fBool(c, "case_sensitive", true) {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fail(name, "invalid regex %q: %v", pat, err)
	}
	recursive := fBool(c, "recursive", true)
	maxDepth := int(fInt(c, "max_depth", 1000))
	if !recursive {
		maxDepth = 0
	}
	ctxLines := int(fInt(c, "context_lines", 0))
	perFile := int(fInt(c, "max_matches_per_file", 100))
	maxResults := int(fInt(c, "max_results", 1000))
	inc, exc := normExts(fStrs(c, "include_extensions")), normExts(fStrs(c, "exclude_extensions"))
	exDirs := fStrs(c, "exclude_dirs")
	if _, given := c.Params["exclude_dirs"]; !given {
		exDirs = []string{".git", "node_modules", "target"}
	}
	inDirs := fStrs(c, "include_dirs")
	maxSize := fMaxFile(c)

	results := value.List{}
	total, files, scanned := 0, 0, 0
	truncated := false
	searchFile := func(p, rel string) error {
		ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(p), "."))
		if len(inc) > 0 && !slices.Contains(inc, ext) || slices.Contains(exc, ext) {
			return nil
		}
		if len(inDirs) > 0 {
			parts := strings.Split(filepath.Dir(rel), string(filepath.Separator))
			if !slices.ContainsFunc(parts, func(s string) bool { return slices.Contains(inDirs, s) }) {
				return nil
			}
		}
		scanned++
		matches, err := searchOne(p, re, ctxLines, perFile, maxSize)
		if err != nil || len(matches) == 0 {
			return nil // unreadable or binary files are skipped
		}
		if total+len(matches) > maxResults {
			matches = matches[:maxResults-total]
			truncated = true
		}
		total += len(matches)
		files++
		results = append(results, value.Map{"file": p, "matches": matches, "count": int64(len(matches))})
		if total >= maxResults {
			truncated = true
			return fs.SkipAll
		}
		return nil
	}
	st, err := os.Stat(root)
	if err != nil {
		return nil, fail(name, "%s: %v", c.Str("path", ""), errors.Unwrap(err))
	}
	if !st.IsDir() {
		searchFile(root, filepath.Base(root))
	} else {
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			rel, _ := filepath.Rel(root, p)
			depth := 0
			if rel != "." {
				depth = strings.Count(rel, string(filepath.Separator)) + 1
			}
			if d.IsDir() {
				if p != root && (depth > maxDepth || slices.Contains(exDirs, d.Name())) {
					return fs.SkipDir
				}
				return nil
			}
			if depth-1 > maxDepth {
				return nil
			}
			if scanned >= searchMaxFiles {
				truncated = true
				return fs.SkipAll
			}
			if d.Type()&fs.ModeSymlink != 0 {
				real, err := c.Policy.CheckPath(p)
				if err != nil {
					return nil // a symlink out of the allowed folders is skipped
				}
				if st, err := os.Stat(real); err != nil || !st.Mode().IsRegular() {
					return nil
				}
				return searchFile(real, rel)
			}
			if !d.Type().IsRegular() {
				return nil
			}
			return searchFile(p, rel)
		})
		if err != nil {
			return nil, err
		}
	}
	return value.Map{"pattern": pat, "path": root, "results": results, "total_matches": int64(total),
		"files_matched": int64(files), "files_searched": int64(scanned), "truncated": truncated}, nil
}

// searchOne returns the matches in one text file; binary files (a NUL in
// the first 8 KiB) and files over the size cap give none.
func searchOne(p string, re *regexp.Regexp, ctxLines, perFile int, maxSize int64) (value.List, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if st, err := fh.Stat(); err != nil || st.Size() > maxSize {
		return nil, errors.New("too large")
	}
	br := bufio.NewReader(fh)
	head, _ := br.Peek(8192)
	if bytes.IndexByte(head, 0) >= 0 {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(br, maxSize))
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	out := value.List{}
	for i, line := range lines {
		loc := re.FindStringIndex(line)
		if loc == nil {
			continue
		}
		m := value.Map{"line_number": int64(i + 1), "line": line, "column": int64(loc[0] + 1), "match": line[loc[0]:loc[1]]}
		if ctxLines > 0 {
			before, after := value.List{}, value.List{}
			for j := max(0, i-ctxLines); j < i; j++ {
				before = append(before, lines[j])
			}
			for j := i + 1; j < len(lines) && j <= i+ctxLines; j++ {
				after = append(after, lines[j])
			}
			m["context_before"], m["context_after"] = before, after
		}
		out = append(out, m)
		if len(out) >= perFile {
			break
		}
	}
	return out, nil
}
