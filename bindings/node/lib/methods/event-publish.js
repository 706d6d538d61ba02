'use strict';

const native = require('../native');
const { optionsArg, strArg, describe, present, engineHandleOrThrow } = require('../admin-args');
const { tagsField } = require('../session-args');
const { valueJson } = require('../state-args');

const KNOWN = ['correlationId', 'source', 'tags'];

/**
 * publish publishes an event to every matching subscription
 * (llmspell_event_publish), synchronously. It never blocks, except on a
 * full "block" subscription, for at most its blockTimeoutMs.
 * @param {string} type dot-separated, e.g. "app.step.done".
 * @param {any} [data] anything JSON.stringify can encode; undefined or
 *   null is JSON null.
 * @param {object} [options]
 * @param {string} [options.correlationId] ties related events together.
 * @param {string} [options.source] who published it (default "host").
 * @param {string[]} [options.tags]
 * @returns {object} the event as published, with its id, sequence and
 *   timestamp.
 * @throws {TypeError|RangeError} bad argument types, data with no JSON form.
 * @throws {LlmspellError} limit_exceeded (a "reject" subscription was full;
 *   every other subscription still got the event), invalid_argument (a bad
 *   type), closed.
 */
module.exports = function publish(type, data, options) {
  strArg(type, 'type');
  const dataJson = data === undefined || data === null ? null : valueJson(data, 'data');
  const o = optionsArg(options, KNOWN);
  const out = {};
  for (const [key, jsonKey] of [['correlationId', 'correlation_id'], ['source', 'source']]) {
    if (present(o[key])) {
      if (typeof o[key] !== 'string') throw new TypeError(`options.${key} must be a string, got ${describe(o[key])}`);
      out[jsonKey] = o[key];
    }
  }
  tagsField(out, o.tags);
  const opts = Object.keys(out).length === 0 ? null : JSON.stringify(out);
  return JSON.parse(native.eventPublish(engineHandleOrThrow(this), type, dataJson, opts));
};
