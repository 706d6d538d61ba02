// Package cli implements the llmspell command line: one file per command,
// each with a NewCmdX constructor over a shared Factory (streams, engine
// factory, clock), so tests run commands in-process.
//
// Nothing here calls os.Exit: Main returns the exit code, computed by the
// one mapping from error kinds (exitcodes.go).
package cli
