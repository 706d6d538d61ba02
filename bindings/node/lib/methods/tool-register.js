'use strict';

const native = require('../native');
const { optionsArg, strArg, describe, present, engineHandleOrThrow } = require('../admin-args');
const { kEngine } = require('../symbols');

const KNOWN = ['name', 'description', 'category', 'securityLevel', 'version', 'parameters', 'tags'];

function message(e) {
  if (e instanceof Error) return e.message || e.name || 'Error';
  return String(e);
}

/**
 * register registers fn as a tool (llmspell_tool_register), synchronously.
 * fn(params) gets the validated parameters and returns the result (any
 * value JSON.stringify can encode; undefined gives null), or throws: the
 * caller then gets an envelope with success false and error {kind:
 * "tool_error", message}. fn must answer synchronously (a returned Promise
 * fails the call). See Tools for the thread fn is called on.
 *
 * @param {object} spec
 * @param {string} spec.name letters, digits, _ - .
 * @param {string} [spec.description]
 * @param {string} [spec.category]
 * @param {string} [spec.securityLevel] "safe", "restricted" or "privileged".
 * @param {string} [spec.version]
 * @param {object} [spec.parameters] a JSON Schema object.
 * @param {string[]} [spec.tags]
 * @param {function} fn (params) => result.
 * @returns {Tool}
 * @throws {TypeError} bad argument types.
 * @throws {LlmspellError} invalid_argument (bad spec), conflict (the name
 *   is taken), closed.
 */
module.exports = function register(spec, fn) {
  const s = optionsArg(spec, KNOWN, 'spec');
  strArg(s.name, 'spec.name');
  if (typeof fn !== 'function') throw new TypeError(`fn must be a function, got ${describe(fn)}`);
  const out = { name: s.name, language: 'node' };
  for (const [k, j] of [['description', 'description'], ['category', 'category'], ['securityLevel', 'security_level'], ['version', 'version']]) {
    if (present(s[k])) out[j] = strArg(s[k], `spec.${k}`);
  }
  if (present(s.parameters)) {
    if (typeof s.parameters !== 'object' || Array.isArray(s.parameters)) {
      throw new TypeError(`spec.parameters must be an object, got ${describe(s.parameters)}`);
    }
    out.parameters = s.parameters;
  }
  if (present(s.tags)) {
    if (!Array.isArray(s.tags) || !s.tags.every((t) => typeof t === 'string')) {
      throw new TypeError('spec.tags must be an array of strings');
    }
    out.tags = s.tags;
  }
  // call runs on the JS thread with the parameters' JSON; it answers
  // "R<result JSON>" or "E<message>" and never throws.
  // state as for hooks: calls in progress here, and removed by unregister.
  const state = { depth: 0, removed: false };
  const call = (text) => {
    if (state.removed) return 'Ethe tool was unregistered';
    state.depth++;
    try {
      const r = fn(JSON.parse(text));
      if (r !== null && typeof r === 'object' && typeof r.then === 'function') {
        r.then(undefined, () => {});
        return 'Ea tool must answer synchronously; it returned a Promise';
      }
      const j = JSON.stringify(r === undefined ? null : r);
      if (j === undefined) return 'Ethe tool returned a value with no JSON form';
      return 'R' + j;
    } catch (e) {
      return 'E' + message(e);
    } finally {
      state.depth--;
    }
  };
  native.toolRegister(engineHandleOrThrow(this), JSON.stringify(out), call);
  const { Tool } = require('../tools');
  return new Tool(this[kEngine], s.name, state);
};
