'use strict';

const native = require('../native');
const { kHandle } = require('../symbols');
const { closedError } = require('../errors');

const FOREVER = 2 ** 32 - 1;

/**
 * nextAsync takes the next event (llmspell_subscription_next), waiting up
 * to timeoutMs on a thread of the addon's pool: the event loop stays free.
 * close() wakes a pending wait, which then rejects with "closed". A
 * pending wait keeps the process alive.
 * @param {number} [timeoutMs] an integer from 0 to 2^32 - 1; default: wait
 *   until an event comes or the subscription is closed.
 * @returns {Promise<object|null>} the event, or null when none came in
 *   time. Rejects with LlmspellError "closed".
 * @throws {TypeError|RangeError} synchronously, for a bad timeout.
 */
module.exports = function nextAsync(timeoutMs = FOREVER) {
  const h = this[kHandle];
  if (h === null) {
    if (typeof timeoutMs !== 'number') throw new TypeError('timeoutMs must be a number');
    return Promise.reject(closedError('subscription'));
  }
  return native.subscriptionNextAsync(h, timeoutMs).then((json) => (json === null ? null : JSON.parse(json)));
};
