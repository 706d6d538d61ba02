'use strict';

const native = require('../native');
const { engineHandle } = require('../state-args');
const { idArg, isPlainObject } = require('../session-args');

/**
 * updateMetadata merges fields into a session's metadata; a null field
 * removes it (llmspell_session_update_metadata), synchronously.
 * @param {string} id
 * @param {object} fields anything JSON.stringify encodes.
 * @throws {TypeError} bad argument types, fields with no JSON form.
 * @throws {LlmspellError} not_found, invalid_argument, closed.
 */
module.exports = function updateMetadata(id, fields) {
  idArg(id, 'id');
  if (!isPlainObject(fields)) throw new TypeError('fields must be a plain object');
  native.sessionUpdateMetadata(engineHandle(this), id, JSON.stringify(fields));
};
