package api

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"log/slog"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/redact"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/zeebo/blake3"
)

// Surface returns every global module of the script API, in the order the
// adapters install them. Later issues append their modules here.
func Surface() []Module {
	return []Module{
		jsonModule(),
		loggerModule(),
		debugModule(),
		utilsModule(),
		configModule(),
		stateModule(),
		sessionModule(),
		artifactModule(),
		eventModule(),
		hookModule(),
		toolModule(),
		agentModule(),
		providerModule(),
		workflowModule(),
	}
}

// fn is shorthand for a Function without aliases.
func fn(name string, f Func) Function { return Function{Name: name, Fn: f} }

func jsonModule() Module {
	return Module{Name: "JSON", Functions: []Function{
		fn("parse", func(c *Call) (value.Value, error) {
			s, err := c.String(0, "text")
			if err != nil {
				return nil, err
			}
			v, err := value.DecodeString(s)
			if err != nil {
				return nil, errs.Wrap(errs.KindInvalidArgument, err, "JSON.parse")
			}
			return v, nil
		}),
		fn("stringify", func(c *Call) (value.Value, error) {
			opts, err := c.OptMap(1, "options")
			if err != nil {
				return nil, err
			}
			if err := requireData(c.Arg(0), "JSON.stringify"); err != nil {
				return nil, err
			}
			indent := ""
			if pretty, _ := opts["pretty"].(bool); pretty {
				indent = "  "
			}
			out, err := value.AppendJSON(nil, c.Arg(0), &value.EncodeOptions{Indent: indent})
			if err != nil {
				return nil, errs.Wrap(errs.KindInvalidArgument, err, "JSON.stringify")
			}
			return string(out), nil
		}),
	}}
}

// logFields turns a fields table into slog attributes, with secrets
// (api_key, password, provider keys, ...) masked.
func logFields(m value.Map) []any {
	out := make([]any, 0, 2*len(m))
	for _, k := range value.SortedKeys(m) {
		out = append(out, slog.Any(k, redact.Field(k, m[k])))
	}
	return out
}

func logFunc(level slog.Level, source string) Func {
	return func(c *Call) (value.Value, error) {
		msg, err := c.String(0, "message")
		if err != nil {
			return nil, err
		}
		fields, err := c.OptMap(1, "fields")
		if err != nil {
			return nil, err
		}
		attrs := append([]any{slog.String("source", source)}, logFields(fields)...)
		c.Engine().Logger().Log(c.Ctx(), level, msg, attrs...)
		return nil, nil
	}
}

func loggerModule() Module {
	return Module{Name: "Logger", Functions: []Function{
		fn("debug", logFunc(slog.LevelDebug, "script")),
		fn("info", logFunc(slog.LevelInfo, "script")),
		fn("warn", logFunc(slog.LevelWarn, "script")),
		fn("error", logFunc(slog.LevelError, "script")),
	}}
}

func debugModule() Module {
	return Module{Name: "Debug", Functions: []Function{
		fn("debug", logFunc(slog.LevelDebug, "debug")),
		fn("info", logFunc(slog.LevelInfo, "debug")),
		fn("warn", logFunc(slog.LevelWarn, "debug")),
		fn("timer", func(c *Call) (value.Value, error) {
			name, err := c.OptString(0, "name", "timer")
			if err != nil {
				return nil, err
			}
			start := time.Now()
			elapsed := func(*Call) (value.Value, error) {
				return float64(time.Since(start).Microseconds()) / 1000, nil
			}
			return &Object{
				Fields: value.Map{"name": name},
				Methods: []Function{
					fn("stop", elapsed),
					fn("elapsed", elapsed),
				},
			}, nil
		}),
	}}
}

// newHash returns the named hash; blake3 and the sha family are supported.
func newHash(algo string) (hash.Hash, bool) {
	switch algo {
	case "sha256", "":
		return sha256.New(), true
	case "sha512":
		return sha512.New(), true
	case "sha1":
		return sha1.New(), true
	case "md5":
		return md5.New(), true
	case "blake3":
		return blake3.New(), true
	}
	return nil, false
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func utilsModule() Module {
	return Module{Name: "Utils", Functions: []Function{
		fn("uuid", func(*Call) (value.Value, error) { return newUUID(), nil }),
		fn("now", func(*Call) (value.Value, error) { return time.Now().UnixMilli(), nil }),
		fn("hash", func(c *Call) (value.Value, error) {
			var data []byte
			switch s := c.Arg(0).(type) {
			case string:
				data = []byte(s)
			case []byte:
				data = s
			default:
				return nil, c.ArgError(0, "data", "a string")
			}
			algo, err := c.OptString(1, "algorithm", "sha256")
			if err != nil {
				return nil, err
			}
			h, ok := newHash(algo)
			if !ok {
				return nil, errs.New(errs.KindInvalidArgument,
					"Utils.hash: unknown algorithm %q (use sha256, sha512, sha1, md5 or blake3)", algo)
			}
			h.Write(data)
			return hex.EncodeToString(h.Sum(nil)), nil
		}),
		fn("sleep", func(c *Call) (value.Value, error) {
			ms, err := c.Number(0, "ms")
			if err != nil {
				return nil, err
			}
			if ms < 0 {
				return nil, errs.New(errs.KindInvalidArgument, "Utils.sleep: ms must not be negative, got %v", ms)
			}
			deadline := time.Now().Add(time.Duration(ms * float64(time.Millisecond)))
			for {
				c.Run.Pump()
				wait := time.Until(deadline)
				if wait <= 0 {
					return nil, nil
				}
				if c.Run.HasHandlers() && wait > 5*time.Millisecond {
					wait = 5 * time.Millisecond // keep serving the run's event handlers
				}
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-c.Ctx().Done():
					t.Stop()
					return nil, c.Run.Stopped()
				}
			}
		}),
	}}
}

func configModule() Module {
	return Module{Name: "Config", Functions: []Function{
		fn("get", func(c *Call) (value.Value, error) {
			path, err := c.OptString(0, "path", "")
			if err != nil {
				return nil, err
			}
			v, ok := value.Get(c.Engine().Config().Map(), path)
			if !ok {
				return nil, nil
			}
			return v, nil
		}),
	}}
}

// ScriptError builds the script_error for a failure at file:line.
func ScriptError(file string, line int, msg string) *errs.Error {
	e := errs.New(errs.KindScript, "%s", msg)
	if file != "" {
		e = e.With("file", file)
	}
	if line > 0 {
		e = e.With("line", int64(line))
		if file != "" {
			e.Message = fmt.Sprintf("%s:%d: %s", file, line, msg)
		}
	}
	return e
}
