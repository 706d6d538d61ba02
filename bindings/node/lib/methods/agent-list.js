'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');

/**
 * list describes every agent, sorted by name (llmspell_agent_list): infos
 * as Agent.info() returns them.
 * @returns {object[]}
 * @throws {LlmspellError} closed.
 */
module.exports = function list() {
  return JSON.parse(native.agentList(engineHandleOrThrow(this)));
};
