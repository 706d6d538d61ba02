'use strict';

const native = require('../native');
const { engineHandle } = require('../state-args');
const { idArg } = require('../session-args');

/**
 * get returns a session record (llmspell_session_get), synchronously:
 * {id, name, description, tags, parent, status, created_at, updated_at,
 * metadata, artifact_count, artifact_bytes, fail_reason?}.
 * @param {string} id
 * @returns {object}
 * @throws {TypeError} id is not a string.
 * @throws {LlmspellError} not_found, invalid_argument, closed.
 */
module.exports = function get(id) {
  return JSON.parse(native.sessionGet(engineHandle(this), idArg(id, 'id')));
};
