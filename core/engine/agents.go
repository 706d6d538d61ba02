package engine

import (
	"os"
	"path/filepath"
	"time"

	"github.com/llmspell/llmspell-go/core/agent"
	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/provider/anthropic"
	"github.com/llmspell/llmspell-go/core/provider/local"
	"github.com/llmspell/llmspell-go/core/provider/ollama"
	"github.com/llmspell/llmspell-go/core/provider/openai"
	"github.com/llmspell/llmspell-go/core/workflow"
)

// providerFactories maps each provider type to its client constructor.
func providerFactories() map[string]provider.Factory {
	return map[string]provider.Factory{
		"openai":    openai.New,
		"anthropic": anthropic.New,
		"ollama":    ollama.New,
		"local":     local.New,
	}
}

// ModelsDir returns the folder local models are read from: models.dir
// (LLMSPELL_MODELS_DIR sets it through the config loader), else
// <data_dir>/models when that exists, else ./models.
func ModelsDir(cfg *config.Config) string {
	if cfg.Models.Dir != "" {
		return cfg.Models.Dir
	}
	if cfg.Storage.DataDir != "" {
		d := filepath.Join(cfg.Storage.DataDir, "models")
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	return "models"
}

// newProviders builds the provider registry from the config: the
// [providers.<name>] tables, and the local provider reading ModelsDir.
func newProviders(cfg *config.Config, lookupEnv func(string) (string, bool)) *provider.Registry {
	configs := []provider.Config{}
	haveLocal := false
	for _, p := range cfg.Providers {
		pc := provider.Config{Name: p.Name, Type: p.Type, BaseURL: p.BaseURL, APIKeyEnv: p.APIKeyEnv,
			DefaultModel: p.DefaultModel, Timeout: time.Duration(p.TimeoutMS) * time.Millisecond,
			MaxRetries: int(p.MaxRetries), Fallback: p.Fallback}
		if pc.Type == "local" || (pc.Type == "" && p.Name == "local") {
			pc.ModelDir = ModelsDir(cfg)
			haveLocal = true
		}
		configs = append(configs, pc)
	}
	if !haveLocal {
		configs = append(configs, provider.Config{Name: "local", Type: "local", DefaultModel: "stories260K", ModelDir: ModelsDir(cfg)})
	}
	return provider.NewRegistry(providerFactories(), configs, lookupEnv)
}

// newAgents builds the agent registry on the engine's subsystems.
func (e *Engine) newAgents() *agent.Registry {
	return agent.NewRegistry(agent.Deps{
		Models: e.providers, Tools: e.tools, Hooks: e.hooks, Events: e.events, State: e.state,
		DefaultModel:          e.cfg.Agents.DefaultModel,
		MaxToolRounds:         int(e.cfg.Agents.MaxToolRounds),
		MaxConversationLength: int(e.cfg.Agents.MaxConversationLength),
		Timeout:               time.Duration(e.cfg.Agents.TimeoutMS) * time.Millisecond,
		OnExecute:             e.recordAgentTurn,
	})
}

// Providers returns the engine's model provider registry.
func (e *Engine) Providers() *provider.Registry { return e.providers }

// Workflows returns the engine's workflow registry.
func (e *Engine) Workflows() *workflow.Registry { return e.workflows }

// Agents returns the engine's agent registry.
func (e *Engine) Agents() *agent.Registry { return e.agents }
