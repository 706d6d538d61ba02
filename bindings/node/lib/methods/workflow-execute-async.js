'use strict';

const native = require('../native');
const { callAsync, liveEngineHandle } = require('../admin-args');
const { valueJson, executeArgs } = require('../workflow-args');
const { kWorkflowName: kName } = require('../symbols');

/**
 * executeAsync is execute() on a thread of the addon's pool: the event
 * loop stays free (and serves the JS tools the steps call), so a timer can
 * cancel the run through its token.
 * @param {*} [input]
 * @param {{runId?: string, timeoutMs?: number, token?: RunToken}} [options]
 * @returns {Promise<object>} the result; rejects as execute() throws.
 * @throws {TypeError|RangeError} synchronously, for bad arguments.
 */
module.exports = function executeAsync(input, options) {
  const json = valueJson(input, 'input');
  const [opts, run] = executeArgs(options);
  return callAsync(native.workflowExecuteAsync, liveEngineHandle(this), this[kName], json, opts, run);
};
