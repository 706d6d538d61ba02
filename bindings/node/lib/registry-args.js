'use strict';
// registry-args.js checks the arguments that the agent and the workflow
// registries share, in JS, before any native call: the run token of a turn
// or a run ({token?}) and the options of wrapAsTool ({toolName?,
// description?}). Wrong types and unknown option keys throw TypeError.

const { kHandle } = require('./symbols');
const { closedError } = require('./errors');
const { optionsArg, strArg, present, jsonOrNull } = require('./admin-args');

// tokenOf returns a RunToken's live handle, or null for no token.
function tokenOf(t) {
  if (!present(t)) return null;
  const RunToken = require('./run-token');
  if (!(t instanceof RunToken)) throw new TypeError('options.token must be a RunToken (from engine.runToken())');
  const h = t[kHandle];
  if (h === null) throw closedError('run token');
  return h;
}

// tokenHandle reads the options of a turn or a resume ({token?}) and
// returns the run token's handle, or null.
function tokenHandle(options) {
  return tokenOf(optionsArg(options, ['token']).token);
}

const WRAP_KEYS = ['toolName', 'description'];

// wrapJson encodes the options of wrapAsTool ({toolName?, description?}).
function wrapJson(options) {
  const o = optionsArg(options, WRAP_KEYS);
  const out = {};
  if (present(o.toolName)) out.tool_name = strArg(o.toolName, 'options.toolName');
  if (present(o.description)) out.description = strArg(o.description, 'options.description');
  return jsonOrNull(out);
}

module.exports = { tokenOf, tokenHandle, wrapJson };
