'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { strArg } = require('../workflow-args');

/**
 * remove unregisters the workflow `name` (llmspell_workflow_remove); runs
 * in progress finish and its run records stay.
 * @param {string} name
 * @returns {boolean} whether it existed.
 * @throws {LlmspellError} closed.
 */
module.exports = function remove(name) {
  strArg(name, 'name');
  return native.workflowRemove(engineHandleOrThrow(this), name);
};
