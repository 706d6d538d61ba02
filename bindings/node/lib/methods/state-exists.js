'use strict';

const native = require('../native');
const { scopeArg, keyArg, engineHandle } = require('../state-args');

/**
 * exists reports whether key is set in scope (llmspell_state_exists),
 * synchronously.
 * @param {string|null} scope e.g. "agent:a"; null for "global".
 * @param {string} key
 * @returns {boolean}
 * @throws {TypeError} bad argument types.
 * @throws {LlmspellError} invalid_argument, storage_error, closed.
 */
module.exports = function exists(scope, key) {
  const s = scopeArg(scope);
  const k = keyArg(key);
  return native.stateExists(engineHandle(this), s, k);
};
