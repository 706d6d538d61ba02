'use strict';

const native = require('../native');
const { engineHandle } = require('../state-args');
const { idArg, sequenceArg, optionsArg, countField } = require('../session-args');
const { ArtifactReadStream } = require('../artifact-streams');

/**
 * createReadStream opens an artifact's content for streaming
 * (llmspell_artifact_reader_open) and returns an ArtifactReadStream, a
 * stream.Readable of Buffers; `stream.record` holds the artifact record.
 * Each chunk is verified before its bytes are pushed and the whole hash
 * before the end; a mismatch destroys the stream with storage_error.
 *
 * The reader is opened synchronously, so a missing artifact or a closed
 * engine throws here rather than emitting 'error'.
 * @param {string} sessionId
 * @param {number|bigint} sequence
 * @param {object} [options]
 * @param {number} [options.highWaterMark] bytes per read (default 64 KiB).
 * @returns {ArtifactReadStream}
 * @throws {TypeError|RangeError} bad argument types, an unknown option.
 * @throws {LlmspellError} not_found, storage_error, closed.
 */
module.exports = function createReadStream(sessionId, sequence, options) {
  idArg(sessionId, 'sessionId');
  const seq = sequenceArg(sequence);
  const o = optionsArg(options, ['highWaterMark']);
  const hwm = {};
  countField(hwm, 'highWaterMark', o.highWaterMark, 'options.highWaterMark');
  const [handle, record] = native.readerOpen(engineHandle(this), sessionId, seq);
  return new ArtifactReadStream(handle, JSON.parse(record), hwm.highWaterMark);
};
