'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { inputJson, tokenHandle } = require('../agent-args');
const { kAgentName: kName } = require('../symbols');
const { AgentStream } = require('../agent-stream');

/**
 * stream starts a turn whose text deltas are read as the model makes them
 * (llmspell_agent_stream_open), and returns an AgentStream:
 *
 *   for await (const delta of agent.stream('Once upon a time')) ...
 *
 * The agent runs in the background and waits when 16 deltas are unread.
 * @param {string|object} input
 * @param {{token?: RunToken}} [options]
 * @returns {AgentStream}
 * @throws {TypeError} bad argument types.
 * @throws {LlmspellError} not_found, invalid_argument, closed; errors of
 *   the turn itself reject the iteration.
 */
module.exports = function stream(input, options) {
  const json = inputJson(input);
  const run = tokenHandle(options);
  return new AgentStream(native.agentStreamOpen(engineHandleOrThrow(this), this[kName], json, run));
};
