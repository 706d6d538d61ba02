package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// Config is the whole engine configuration.
type Config struct {
	Storage   Storage
	State     State
	Session   Session
	Backup    Backup
	Events    Events
	Hooks     Hooks
	Tools     Tools
	Script    Script
	Logging   Logging
	Agents    Agents
	Workflows Workflows
	Models    Models
	// Providers are the [providers.<name>] tables, sorted by name.
	Providers []Provider
}

// Agents configures agents (docs/agents.md).
type Agents struct {
	// DefaultModel is the "provider/model" of agents that name none.
	// Default: "local/stories260K", the in-process model.
	DefaultModel string
	// MaxToolRounds bounds the tool-calling loop of one execute.
	// Default: 8.
	MaxToolRounds int64
	// MaxConversationLength bounds an agent's memory in messages.
	// Default: 50.
	MaxConversationLength int64
	// TimeoutMS bounds one execute; 0 means none. Default: 0.
	TimeoutMS int64
}

// Workflows configures workflow runs (docs/workflows.md).
type Workflows struct {
	// MaxRuns bounds the run records (checkpoints) kept in the store: past
	// it, the oldest finished runs are deleted; runs that may still be
	// resumed (running, waiting for input, failed, cancelled) are kept
	// unless they are older than every finished one. 0 keeps all.
	// Default: 1000.
	MaxRuns int64
}

// Models configures where local models live.
type Models struct {
	// Dir is the folder holding one sub-folder per local model
	// (<dir>/stories260K/stories260K.bin and tok512.bin). Default: "",
	// which means <data_dir>/models, else ./models.
	Dir string
}

// Provider is one [providers.<name>] table. Keys are never stored here:
// APIKeyEnv names the variable that holds one.
type Provider struct {
	Name         string
	Type         string
	BaseURL      string
	APIKeyEnv    string
	DefaultModel string
	TimeoutMS    int64
	MaxRetries   int64
	Fallback     string
}

// providerKeys lists the keys a [providers.<name>] table may hold.
var providerKeys = []string{"type", "base_url", "api_key_env", "default_model", "timeout_ms", "max_retries", "fallback"}

// mergeProviders reads the [providers] section: a table of tables.
func (c *Config) mergeProviders(v any) []string {
	sec, ok := v.(map[string]any)
	if !ok {
		return []string{"section \"providers\" must be a table of [providers.<name>] tables"}
	}
	var problems []string
	for _, name := range sortedKeys(sec) {
		t, ok := sec[name].(map[string]any)
		if !ok {
			problems = append(problems, fmt.Sprintf("providers.%s must be a table", name))
			continue
		}
		if name == "" || strings.ContainsAny(name, "/ \t") {
			problems = append(problems, fmt.Sprintf("provider name %q may not be empty or hold '/' or spaces", name))
			continue
		}
		p := Provider{Name: name}
		for _, k := range sortedKeys(t) {
			val := t[k]
			switch k {
			case "type", "base_url", "api_key_env", "default_model", "fallback":
				s, ok := val.(string)
				if !ok {
					problems = append(problems, fmt.Sprintf("providers.%s.%s must be a string, got %T", name, k, val))
					continue
				}
				switch k {
				case "type":
					if s != "openai" && s != "anthropic" && s != "ollama" && s != "local" {
						problems = append(problems, fmt.Sprintf("providers.%s.type %q is not one of openai, anthropic, ollama, local", name, s))
					}
					p.Type = s
				case "base_url":
					p.BaseURL = s
				case "api_key_env":
					p.APIKeyEnv = s
				case "default_model":
					p.DefaultModel = s
				case "fallback":
					p.Fallback = s
				}
			case "timeout_ms", "max_retries":
				n, err := (&field{kind: kindInt}).coerce(val)
				if err != nil {
					problems = append(problems, fmt.Sprintf("providers.%s.%s: %v", name, k, err))
					continue
				}
				if k == "timeout_ms" {
					p.TimeoutMS = n.(int64)
				} else {
					p.MaxRetries = n.(int64)
				}
			case "api_key":
				problems = append(problems, fmt.Sprintf("providers.%s: put the key in an environment variable and name it with api_key_env, never in the config", name))
			default:
				problems = append(problems, fmt.Sprintf("unknown key %q in providers.%s (known: %s)", k, name, strings.Join(providerKeys, ", ")))
			}
		}
		replaced := false
		for i := range c.Providers {
			if c.Providers[i].Name == name {
				c.Providers[i], replaced = p, true
			}
		}
		if !replaced {
			c.Providers = append(c.Providers, p)
		}
	}
	sort.Slice(c.Providers, func(i, j int) bool { return c.Providers[i].Name < c.Providers[j].Name })
	return problems
}

