'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { strArg } = require('../workflow-args');

/**
 * runRecord returns a run's record (llmspell_workflow_run_record): {id,
 * workflow, status: "running"|"completed"|"failed"|"cancelled"|
 * "waiting_input", input, shared, output?, error?, started_at, updated_at,
 * steps}.
 * @param {string} runId
 * @returns {object}
 * @throws {LlmspellError} not_found (no such run), invalid_argument
 *   (malformed id), closed.
 */
module.exports = function runRecord(runId) {
  strArg(runId, 'runId');
  return JSON.parse(native.workflowRunRecord(engineHandleOrThrow(this), runId));
};
