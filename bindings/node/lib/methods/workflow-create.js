'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { definitionJson } = require('../workflow-args');
const { kEngine } = require('../symbols');

/**
 * create checks a definition and registers the workflow
 * (llmspell_workflow_create), and returns its Workflow.
 * @param {object|string} definition see Workflows; or its JSON text.
 * @returns {Workflow}
 * @throws {TypeError} definition is neither an object nor a string.
 * @throws {LlmspellError} not_found (unknown tool, agent or workflow; a
 *   function step naming no registered tool), invalid_argument (malformed
 *   definition, unknown key, a reference to a step that does not run
 *   before, a loop without a bound, cyclic nesting), conflict (the name is
 *   taken), closed.
 */
module.exports = function create(definition) {
  const json = definitionJson(definition);
  const { Workflow } = require('../workflows');
  return new Workflow(this[kEngine], native.workflowCreate(engineHandleOrThrow(this), json));
};
