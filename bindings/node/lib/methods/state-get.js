'use strict';

const native = require('../native');
const { scopeArg, keyArg, engineHandle } = require('../state-args');

/**
 * get reads the value of key in scope (llmspell_state_get), synchronously.
 * @param {string|null} scope e.g. "agent:a"; null for "global".
 * @param {string} key
 * @returns {any} the stored value (parsed JSON), or undefined when the key
 *   is absent (like Map.prototype.get; a stored value is never null,
 *   because storing null deletes).
 * @throws {TypeError} bad argument types.
 * @throws {LlmspellError} invalid_argument, storage_error, closed.
 */
module.exports = function get(scope, key) {
  const s = scopeArg(scope);
  const k = keyArg(key);
  const json = native.stateGet(engineHandle(this), s, k);
  return json === null ? undefined : JSON.parse(json);
};
