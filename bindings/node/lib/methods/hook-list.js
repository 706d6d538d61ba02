'use strict';

const native = require('../native');
const { strArg, present, engineHandleOrThrow } = require('../admin-args');

/**
 * list describes the registered hooks of every language (llmspell_hook_list),
 * synchronously, in execution order per point: [{id, name, point, priority,
 * language, breaker, calls, failures, slow, skipped}].
 * @param {string} [point] only this point.
 * @returns {object[]}
 * @throws {LlmspellError} invalid_argument (unknown point), closed.
 */
module.exports = function list(point) {
  const p = present(point) ? strArg(point, 'point') : null;
  return JSON.parse(native.hookList(engineHandleOrThrow(this), p));
};
