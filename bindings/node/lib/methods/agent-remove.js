'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { strArg } = require('../agent-args');

/**
 * remove unregisters the agent `name` (llmspell_agent_remove); turns in
 * progress finish and its saved memory stays in state.
 * @param {string} name
 * @returns {boolean} whether it existed.
 * @throws {LlmspellError} closed.
 */
module.exports = function remove(name) {
  strArg(name, 'name');
  return native.agentRemove(engineHandleOrThrow(this), name);
};
