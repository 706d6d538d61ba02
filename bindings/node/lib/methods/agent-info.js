'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { kAgentName: kName } = require('../symbols');

/**
 * info describes the agent (llmspell_agent_info).
 * @returns {object} {name, description, type, model, provider, tools,
 *   system_prompt, max_conversation_length, max_tool_rounds, memory_length}.
 * @throws {LlmspellError} not_found (no such agent), closed.
 */
module.exports = function info() {
  return JSON.parse(native.agentInfo(engineHandleOrThrow(this), this[kName]));
};
