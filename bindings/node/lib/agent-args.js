'use strict';
// agent-args.js checks the arguments of the Agents and Agent methods in
// JS, before any native call, and builds the library's JSON. Wrong types
// and unknown option keys throw TypeError. What makes a config valid
// beyond being an object (its keys, their types and values) is left to the
// library, which answers invalid_argument, so every binding agrees on it.

const { isPlainObject } = require('./options');
const { describe, strArg } = require('./admin-args');
const { tokenHandle, wrapJson } = require('./registry-args');

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

module.exports = { configJson, inputJson, tokenHandle, wrapJson, strArg };
