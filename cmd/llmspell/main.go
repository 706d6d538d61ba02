// Command llmspell runs Lua and JavaScript spells on the llmspell engine.
package main

import (
	"os"

	"github.com/llmspell/llmspell-go/cmd/llmspell/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
