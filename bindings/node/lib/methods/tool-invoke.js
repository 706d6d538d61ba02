'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');
const { paramsJson, strArg } = require('../tool-args');

/**
 * invoke calls a tool by name or alias (llmspell_tool_invoke) on the
 * calling thread, and returns its envelope {operation, success, result?,
 * error?: {kind, message}, metadata}. A tool that ran and failed gives
 * success false (no exception).
 * @param {string} name
 * @param {object} [params] the tool's parameters.
 * @returns {object}
 * @throws {TypeError} bad argument types.
 * @throws {LlmspellError} not_found (no such tool), invalid_argument (the
 *   parameters do not match the schema), denied (the policy refused),
 *   cancelled (a hook cancelled), timeout, closed.
 */
module.exports = function invoke(name, params) {
  strArg(name, 'name');
  const p = paramsJson(params);
  return JSON.parse(native.toolInvoke(engineHandleOrThrow(this), name, p));
};