// Backup configures state backups (docs/backups.md).
type Backup struct {
	// Dir is the folder of backups. Default: "" (meaning
	// "<storage.data_dir>.backups"; an engine without a data folder
	// needs it set to take backups).
	Dir string
	// MaxCount is how many backups retention keeps; 0 means no limit.
	// Default: 10.
	MaxCount int64
	// MaxAgeDays is how old (in days) a kept backup may be; 0 means no
	// limit. Default: 30.
	MaxAgeDays int64
}

// State configures persistent state.
type State struct {
	// Durability is "batched" (writes synced within BatchWindowMS) or
	// "sync" (each write on disk when it returns). Default: "batched".
	Durability string
	// BatchWindowMS bounds how long a batched write stays unsynced.
	// Default: 10.
	BatchWindowMS int64
	// MaxValueBytes bounds one stored value. Default: 10 MiB.
	MaxValueBytes int64
}

// Storage configures the key-value store.
type Storage struct {
	// Backend is "pebble" or "memory". Empty means pebble when DataDir is
	// set and memory otherwise. Default: "".
	Backend string
	// DataDir is the folder of the pebble store. Default: "" (the CLI
	// fills in $XDG_DATA_HOME/llmspell or ~/.local/share/llmspell).
	DataDir string
	// Sync makes every write durable before it returns. Default: false.
	Sync bool
	// CacheMB is the pebble block cache size in MiB. Default: 32.
	CacheMB int64
}

// Session configures sessions and artifacts.
type Session struct {
	// CompressThresholdBytes is the artifact size above which content is
	// LZ4 compressed when that saves space. Default: 10240.
	CompressThresholdBytes int64
	// MaxArtifacts bounds the artifacts of one session. Default: 10000.
	MaxArtifacts int64
	// MaxSessionBytes bounds the artifact bytes of one session.
	// Default: 1 GiB.
	MaxSessionBytes int64
}

// Events configures the event bus.
type Events struct {
	// Persist keeps matching events in the store for queries and
	// timelines. Default: false.
	Persist bool
	// PersistPatterns is a comma-separated list of patterns to keep.
	// Default: "*".
	PersistPatterns string
	// TTLSeconds drops persisted events older than this; 0 keeps them.
	// Default: 0.
	TTLSeconds int64
	// MaxCount bounds persisted events. Default: 100000.
	MaxCount int64
}

// Hooks turns on the built-in hooks (docs/events.md).
type Hooks struct {
	// Logging logs every state, session, event and system hook point at
	// debug level. Default: false.
	Logging bool
	// Metrics counts hook points and times operations run through hooks;
	// read them with Engine.Metrics. Default: false.
	Metrics bool
	// RateLimitPerS limits model calls and tool executions per component
	// (token bucket; a call over the limit is cancelled); 0 is off.
	// Default: 0.
	RateLimitPerS int64
	// RateLimitBurst is the bucket size. Default: 10.
	RateLimitBurst int64
	// RetryAttempts retries failing model calls and tool executions with
	// retryable errors (timeout, provider, tool, storage), doubling
	// RetryDelayMS each time; 0 is off. Default: 0.
	RetryAttempts int64
	// RetryDelayMS is the first retry's delay. Default: 200.
	RetryDelayMS int64
	// CacheTTLS serves identical tool executions from a cache for this
	// many seconds; 0 is off. Default: 0.
	CacheTTLS int64
	// Deny is a comma-separated list of components to deny
	// ("tool:process_executor", "agent:*"); a denied call fails with kind
	// denied and raises SecurityViolation and security.violation.
	// Default: "".
	Deny string
	// Record stores every hook call in the store (hook/rec/...), the
	// history session replay reads. Default: false.
	Record bool
}

