'use strict';

const native = require('../native');
const { optionsArg, strArg, describe, present, engineHandleOrThrow } = require('../admin-args');
const { kEngine } = require('../symbols');

const KNOWN = ['priority', 'name', 'component'];
const PRIORITIES = { highest: -100, high: -50, normal: 0, low: 50, lowest: 100 };

function warn(point, err) {
  const text = err instanceof Error ? (err.stack || err.message) : String(err);
  process.emitWarning(`hook at "${point}" threw: ${text}`, 'LlmspellHookWarning');
}

// failureMessage is the text reported for what a hook threw.
function failureMessage(err) {
  try {
    if (err instanceof Error) return String(err.message || err.name || 'Error');
    return String(err);
  } catch {
    return 'the JS hook threw';
  }
}

/**
 * register registers fn as a hook at point (llmspell_hook_register),
 * synchronously.
 *
 * fn(ctx) gets the hook context {point, component: {type, name}, data,
 * metadata, correlation_id} and answers by its return value:
 * - undefined, null or "continue": go on unchanged;
 * - a result object: {type: "modified", data} (the operation goes on with
 *   data: for BeforeStateWrite, data is {value, ...} as in ctx.data),
 *   {type: "cancel", reason} (the operation fails with LlmspellError
 *   "cancelled"), {type: "replace", data}, {type: "skipped"},
 *   {type: "retry", delay_ms, max_attempts}, {type: "redirect", target},
 *   {type: "cache", key, ttl_s}; a string is taken as {type: <string>}.
 * fn must answer synchronously: a returned Promise is ignored (with a
 * warning) and counts as "continue". What fn throws is reported to the
 * library as a failed call (llmspell_hook_reply_fail, with the error's
 * message): it counts in the hook's "failures" and its circuit breaker (3
 * failures in 30 s open it for 15 s), the operation goes on as if the hook
 * had not run, and the error also goes to process.emitWarning.
 * See Hooks for the thread fn is called on.
 *
 * @param {string} point e.g. "BeforeStateWrite".
 * @param {function} fn (ctx) => undefined | string | object.
 * @param {object} [options]
 * @param {number|string} [options.priority=0] lower runs first; or
 *   "highest" (-100), "high" (-50), "normal" (0), "low" (50), "lowest" (100).
 * @param {string} [options.name] shown by list().
 * @param {string} [options.component] only for this component type
 *   (e.g. "state").
 * @returns {Hook}
 * @throws {TypeError|RangeError} bad argument types.
 * @throws {LlmspellError} invalid_argument (unknown point), closed.
 */
module.exports = function register(point, fn, options) {
  strArg(point, 'point');
  if (typeof fn !== 'function') throw new TypeError(`fn must be a function, got ${describe(fn)}`);
  const o = optionsArg(options, KNOWN);
  let priority = 0;
  if (present(o.priority)) {
    if (typeof o.priority === 'string' && Object.prototype.hasOwnProperty.call(PRIORITIES, o.priority)) {
      priority = PRIORITIES[o.priority];
    } else if (typeof o.priority === 'number') {
      if (!Number.isInteger(o.priority) || o.priority < -(2 ** 31) || o.priority >= 2 ** 31) {
        throw new RangeError(`options.priority must be a 32-bit integer, got ${o.priority}`);
      }
      priority = o.priority;
    } else {
      throw new TypeError(`options.priority must be a number or a priority name, got ${describe(o.priority)}`);
    }
  }
  // Listings and hook records show which host wrote the hook.
  const opts = { language: 'node' };
  if (present(o.name)) opts.name = strArg(o.name, 'options.name');
  if (present(o.component)) opts.component = strArg(o.component, 'options.component');
  const json = JSON.stringify(opts);
  // call runs on the JS thread, called by the addon with the context JSON;
  // it answers "C" (no answer), "R<result JSON>" or "F<message>" (fn threw:
  // a failed call) and never throws.
  // state.depth counts the calls of fn in progress on this thread;
  // state.removed is set by Hook.unregister (later calls answer "C").
  const state = { depth: 0, removed: false };
  const call = (text) => {
    if (state.removed) return 'C';
    state.depth++;
    try {
      const r = fn(JSON.parse(text));
      if (r === undefined || r === null || r === 'continue') return 'C';
      if (typeof r === 'string') return 'R' + JSON.stringify({ type: r });
      if (typeof r === 'object' && typeof r.then === 'function') {
        r.then(undefined, (e) => warn(point, e));
        warn(point, new Error('a hook must answer synchronously; the Promise it returned was ignored'));
        return 'C';
      }
      return 'R' + JSON.stringify(r);
    } catch (e) {
      warn(point, e);
      return 'F' + failureMessage(e);
    } finally {
      state.depth--;
    }
  };
  const h = engineHandleOrThrow(this);
  const id = native.hookRegister(h, point, priority, json, call);
  const { Hook } = require('../hooks');
  return new Hook(this[kEngine], id, point, present(o.name) ? o.name : null, state);
};
