'use strict';

const native = require('../native');
const { scopeArg, keyArg, valueJson, engineHandle } = require('../state-args');

/**
 * set stores value under key in scope (llmspell_state_set), synchronously.
 * A null value deletes the key.
 * @param {string|null} scope e.g. "agent:a"; null for "global".
 * @param {string} key
 * @param {any} value anything JSON.stringify can encode.
 * @throws {TypeError|RangeError} bad argument types; a value with no JSON
 *   form (undefined, a function, a top-level NaN or Infinity, a cycle).
 * @throws {LlmspellError} invalid_argument (bad scope or key, value over
 *   state.max_value_bytes), storage_error, closed.
 */
module.exports = function set(scope, key, value) {
  const s = scopeArg(scope);
  const k = keyArg(key);
  const v = valueJson(value);
  native.stateSet(engineHandle(this), s, k, v);
};
