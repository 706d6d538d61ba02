package builtin

import (
	"os"
	"path/filepath"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// Parameter helpers shared by the filesystem and system tools.

// fInt returns an integer parameter or def (JSON numbers arrive as int64 or float64).
func fInt(c *tool.Call, name string, def int64) int64 {
	switch n := c.Params[name].(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	case int:
		return int64(n)
	}
	return def
}

// fBool returns a boolean parameter or def.
func fBool(c *tool.Call, name string, def bool) bool {
	if b, ok := c.Params[name].(bool); ok {
		return b
	}
	return def
}

// fStrs returns a list-of-strings parameter (a single string counts as a list of one).
func fStrs(c *tool.Call, name string) []string {
	switch l := c.Params[name].(type) {
	case string:
		return []string{l}
	case value.List:
		out := make([]string, 0, len(l))
		for _, e := range l {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func fIntSchema(desc string, min, max int64) value.Map {
	return value.Map{"type": "integer", "description": desc, "minimum": min, "maximum": max}
}

func fListSchema(desc string) value.Map {
	return value.Map{"type": "array", "description": desc, "items": value.Map{"type": "string"}, "maxItems": int64(10000)}
}

// fWriteAtomic writes data to real (already checked) through a temporary
// file in the same folder and a rename, so readers never see half a file.
func fWriteAtomic(real string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(real), "."+filepath.Base(real)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(name)
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(name)
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return err
	}
	if err := os.Chmod(name, perm); err != nil {
		os.Remove(name)
		return err
	}
	if err := os.Rename(name, real); err != nil {
		os.Remove(name)
		return err
	}
	return nil
}

// fMaxFile is the size cap for files the tools read or write whole.
func fMaxFile(c *tool.Call) int64 {
	if c.Policy.MaxOutputBytes > 0 && c.Policy.MaxOutputBytes < 10<<20 {
		return c.Policy.MaxOutputBytes
	}
	return 10 << 20
}

func fMapSchema(desc string) value.Map {
	return value.Map{"type": "object", "description": desc}
}
