package provider

import (
	"context"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// Config describes one configured provider.
type Config struct {
	// Name is how model strings refer to it ("openai" in "openai/gpt-4o").
	Name string
	// Type is the wire protocol: openai, anthropic, ollama or local.
	Type string
	// BaseURL is the server root (for openai: up to and including /v1).
	BaseURL string
	// APIKeyEnv names the environment variable holding the key.
	APIKeyEnv string
	// APIKey is the key itself, resolved from APIKeyEnv. It is never
	// logged, put in events, errors or listings.
	APIKey string
	// DefaultModel is used when a model string names only the provider.
	DefaultModel string
	// Timeout bounds one HTTP attempt (0: 120 s).
	Timeout time.Duration
	// MaxRetries is how many times a 429, a 5xx or a connection reset is
	// retried (negative: none; 0: the default 3).
	MaxRetries int
	// RetryBaseDelay is the first backoff delay (0: 500 ms).
	RetryBaseDelay time.Duration
	// Fallback is a "provider/model" tried when this one fails with a
	// provider error after its retries.
	Fallback string
	// ModelDir is where the local provider finds model folders.
	ModelDir string
	// HTTPClient is used by the remote clients (nil: a default client).
	HTTPClient *http.Client
	// Headers are extra HTTP headers sent with each request.
	Headers map[string]string
}

// Info returns the listing of SCRIPT_API.md: name, type, base_url,
// default_model, capabilities. It never includes the key.
func (c *Config) Info(caps Capabilities) value.Map {
	return value.Map{"name": c.Name, "type": c.Type, "base_url": c.BaseURL, "default_model": c.DefaultModel,
		"capabilities": caps.Map(), "has_key": c.APIKey != ""}
}

// Factory makes a model client for a provider config and a model name.
type Factory func(cfg *Config, model string) (Model, error)

// Preset is a well-known OpenAI-compatible (or native) service.
type Preset struct {
	Type, BaseURL, APIKeyEnv, DefaultModel string
}

// Presets maps provider names to their defaults, so `groq/llama-3.1-8b`
// works with only GROQ_API_KEY set.
var Presets = map[string]Preset{
	"openai":        {"openai", "https://api.openai.com/v1", "OPENAI_API_KEY", "gpt-4o-mini"},
	"anthropic":     {"anthropic", "https://api.anthropic.com", "ANTHROPIC_API_KEY", "claude-3-5-haiku-latest"},
	"ollama":        {"ollama", "http://127.0.0.1:11434", "", "llama3.2"},
	"local":         {"local", "", "", "stories260K"},
	"groq":          {"openai", "https://api.groq.com/openai/v1", "GROQ_API_KEY", "llama-3.1-8b-instant"},
	"together":      {"openai", "https://api.together.xyz/v1", "TOGETHER_API_KEY", "meta-llama/Llama-3.2-3B-Instruct-Turbo"},
	"mistral":       {"openai", "https://api.mistral.ai/v1", "MISTRAL_API_KEY", "mistral-small-latest"},
	"deepseek":      {"openai", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", "deepseek-chat"},
	"openrouter":    {"openai", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", "openai/gpt-4o-mini"},
	"fireworks":     {"openai", "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY", "accounts/fireworks/models/llama-v3p1-8b-instruct"},
	"perplexity":    {"openai", "https://api.perplexity.ai", "PERPLEXITY_API_KEY", "sonar"},
	"gemini":        {"openai", "https://generativelanguage.googleapis.com/v1beta/openai", "GEMINI_API_KEY", "gemini-2.0-flash"},
	"vllm":          {"openai", "http://127.0.0.1:8000/v1", "", ""},
	"llamacpp":      {"openai", "http://127.0.0.1:8080/v1", "", ""},
	"lmstudio":      {"openai", "http://127.0.0.1:1234/v1", "", ""},
	"ollama-openai": {"openai", "http://127.0.0.1:11434/v1", "", "llama3.2"},
}

// Registry resolves model strings to model clients, caching them. It is
// safe for concurrent use.
type Registry struct {
	factories map[string]Factory
	lookupEnv func(string) (string, bool)

	mu      sync.Mutex
	configs map[string]*Config
	models  map[string]Model
}

// NewRegistry returns a registry of the configured providers. factories
// maps a provider type to its constructor; lookupEnv reads API keys (nil:
// os.LookupEnv). Providers named in Presets need no config.
func NewRegistry(factories map[string]Factory, configs []Config, lookupEnv func(string) (string, bool)) *Registry {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	r := &Registry{factories: factories, lookupEnv: lookupEnv, configs: map[string]*Config{}, models: map[string]Model{}}
	for i := range configs {
		c := configs[i]
		r.configs[c.Name] = r.complete(&c)
	}
	return r
}

// complete fills a config's blanks from its preset and resolves the key.
func (r *Registry) complete(c *Config) *Config {
	p, ok := Presets[c.Name]
	if c.Type == "" {
		if ok {
			c.Type = p.Type
		} else {
			c.Type = "openai"
		}
	}
	if ok && p.Type == c.Type {
		if c.BaseURL == "" {
			c.BaseURL = p.BaseURL
		}
		if c.APIKeyEnv == "" {
			c.APIKeyEnv = p.APIKeyEnv
		}
		if c.DefaultModel == "" {
			c.DefaultModel = p.DefaultModel
		}
	}
	if c.APIKey == "" && c.APIKeyEnv != "" {
		c.APIKey, _ = r.lookupEnv(c.APIKeyEnv)
	}
	return c
}

// Config returns the config of a provider by name: a configured one, or a
// preset. ok is false for an unknown name.
func (r *Registry) Config(name string) (*Config, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.configLocked(name)
}

func (r *Registry) configLocked(name string) (*Config, bool) {
	if c, ok := r.configs[name]; ok {
		return c, true
	}
	if _, ok := Presets[name]; !ok {
		return nil, false
	}
	c := r.complete(&Config{Name: name})
	r.configs[name] = c
	return c, true
}

// Resolve returns the model client for "provider/model" (or "provider"
// alone for its default model). An unknown provider is not_found; a
// provider type without a factory is invalid_argument.
func (r *Registry) Resolve(modelString string) (Model, error) {
	return r.ResolveWith(modelString, "", "")
}

// List returns the configured providers and the presets that have a key
// (or need none), sorted by name, in the shape of SCRIPT_API.md.
func (r *Registry) List() []value.Map {
	r.mu.Lock()
	names := map[string]bool{}
	for n := range r.configs {
		names[n] = true
	}
	for n, p := range Presets {
		if p.APIKeyEnv == "" {
			names[n] = true
		} else if v, ok := r.lookupEnv(p.APIKeyEnv); ok && v != "" {
			names[n] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	cfgs := make([]*Config, 0, len(sorted))
	for _, n := range sorted {
		c, _ := r.configLocked(n)
		cfgs = append(cfgs, c)
	}
	r.mu.Unlock()
	out := make([]value.Map, 0, len(cfgs))
	for _, c := range cfgs {
		out = append(out, c.Info(r.capabilities(c)))
	}
	return out
}

// typeCapabilities are what each wire protocol supports, for listings of
// providers whose default model cannot be built (no model files, say).
var typeCapabilities = map[string]Capabilities{
	"openai":    {Streaming: true, Tools: true, ParallelToolCalls: true, JSONMode: true},
	"anthropic": {Streaming: true, Tools: true, ParallelToolCalls: true, Vision: true},
	"ollama":    {Streaming: true, Tools: true, ParallelToolCalls: true, JSONMode: true},
	"local":     {Streaming: true, Tools: true},
}

// capabilities asks a factory for the default model's capabilities
// without keeping the client; when that fails it falls back to what the
// provider's protocol supports.
func (r *Registry) capabilities(c *Config) Capabilities {
	if f, ok := r.factories[c.Type]; ok {
		if m, err := f(c, c.DefaultModel); err == nil {
			return m.Capabilities()
		}
	}
	return typeCapabilities[c.Type]
}

func presetNames() []string {
	out := make([]string, 0, len(Presets))
	for n := range Presets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// fallbackModel tries a second model when the first fails with a provider
// error (after its own retries).
type fallbackModel struct {
	primary  Model
	fallback string
	reg      *Registry
}

func (f *fallbackModel) Capabilities() Capabilities { return f.primary.Capabilities() }

func (f *fallbackModel) Generate(ctx context.Context, req *Request) (*Response, error) {
	resp, err := f.primary.Generate(ctx, req)
	if err == nil || errs.KindOf(err) != errs.KindProvider {
		return resp, err
	}
	m, ferr := f.reg.Resolve(f.fallback)
	if ferr != nil {
		return nil, err
	}
	resp, err = m.Generate(ctx, req)
	if resp != nil && resp.Provider == "" {
		resp.Provider, _ = SplitModel(f.fallback)
	}
	return resp, err
}

func (f *fallbackModel) Stream(ctx context.Context, req *Request) (Stream, error) {
	s, err := f.primary.Stream(ctx, req)
	if err == nil || errs.KindOf(err) != errs.KindProvider {
		return s, err
	}
	m, ferr := f.reg.Resolve(f.fallback)
	if ferr != nil {
		return nil, err
	}
	s, err = m.Stream(ctx, req)
	if err != nil {
		return nil, err
	}
	prov, _ := SplitModel(f.fallback)
	return &labelledStream{Stream: s, provider: prov}, nil
}

// labelledStream names the fallback provider in the final response.
type labelledStream struct {
	Stream
	provider string
}

func (l *labelledStream) Response() *Response {
	resp := l.Stream.Response()
	if resp != nil && resp.Provider == "" {
		resp.Provider = l.provider
	}
	return resp
}

// ResolveWith is Resolve with a per-agent base URL and key variable
// overriding the provider's (either may be empty). Clients are cached per
// provider, model and distinct override.
func (r *Registry) ResolveWith(modelString, baseURL, apiKeyEnv string) (Model, error) {
	prov, model := SplitModel(modelString)
	if prov == "" {
		return nil, errs.New(errs.KindInvalidArgument, "model %q must be \"provider/model\"", modelString)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.configLocked(prov)
	if !ok {
		// An unknown name with a base URL is an ad-hoc OpenAI-compatible
		// server (a vLLM or llama.cpp instance, say).
		if baseURL == "" {
			return nil, errs.New(errs.KindNotFound, "no provider named %q (configure [providers.%s] or use one of %v)",
				prov, prov, presetNames())
		}
		c = &Config{Name: prov, Type: "openai"}
	}
	override := ""
	if baseURL != "" || apiKeyEnv != "" {
		cp := *c
		if baseURL != "" {
			cp.BaseURL = baseURL
		}
		if apiKeyEnv != "" {
			cp.APIKeyEnv = apiKeyEnv
			cp.APIKey, _ = r.lookupEnv(apiKeyEnv)
		}
		c = &cp
		override = "\x00" + c.BaseURL + "\x00" + c.APIKeyEnv
	}
	if model == "" {
		model = c.DefaultModel
	}
	if model == "" {
		return nil, errs.New(errs.KindInvalidArgument, "model %q: provider %q has no default model; name one", modelString, prov)
	}
	key := c.Name + "/" + model
	if m, ok := r.models[key+override]; ok {
		return m, nil
	}
	f, ok := r.factories[c.Type]
	if !ok {
		return nil, errs.New(errs.KindInvalidArgument, "provider %q has unknown type %q", prov, c.Type)
	}
	m, err := f(c, model)
	if err != nil {
		return nil, err
	}
	if c.Fallback != "" && c.Fallback != key {
		m = &fallbackModel{primary: m, fallback: c.Fallback, reg: r}
	}
	r.models[key+override] = m
	return m, nil
}

// Info returns the listing of one provider, configured or preset, and
// false for an unknown name.
func (r *Registry) Info(name string) (value.Map, bool) {
	c, ok := r.Config(name)
	if !ok {
		return nil, false
	}
	return c.Info(r.capabilities(c)), true
}
