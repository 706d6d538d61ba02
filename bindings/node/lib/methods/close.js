'use strict';

const native = require('../native');
const { kHandle, kSubscriptions } = require('../symbols');

/**
 * close drops this engine (llmspell_engine_free). Runs in flight finish
 * normally; every later call throws LlmspellError "closed". Idempotent.
 *
 * The event subscriptions made through engine.events that are still open
 * are closed first (llmspell_subscription_free): a push subscription would
 * otherwise keep the engine, and its data folder, open for good. Run tokens
 * and artifact streams go on working.
 */
module.exports = function close() {
  const h = this[kHandle];
  if (h === null) return;
  this[kHandle] = null;
  const subs = this[kSubscriptions];
  if (subs !== undefined) {
    for (const s of subs.push) s.close();
    for (const ref of subs.pull) {
      const s = ref.deref();
      if (s !== undefined) s.close();
    }
  }
  native.engineFree(h);
};
