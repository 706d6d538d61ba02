package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/scripting/host"
)

// Factory holds what every command needs: streams, global flag values, and
// how to build an engine. Tests replace the streams and the environment.
type Factory struct {
	In             io.Reader
	Out, Err       io.Writer
	Getenv         func(string) string
	Now            func() time.Time
	ConfigPath     string
	DataDir        string
	Output         string // text | json
	NotifyInterupt func(context.Context) (context.Context, context.CancelFunc)
}

// envOr returns the flag's env var LLMSPELL_<NAME> or def.
func (f *Factory) envOr(name, def string) string {
	if v := f.Getenv("LLMSPELL_" + name); v != "" {
		return v
	}
	return def
}

// loadConfig reads --config (or LLMSPELL_CONFIG), applies the environment
// and --data-dir, and fills the CLI's default data folder.
func (f *Factory) loadConfig() (*config.Config, error) {
	path := f.ConfigPath
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	if f.DataDir != "" {
		cfg.Storage.DataDir = f.DataDir
	}
	if cfg.Storage.DataDir == "" && cfg.Storage.Backend != "memory" {
		cfg.Storage.DataDir = config.DefaultDataDir()
	}
	return cfg, cfg.Validate()
}

// newHost builds an engine and its script host; the caller closes the
// engine.
func (f *Factory) newHost(out io.Writer) (*engine.Engine, *host.Host, error) {
	cfg, err := f.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	eng, err := engine.New(&engine.Options{Config: cfg, Output: out, LogOutput: f.Err})
	if err != nil {
		return nil, nil, err
	}
	h, err := host.New(eng)
	if err != nil {
		eng.Close()
		return nil, nil, err
	}
	return eng, h, nil
}

// Main runs the CLI and returns the exit code.
func Main(args []string, in io.Reader, out, errOut io.Writer) int {
	f := &Factory{In: in, Out: out, Err: errOut, Getenv: os.Getenv, Now: time.Now,
		NotifyInterupt: func(ctx context.Context) (context.Context, context.CancelFunc) {
			return signal.NotifyContext(ctx, os.Interrupt)
		}}
	return f.Execute(args)
}

// Execute runs the command line with this factory.
func (f *Factory) Execute(args []string) int {
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetIn(f.In)
	root.SetOut(f.Out)
	root.SetErr(f.Err)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	// Engine failures are always kinded; anything else came from the
	// command-line parser (unknown command or flag), a usage error.
	var kinded *errs.Error
	var usage *usageError
	if !errors.As(err, &kinded) && !errors.As(err, &usage) {
		err = &usageError{err.Error()}
	}
	f.printError(err)
	return ExitCode(err)
}

func (f *Factory) printError(err error) {
	if f.Output == "json" {
		e := errs.As(err)
		doc := value.Map{"error": value.Map{"code": e.Kind.String(), "message": e.Error()}}
		if _, ok := err.(*usageError); ok {
			doc = value.Map{"error": value.Map{"code": "usage", "message": err.Error()}}
		}
		b, _ := value.Encode(doc)
		fmt.Fprintln(f.Err, string(b))
		return
	}
	fmt.Fprintln(f.Err, "error: "+err.Error())
}

// NewRootCmd builds the command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "llmspell <command> [flags]",
		Short: "Run Lua and JavaScript spells that drive LLM agents, tools and workflows",
		Long: `llmspell runs spells: Lua or JavaScript scripts that use the llmspell globals
(Agent, Tool, Workflow, State, Session, Hook, Event, JSON, Utils, ...).

State lives in a pebble store in the data folder ($XDG_DATA_HOME/llmspell or
~/.local/share/llmspell unless --data-dir or storage.data_dir says otherwise).`,
		Example: `  $ llmspell run examples/hello.lua -- --name world
  $ llmspell exec 'return 1 + 1'
  $ llmspell providers
  $ llmspell --output json run spell.js`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if f.Output != "text" && f.Output != "json" {
				return &usageError{fmt.Sprintf("--output must be text or json, not %q", f.Output)}
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{err.Error() + "\n\n" + cmd.UsageString()}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&f.ConfigPath, "config", f.envOr("CONFIG", ""), "config file (TOML) [$LLMSPELL_CONFIG]")
	pf.StringVar(&f.DataDir, "data-dir", f.envOr("DATA_DIR", ""), "data folder for state and sessions [$LLMSPELL_DATA_DIR]")
	pf.StringVarP(&f.Output, "output", "o", f.envOr("OUTPUT", "text"), "output format: {text|json} [$LLMSPELL_OUTPUT]")

	root.AddCommand(NewCmdRun(f), NewCmdExec(f), NewCmdValidate(f), NewCmdVersion(f), NewCmdInfo(f), NewCmdBackup(f), NewCmdProviders(f, nil))
	root.SetHelpCommand(newHelpCmd(f, root))
	return root
}

func newHelpCmd(f *Factory, root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command | exit-codes]",
		Short: "Show help for a command, or the exit codes",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && args[0] == "exit-codes" {
				fmt.Fprint(f.Out, exitCodeHelp)
				return nil
			}
			target, _, err := root.Find(args)
			if err != nil || target == nil {
				return &usageError{fmt.Sprintf("unknown help topic %q", strings.Join(args, " "))}
			}
			return target.Help()
		},
	}
}
