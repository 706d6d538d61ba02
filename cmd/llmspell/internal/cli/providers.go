package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/value"
)

// ProvidersOptions are the flags of `llmspell providers`.
type ProvidersOptions struct {
	JSON bool // --json: the same as --output json
}

// NewCmdProviders builds `llmspell providers`. runF, when not nil, runs
// instead of the command (tests check the flags with it).
func NewCmdProviders(f *Factory, runF func(*ProvidersOptions) error) *cobra.Command {
	opts := &ProvidersOptions{}
	cmd := &cobra.Command{
		Use:   "providers [--json]",
		Short: "List the model providers agents can use",
		Long: `List the configured [providers.<name>] tables, the presets whose API key
variable is set, and the presets that need no key (local servers), with
their type, base URL, default model and capabilities. KEY says whether the
provider's api_key_env variable is set ("-": none needed); keys themselves
are never shown.

Listing opens no data folder, so it works while a spell runs.`,
		Example: `  $ llmspell providers
  $ llmspell providers --json
  $ OPENAI_API_KEY=sk-... llmspell providers`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runProviders(f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON (the same as --output json)")
	return cmd
}

func runProviders(f *Factory, opts *ProvidersOptions) error {
	cfg, err := f.loadConfig()
	if err != nil {
		return err
	}
	// The listing needs no state: a memory store leaves the data folder
	// free for a running spell.
	cfg.Storage.Backend = "memory"
	eng, err := engine.New(&engine.Options{Config: cfg, LogOutput: f.Err, LookupEnv: func(k string) (string, bool) {
		v := f.Getenv(k)
		return v, v != ""
	}})
	if err != nil {
		return err
	}
	defer eng.Close()
	reg := eng.Providers()
	list := reg.List()
	if opts.JSON || f.Output == "json" {
		items := make(value.List, len(list))
		for i, p := range list {
			items[i] = p
		}
		return f.printJSON(value.Map{"providers": items, "default_model": cfg.Agents.DefaultModel})
	}
	tw := tabwriter.NewWriter(f.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tBASE URL\tDEFAULT MODEL\tCAPABILITIES\tKEY")
	for _, p := range list {
		name, _ := p["name"].(string)
		key := "-"
		if c, ok := reg.Config(name); ok && c.APIKeyEnv != "" {
			key = "missing ($" + c.APIKeyEnv + ")"
		}
		if has, _ := p["has_key"].(bool); has {
			key = "set"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, p["type"], orDash(p["base_url"]), orDash(p["default_model"]),
			capabilityList(p["capabilities"]), key)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if isTTY(f.Err) {
		fmt.Fprintf(f.Err, "agents without a model use %s (agents.default_model)\n", cfg.Agents.DefaultModel)
	}
	return nil
}

// capabilityList names the true capabilities, comma-separated, in a fixed
// order.
func capabilityList(v value.Value) string {
	m, _ := v.(value.Map)
	var out []string
	for _, k := range []string{"streaming", "tools", "parallel_tool_calls", "vision", "json_mode"} {
		if b, _ := m[k].(bool); b {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, ",")
}

func orDash(v value.Value) string {
	if s, _ := v.(string); s != "" {
		return s
	}
	return "-"
}
