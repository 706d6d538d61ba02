'use strict';
// options.js validates arguments in JS, before any native call: wrong types
// throw TypeError, out-of-range numbers RangeError. Language names are left
// to the library (it answers invalid_argument for an unknown one).

const { kHandle } = require('./symbols');
const { closedError } = require('./errors');

const RUN_KEYS = new Set(['lang', 'args', 'timeoutMs', 'name', 'maxOutputBytes', 'token']);
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function isPlainObject(v) {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function checkCount(opts, key, max) {
  const v = opts[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') {
    throw new TypeError(`options.${key} must be a number, got ${typeof v}`);
  }
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`options.${key} must be an integer from 0 to ${max}, got ${v}`);
  }
  return v;
}

// configJson turns an Engine config (object, JSON text, or nothing) into
// JSON text or null.
function configJson(config) {
  if (config === undefined || config === null) return null;
  if (typeof config === 'string') return config;
  if (isPlainObject(config)) return JSON.stringify(config);
  throw new TypeError('config must be an object or a JSON string');
}

// runArgs checks (source, opts) and returns the native engineRun arguments
// after the engine: [lang, source, argsJson, optionsJson, tokenHandle].
function runArgs(source, opts, defaultLang = 'lua') {
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
    throw new TypeError('source must be a string or a Uint8Array');
  }
  if (opts === undefined || opts === null) opts = {};
  else if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError('options must be an object');
  }
  for (const key of Object.keys(opts)) {
    if (!RUN_KEYS.has(key)) {
      throw new TypeError(`unknown option "${key}" (known: ${[...RUN_KEYS].join(', ')})`);
    }
  }

  const lang = opts.lang === undefined ? defaultLang : opts.lang;
  if (typeof lang !== 'string' || lang === '') {
    throw new TypeError('options.lang must be a non-empty string such as "lua" or "js"');
  }

  let argsJson = null;
  if (opts.args !== undefined && opts.args !== null) {
    if (typeof opts.args !== 'object') {
      throw new TypeError('options.args must be an object or an array');
    }
    argsJson = JSON.stringify(opts.args); // throws TypeError on cycles, BigInt
  }

  const native = {};
  if (opts.name !== undefined) {
    if (typeof opts.name !== 'string') throw new TypeError('options.name must be a string');
    native.name = opts.name;
  }
  const timeoutMs = checkCount(opts, 'timeoutMs', MAX_TIMEOUT_MS);
  if (timeoutMs !== undefined) native.timeout_ms = timeoutMs;
  const maxOutputBytes = checkCount(opts, 'maxOutputBytes', Number.MAX_SAFE_INTEGER);
  if (maxOutputBytes !== undefined) native.max_output_bytes = maxOutputBytes;
  const optionsJson = Object.keys(native).length > 0 ? JSON.stringify(native) : null;

  let token = null;
  if (opts.token !== undefined && opts.token !== null) {
    const RunToken = require('./run-token');
    if (!(opts.token instanceof RunToken)) {
      throw new TypeError('options.token must be a RunToken (from engine.runToken())');
    }
    token = opts.token[kHandle];
    if (token === null) throw closedError('run token');
  }
  return [lang, source, argsJson, optionsJson, token];
}

// result turns the native [resultJson, output] pair into {value, output}.
function result(pair) {
  return { value: JSON.parse(pair[0]), output: pair[1] };
}

module.exports = { configJson, runArgs, result, isPlainObject };
