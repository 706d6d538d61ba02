'use strict';

const native = require('../native');
const { engineHandle } = require('../state-args');
const { idArg } = require('../session-args');

/**
 * delete deletes a session and all its artifacts (content shared with
 * other artifacts stays) (llmspell_session_delete), synchronously.
 * @param {string} id
 * @throws {TypeError} id is not a string.
 * @throws {LlmspellError} not_found, closed.
 */
module.exports = function del(id) {
  native.sessionDelete(engineHandle(this), idArg(id, 'id'));
};
