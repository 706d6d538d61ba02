'use strict';

const { kEngine, kHandle, kSubscriptions } = require('./symbols');

// kPattern keys a subscription's pattern; kUnregister a function that
// removes it from its engine's registry; kDropped the count a closed push
// subscription had dropped.
const kPattern = Symbol('llmspell.pattern');
const kUnregister = Symbol('llmspell.unregister');
const kDropped = Symbol('llmspell.dropped');

/**
 * Events is the event bus of one Engine; get it from `engine.events`. It
 * is the bus spells use through their `Event` global, and the engine
 * publishes its own events there (agent.*, tool.*, session.*, ...).
 *
 * An event is a plain object {id, type, data, timestamp, sequence,
 * correlation_id, source, tags}; sequences grow per engine. Types are
 * dot-separated. Patterns: "*" (all), an exact type, "agent.*" (one or
 * more segments after "agent."), "*.error", "a.*.b", "tool_*" (a string
 * prefix).
 *
 * Each subscription has a bounded buffer (bufferSize, default 1024) and a
 * policy for a full buffer: "drop_oldest" (default), "drop_newest",
 * "block" (the publisher waits up to blockTimeoutMs, default 100, then the
 * event is dropped) or "reject" (publish() throws LlmspellError
 * "limit_exceeded"; every other subscription still got the event). Drops
 * are counted in stats().
 *
 * publish, subscribe and stats are synchronous (publish never blocks,
 * except on a full "block" subscription). Wrong argument types throw
 * TypeError (or RangeError) before any native call; a closed engine throws
 * LlmspellError "closed".
 */
class Events {
  /** @param {Engine} engine (internal: use engine.events) */
  constructor(engine) {
    this[kEngine] = engine;
  }
}

Events.prototype.publish = require('./methods/event-publish');
Events.prototype.subscribe = require('./methods/event-subscribe');
Events.prototype.stats = require('./methods/event-stats');
Events.prototype.query = require('./methods/event-query');

/**
 * Subscription is a pull subscription (llmspell_subscription_new), from
 * `engine.events.subscribe(pattern, options)`. Take events with next()
 * (synchronous, on the calling thread: meant for short waits), nextAsync()
 * (the wait happens on a thread of the addon's pool; the event loop stays
 * free) or `for await (const event of sub)`. The caller should close() it;
 * closing its engine closes it too, and one that is garbage-collected
 * unclosed is freed then.
 */
class Subscription {
  constructor(handle, pattern) {
    this[kHandle] = handle;
    this[kPattern] = pattern;
    this[kUnregister] = null;
  }

  /** pattern is the pattern this subscription matches. */
  get pattern() {
    return this[kPattern];
  }

  /**
   * id is the subscription's id, the "id" of its entry in
   * engine.events.stats() (llmspell_subscription_id). Throws LlmspellError
   * "closed" once closed.
   * @type {number}
   */
  get id() {
    const h = this[kHandle];
    if (h === null) throw require('./errors').closedError('subscription');
    return require('./native').subscriptionId(h);
  }

  /** closed is true once close() was called (or the engine was closed). */
  get closed() {
    return this[kHandle] === null;
  }

  /**
   * An async iterator over the events: each step waits with nextAsync();
   * it ends when the subscription is closed (by close() or by closing the
   * engine).
   */
  async *[Symbol.asyncIterator]() {
    for (;;) {
      if (this[kHandle] === null) return;
      let event;
      try {
        event = await this.nextAsync();
      } catch (e) {
        if (e && e.code === 'closed') return;
        throw e;
      }
      if (event !== null) yield event;
    }
  }
}

Subscription.prototype.next = require('./methods/subscription-next');
Subscription.prototype.nextAsync = require('./methods/subscription-next-async');
Subscription.prototype.close = require('./methods/subscription-close');
if (typeof Symbol.dispose === 'symbol') Subscription.prototype[Symbol.dispose] = Subscription.prototype.close;

/**
 * PushSubscription is a push subscription
 * (llmspell_event_subscribe_callback), from
 * `engine.events.subscribe(pattern, listener, options)`. The library calls
 * back on its dispatcher thread; the addon forwards each event to the
 * event loop through a thread-safe function, and listener(event) is called
 * there, in publish order. While open it stays active even if no reference
 * to it is kept, and it keeps the event loop alive (like a server socket)
 * unless unref() is called. close() (or closing the engine) ends it; no
 * listener call happens after close() returns.
 */
class PushSubscription {
  constructor(handle, pattern) {
    this[kHandle] = handle;
    this[kPattern] = pattern;
    this[kUnregister] = null;
    this[kDropped] = 0;
  }

  /** pattern is the pattern this subscription matches. */
  get pattern() {
    return this[kPattern];
  }

  /**
   * id is the subscription's id, the "id" of its entry in
   * engine.events.stats() (llmspell_subscription_id). Throws LlmspellError
   * "closed" once closed.
   * @type {number}
   */
  get id() {
    const h = this[kHandle];
    if (h === null) throw require('./errors').closedError('subscription');
    return require('./native').subscriptionId(h);
  }

  /** closed is true once close() was called (or the engine was closed). */
  get closed() {
    return this[kHandle] === null;
  }

  /**
   * dropped counts the events dropped because the event loop fell
   * bufferSize events behind (see subscribe()).
   * @type {number}
   */
  get dropped() {
    const h = this[kHandle];
    if (h === null) return this[kDropped];
    return require('./native').pushDropped(h);
  }

  /** unref lets the process exit while this subscription is open. */
  unref() {
    const h = this[kHandle];
    if (h !== null) require('./native').pushRef(h, false);
    return this;
  }

  /** ref makes this subscription keep the event loop alive again (the default). */
  ref() {
    const h = this[kHandle];
    if (h !== null) require('./native').pushRef(h, true);
    return this;
  }
}

PushSubscription.prototype.close = require('./methods/push-subscription-close');
if (typeof Symbol.dispose === 'symbol') PushSubscription.prototype[Symbol.dispose] = PushSubscription.prototype.close;

// register records a new subscription on its engine so that engine.close()
// closes it: push subscriptions strongly (they must stay active without a
// reference), pull ones through a WeakRef (they may be collected).
function register(engine, sub, push) {
  let subs = engine[kSubscriptions];
  if (subs === undefined) {
    subs = { push: new Set(), pull: new Set() };
    Object.defineProperty(engine, kSubscriptions, { value: subs });
  }
  if (push) {
    subs.push.add(sub);
    sub[kUnregister] = () => subs.push.delete(sub);
    return;
  }
  // Forget the collected ones now and then (cheap: a pass per doubling).
  if (subs.pull.size >= 64 && (subs.pull.size & (subs.pull.size - 1)) === 0) {
    for (const r of subs.pull) if (r.deref() === undefined) subs.pull.delete(r);
  }
  const ref = new WeakRef(sub);
  subs.pull.add(ref);
  sub[kUnregister] = () => subs.pull.delete(ref);
}

module.exports = { Events, Subscription, PushSubscription, register, kPattern, kUnregister, kDropped };
