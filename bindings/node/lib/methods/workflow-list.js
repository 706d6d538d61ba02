'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');

/**
 * list describes every workflow (llmspell_workflow_list).
 * @returns {object[]} {name, description, type, steps, branches, serializable}.
 * @throws {LlmspellError} closed.
 */
module.exports = function list() {
  return JSON.parse(native.workflowList(engineHandleOrThrow(this)));
};
