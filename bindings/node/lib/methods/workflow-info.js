'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { kWorkflowName: kName } = require('../symbols');

/**
 * info describes the workflow (llmspell_workflow_info).
 * @returns {object} {name, description, type, steps, branches,
 *   serializable, definition?}; definition is there when the workflow holds
 *   no script functions.
 * @throws {LlmspellError} not_found (no such workflow), closed.
 */
module.exports = function info() {
  return JSON.parse(native.workflowInfo(engineHandleOrThrow(this), this[kName]));
};
