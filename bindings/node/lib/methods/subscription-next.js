'use strict';

const native = require('../native');
const { kHandle } = require('../symbols');
const { closedError } = require('../errors');

/**
 * next takes the next event (llmspell_subscription_next), waiting up to
 * timeoutMs on the calling thread. On the main thread that wait blocks the
 * event loop: keep it short (a few ms; 0, the default, does not wait) and
 * use nextAsync() for anything longer.
 * @param {number} [timeoutMs=0] an integer from 0 to 2^32 - 1.
 * @returns {object|null} the event, or null when none came in time.
 * @throws {TypeError|RangeError} a bad timeout.
 * @throws {LlmspellError} closed (the subscription or its engine).
 */
module.exports = function next(timeoutMs = 0) {
  const h = this[kHandle];
  if (h === null) throw closedError('subscription');
  const json = native.subscriptionNext(h, timeoutMs);
  return json === null ? null : JSON.parse(json);
};
