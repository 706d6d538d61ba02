package builtin

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

const processMaxOutput = 1 << 20 // per stream

// capBuffer keeps the first max bytes written and counts the rest.
type capBuffer struct {
	buf     bytes.Buffer
	max     int
	dropped int64
}

func (b *capBuffer) Write(p []byte) (int, error) {
	room := b.max - b.buf.Len()
	if room < len(p) {
		if room > 0 {
			b.buf.Write(p[:room])
		}
		b.dropped += int64(len(p) - max(room, 0))
		return len(p), nil
	}
	return b.buf.Write(p)
}

func processTool() *tool.Tool {
	return &tool.Tool{
		Name: "process_executor", Category: "system", Level: tool.Restricted, Tags: []string{"process"},
		Description: "Run an allowed executable with a list of arguments (never through a shell), with a timeout and an output cap.",
		Schema: obj(value.Map{
			"operation":         enum("execute (default)", "execute"),
			"executable":        str("program name or path; must be in tools.executables"),
			"arguments":         fListSchema("arguments, passed as they are"),
			"working_directory": str("folder to run in (inside the allowed folders)"),
			"environment":       fMapSchema("extra environment variables (string values)"),
			"input":             str("text sent to the program's standard input"),
			"timeout_ms":        fIntSchema("kill the program after this long (default 30000)", 1, 600000),
		}, "executable"),
		Fn: processRun,
	}
}

func processRun(ctx context.Context, c *tool.Call) (value.Value, error) {
	const name = "process_executor"
	exe := c.Str("executable", "")
	if err := c.Policy.CheckExecutable(exe); err != nil {
		return nil, err
	}
	// the policy accepts a path by its base name; a path must be listed
	// itself, so a copy named like an allowed program does not run
	if strings.ContainsRune(exe, '/') && !slices.Contains(c.Policy.Executables, exe) {
		return nil, errs.New(errs.KindDenied, "%s: executable path %q is not in tools.executables (only its base name is)", name, exe)
	}
	path, err := exec.LookPath(exe)
	if err != nil {
		return nil, fail(name, "executable %q not found: %v", exe, errors.Unwrap(err))
	}
	timeout := time.Duration(fInt(c, "timeout_ms", 30000)) * time.Millisecond
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, fStrs(c, "arguments")...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	if wd := c.Str("working_directory", ""); wd != "" {
		real, err := c.Policy.CheckPath(wd)
		if err != nil {
			return nil, err
		}
		cmd.Dir = real
	}
	// a small base environment, not the host's secrets
	env := map[string]string{"PATH": os.Getenv("PATH"), "LANG": "C.UTF-8", "HOME": os.TempDir()}
	if m, ok := c.Params["environment"].(value.Map); ok {
		for k, v := range m {
			s, ok := v.(string)
			if !ok || k == "" || strings.ContainsAny(k, "=\x00") || strings.ContainsRune(s, 0) {
				return nil, errs.New(errs.KindInvalidArgument, "%s: environment %q must be a name without '=' and a string value", name, k)
			}
			env[k] = s
		}
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	limit := processMaxOutput
	if c.Policy.MaxOutputBytes > 0 && c.Policy.MaxOutputBytes/2 < int64(limit) {
		limit = int(c.Policy.MaxOutputBytes / 2)
	}
	stdout, stderr := &capBuffer{max: limit}, &capBuffer{max: limit}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if in, ok := c.Params["input"].(string); ok {
		cmd.Stdin = strings.NewReader(in)
	}
	start := time.Now()
	err = cmd.Run()
	res := value.Map{"executable": path, "stdout": stdout.buf.String(), "stderr": stderr.buf.String(),
		"truncated": stdout.dropped > 0 || stderr.dropped > 0, "duration_ms": time.Since(start).Milliseconds()}
	if ctx.Err() == context.DeadlineExceeded {
		return nil, errs.New(errs.KindTimeout, "%s: %s did not finish within %s", name, exe, timeout)
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		res["exit_code"], res["success"] = int64(0), true
	case errors.As(err, &exitErr):
		res["exit_code"], res["success"] = int64(exitErr.ExitCode()), false
	default:
		return nil, fail(name, "run %s: %v", exe, err)
	}
	return res, nil
}
