'use strict';
// workflow-args.js checks the arguments of the Workflows and Workflow
// methods in JS, before any native call, and builds the library's JSON.
// Wrong types and unknown option keys throw TypeError, out-of-range numbers
// RangeError. What makes a definition valid beyond being an object or a
// JSON text (its keys, steps, references, bounds) is left to the library,
// which answers invalid_argument or not_found, so every binding agrees.

const { isPlainObject } = require('./options');
const { describe, strArg, present, optionsArg, jsonOrNull } = require('./admin-args');
const { tokenOf, tokenHandle, wrapJson } = require('./registry-args');

// definitionJson encodes a definition: a plain object (keys as in the
// JSON form: snake_case), or its JSON text, passed as it is.
function definitionJson(def) {
  if (typeof def === 'string') return def;
  if (!isPlainObject(def)) throw new TypeError(`definition must be an object or a JSON string, got ${describe(def)}`);
  return JSON.stringify(def);
}

// valueJson encodes a workflow input or a resume answer: any value
// JSON.stringify can encode; undefined gives null (no input).
function valueJson(v, what) {
  if (v === undefined) return null;
  let s;
  try {
    s = JSON.stringify(v);
  } catch (e) {
    throw new TypeError(`${what} cannot be encoded as JSON: ${e.message}`);
  }
  if (s === undefined) throw new TypeError(`${what} cannot be encoded as JSON (${describe(v)})`);
  return s;
}

const EXECUTE_KEYS = ['runId', 'timeoutMs', 'token'];

// executeArgs reads the options of execute ({runId?, timeoutMs?, token?})
// into [optionsJson|null, runHandle|null].
function executeArgs(options) {
  const o = optionsArg(options, EXECUTE_KEYS);
  const out = {};
  if (present(o.runId)) out.run_id = strArg(o.runId, 'options.runId');
  if (present(o.timeoutMs)) {
    const t = o.timeoutMs;
    if (typeof t !== 'number') throw new TypeError(`options.timeoutMs must be a number, got ${describe(t)}`);
    if (!Number.isInteger(t) || t < 0) throw new RangeError(`options.timeoutMs must be a whole number >= 0, got ${t}`);
    out.timeout_ms = t;
  }
  return [jsonOrNull(out), tokenOf(o.token)];
}

// resumeArgs reads the options of resume ({token?}) into the run handle.
const resumeArgs = tokenHandle;

module.exports = { definitionJson, valueJson, executeArgs, resumeArgs, wrapJson, strArg };