// Tools configures the tool security policy (TOOLS.md).
type Tools struct {
	// FileRoots is a comma-separated list of folders file tools may use,
	// besides the system temp folder and the engine's sandbox folder
	// (<data_dir>/sandbox). Default: "".
	FileRoots string
	// AllowHosts is a comma-separated list of hosts or CIDRs network tools
	// may reach even when loopback, private or link-local. Default: "".
	AllowHosts string
	// Executables is a comma-separated allow-list for process_executor.
	// Default: "".
	Executables string
	// MaxLevel is the highest security level the engine runs: safe,
	// restricted or privileged. Default: "privileged".
	MaxLevel string
	// TimeoutMS bounds one tool call. Default: 30000.
	TimeoutMS int64
	// MaxOutputBytes bounds one tool result. Default: 10 MiB.
	MaxOutputBytes int64
}

// Script configures the script runtimes.
type Script struct {
	// DefaultLanguage is used when a run names none. Default: "lua".
	DefaultLanguage string
	// TimeoutMS is the wall-clock limit of a run; 0 means none. Default: 0.
	TimeoutMS int64
	// MaxOutputBytes bounds what one run may print. Default: 16 MiB.
	MaxOutputBytes int64
	// PoolSize is the number of idle runtimes kept per language.
	// Default: 4.
	PoolSize int64
	// Stdlib is "safe" (the sandbox) or "full" (Lua io/os/package too).
	// Default: "safe".
	Stdlib string
	// MaxCallStack bounds Lua call depth. Default: 2000.
	MaxCallStack int64
}

// Logging configures the engine's logger.
type Logging struct {
	// Level is "debug", "info", "warn" or "error". Default: "info".
	Level string
	// Format is "text" or "json". Default: "text".
	Format string
}

// Default returns the configuration with every default filled in.
func Default() *Config {
	c := &Config{}
	for _, f := range fields {
		f.set(c, f.def)
	}
	return c
}

// Load reads a TOML file on top of the defaults, then applies the LLMSPELL_*
// environment. An empty path means no file.
func Load(path string) (*Config, error) {
	c := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, errs.Wrap(errs.KindInvalidArgument, err, "config: read %s", path)
		}
		if err := c.MergeTOML(data, path); err != nil {
			return nil, err
		}
	}
	if err := c.ApplyEnv(os.LookupEnv); err != nil {
		return nil, err
	}
	return c, c.Validate()
}

// FromJSON builds a config from a JSON object (the C ABI form) on top of the
// defaults, then applies the environment through lookup (nil: none).
func FromJSON(data []byte, lookup func(string) (string, bool)) (*Config, error) {
	c := Default()
	if len(strings.TrimSpace(string(data))) > 0 {
		v, err := value.Decode(data)
		if err != nil {
			return nil, errs.Wrap(errs.KindInvalidArgument, err, "config")
		}
		m, ok := v.(value.Map)
		if !ok {
			return nil, errs.New(errs.KindInvalidArgument, "config: must be a JSON object, got %s", value.TypeOf(v))
		}
		if err := c.Merge(m, "config"); err != nil {
			return nil, err
		}
	}
	if lookup != nil {
		if err := c.ApplyEnv(lookup); err != nil {
			return nil, err
		}
	}
	return c, c.Validate()
}

// MergeTOML merges TOML text into c. name is used in error messages.
func (c *Config) MergeTOML(data []byte, name string) error {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return errs.Wrap(errs.KindInvalidArgument, err, "config: parse %s", name)
	}
	return c.Merge(raw, name)
}

