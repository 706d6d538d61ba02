'use strict';

const native = require('../native');
const { callAsync, liveEngineHandle } = require('../admin-args');
const { valueJson, resumeArgs, strArg } = require('../workflow-args');

/**
 * resumeAsync is resume() on a thread of the addon's pool: the event loop
 * stays free (and serves the JS tools the steps call).
 * @param {string} runId
 * @param {*} [input]
 * @param {{token?: RunToken}} [options]
 * @returns {Promise<object>} the result; rejects as resume() throws.
 * @throws {TypeError} synchronously, for bad argument types.
 */
module.exports = function resumeAsync(runId, input, options) {
  strArg(runId, 'runId');
  const json = valueJson(input, 'input');
  const run = resumeArgs(options);
  return callAsync(native.workflowResumeAsync, liveEngineHandle(this), runId, json, run);
};
