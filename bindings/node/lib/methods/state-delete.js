'use strict';

const native = require('../native');
const { scopeArg, keyArg, engineHandle } = require('../state-args');

/**
 * delete removes key from scope (llmspell_state_delete), synchronously.
 * Deleting a missing key is not an error.
 * @param {string|null} scope e.g. "agent:a"; null for "global".
 * @param {string} key
 * @returns {boolean} true if the key existed.
 * @throws {TypeError} bad argument types.
 * @throws {LlmspellError} invalid_argument, storage_error, closed.
 */
module.exports = function del(scope, key) {
  const s = scopeArg(scope);
  const k = keyArg(key);
  return native.stateDelete(engineHandle(this), s, k);
};
