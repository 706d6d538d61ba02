'use strict';

const native = require('../native');
const { callAsync, liveEngineHandle } = require('../admin-args');
const { paramsJson, strArg } = require('../tool-args');

/**
 * invokeAsync is invoke() on a thread of the addon's pool: the event loop
 * stays free (and serves the JS tools and hooks the call meets).
 * @returns {Promise<object>} the envelope; rejects as invoke() throws.
 * @throws {TypeError} synchronously, for bad argument types.
 */
module.exports = function invokeAsync(name, params) {
  strArg(name, 'name');
  const p = paramsJson(params);
  return callAsync(native.toolInvokeAsync, liveEngineHandle(this), name, p);
};
