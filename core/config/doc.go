// Package config owns the engine configuration: its sections, their keys and
// defaults, and the three sources it is built from, in order of precedence:
// a TOML file (or the equivalent JSON object from the C ABI), LLMSPELL_*
// environment variables, then defaults. No section is required. Unknown
// sections and keys are errors, never silently ignored.
//
// Every key is declared once in the field table (fields.go); loading,
// environment overrides, validation and Config.Map all read that table.
//
// A Config is a plain value; do not mutate one that an engine uses.
package config
