'use strict';
// tool-args.js checks the arguments shared by tools.invoke and invokeAsync.

const { strArg, describe } = require('./admin-args');

// paramsJson encodes a tool's parameters (an object; undefined/null for {}).
function paramsJson(params) {
  if (params === undefined || params === null) return null;
  if (typeof params !== 'object' || Array.isArray(params)) {
    throw new TypeError(`params must be an object, got ${describe(params)}`);
  }
  return JSON.stringify(params);
}

module.exports = { paramsJson, strArg };
