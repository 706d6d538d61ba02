'use strict';
// agent-args.js checks the arguments of the Agents and Agent methods in
// JS, before any native call, and builds the library's JSON. Wrong types
// and unknown option keys throw TypeError. What makes a config valid
// beyond being an object (its keys, their types and values) is left to the
// library, which answers invalid_argument, so every binding agrees on it.

const { kHandle } = require('./symbols');
const { closedError } = require('./errors');
const { isPlainObject } = require('./options');
const { describe, strArg } = require('./admin-args');

// snake turns a camelCase key into snake_case ("maxTokens" -> "max_tokens");
// snake_case keys stay as they are.
function snake(key) {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

// snakeKeys copies an object with its own keys in snake_case.
function snakeKeys(obj) {
  const out = {};
  for (const [k, v] of Object.entries(obj)) out[snake(k)] = v;
  return out;
}

// configJson encodes an agent config: a plain object whose keys may be
// snake_case (as in SCRIPT_API.md) or camelCase (systemPrompt, maxTokens,
// resourceLimits: {timeoutMs}); undefined/null for {}. custom_config is
// passed as it is.
function configJson(config) {
  if (config === undefined || config === null) return null;
  if (!isPlainObject(config)) throw new TypeError(`config must be an object, got ${describe(config)}`);
  const out = {};
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined) continue;
    const key = snake(k);
    out[key] = key === 'resource_limits' && isPlainObject(v) ? snakeKeys(v) : v;
  }
  return JSON.stringify(out);
}

// inputJson encodes a turn's input: a string (the user's text) or a plain
// object {text, messages?, parameters?} (parameters' keys may be camelCase).
function inputJson(input) {
  if (typeof input === 'string') return JSON.stringify(input);
  if (!isPlainObject(input)) throw new TypeError(`input must be a string or an object, got ${describe(input)}`);
  const out = { ...input };
  if (isPlainObject(out.parameters)) out.parameters = snakeKeys(out.parameters);
  return JSON.stringify(out);
}

const TURN_KEYS = ['token'];

// tokenHandle reads the options of a turn ({token?}) and returns the run
// token's handle, or null.
function tokenHandle(options) {
  if (options === undefined || options === null) return null;
  if (!isPlainObject(options)) throw new TypeError(`options must be an object, got ${describe(options)}`);
  for (const k of Object.keys(options)) {
    if (!TURN_KEYS.includes(k)) throw new TypeError(`unknown option "${k}" (known: ${TURN_KEYS.join(', ')})`);
  }
  const t = options.token;
  if (t === undefined || t === null) return null;
  const RunToken = require('./run-token');
  if (!(t instanceof RunToken)) throw new TypeError('options.token must be a RunToken (from engine.runToken())');
  const h = t[kHandle];
  if (h === null) throw closedError('run token');
  return h;
}

const WRAP_KEYS = ['toolName', 'description'];

// wrapJson encodes the options of wrapAsTool ({toolName?, description?}).
function wrapJson(options) {
  if (options === undefined || options === null) return null;
  if (!isPlainObject(options)) throw new TypeError(`options must be an object, got ${describe(options)}`);
  const out = {};
  for (const [k, v] of Object.entries(options)) {
    if (!WRAP_KEYS.includes(k)) throw new TypeError(`unknown option "${k}" (known: ${WRAP_KEYS.join(', ')})`);
    if (v === undefined || v === null) continue;
    strArg(v, `options.${k}`);
    out[snake(k)] = v;
  }
  return Object.keys(out).length === 0 ? null : JSON.stringify(out);
}

module.exports = { configJson, inputJson, tokenHandle, wrapJson, strArg };
