'use strict';

const native = require('../native');
const { optionsArg, intField, strArg, describe, present, engineHandleOrThrow } = require('../admin-args');
const { kEngine } = require('../symbols');

const KNOWN = ['bufferSize', 'policy', 'blockTimeoutMs'];
const KNOWN_PUSH = [...KNOWN, 'onError'];
const MAX_BUFFER = 2 ** 32 - 1;

function reportListenerError(pattern, err) {
  const text = err instanceof Error ? (err.stack || err.message) : String(err);
  process.emitWarning(`listener for "${pattern}" threw: ${text}`, 'LlmspellListenerWarning');
}

/**
 * subscribe subscribes to a pattern, synchronously. Two forms:
 *
 * - subscribe(pattern, options?) returns a pull Subscription
 *   (llmspell_subscription_new): take events with next(timeoutMs),
 *   nextAsync(timeoutMs) or `for await`.
 * - subscribe(pattern, listener, options?) returns a PushSubscription
 *   (llmspell_event_subscribe_callback): listener(event) is called on the
 *   event loop for every matching event, in publish order. The library
 *   calls back on its own dispatcher thread; the addon copies the event
 *   into a queue of at most bufferSize events and wakes the event loop
 *   with a non-blocking napi_threadsafe_function call (one wake-up drains
 *   the whole queue). If the event loop falls bufferSize events behind,
 *   the oldest queued event is dropped ("drop_oldest") or the new one
 *   (any other policy), counted in sub.dropped: "reject" and "block" apply
 *   in the library's buffer, which a push subscription never fills. A
 *   listener that throws (or returns a Promise that rejects) does not stop
 *   the deliveries: the error goes to options.onError(err, event), by
 *   default to process.emitWarning.
 *
 * @param {string} pattern "*", an exact type, "agent.*", "*.error",
 *   "a.*.b" or a prefix "tool_*".
 * @param {function|object} [listenerOrOptions]
 * @param {object} [options]
 * @param {number} [options.bufferSize=1024] events the subscription holds.
 * @param {string} [options.policy="drop_oldest"] "drop_oldest",
 *   "drop_newest", "block" or "reject".
 * @param {number} [options.blockTimeoutMs=100] how long "block" makes a
 *   publisher wait.
 * @param {function} [options.onError] push only: (err, event) => void.
 * @returns {Subscription|PushSubscription}
 * @throws {TypeError|RangeError} bad argument types, an unknown option.
 * @throws {LlmspellError} invalid_argument (a bad pattern, buffer size or
 *   policy), closed.
 */
module.exports = function subscribe(pattern, listenerOrOptions, options) {
  strArg(pattern, 'pattern');
  const { Subscription, PushSubscription, register } = require('../events');
  const push = typeof listenerOrOptions === 'function';
  let opts = push ? options : listenerOrOptions;
  if (!push && options !== undefined) {
    throw new TypeError(`listener must be a function, got ${describe(listenerOrOptions)}`);
  }
  const o = optionsArg(opts, push ? KNOWN_PUSH : KNOWN);
  const out = {};
  intField(out, 'buffer_size', o.bufferSize, 'options.bufferSize', 1, MAX_BUFFER);
  if (present(o.policy)) {
    if (typeof o.policy !== 'string') throw new TypeError(`options.policy must be a string, got ${describe(o.policy)}`);
    out.policy = o.policy;
  }
  intField(out, 'block_timeout_ms', o.blockTimeoutMs, 'options.blockTimeoutMs', 0, 2 ** 31 - 1);
  if (present(o.onError) && typeof o.onError !== 'function') {
    throw new TypeError(`options.onError must be a function, got ${describe(o.onError)}`);
  }
  const json = Object.keys(out).length === 0 ? null : JSON.stringify(out);
  const engine = this[kEngine];
  const h = engineHandleOrThrow(this);
  if (!push) {
    const sub = new Subscription(native.subscriptionNew(h, pattern, json), pattern);
    register(engine, sub, false);
    return sub;
  }
  const listener = listenerOrOptions;
  const onError = o.onError;
  let sub = null;
  const fail = (err, event) => {
    if (onError === undefined || onError === null) return reportListenerError(pattern, err);
    try {
      onError(err, event);
    } catch (e) {
      reportListenerError(pattern, e);
    }
  };
  // deliver runs on the event loop, called by the addon with one event's
  // JSON; nothing it throws reaches the addon.
  const deliver = (json) => {
    if (sub === null || sub.closed) return;
    let event;
    try {
      event = JSON.parse(json);
    } catch (e) {
      fail(e, undefined);
      return;
    }
    try {
      const r = listener(event);
      if (r !== null && typeof r === 'object' && typeof r.then === 'function') {
        r.then(undefined, (e) => fail(e, event));
      }
    } catch (e) {
      fail(e, event);
    }
  };
  const limit = o.bufferSize === undefined || o.bufferSize === null ? 1024 : o.bufferSize;
  const dropOldest = !present(o.policy) || o.policy === 'drop_oldest';
  sub = new PushSubscription(native.eventSubscribeCallback(h, pattern, json, deliver, limit, dropOldest), pattern);
  register(engine, sub, true);
  return sub;
};
