'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { configJson } = require('../agent-args');
const { kEngine } = require('../symbols');

/**
 * create builds and registers an agent (llmspell_agent_create) and returns
 * its Agent. Unknown tools and providers fail here, not at the first turn.
 * @param {object} [config] see Agents; default {} (a generated name, the
 *   default model).
 * @returns {Agent}
 * @throws {TypeError} config is not an object.
 * @throws {LlmspellError} invalid_argument (unknown key, wrong type, bad
 *   value), not_found (unknown tool or provider, missing local model),
 *   conflict (the name is taken), closed.
 */
module.exports = function create(config) {
  const json = configJson(config);
  const { Agent } = require('../agents');
  return new Agent(this[kEngine], native.agentCreate(engineHandleOrThrow(this), json));
};
