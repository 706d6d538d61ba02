'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { kAgentName: kName } = require('../symbols');

/**
 * loadState replaces the agent's memory with its saved copy
 * (llmspell_agent_load_state).
 * @returns {boolean} true when a saved copy existed; false leaves the
 *   memory as it was.
 * @throws {LlmspellError} not_found (no such agent), storage_error (a
 *   damaged copy), closed.
 */
module.exports = function loadState() {
  return native.agentLoadState(engineHandleOrThrow(this), this[kName]);
};
