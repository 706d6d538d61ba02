'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { inputJson, tokenHandle } = require('../agent-args');
const { kAgentName: kName } = require('../symbols');

/**
 * execute runs one turn with its tool loop (llmspell_agent_execute) and
 * returns the result. It blocks the calling thread for the whole turn (JS
 * tools the agent calls are served meanwhile); use executeAsync() or
 * stream() on the main thread of a server.
 * @param {string|object} input the user's text, or {text, messages?, parameters?}.
 * @param {{token?: RunToken}} [options] a token whose cancel() stops the turn.
 * @returns {object} the result (see Agent).
 * @throws {TypeError} bad argument types.
 * @throws {LlmspellError} not_found (no such agent), invalid_argument
 *   (empty or malformed input), provider_error, cancelled, timeout, closed.
 */
module.exports = function execute(input, options) {
  const json = inputJson(input);
  const run = tokenHandle(options);
  return JSON.parse(native.agentExecute(engineHandleOrThrow(this), this[kName], json, run));
};
