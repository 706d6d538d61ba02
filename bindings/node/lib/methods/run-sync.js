'use strict';

const native = require('../native');
const { kHandle } = require('../symbols');
const { closedError } = require('../errors');
const { runArgs, result } = require('../options');

/**
 * runSync is run() on the calling thread: it blocks until the spell ends.
 * Options, result and errors as run(), except that errors are thrown.
 * @returns {{value: any, output: string}}
 */
module.exports = function runSync(source, options) {
  const args = runArgs(source, options);
  const h = this[kHandle];
  if (h === null) throw closedError('engine');
  return result(native.engineRun(h, ...args));
};
