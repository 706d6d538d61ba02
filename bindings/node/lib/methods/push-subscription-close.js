'use strict';

const native = require('../native');
const { kHandle } = require('../symbols');

/**
 * close unsubscribes and frees the push subscription
 * (llmspell_subscription_free, then the thread-safe function is
 * released). No listener call happens after it returns, also for events
 * that were already waiting for the event loop; it may be called from
 * inside the listener. Idempotent.
 */
module.exports = function close() {
  const h = this[kHandle];
  if (h === null) return;
  const { kUnregister, kDropped } = require('../events');
  this[kDropped] = native.pushDropped(h);
  this[kHandle] = null;
  if (this[kUnregister] !== null) this[kUnregister]();
  native.pushFree(h);
};
