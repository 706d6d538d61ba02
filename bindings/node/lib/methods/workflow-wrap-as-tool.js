'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { wrapJson } = require('../workflow-args');
const { kWorkflowName: kName } = require('../symbols');

/**
 * wrapAsTool registers the workflow as a tool taking {input: any} and
 * returning the workflow's result (llmspell_workflow_wrap_as_tool),
 * callable by agents, other workflows, spells and engine.tools.invoke().
 * @param {{toolName?: string, description?: string}} [options] default
 *   name "workflow_<name>".
 * @returns {string} the tool's name.
 * @throws {TypeError} bad option types or keys.
 * @throws {LlmspellError} not_found (no such workflow), conflict (the tool
 *   name is taken), invalid_argument, closed.
 */
module.exports = function wrapAsTool(options) {
  const json = wrapJson(options);
  return native.workflowWrapAsTool(engineHandleOrThrow(this), this[kName], json);
};
