'use strict';

const native = require('../native');
const { optionsArg, strArg, intField, present, jsonOrNull, engineHandleOrThrow } = require('../admin-args');

const KNOWN = ['correlationId', 'limit'];

/**
 * records returns the stored hook calls (llmspell_hook_records), oldest
 * first, synchronously: [{hook_id, hook, point, component: {type, name},
 * input, result, error, duration_us, correlation_id, at}]. Every hook call is
 * recorded, the built-in hooks' too; result is the answer's type
 * ("continue", "modified", ...), error the failure's message or null, at an
 * RFC 3339 time. Needs the config hooks.record = true.
 * @param {object} [filter]
 * @param {string} [filter.correlationId] only the calls of this correlation.
 * @param {number} [filter.limit] at most this many (0: all).
 * @returns {object[]}
 * @throws {TypeError|RangeError} a bad filter.
 * @throws {LlmspellError} invalid_argument (recording is off), closed.
 */
module.exports = function records(filter) {
  const o = optionsArg(filter, KNOWN, 'filter');
  const out = {};
  if (present(o.correlationId)) out.correlation_id = strArg(o.correlationId, 'filter.correlationId');
  intField(out, 'limit', o.limit, 'filter.limit', 0);
  return JSON.parse(native.hookRecords(engineHandleOrThrow(this), jsonOrNull(out)));
};
