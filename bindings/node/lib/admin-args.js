'use strict';
// admin-args.js checks the arguments of the Backups, migration and Events
// methods in JS, before any native call, and builds the library's JSON
// (snake_case keys) from camelCase options. Wrong types and unknown option
// keys throw TypeError, out-of-range numbers RangeError. What makes a value
// valid beyond its type (a version string, a pattern, a policy name) is
// left to the library, which answers invalid_argument, so every binding
// agrees on it.

const { kEngine, kHandle } = require('./symbols');
const { closedError, LlmspellError } = require('./errors');
const { optionsArg } = require('./session-args');

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function present(v) {
  return v !== undefined && v !== null;
}

// boolField copies a boolean option.
function boolField(out, jsonKey, v, what) {
  if (!present(v)) return;
  if (typeof v !== 'boolean') throw new TypeError(`${what} must be a boolean, got ${describe(v)}`);
  out[jsonKey] = v;
}

// intField copies an integer option within [min, max].
function intField(out, jsonKey, v, what, min, max = Number.MAX_SAFE_INTEGER) {
  if (!present(v)) return;
  if (typeof v !== 'number') throw new TypeError(`${what} must be a number, got ${describe(v)}`);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${what} must be an integer from ${min} to ${max}, got ${v}`);
  }
  out[jsonKey] = v;
}

// strArg checks a string argument (an id, a version, a type, a pattern).
function strArg(v, what) {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string, got ${describe(v)}`);
  return v;
}

// jsonOrNull encodes the built options, or gives null when there are none.
function jsonOrNull(out) {
  return Object.keys(out).length === 0 ? null : JSON.stringify(out);
}

// liveEngineHandle returns the native handle of the Engine behind a
// Backups/State/Events object, or null when the engine is closed.
function liveEngineHandle(obj) {
  return obj[kEngine][kHandle];
}

// engineHandleOrThrow is liveEngineHandle for the synchronous methods.
function engineHandleOrThrow(obj) {
  const h = liveEngineHandle(obj);
  if (h === null) throw closedError('engine');
  return h;
}

// callAsync calls an async native function and parses the JSON its Promise
// resolves with. A closed engine (h === null) and an LlmspellError the addon
// throws while reading the arguments (a NUL in an id) become a rejected
// Promise; TypeError and RangeError are thrown.
function callAsync(fn, h, ...args) {
  if (h === null) return Promise.reject(closedError('engine'));
  try {
    return fn(h, ...args).then(JSON.parse);
  } catch (e) {
    if (e instanceof LlmspellError) return Promise.reject(e);
    throw e;
  }
}

module.exports = {
  callAsync,
  optionsArg,
  boolField,
  intField,
  strArg,
  jsonOrNull,
  liveEngineHandle,
  engineHandleOrThrow,
  describe,
  present,
};
