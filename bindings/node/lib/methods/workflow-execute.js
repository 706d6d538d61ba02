'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { valueJson, executeArgs } = require('../workflow-args');
const { kWorkflowName: kName } = require('../symbols');

/**
 * execute runs the workflow (llmspell_workflow_execute) until it
 * completes, fails, or pauses at an input step, and returns the result. It
 * blocks the calling thread for the whole run (JS tools the steps call are
 * served meanwhile); use executeAsync() on the main thread of a server.
 * @param {*} [input] the workflow's input, any JSON value ({{input.<key>}});
 *   undefined for null.
 * @param {{runId?: string, timeoutMs?: number, token?: RunToken}} [options]
 *   runId names the run (default: generated); timeoutMs bounds the whole
 *   run; a token's cancel() stops it.
 * @returns {object} the result (see Workflow).
 * @throws {TypeError} bad argument types. {RangeError} a bad timeoutMs.
 * @throws {LlmspellError} not_found (no such workflow), invalid_argument,
 *   conflict (runId in use), cancelled, timeout, closed.
 */
module.exports = function execute(input, options) {
  const json = valueJson(input, 'input');
  const [opts, run] = executeArgs(options);
  return JSON.parse(native.workflowExecute(engineHandleOrThrow(this), this[kName], json, opts, run));
};
