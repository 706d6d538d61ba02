'use strict';

const { kEngine, kAgentName: kName } = require('./symbols');
const { AgentStream } = require('./agent-stream');

/**
 * Agents is the agent registry of one Engine; get it from `engine.agents`.
 * It is the registry spells use through their Agent global, so an agent
 * made here is seen by spells and the other way round.
 *
 * Configs are objects with the keys of Agent.create in SCRIPT_API.md, in
 * snake_case or camelCase: name, description, type ("llm" or "basic"),
 * model ("provider/model"; default: the in-process local/stories260K),
 * provider, systemPrompt, temperature, topP, seed, maxTokens, tools,
 * memory, maxToolRounds, baseUrl, apiKeyEnv, customConfig,
 * resourceLimits {timeoutMs}. The library checks them (LlmspellError
 * invalid_argument, not_found for an unknown tool, provider or model,
 * conflict for a taken name).
 *
 * The registry calls are synchronous and short; a closed engine throws
 * LlmspellError "closed".
 */
class Agents {
  /** @param {Engine} engine (internal: use engine.agents) */
  constructor(engine) {
    this[kEngine] = engine;
  }
}

Agents.prototype.create = require('./methods/agent-create');
Agents.prototype.get = require('./methods/agent-get');
Agents.prototype.list = require('./methods/agent-list');
Agents.prototype.remove = require('./methods/agent-remove');

/**
 * Agent is one agent of an engine's registry, by name: from
 * `engine.agents.create()` or `engine.agents.get()`. It owns nothing in
 * the library (nothing to close); once the agent is removed its calls
 * throw LlmspellError "not_found".
 *
 * A turn's input is a string (the user's text) or {text, messages?,
 * parameters?}; its result is {text, tool_calls: [{id, name, arguments,
 * success, result|error, duration_ms}], usage: {input_tokens,
 * output_tokens}, metadata: {model, provider, execution_time_ms,
 * finish_reason, rounds, correlation_id}}.
 */
class Agent {
  constructor(engine, name) {
    this[kEngine] = engine;
    this[kName] = name;
  }

  /** name is the agent's name in the registry. */
  get name() {
    return this[kName];
  }

  /** engine is the Engine the agent belongs to. */
  get engine() {
    return this[kEngine];
  }
}

Agent.prototype.execute = require('./methods/agent-execute');
Agent.prototype.executeAsync = require('./methods/agent-execute-async');
Agent.prototype.stream = require('./methods/agent-stream');
Agent.prototype.info = require('./methods/agent-info');
Agent.prototype.history = require('./methods/agent-history');
Agent.prototype.clearHistory = require('./methods/agent-clear-history');
Agent.prototype.saveState = require('./methods/agent-save-state');
Agent.prototype.loadState = require('./methods/agent-load-state');
Agent.prototype.wrapAsTool = require('./methods/agent-wrap-as-tool');
Agent.prototype.remove = function remove() {
  return this[kEngine].agents.remove(this[kName]);
};

/**
 * Providers are the LLM providers of one Engine; get them from
 * `engine.providers`.
 */
class Providers {
  /** @param {Engine} engine (internal: use engine.providers) */
  constructor(engine) {
    this[kEngine] = engine;
  }

  /** names returns the providers' names (see list()). */
  names() {
    return this.list().map((p) => p.name);
  }
}

Providers.prototype.list = require('./methods/provider-list');

module.exports = { Agents, Agent, AgentStream, Providers };
