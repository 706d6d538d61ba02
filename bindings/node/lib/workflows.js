'use strict';

const { kEngine, kWorkflowName: kName } = require('./symbols');

/**
 * Workflows is the workflow registry of one Engine; get it from
 * `engine.workflows`. It is the registry spells use through their Workflow
 * global, so a workflow made here is seen by spells and the other way
 * round.
 *
 * A definition is a plain object (or its JSON text) in the table form of
 * SCRIPT_API.md, with the JSON keys as they are (snake_case): {name, type:
 * "sequential"|"parallel"|"conditional"|"loop", steps, branches, iterator,
 * body, aggregate, error_strategy, retry, timeout_ms, output, ...}; steps
 * are {name, type: "tool"|"agent"|"workflow"|"function"|"input", tool,
 * agent, workflow, function, input, when, error_strategy, retry,
 * timeout_ms, prompt}. Steps pass data through {{steps.<name>.output}},
 * {{input.<key>}}, {{loop.item}} references. A function step names a
 * registered tool, so a JS function registered with engine.tools.register
 * is a step of a JSON workflow.
 *
 * The registry calls are synchronous and short; a closed engine throws
 * LlmspellError "closed". resume() blocks like Workflow.execute();
 * resumeAsync() returns a Promise.
 */
class Workflows {
  /** @param {Engine} engine (internal: use engine.workflows) */
  constructor(engine) {
    this[kEngine] = engine;
  }
}

Workflows.prototype.create = require('./methods/workflow-create');
Workflows.prototype.get = require('./methods/workflow-get');
Workflows.prototype.list = require('./methods/workflow-list');
Workflows.prototype.remove = require('./methods/workflow-remove');
Workflows.prototype.resume = require('./methods/workflow-resume');
Workflows.prototype.resumeAsync = require('./methods/workflow-resume-async');
Workflows.prototype.runRecord = require('./methods/workflow-run-record');

/**
 * Workflow is one workflow of an engine's registry, by name: from
 * `engine.workflows.create()` or `engine.workflows.get()`. It owns nothing
 * in the library (nothing to close); once the workflow is removed its
 * calls throw LlmspellError "not_found".
 *
 * A result is {run_id, workflow, status: "completed"|"failed"|
 * "waiting_input", success, output, steps: [{name, path, type, success,
 * output, error?, attempts, duration_ms, skipped?, restored?}],
 * duration_ms, error?, pending_step?, prompt?}. A failing step is in the
 * result (success false); the call throws for bad input, a cancelled token
 * ("cancelled") or the run's timeout ("timeout").
 */
class Workflow {
  constructor(engine, name) {
    this[kEngine] = engine;
    this[kName] = name;
  }

  /** name is the workflow's name in the registry. */
  get name() {
    return this[kName];
  }

  /** engine is the Engine the workflow belongs to. */
  get engine() {
    return this[kEngine];
  }
}

Workflow.prototype.execute = require('./methods/workflow-execute');
Workflow.prototype.executeAsync = require('./methods/workflow-execute-async');
Workflow.prototype.info = require('./methods/workflow-info');
Workflow.prototype.wrapAsTool = require('./methods/workflow-wrap-as-tool');
Workflow.prototype.remove = function remove() {
  return this[kEngine].workflows.remove(this[kName]);
};

module.exports = { Workflows, Workflow };
