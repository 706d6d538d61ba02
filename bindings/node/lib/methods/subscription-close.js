'use strict';

const native = require('../native');
const { kHandle } = require('../symbols');

/**
 * close unsubscribes and frees the subscription
 * (llmspell_subscription_free). A pending nextAsync() rejects with
 * "closed"; later calls throw "closed". Idempotent.
 */
module.exports = function close() {
  const h = this[kHandle];
  if (h === null) return;
  this[kHandle] = null;
  const { kUnregister } = require('../events');
  if (this[kUnregister] !== null) this[kUnregister]();
  native.subscriptionFree(h);
};
