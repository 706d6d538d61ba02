'use strict';

const native = require('../native');
const { scopeArg, keysArgs, engineHandle } = require('../state-args');

/**
 * keys lists the keys of scope in byte order, as a consistent snapshot
 * (llmspell_state_list), synchronously.
 * @param {string|null} scope e.g. "agent:a"; null for "global".
 * @param {object} [options]
 * @param {string} [options.prefix] only keys that start with it.
 * @param {number} [options.limit=0] at most this many keys; 0 = no limit.
 * @returns {string[]}
 * @throws {TypeError|RangeError} bad argument types or limit.
 * @throws {LlmspellError} invalid_argument, storage_error, closed.
 */
module.exports = function keys(scope, options) {
  const s = scopeArg(scope);
  const [prefix, limit] = keysArgs(options);
  return JSON.parse(native.stateList(engineHandle(this), s, prefix, limit));
};
