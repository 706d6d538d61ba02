'use strict';

const native = require('../native');
const { engineHandle } = require('../state-args');
const { idArg, sequenceArg } = require('../session-args');

/**
 * get returns an artifact's record and whole content
 * (llmspell_artifact_get), synchronously. For large content use
 * createReadStream().
 * @param {string} sessionId
 * @param {number|bigint} sequence the artifact's sequence number.
 * @returns {{record: object, data: Buffer}}
 * @throws {TypeError|RangeError} bad argument types.
 * @throws {LlmspellError} not_found, storage_error (also an integrity
 *   failure: the content does not match its hash), closed.
 */
module.exports = function get(sessionId, sequence) {
  idArg(sessionId, 'sessionId');
  const [record, data] = native.artifactGet(engineHandle(this), sessionId, sequenceArg(sequence));
  return { record: JSON.parse(record), data };
};
