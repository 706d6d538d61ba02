package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/core/version"
	"github.com/llmspell/llmspell-go/scripting/host"
)

// NewCmdVersion builds `llmspell version`.
func NewCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version",
		Example: `  $ llmspell version`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.Output == "json" {
				b, _ := value.Encode(value.Map{"version": version.String(), "abiVersion": int64(version.ABI), "go": runtime.Version()})
				fmt.Fprintln(f.Out, string(b))
				return nil
			}
			fmt.Fprintf(f.Out, "llmspell %s (abi %d, %s)\n", version.String(), version.ABI, runtime.Version())
			return nil
		},
	}
}

// NewCmdInfo builds `llmspell info`.
func NewCmdInfo(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "info",
		Short:   "Describe the engine: version, languages, storage and effective config",
		Example: `  $ llmspell info --output json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, _, err := f.newHost(f.Out)
			if err != nil {
				return err
			}
			defer eng.Close()
			info := eng.Info()
			langs := value.List{}
			for _, l := range host.Languages() {
				langs = append(langs, l)
			}
			info["languages"] = langs
			if f.Output == "json" {
				b, _ := value.Encode(info)
				fmt.Fprintln(f.Out, string(b))
				return nil
			}
			st := info["storage"].(value.Map)
			fmt.Fprintf(f.Out, "llmspell %s (abi %d)\n", info["version"], info["abi_version"])
			fmt.Fprintf(f.Out, "languages: lua, js\n")
			fmt.Fprintf(f.Out, "storage:   %s %s\n", st["backend"], st["data_dir"])
			fmt.Fprintf(f.Out, "model:     %s (agents.default_model; see llmspell providers)\n", eng.Config().Agents.DefaultModel)
			b, _ := value.EncodeIndent(info["config"], "  ")
			fmt.Fprintf(f.Out, "config:    %s\n", b)
			return nil
		},
	}
}
