package cli

import (
	"errors"

	"github.com/llmspell/llmspell-go/core/errs"
)

// Exit codes. 3 and 4 are llmspell's own; 124 and 130 follow timeout(1) and
// the shell's SIGINT convention.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitScript      = 3
	ExitProvider    = 4
	ExitTimeout     = 124
	ExitInterrupted = 130
)

// exitCodeHelp is shown by `llmspell help exit-codes`.
const exitCodeHelp = `Exit codes:
  0    success
  1    failure (storage, internal, not found, denied, ...)
  2    usage error (bad flags or arguments, invalid input or config)
  3    script error (syntax error, runtime error, unconvertible result)
  4    provider authentication or configuration error
  124  timeout (the run exceeded --timeout or script.timeout_ms)
  130  interrupted (Ctrl-C or cancelled)
`

// usageError marks a command-line mistake (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// ExitCode maps an error to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	switch errs.KindOf(err) {
	case errs.KindInvalidArgument:
		return ExitUsage
	case errs.KindScript, errs.KindLimit:
		return ExitScript
	case errs.KindProvider:
		return ExitProvider
	case errs.KindTimeout:
		return ExitTimeout
	case errs.KindCancelled:
		return ExitInterrupted
	}
	return ExitFailure
}
