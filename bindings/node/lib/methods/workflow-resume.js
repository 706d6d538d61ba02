'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { valueJson, resumeArgs, strArg } = require('../workflow-args');

/**
 * resume finishes a run that paused at an input step, failed, was
 * cancelled, timed out or was killed (llmspell_workflow_resume): finished
 * steps are restored from its checkpoint, the rest run. It blocks the
 * calling thread (JS tools the steps call are served meanwhile); use
 * resumeAsync() on the main thread of a server.
 * @param {string} runId the run's id (result.run_id).
 * @param {*} [input] the answer for the input step the run waits for (any
 *   JSON value); undefined for null.
 * @param {{token?: RunToken}} [options]
 * @returns {object} the result (see Workflow).
 * @throws {TypeError} bad argument types.
 * @throws {LlmspellError} not_found (no such run), conflict (the run
 *   completed), invalid_argument (malformed id), cancelled, timeout, closed.
 */
module.exports = function resume(runId, input, options) {
  strArg(runId, 'runId');
  const json = valueJson(input, 'input');
  const run = resumeArgs(options);
  return JSON.parse(native.workflowResume(engineHandleOrThrow(this), runId, json, run));
};
