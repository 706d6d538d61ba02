'use strict';

const native = require('../native');
const { optionsArg, strArg, intField, present, jsonOrNull, engineHandleOrThrow } = require('../admin-args');

const KNOWN = ['pattern', 'correlationId', 'since', 'until', 'limit'];

function time(v, what) {
  if (v instanceof Date) return v.toISOString();
  return strArg(v, what);
}

/**
 * query returns persisted events (llmspell_event_query), oldest first,
 * synchronously. Needs the config events.persist = true.
 * @param {object} [q]
 * @param {string} [q.pattern]
 * @param {string} [q.correlationId] alone: that correlation's timeline.
 * @param {Date|string} [q.since] RFC 3339 text or a Date.
 * @param {Date|string} [q.until]
 * @param {number} [q.limit]
 * @returns {object[]}
 * @throws {LlmspellError} invalid_argument (bad query, or persistence is
 *   off), closed.
 */
module.exports = function query(q) {
  const o = optionsArg(q, KNOWN);
  const out = {};
  if (present(o.pattern)) out.pattern = strArg(o.pattern, 'q.pattern');
  if (present(o.correlationId)) out.correlation_id = strArg(o.correlationId, 'q.correlationId');
  if (present(o.since)) out.since = time(o.since, 'q.since');
  if (present(o.until)) out.until = time(o.until, 'q.until');
  intField(out, 'limit', o.limit, 'q.limit', 0);
  return JSON.parse(native.eventQuery(engineHandleOrThrow(this), jsonOrNull(out)));
};
