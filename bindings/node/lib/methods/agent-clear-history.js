'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { kAgentName: kName } = require('../symbols');

/**
 * clearHistory empties the agent's memory, not its saved copy
 * (llmspell_agent_clear_history).
 * @throws {LlmspellError} not_found (no such agent), closed.
 */
module.exports = function clearHistory() {
  native.agentClearHistory(engineHandleOrThrow(this), this[kName]);
};
