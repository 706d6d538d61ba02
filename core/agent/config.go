package agent

import (
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// ConfigFromMap reads an agent config from the table/JSON form shared by
// Agent.create, the builder, the C ABI and the bindings: {name,
// description, type, model, provider, system_prompt, temperature, top_p,
// seed, max_tokens, tools, memory | max_conversation_length,
// max_tool_rounds, base_url, api_key_env, custom_config, resource_limits =
// {timeout_ms}}. A "provider" with a model lacking one gives
// "provider/model". Unknown keys and wrong types are invalid_argument, all
// reported at once.
func ConfigFromMap(m value.Map) (Config, error) {
	var c Config
	var problems []string
	str := func(k string, dst *string) {
		if v, ok := m[k]; ok && v != nil {
			if s, ok := v.(string); ok {
				*dst = s
			} else {
				problems = append(problems, k+" must be a string, got "+value.TypeOf(v).String())
			}
		}
	}
	num := func(k string) (float64, bool) {
		v, ok := m[k]
		if !ok || v == nil {
			return 0, false
		}
		n, ok := value.Number(v)
		if !ok {
			problems = append(problems, k+" must be a number, got "+value.TypeOf(v).String())
		}
		return n, ok
	}
	integer := func(k string, dst *int) {
		if n, ok := num(k); ok {
			if n != float64(int64(n)) {
				problems = append(problems, k+" must be a whole number")
				return
			}
			*dst = int(n)
		}
	}
	var prov string
	for k := range m {
		switch k {
		case "name", "description", "type", "model", "provider", "system_prompt", "temperature", "top_p", "seed",
			"max_tokens", "tools", "memory", "max_conversation_length", "max_tool_rounds", "base_url", "api_key_env",
			"custom_config", "resource_limits":
		default:
			problems = append(problems, "unknown key "+k)
		}
	}
	str("name", &c.Name)
	str("description", &c.Description)
	str("type", &c.Type)
	str("model", &c.Model)
	str("provider", &prov)
	str("system_prompt", &c.SystemPrompt)
	str("base_url", &c.BaseURL)
	str("api_key_env", &c.APIKeyEnv)
	if n, ok := num("temperature"); ok {
		c.Temperature = &n
	}
	if n, ok := num("top_p"); ok {
		c.TopP = &n
	}
	if n, ok := num("seed"); ok {
		s := int64(n)
		c.Seed = &s
	}
	integer("max_tokens", &c.MaxTokens)
	integer("memory", &c.MaxConversationLength)
	integer("max_conversation_length", &c.MaxConversationLength)
	integer("max_tool_rounds", &c.MaxToolRounds)
	if v, ok := m["tools"]; ok && v != nil {
		switch l := v.(type) {
		case value.List:
			for _, t := range l {
				s, ok := t.(string)
				if !ok {
					problems = append(problems, "tools must be a list of tool names")
					break
				}
				c.Tools = append(c.Tools, s)
			}
		case value.Map:
			if len(l) != 0 {
				problems = append(problems, "tools must be a list of tool names")
			}
		default:
			problems = append(problems, "tools must be a list of tool names, got "+value.TypeOf(v).String())
		}
	}
	if v, ok := m["custom_config"]; ok && v != nil {
		cm, ok := v.(value.Map)
		if !ok {
			problems = append(problems, "custom_config must be a table/object")
		}
		c.Custom = cm
	}
	if v, ok := m["resource_limits"]; ok && v != nil {
		rl, ok := v.(value.Map)
		if !ok {
			problems = append(problems, "resource_limits must be a table/object")
		}
		for _, k := range []string{"timeout_ms", "max_execution_time_ms"} {
			if n, ok := value.Number(rl[k]); ok {
				c.Timeout = time.Duration(n * float64(time.Millisecond))
			}
		}
	}
	if prov != "" {
		if c.Model == "" {
			c.Model = prov
		} else if !strings.Contains(c.Model, "/") {
			c.Model = prov + "/" + c.Model
		}
	}
	if len(problems) > 0 {
		return Config{}, errs.New(errs.KindInvalidArgument, "agent config: %s", strings.Join(problems, "; "))
	}
	return c, nil
}
