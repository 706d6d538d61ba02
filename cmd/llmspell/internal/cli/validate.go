package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/scripting/host"
)

// NewCmdValidate builds `llmspell validate`.
func NewCmdValidate(f *Factory) *cobra.Command {
	var engineName string
	cmd := &cobra.Command{
		Use:   "validate <file>...",
		Short: "Check spells for syntax errors without running them",
		Long: `Compile each spell and report its first syntax error with file and line.
Nothing runs and no data folder is opened. The exit code is 3 when any
spell has an error.`,
		Example: `  $ llmspell validate examples/*.lua examples/*.js`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &usageError{"validate needs at least one spell file"}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var firstErr error
			results := value.List{}
			for _, path := range args {
				lang := engineName
				var err error
				if lang == "" {
					lang, err = host.LanguageForFile(path)
				}
				if err == nil {
					var data []byte
					if data, err = os.ReadFile(path); err != nil {
						err = errs.Wrap(errs.KindNotFound, err, "read %s", path)
					} else {
						err = host.Check(lang, filepath.Base(path), string(data))
					}
				}
				entry := value.Map{"file": path, "ok": err == nil}
				if err != nil {
					entry["error"] = err.Error()
					if firstErr == nil {
						firstErr = err
					}
				}
				results = append(results, entry)
				if f.Output != "json" {
					if err != nil {
						fmt.Fprintf(f.Out, "FAIL %s: %v\n", path, err)
					} else {
						fmt.Fprintf(f.Out, "ok   %s\n", path)
					}
				}
			}
			if f.Output == "json" {
				b, _ := value.Encode(value.Map{"results": results})
				fmt.Fprintln(f.Out, string(b))
			}
			if firstErr != nil {
				return errs.New(errs.KindOf(firstErr), "%d of %d spells have errors", countFailed(results), len(args))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&engineName, "engine", "", "script engine: {lua|js} (default: from each file's extension)")
	return cmd
}

func countFailed(results value.List) int {
	n := 0
	for _, r := range results {
		if r.(value.Map)["ok"] == false {
			n++
		}
	}
	return n
}
