package builtin

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

func converterTool() *tool.Tool {
	encs := []string{"utf-8", "latin-1", "utf-16", "utf-16le", "utf-16be"}
	return &tool.Tool{
		Name: "file_converter", Category: "filesystem", Level: tool.Restricted, Tags: []string{"files", "text"},
		Description: "Convert a text file's encoding (utf-8, latin-1, utf-16), line endings or indentation.",
		Schema: obj(value.Map{
			"operation":     enum("what to convert", "encoding", "line_endings", "indentation"),
			"path":          str("file to convert (inside the allowed folders)"),
			"target_path":   str("where to write (default: path itself, atomically)"),
			"from_encoding": enum("source encoding (default utf-8; utf-16 reads a BOM, else little-endian)", encs...),
			"to_encoding":   enum("target encoding (default utf-8; utf-16 writes a little-endian BOM)", encs...),
			"line_ending":   enum("target line ending (default lf)", "lf", "crlf", "cr"),
			"indentation":   enum("target leading indentation (default spaces)", "spaces", "tabs"),
			"tab_size":      fIntSchema("spaces per tab (default 4)", 1, 16),
		}, "operation", "path"),
		Fn: convertRun,
	}
}

func decodeText(b []byte, enc string) (string, error) {
	switch enc {
	case "utf-8":
		b = bytes.TrimPrefix(b, []byte{0xef, 0xbb, 0xbf})
		if !utf8.Valid(b) {
			return "", errors.New("input is not valid utf-8 (set from_encoding)")
		}
		return string(b), nil
	case "latin-1":
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r), nil
	}
	var order binary.ByteOrder = binary.LittleEndian
	if enc == "utf-16be" {
		order = binary.BigEndian
	}
	if enc == "utf-16" && len(b) >= 2 {
		switch {
		case b[0] == 0xfe && b[1] == 0xff:
			order, b = binary.BigEndian, b[2:]
		case b[0] == 0xff && b[1] == 0xfe:
			b = b[2:]
		}
	}
	if len(b)%2 != 0 {
		return "", errors.New("utf-16 input has an odd number of bytes")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = order.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u)), nil
}

func encodeText(s, enc string) ([]byte, error) {
	switch enc {
	case "utf-8":
		return []byte(s), nil
	case "latin-1":
		out := make([]byte, 0, len(s))
		for _, r := range s {
			if r > 0xff {
				return nil, errors.New("text has characters latin-1 cannot hold (first: " + string(r) + ")")
			}
			out = append(out, byte(r))
		}
		return out, nil
	}
	var order binary.AppendByteOrder = binary.LittleEndian
	var out []byte
	switch enc {
	case "utf-16be":
		order = binary.BigEndian
	case "utf-16":
		out = []byte{0xff, 0xfe}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		out = order.AppendUint16(out, u)
	}
	return out, nil
}

func reindent(s, style string, tab int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		j := 0
		col := 0
		for j < len(l) && (l[j] == ' ' || l[j] == '\t') {
			if l[j] == '\t' {
				col += tab - col%tab
			} else {
				col++
			}
			j++
		}
		if j == 0 {
			continue
		}
		lead := strings.Repeat(" ", col)
		if style == "tabs" {
			lead = strings.Repeat("\t", col/tab) + strings.Repeat(" ", col%tab)
		}
		lines[i] = lead + l[j:]
	}
	return strings.Join(lines, "\n")
}

func convertRun(_ context.Context, c *tool.Call) (value.Value, error) {
	const name = "file_converter"
	src, err := c.Policy.CheckPath(c.Str("path", ""))
	if err != nil {
		return nil, err
	}
	dst := src
	if tp := c.Str("target_path", ""); tp != "" {
		if dst, err = c.Policy.CheckPath(tp); err != nil {
			return nil, err
		}
	}
	fh, err := os.Open(src)
	if err != nil {
		return nil, fail(name, "open: %v", errors.Unwrap(err))
	}
	max := fMaxFile(c)
	data, err := io.ReadAll(io.LimitReader(fh, max+1))
	fh.Close()
	if err != nil {
		return nil, fail(name, "read: %v", err)
	}
	if int64(len(data)) > max {
		return nil, errs.New(errs.KindLimit, "%s: file is larger than the %d-byte cap", name, max)
	}
	op := c.Str("operation", "")
	from, to := c.Str("from_encoding", "utf-8"), c.Str("to_encoding", "utf-8")
	if op != "encoding" {
		to = from
	}
	text, err := decodeText(data, from)
	if err != nil {
		return nil, fail(name, "decode %s: %v", from, err)
	}
	res := value.Map{"path": src, "target_path": dst, "operation": op}
	switch op {
	case "encoding":
		res["from_encoding"], res["to_encoding"] = from, to
	case "line_endings":
		le := c.Str("line_ending", "lf")
		text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
		switch le {
		case "crlf":
			text = strings.ReplaceAll(text, "\n", "\r\n")
		case "cr":
			text = strings.ReplaceAll(text, "\n", "\r")
		}
		res["line_ending"] = le
	case "indentation":
		style := c.Str("indentation", "spaces")
		text = reindent(text, style, int(fInt(c, "tab_size", 4)))
		res["indentation"] = style
	default:
		return nil, errs.New(errs.KindInvalidArgument, "%s: unknown operation", name)
	}
	out, err := encodeText(text, to)
	if err != nil {
		return nil, fail(name, "encode %s: %v", to, err)
	}
	if int64(len(out)) > max {
		return nil, errs.New(errs.KindLimit, "%s: result is larger than the %d-byte cap", name, max)
	}
	perm := os.FileMode(0o644)
	if st, err := os.Stat(src); err == nil {
		perm = st.Mode().Perm()
	}
	if err := fWriteAtomic(dst, out, perm); err != nil {
		return nil, fail(name, "write: %v", err)
	}
	res["bytes_read"], res["bytes_written"] = int64(len(data)), int64(len(out))
	return res, nil
}
