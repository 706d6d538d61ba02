'use strict';

const native = require('../native');
const { engineHandle } = require('../state-args');
const { optionsArg, stringField, tagsField, countField, timeField, toJson } = require('../session-args');

const KNOWN = ['tags', 'status', 'parent', 'limit', 'createdAfter', 'createdBefore'];

/**
 * list returns the records of the sessions matching every given filter,
 * oldest first (llmspell_session_list), synchronously.
 * @param {object} [query]
 * @param {string[]} [query.tags] sessions carrying all of these tags.
 * @param {string} [query.status] "active", "suspended", ...
 * @param {string} [query.parent] children of this session.
 * @param {number} [query.limit] at most this many; 0 = no limit.
 * @param {Date|string} [query.createdAfter] a Date or RFC 3339 text.
 * @param {Date|string} [query.createdBefore]
 * @returns {object[]}
 * @throws {TypeError|RangeError} bad argument types, an unknown key.
 * @throws {LlmspellError} invalid_argument (malformed time text), closed.
 */
module.exports = function list(query) {
  const q = optionsArg(query, KNOWN, 'query');
  const out = {};
  tagsField(out, q.tags, 'query.tags');
  stringField(out, 'status', q.status, 'query.status');
  stringField(out, 'parent', q.parent, 'query.parent');
  countField(out, 'limit', q.limit, 'query.limit', true);
  timeField(out, 'created_after', q.createdAfter, 'query.createdAfter');
  timeField(out, 'created_before', q.createdBefore, 'query.createdBefore');
  return JSON.parse(native.sessionList(engineHandle(this), toJson(out)));
};
