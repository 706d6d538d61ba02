package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/scripting/host"
)

// RunOptions are the flags of run and exec.
type RunOptions struct {
	Engine  string
	Timeout time.Duration
}

// NewCmdRun builds `llmspell run`.
func NewCmdRun(f *Factory) *cobra.Command {
	opts := &RunOptions{}
	cmd := &cobra.Command{
		Use:   "run <file> [-- <script args>...]",
		Short: "Run a spell file",
		Long: `Run a Lua (.lua) or JavaScript (.js) spell. Arguments after -- reach the
script as ARGS: "--key value" sets ARGS.key, a bare "--flag" sets it to true,
and positional arguments are ARGS[1], ARGS[2], ...`,
		Example: `  $ llmspell run spell.lua -- --input x
  $ llmspell run --engine js tool.txt
  $ llmspell run --timeout 5s slow.lua`,
		Args: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() == 0 || len(args) == 0 {
				return &usageError{"run needs a spell file: llmspell run <file> [-- <args>...]"}
			}
			if dash := cmd.ArgsLenAtDash(); dash > 1 || (dash == -1 && len(args) > 1) {
				return &usageError{"put script arguments after --: llmspell run <file> -- <args>..."}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScript(cmd.Context(), f, opts, host.Request{Language: opts.Engine}, args[0], ParseScriptArgs(args[1:]))
		},
	}
	cmd.Flags().StringVar(&opts.Engine, "engine", f.envOr("ENGINE", ""), "script engine: {lua|js} (default: from the file extension) [$LLMSPELL_ENGINE]")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 0, "wall-clock limit of the run, e.g. 30s (default: script.timeout_ms)")
	return cmd
}

// NewCmdExec builds `llmspell exec`.
func NewCmdExec(f *Factory) *cobra.Command {
	opts := &RunOptions{}
	cmd := &cobra.Command{
		Use:   "exec <code> [-- <script args>...]",
		Short: "Run a spell given on the command line",
		Example: `  $ llmspell exec 'return 6 * 7'
  $ llmspell exec --engine js 'return ARGS.name' -- --name ada`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 || cmd.ArgsLenAtDash() == 0 {
				return &usageError{"exec needs code: llmspell exec <code>"}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			req := host.Request{Language: opts.Engine, Source: args[0], Name: "exec"}
			return runScript(cmd.Context(), f, opts, req, "", ParseScriptArgs(args[1:]))
		},
	}
	cmd.Flags().StringVar(&opts.Engine, "engine", f.envOr("ENGINE", ""), "script engine: {lua|js} (default: script.default_language) [$LLMSPELL_ENGINE]")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 0, "wall-clock limit of the run, e.g. 30s")
	return cmd
}

// ParseScriptArgs turns "--key value", "--flag" and positional words into
// the ARGS map; positional words get keys "1", "2", ...
func ParseScriptArgs(args []string) value.Map {
	out := value.Map{}
	pos := 0
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "--") && len(a) > 2 {
			key := a[2:]
			if k, v, ok := strings.Cut(key, "="); ok {
				out[k] = v
				continue
			}
			if i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
				out[key] = args[i+1]
				i++
			} else {
				out[key] = true
			}
			continue
		}
		pos++
		out[fmt.Sprint(pos)] = a
	}
	return out
}

// runScript runs a file (path set) or inline code and prints the result.
func runScript(ctx context.Context, f *Factory, opts *RunOptions, req host.Request, path string, args value.Map) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := f.NotifyInterupt(ctx)
	defer stop()
	jsonMode := f.Output == "json"
	// Text mode streams print output to stdout as it happens; JSON mode
	// captures it into the one result document.
	if !jsonMode {
		req.Output = f.Out
	}
	req.Args = args
	req.Timeout = opts.Timeout
	eng, h, err := f.newHost(f.Out)
	if err != nil {
		return err
	}
	defer eng.Close()
	start := f.Now()
	var res *host.Result
	if path != "" {
		res, err = h.RunFile(ctx, path, req)
	} else {
		res, err = h.Run(ctx, req)
	}
	if err != nil {
		return err
	}
	if jsonMode {
		doc := value.Map{
			"result":     res.Value,
			"output":     string(res.Output),
			"durationMs": float64(f.Now().Sub(start).Microseconds()) / 1000,
		}
		b, err := value.Encode(doc)
		if err != nil {
			return err
		}
		fmt.Fprintln(f.Out, string(b))
		return nil
	}
	if res.Value != nil {
		b, err := value.EncodeIndent(res.Value, "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(f.Out, string(b))
	}
	return nil
}
