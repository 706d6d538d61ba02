'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { strArg } = require('../workflow-args');
const { kEngine } = require('../symbols');

/**
 * get returns the Workflow named `name` (made here or by a spell), after
 * checking that it exists (llmspell_workflow_info).
 * @param {string} name
 * @returns {Workflow}
 * @throws {LlmspellError} not_found, closed.
 */
module.exports = function get(name) {
  strArg(name, 'name');
  native.workflowInfo(engineHandleOrThrow(this), name);
  const { Workflow } = require('../workflows');
  return new Workflow(this[kEngine], name);
};
