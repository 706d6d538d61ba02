'use strict';

const { kEngine, kHandle } = require('./symbols');

const kId = Symbol('llmspell.hookId');
const kPoint = Symbol('llmspell.hookPoint');
const kName = Symbol('llmspell.hookName');
const kCalls = Symbol('llmspell.hookCalls');

/**
 * Hooks are the engine's hooks; get them from `engine.hooks`. A hook runs
 * at a named point (BeforeStateWrite, AfterToolExecution, SessionStart,
 * BeforeEventEmit, SystemShutdown, custom:<name>, ... or the
 * "state:before_write" spellings), in priority order (lower first), for
 * every language: writes from JS, from spells, from the engine itself.
 *
 * How a JS hook is called: the library calls hooks synchronously, on the
 * thread that hit the point, and waits for the answer.
 * - When that thread is the JS main thread (engine.state.set, runSync,
 *   tools.invoke from JS, ...), fn is called directly, inside that call.
 * - Otherwise (a spell started with `await engine.run(...)` runs on a
 *   thread of the addon's pool; the library's own threads) the call is
 *   posted to the event loop and that thread waits until fn has answered,
 *   for at most 5 s. So hooks written in JS are served while the event loop
 *   is free: a hook hit by another thread while the main thread is itself
 *   blocked (in runSync, a long synchronous loop, or a synchronous call that
 *   waits for that other thread) is not answered until the main thread is
 *   free, and after 5 s the call fails with "timed out waiting for the JS
 *   thread" (the operation goes on; the failure counts toward the hook's
 *   circuit breaker).
 */
class Hooks {
  /** @param {Engine} engine (internal: use engine.hooks) */
  constructor(engine) {
    this[kEngine] = engine;
  }
}

Hooks.prototype.register = require('./methods/hook-register');
Hooks.prototype.list = require('./methods/hook-list');
Hooks.prototype.metrics = require('./methods/hook-metrics');
Hooks.prototype.records = require('./methods/hook-records');

/**
 * Hook is a registered hook, from `engine.hooks.register()`. It stays
 * registered, even with no reference kept, until unregister() or until the
 * engine closes.
 */
class Hook {
  constructor(engine, id, point, name, calls) {
    this[kEngine] = engine;
    this[kCalls] = calls;
    this[kId] = id;
    this[kPoint] = point;
    this[kName] = name;
  }

  /** id is the library's hook id (the "id" in hooks.list()). */
  get id() {
    return this[kId];
  }

  /** point is the point the hook was registered at. */
  get point() {
    return this[kPoint];
  }

  /** name is the name given at register (or null). */
  get name() {
    return this[kName];
  }

  /** registered is false once unregister() was called or the engine closed. */
  get registered() {
    return this[kId] !== null && this[kEngine][kHandle] !== null;
  }
}

Hook.prototype.unregister = require('./methods/hook-unregister');

module.exports = { Hooks, Hook, kId, kCalls };
