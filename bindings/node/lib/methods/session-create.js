'use strict';

const native = require('../native');
const { engineHandle } = require('../state-args');
const { optionsArg, stringField, tagsField, objectField, toJson } = require('../session-args');

const KNOWN = ['name', 'description', 'tags', 'parent', 'metadata'];

/**
 * create creates an active session (llmspell_session_create),
 * synchronously.
 * @param {object} [options]
 * @param {string} [options.name]
 * @param {string} [options.description]
 * @param {string[]} [options.tags]
 * @param {string} [options.parent] the id of a parent session.
 * @param {object} [options.metadata] anything JSON.stringify encodes.
 * @returns {string} the new session's id.
 * @throws {TypeError} bad argument types, an unknown option.
 * @throws {LlmspellError} not_found (unknown parent), invalid_argument,
 *   storage_error, closed.
 */
module.exports = function create(options) {
  const o = optionsArg(options, KNOWN);
  const out = {};
  stringField(out, 'name', o.name, 'options.name');
  stringField(out, 'description', o.description, 'options.description');
  tagsField(out, o.tags);
  stringField(out, 'parent', o.parent, 'options.parent');
  objectField(out, 'metadata', o.metadata, 'options.metadata');
  return native.sessionCreate(engineHandle(this), toJson(out));
};
