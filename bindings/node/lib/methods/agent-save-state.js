'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { kAgentName: kName } = require('../symbols');

/**
 * saveState saves the agent's memory in state scope agent:<name>
 * (llmspell_agent_save_state), so a later engine on the same store can
 * loadState() it.
 * @throws {LlmspellError} not_found (no such agent), storage_error, closed.
 */
module.exports = function saveState() {
  native.agentSaveState(engineHandleOrThrow(this), this[kName]);
};
