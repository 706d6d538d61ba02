'use strict';

const native = require('../native');
const { engineHandle } = require('../state-args');
const { idArg, sequenceArg } = require('../session-args');

/**
 * delete deletes an artifact; its content goes when no other artifact
 * refers to it (llmspell_artifact_delete), synchronously.
 * @param {string} sessionId
 * @param {number|bigint} sequence
 * @throws {TypeError|RangeError} bad argument types.
 * @throws {LlmspellError} not_found, closed.
 */
module.exports = function del(sessionId, sequence) {
  idArg(sessionId, 'sessionId');
  native.artifactDelete(engineHandle(this), sessionId, sequenceArg(sequence));
};
