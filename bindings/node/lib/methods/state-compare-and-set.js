'use strict';

const native = require('../native');
const { scopeArg, keyArg, optionalJson, engineHandle } = require('../state-args');

/**
 * compareAndSet sets key to next only if its current value equals expected
 * (llmspell_state_compare_and_set), synchronously and atomically against
 * every other write. Equality is JSON equality: 1 equals 1.0, and object key
 * order does not matter.
 * @param {string|null} scope e.g. "agent:a"; null for "global".
 * @param {string} key
 * @param {any} expected the value the key must hold; null or undefined
 *   means "only if the key is absent".
 * @param {any} next the new value; null or undefined deletes the key.
 * @returns {boolean} true if it wrote, false if the value differed.
 * @throws {TypeError|RangeError} bad argument types; a value with no JSON
 *   form.
 * @throws {LlmspellError} invalid_argument, storage_error, closed.
 */
module.exports = function compareAndSet(scope, key, expected, next) {
  const s = scopeArg(scope);
  const k = keyArg(key);
  const e = optionalJson(expected, 'expected');
  const n = optionalJson(next, 'next');
  return native.stateCompareAndSet(engineHandle(this), s, k, e, n);
};
