'use strict';

const native = require('../native');
const { engineHandle } = require('../state-args');
const { optionsArg, stringField, tagsField, countField, timeField, toJson } = require('../session-args');

const KNOWN = ['sessionId', 'type', 'namePattern', 'tags', 'minSize', 'maxSize', 'limit',
  'createdAfter', 'createdBefore'];

/**
 * query returns the records of the artifacts matching every given filter
 * (llmspell_artifact_query), synchronously.
 * @param {object} [query]
 * @param {string} [query.sessionId] default: every session.
 * @param {string} [query.type]
 * @param {string} [query.namePattern] a glob such as "*.txt".
 * @param {string[]} [query.tags] carrying all of these tags.
 * @param {number} [query.minSize]
 * @param {number} [query.maxSize]
 * @param {number} [query.limit] 0 = no limit.
 * @param {Date|string} [query.createdAfter] a Date or RFC 3339 text.
 * @param {Date|string} [query.createdBefore]
 * @returns {object[]}
 * @throws {TypeError|RangeError} bad argument types, an unknown key.
 * @throws {LlmspellError} invalid_argument (bad glob, malformed time),
 *   closed.
 */
module.exports = function query(q) {
  const o = optionsArg(q, KNOWN, 'query');
  const out = {};
  stringField(out, 'session_id', o.sessionId, 'query.sessionId');
  stringField(out, 'type', o.type, 'query.type');
  stringField(out, 'name_pattern', o.namePattern, 'query.namePattern');
  tagsField(out, o.tags, 'query.tags');
  countField(out, 'min_size', o.minSize, 'query.minSize');
  countField(out, 'max_size', o.maxSize, 'query.maxSize');
  countField(out, 'limit', o.limit, 'query.limit', true);
  timeField(out, 'created_after', o.createdAfter, 'query.createdAfter');
  timeField(out, 'created_before', o.createdBefore, 'query.createdBefore');
  return JSON.parse(native.artifactQuery(engineHandle(this), toJson(out)));
};
