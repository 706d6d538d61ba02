'use strict';

const native = require('../native');
const { kHandle } = require('../symbols');
const { LlmspellError, closedError } = require('../errors');
const { runArgs, result } = require('../options');

/**
 * run runs a spell off the main thread (llmspell_engine_run on a thread of
 * the addon's pool) and never blocks the event loop.
 *
 * @param {string|Uint8Array} source the script text (UTF-8).
 * @param {object} [options]
 * @param {string} [options.lang="lua"] "lua" or "js".
 * @param {object|Array} [options.args] visible to the script as ARGS.
 * @param {number} [options.timeoutMs] wall-clock limit; 0 = config default.
 * @param {string} [options.name] file name used in error messages.
 * @param {number} [options.maxOutputBytes] bound on printed output; 0 = default.
 * @param {RunToken} [options.token] cancels the run when cancelled.
 * @returns {Promise<{value: any, output: string}>} the value the script
 *   returned (parsed JSON; null when it returned nothing) and what it printed.
 *   Rejects with an LlmspellError: script_error, timeout, cancelled,
 *   limit_exceeded, invalid_argument (e.g. unknown language), closed.
 * @throws {TypeError|RangeError} synchronously, for bad arguments.
 */
module.exports = function run(source, options) {
  let args;
  try {
    args = runArgs(source, options);
  } catch (e) {
    if (e instanceof LlmspellError) return Promise.reject(e);
    throw e;
  }
  const h = this[kHandle];
  if (h === null) return Promise.reject(closedError('engine'));
  return native.engineRunAsync(h, ...args).then(result);
};
