package builtin

import (
	"context"
	"os"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/redact"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// envView is one registry's environment: the process environment plus the
// variables set through the tool. set never touches the process (no
// os.Setenv), so engines do not see each other's changes.
type envView struct {
	mu  sync.RWMutex
	set map[string]string
}

func (v *envView) all() map[string]string {
	out := map[string]string{}
	for _, kv := range os.Environ() {
		if k, val, ok := strings.Cut(kv, "="); ok && k != "" {
			out[k] = val
		}
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	for k, val := range v.set {
		out[k] = val
	}
	return out
}

func envShown(name, val string) value.Value {
	if redact.IsSecretName(name) || redact.IsSecretString(val) {
		return redact.Mask
	}
	return val
}

// environmentTool returns a tool with its own environment view; Register
// calls it once per registry, so each engine has its own.
func environmentTool() *tool.Tool {
	view := &envView{set: map[string]string{}}
	return &tool.Tool{
		Name: "environment_reader", Category: "system", Level: tool.Restricted, Tags: []string{"environment"},
		Description: "Read environment variables (get, list, pattern) and set them in this engine's own view; secret-looking values are redacted.",
		Schema: obj(value.Map{
			"operation": enum("what to do (default get)", "get", "list", "pattern", "set"),
			"name":      str("variable name (get, set)"),
			"input":     str("variable name (same as name)"),
			"value":     str("value to set"),
			"pattern":   str("glob on names, e.g. LLMSPELL_* (pattern)"),
		}),
		Fn: func(_ context.Context, c *tool.Call) (value.Value, error) {
			const tn = "environment_reader"
			name := c.Str("name", c.Str("input", ""))
			switch op := c.Str("operation", "get"); op {
			case "get":
				if name == "" {
					return nil, errs.New(errs.KindInvalidArgument, "%s: get needs name", tn)
				}
				val, ok := view.all()[name]
				if !ok {
					return value.Map{"name": name, "exists": false, "value": nil}, nil
				}
				return value.Map{"name": name, "exists": true, "value": envShown(name, val)}, nil
			case "list", "pattern":
				pat := c.Str("pattern", "*")
				if op == "pattern" && c.Str("pattern", "") == "" {
					return nil, errs.New(errs.KindInvalidArgument, "%s: pattern needs pattern", tn)
				}
				if _, err := path.Match(pat, ""); err != nil {
					return nil, fail(tn, "invalid pattern %q: %v", pat, err)
				}
				all := view.all()
				names := make([]string, 0, len(all))
				for k := range all {
					if ok, _ := path.Match(pat, k); ok {
						names = append(names, k)
					}
				}
				sort.Strings(names)
				vars := value.Map{}
				for _, k := range names {
					vars[k] = envShown(k, all[k])
				}
				return value.Map{"variables": vars, "count": int64(len(names))}, nil
			case "set":
				val, ok := c.Params["value"].(string)
				if name == "" || !ok || strings.ContainsAny(name, "=\x00") || strings.ContainsRune(val, 0) {
					return nil, errs.New(errs.KindInvalidArgument, "%s: set needs a name without '=' and a string value", tn)
				}
				view.mu.Lock()
				if len(view.set) >= 1000 {
					view.mu.Unlock()
					return nil, errs.New(errs.KindLimit, "%s: at most 1000 variables can be set", tn)
				}
				view.set[name] = val
				view.mu.Unlock()
				return value.Map{"name": name, "set": true, "scope": "engine"}, nil
			}
			return nil, errs.New(errs.KindInvalidArgument, "%s: unknown operation", tn)
		},
	}
}
