'use strict';

const native = require('../native');
const { callAsync, liveEngineHandle } = require('../admin-args');
const { inputJson, tokenHandle } = require('../agent-args');
const { kAgentName: kName } = require('../symbols');

/**
 * executeAsync is execute() on a thread of the addon's pool: the event
 * loop stays free (and serves the JS tools the agent calls).
 * @param {string|object} input
 * @param {{token?: RunToken}} [options]
 * @returns {Promise<object>} the result; rejects as execute() throws.
 * @throws {TypeError} synchronously, for bad argument types.
 */
module.exports = function executeAsync(input, options) {
  const json = inputJson(input);
  const run = tokenHandle(options);
  return callAsync(native.agentExecuteAsync, liveEngineHandle(this), this[kName], json, run);
};
