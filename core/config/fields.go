package config

import (
	"fmt"
	"math"
)

type kind uint8

const (
	kindString kind = iota
	kindInt
	kindBool
)

// field declares one config key: where it lives, its type, default, and how
// to read and write it on a Config.
type field struct {
	section, key string
	kind         kind
	def          any
	get          func(*Config) any
	set          func(*Config, any)
	check        func(any) error
}

func str(section, key, def string, p func(*Config) *string, check func(any) error) field {
	return field{section, key, kindString, def,
		func(c *Config) any { return *p(c) },
		func(c *Config, v any) { *p(c) = v.(string) }, check}
}

func num(section, key string, def int64, p func(*Config) *int64, check func(any) error) field {
	return field{section, key, kindInt, def,
		func(c *Config) any { return *p(c) },
		func(c *Config, v any) { *p(c) = v.(int64) }, check}
}

func flag(section, key string, def bool, p func(*Config) *bool) field {
	return field{section, key, kindBool, def,
		func(c *Config) any { return *p(c) },
		func(c *Config, v any) { *p(c) = v.(bool) }, nil}
}

func oneOf(choices ...string) func(any) error {
	return func(v any) error {
		for _, c := range choices {
			if v == c {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %q", v, choices)
	}
}

func nonEmpty(v any) error {
	if v.(string) == "" {
		return fmt.Errorf("may not be empty")
	}
	return nil
}

func atLeast(min int64) func(any) error {
	return func(v any) error {
		if v.(int64) < min {
			return fmt.Errorf("%d is below the minimum %d", v, min)
		}
		return nil
	}
}

// fields is the table of every config key. It is read-only.
var fields = []field{
	str("storage", "backend", "", func(c *Config) *string { return &c.Storage.Backend }, oneOf("", "pebble", "memory")),
	str("storage", "data_dir", "", func(c *Config) *string { return &c.Storage.DataDir }, nil),
	flag("storage", "sync", false, func(c *Config) *bool { return &c.Storage.Sync }),
	num("storage", "cache_mb", 32, func(c *Config) *int64 { return &c.Storage.CacheMB }, atLeast(1)),

	str("state", "durability", "batched", func(c *Config) *string { return &c.State.Durability }, oneOf("batched", "sync")),
	num("state", "batch_window_ms", 10, func(c *Config) *int64 { return &c.State.BatchWindowMS }, atLeast(1)),
	num("state", "max_value_bytes", 10<<20, func(c *Config) *int64 { return &c.State.MaxValueBytes }, atLeast(1)),

	num("session", "compress_threshold_bytes", 10<<10, func(c *Config) *int64 { return &c.Session.CompressThresholdBytes }, atLeast(0)),
	num("session", "max_artifacts", 10000, func(c *Config) *int64 { return &c.Session.MaxArtifacts }, atLeast(1)),
	num("session", "max_session_bytes", 1<<30, func(c *Config) *int64 { return &c.Session.MaxSessionBytes }, atLeast(1)),

	str("backup", "dir", "", func(c *Config) *string { return &c.Backup.Dir }, nil),
	num("backup", "max_count", 10, func(c *Config) *int64 { return &c.Backup.MaxCount }, atLeast(0)),
	num("backup", "max_age_days", 30, func(c *Config) *int64 { return &c.Backup.MaxAgeDays }, atLeast(0)),

	flag("events", "persist", false, func(c *Config) *bool { return &c.Events.Persist }),
	str("events", "persist_patterns", "*", func(c *Config) *string { return &c.Events.PersistPatterns }, nil),
	num("events", "ttl_s", 0, func(c *Config) *int64 { return &c.Events.TTLSeconds }, atLeast(0)),
	num("events", "max_count", 100000, func(c *Config) *int64 { return &c.Events.MaxCount }, atLeast(1)),

	flag("hooks", "logging", false, func(c *Config) *bool { return &c.Hooks.Logging }),
	flag("hooks", "metrics", false, func(c *Config) *bool { return &c.Hooks.Metrics }),
	num("hooks", "rate_limit_per_s", 0, func(c *Config) *int64 { return &c.Hooks.RateLimitPerS }, atLeast(0)),
	num("hooks", "rate_limit_burst", 10, func(c *Config) *int64 { return &c.Hooks.RateLimitBurst }, atLeast(1)),
	num("hooks", "retry_attempts", 0, func(c *Config) *int64 { return &c.Hooks.RetryAttempts }, atLeast(0)),
	num("hooks", "retry_delay_ms", 200, func(c *Config) *int64 { return &c.Hooks.RetryDelayMS }, atLeast(0)),
	num("hooks", "cache_ttl_s", 0, func(c *Config) *int64 { return &c.Hooks.CacheTTLS }, atLeast(0)),
	str("hooks", "deny", "", func(c *Config) *string { return &c.Hooks.Deny }, nil),
	flag("hooks", "record", false, func(c *Config) *bool { return &c.Hooks.Record }),

	str("tools", "file_roots", "", func(c *Config) *string { return &c.Tools.FileRoots }, nil),
	str("tools", "allow_hosts", "", func(c *Config) *string { return &c.Tools.AllowHosts }, nil),
	str("tools", "executables", "", func(c *Config) *string { return &c.Tools.Executables }, nil),
	str("tools", "max_level", "privileged", func(c *Config) *string { return &c.Tools.MaxLevel }, oneOf("safe", "restricted", "privileged")),
	num("tools", "timeout_ms", 30000, func(c *Config) *int64 { return &c.Tools.TimeoutMS }, atLeast(1)),
	num("tools", "max_output_bytes", 10<<20, func(c *Config) *int64 { return &c.Tools.MaxOutputBytes }, atLeast(1)),

	str("script", "default_language", "lua", func(c *Config) *string { return &c.Script.DefaultLanguage }, oneOf("lua", "js", "javascript")),
	num("script", "timeout_ms", 0, func(c *Config) *int64 { return &c.Script.TimeoutMS }, atLeast(0)),
	num("script", "max_output_bytes", 16<<20, func(c *Config) *int64 { return &c.Script.MaxOutputBytes }, atLeast(1)),
	num("script", "pool_size", 4, func(c *Config) *int64 { return &c.Script.PoolSize }, atLeast(0)),
	str("script", "stdlib", "safe", func(c *Config) *string { return &c.Script.Stdlib }, oneOf("safe", "full")),
	num("script", "max_call_stack", 2000, func(c *Config) *int64 { return &c.Script.MaxCallStack }, atLeast(16)),

	str("agents", "default_model", "local/stories260K", func(c *Config) *string { return &c.Agents.DefaultModel }, nonEmpty),
	num("agents", "max_tool_rounds", 8, func(c *Config) *int64 { return &c.Agents.MaxToolRounds }, atLeast(1)),
	num("agents", "max_conversation_length", 50, func(c *Config) *int64 { return &c.Agents.MaxConversationLength }, atLeast(0)),
	num("agents", "timeout_ms", 0, func(c *Config) *int64 { return &c.Agents.TimeoutMS }, atLeast(0)),

	num("workflows", "max_runs", 1000, func(c *Config) *int64 { return &c.Workflows.MaxRuns }, atLeast(0)),

	str("models", "dir", "", func(c *Config) *string { return &c.Models.Dir }, nil),

	str("logging", "level", "info", func(c *Config) *string { return &c.Logging.Level }, oneOf("debug", "info", "warn", "error")),
	str("logging", "format", "text", func(c *Config) *string { return &c.Logging.Format }, oneOf("text", "json")),
}

func knownSection(name string) bool {
	for _, f := range fields {
		if f.section == name {
			return true
		}
	}
	return false
}

func lookupField(section, key string) *field {
	for i := range fields {
		if fields[i].section == section && fields[i].key == key {
			return &fields[i]
		}
	}
	return nil
}

// coerce checks a decoded TOML or JSON value against the field's type.
func (f *field) coerce(v any) (any, error) {
	switch f.kind {
	case kindString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("must be a string, got %T", v)
	case kindBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("must be a boolean, got %T", v)
	case kindInt:
		switch n := v.(type) {
		case int64:
			return n, nil
		case float64:
			if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
				return int64(n), nil
			}
		}
		return nil, fmt.Errorf("must be an integer, got %v", v)
	}
	return nil, fmt.Errorf("unsupported field kind")
}

// parse reads an environment variable's text.
func (f *field) parse(s string) (any, error) {
	switch f.kind {
	case kindBool:
		return parseBool(s)
	case kindInt:
		return parseInt(s)
	}
	return s, nil
}
