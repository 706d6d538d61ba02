'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { wrapJson } = require('../agent-args');
const { kAgentName: kName } = require('../symbols');

/**
 * wrapAsTool registers the agent as a tool taking {input: "..."}
 * (llmspell_agent_wrap_as_tool), callable by other agents, workflows,
 * spells and engine.tools.invoke().
 * @param {{toolName?: string, description?: string}} [options] default
 *   name "agent_<name>".
 * @returns {string} the tool's name.
 * @throws {TypeError} bad option types or keys.
 * @throws {LlmspellError} not_found (no such agent), conflict (the tool
 *   name is taken), invalid_argument, closed.
 */
module.exports = function wrapAsTool(options) {
  const json = wrapJson(options);
  return native.agentWrapAsTool(engineHandleOrThrow(this), this[kName], json);
};
