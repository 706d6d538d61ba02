'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');

/**
 * stats returns the bus statistics (llmspell_event_stats), synchronously:
 * {published, subscriptions: [{id, pattern, policy, handler, queued,
 * capacity, delivered, dropped, rejected}]}. Subscriptions made by spells
 * and by the engine itself are listed too. For a push subscription the
 * library's counts stop where the addon takes over: see
 * PushSubscription.dropped.
 * @returns {object}
 * @throws {LlmspellError} closed.
 */
module.exports = function stats() {
  return JSON.parse(native.eventStats(engineHandleOrThrow(this)));
};
