'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { kAgentName: kName } = require('../symbols');

/**
 * history returns the agent's memory, oldest first (llmspell_agent_history).
 * @returns {object[]} messages {role, content, tool_calls?, tool_call_id?, name?}.
 * @throws {LlmspellError} not_found (no such agent), closed.
 */
module.exports = function history() {
  return JSON.parse(native.agentHistory(engineHandleOrThrow(this), this[kName]));
};
