'use strict';
// state-args.js checks the arguments of the State methods in JS, before any
// native call: wrong types throw TypeError, out-of-range numbers RangeError.
// What makes a scope or key valid (known scope kinds, key length, "..",
// reserved prefixes) is left to the library, which answers
// invalid_argument, so every binding agrees on it.

const { kHandle, kEngine } = require('./symbols');
const { closedError } = require('./errors');

const MAX_LIMIT = 2 ** 32 - 1;

// scopeArg checks a scope: a string, or null/undefined for "global".
function scopeArg(scope) {
  if (scope === undefined || scope === null) return null;
  if (typeof scope !== 'string') {
    throw new TypeError(`scope must be a string such as "agent:a", or null for global; got ${typeof scope}`);
  }
  return scope;
}

// keyArg checks a key: a string.
function keyArg(key) {
  if (typeof key !== 'string') throw new TypeError(`key must be a string, got ${typeof key}`);
  return key;
}

// valueJson encodes a value with JSON.stringify (so toJSON is honoured and,
// inside objects and arrays, NaN and Infinity become null as usual). A
// value that has no JSON form at all throws: undefined, a function or a
// symbol (TypeError), a top-level NaN or Infinity (RangeError; it would
// otherwise become null and delete the key). Cycles and BigInt throw
// JSON.stringify's own TypeError.
function valueJson(value, what = 'value') {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`${what} must be a finite number, got ${value}`);
  }
  const json = JSON.stringify(value);
  if (json === undefined) {
    throw new TypeError(`${what} has no JSON form (got ${typeof value}); use null to delete`);
  }
  return json;
}

// optionalJson is valueJson with null/undefined giving null (NULL in C).
function optionalJson(value, what) {
  return value === undefined || value === null ? null : valueJson(value, what);
}

// keysArgs checks keys()'s options and returns [prefix|null, limit].
function keysArgs(options) {
  if (options === undefined || options === null) return [null, 0];
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError('options must be an object such as {prefix, limit}');
  }
  for (const k of Object.keys(options)) {
    if (k !== 'prefix' && k !== 'limit') {
      throw new TypeError(`unknown option "${k}" (known: prefix, limit)`);
    }
  }
  const { prefix, limit } = options;
  if (prefix !== undefined && prefix !== null && typeof prefix !== 'string') {
    throw new TypeError(`options.prefix must be a string, got ${typeof prefix}`);
  }
  if (limit !== undefined && limit !== null) {
    if (typeof limit !== 'number') throw new TypeError(`options.limit must be a number, got ${typeof limit}`);
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_LIMIT) {
      throw new RangeError(`options.limit must be an integer from 0 to ${MAX_LIMIT}, got ${limit}`);
    }
  }
  return [prefix === undefined ? null : prefix, limit == null ? 0 : limit];
}

// opJson checks one transaction operation and returns it as JSON text.
function opJson(op, i) {
  if (op === null || typeof op !== 'object' || Array.isArray(op)) {
    throw new TypeError(`ops[${i}] must be an object such as {op: "set", scope, key, value}`);
  }
  if (typeof op.op !== 'string') throw new TypeError(`ops[${i}].op must be "set" or "delete"`);
  if (op.scope !== undefined && op.scope !== null && typeof op.scope !== 'string') {
    throw new TypeError(`ops[${i}].scope must be a string, or null for global`);
  }
  if (typeof op.key !== 'string') throw new TypeError(`ops[${i}].key must be a string`);
  if ('value' in op) valueJson(op.value, `ops[${i}].value`);
  return JSON.stringify(op);
}

// opsJson checks transaction()'s array of operations and returns it as
// JSON text.
function opsJson(ops) {
  const parts = new Array(ops.length);
  for (let i = 0; i < ops.length; i++) parts[i] = opJson(ops[i], i);
  return `[${parts.join(',')}]`;
}

// engineHandle returns the live native handle of a State's engine, or
// throws LlmspellError "closed".
function engineHandle(state) {
  const h = state[kEngine][kHandle];
  if (h === null) throw closedError('engine');
  return h;
}

module.exports = { scopeArg, keyArg, valueJson, optionalJson, keysArgs, opsJson, engineHandle };