// Merge sets every key of the section map m on c. It reports all unknown
// sections, unknown keys and wrongly typed values in one error.
func (c *Config) Merge(m map[string]any, name string) error {
	var problems []string
	for _, sec := range sortedKeys(m) {
		if sec == "providers" {
			problems = append(problems, c.mergeProviders(m[sec])...)
			continue
		}
		secMap, ok := m[sec].(map[string]any)
		if !ok {
			if !knownSection(sec) {
				problems = append(problems, fmt.Sprintf("unknown section %q", sec))
			} else {
				problems = append(problems, fmt.Sprintf("section %q must be a table", sec))
			}
			continue
		}
		if !knownSection(sec) {
			problems = append(problems, fmt.Sprintf("unknown section %q", sec))
			continue
		}
		for _, key := range sortedKeys(secMap) {
			f := lookupField(sec, key)
			if f == nil {
				problems = append(problems, fmt.Sprintf("unknown key %q in section %q", key, sec))
				continue
			}
			v, err := f.coerce(secMap[key])
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s.%s: %v", sec, key, err))
				continue
			}
			f.set(c, v)
		}
	}
	if len(problems) > 0 {
		return errs.New(errs.KindInvalidArgument, "config %s: %s", name, strings.Join(problems, "; ")).
			With("problems", strings.Join(problems, "; "))
	}
	return nil
}

// EnvName returns the environment variable that overrides section.key,
// e.g. LLMSPELL_SCRIPT_TIMEOUT_MS.
func EnvName(section, key string) string {
	return "LLMSPELL_" + strings.ToUpper(section) + "_" + strings.ToUpper(key)
}

// ApplyEnv applies LLMSPELL_<SECTION>_<KEY> overrides found through lookup.
func (c *Config) ApplyEnv(lookup func(string) (string, bool)) error {
	var problems []string
	for _, f := range fields {
		name := EnvName(f.section, f.key)
		s, ok := lookup(name)
		if !ok {
			continue
		}
		v, err := f.parse(s)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		f.set(c, v)
	}
	if len(problems) > 0 {
		return errs.New(errs.KindInvalidArgument, "config environment: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Validate reports every invalid value in one error.
func (c *Config) Validate() error {
	var problems []string
	for _, f := range fields {
		if f.check == nil {
			continue
		}
		if err := f.check(f.get(c)); err != nil {
			problems = append(problems, fmt.Sprintf("%s.%s: %v", f.section, f.key, err))
		}
	}
	if c.Storage.Backend == "pebble" && c.Storage.DataDir == "" {
		problems = append(problems, "storage.data_dir: required when storage.backend is \"pebble\"")
	}
	if len(problems) > 0 {
		return errs.New(errs.KindInvalidArgument, "config: %s", strings.Join(problems, "; "))
	}
	return nil
}

// StorageBackend returns the effective backend: Backend, or pebble when a
// data folder is set, else memory.
func (c *Config) StorageBackend() string {
	if c.Storage.Backend != "" {
		return c.Storage.Backend
	}
	if c.Storage.DataDir != "" {
		return "pebble"
	}
	return "memory"
}

// Map returns the effective configuration as sections of values, for
// Config.get in scripts and for engine info.
func (c *Config) Map() value.Map {
	out := value.Map{}
	for _, f := range fields {
		sec, ok := out[f.section].(value.Map)
		if !ok {
			sec = value.Map{}
			out[f.section] = sec
		}
		sec[f.key] = f.get(c)
	}
	out["storage"].(value.Map)["backend"] = c.StorageBackend()
	provs := value.Map{}
	for _, p := range c.Providers {
		provs[p.Name] = value.Map{"type": p.Type, "base_url": p.BaseURL, "api_key_env": p.APIKeyEnv,
			"default_model": p.DefaultModel, "timeout_ms": p.TimeoutMS, "max_retries": p.MaxRetries, "fallback": p.Fallback}
	}
	out["providers"] = provs
	return out
}

// DefaultDataDir returns the CLI's default data folder:
// $XDG_DATA_HOME/llmspell, else ~/.local/share/llmspell.
func DefaultDataDir() string {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "llmspell")
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return filepath.Join(os.TempDir(), "llmspell")
	}
	return filepath.Join(home, ".local", "share", "llmspell")
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func parseBool(s string) (any, error) {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return nil, fmt.Errorf("not a boolean: %q", s)
	}
	return b, nil
}

func parseInt(s string) (any, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("not an integer: %q", s)
	}
	return n, nil
}
