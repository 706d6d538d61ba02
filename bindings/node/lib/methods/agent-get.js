'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { strArg } = require('../agent-args');
const { kEngine } = require('../symbols');

/**
 * get returns the Agent named `name` (made here or by a spell), after
 * checking that it exists (llmspell_agent_info).
 * @param {string} name
 * @returns {Agent}
 * @throws {LlmspellError} not_found, closed.
 */
module.exports = function get(name) {
  strArg(name, 'name');
  native.agentInfo(engineHandleOrThrow(this), name);
  const { Agent } = require('../agents');
  return new Agent(this[kEngine], name);
};
