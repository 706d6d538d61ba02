'use strict';

const native = require('../native');
const { engineHandle } = require('../state-args');
const { idArg, optionsArg, storeOptionsJson, countField } = require('../session-args');
const { ArtifactWriteStream } = require('../artifact-streams');

const KNOWN = ['type', 'name', 'mimeType', 'tags', 'metadata', 'highWaterMark'];

/**
 * createWriteStream starts streaming an artifact into a session
 * (llmspell_artifact_writer_new) and returns an ArtifactWriteStream, a
 * stream.Writable. Ending the stream commits the artifact: the record is
 * emitted as 'commit' and kept in `stream.record` before 'finish'.
 * destroy() (with or without an error) before the end discards it.
 *
 * The writer is opened synchronously, so a bad argument, a missing or
 * archived session or a closed engine throws here rather than emitting
 * 'error'.
 * @param {string} sessionId
 * @param {object} options
 * @param {string} options.type as store().
 * @param {string} options.name as store().
 * @param {string} [options.mimeType]
 * @param {string[]} [options.tags]
 * @param {object} [options.metadata]
 * @param {number} [options.highWaterMark] the Writable's buffer size in
 *   bytes (default 64 KiB).
 * @returns {ArtifactWriteStream}
 * @throws {TypeError|RangeError} bad argument types, an unknown option.
 * @throws {LlmspellError} not_found, conflict (archived session),
 *   invalid_argument (unknown type, empty name), closed.
 */
module.exports = function createWriteStream(sessionId, options) {
  idArg(sessionId, 'sessionId');
  if (options === undefined || options === null) throw new TypeError('options must be an object with type and name');
  const o = optionsArg(options, KNOWN);
  const { type, name, highWaterMark, ...rest } = o;
  const opts = storeOptionsJson(type, name, rest, false, KNOWN);
  const hwm = {};
  countField(hwm, 'highWaterMark', highWaterMark, 'options.highWaterMark');
  const handle = native.writerNew(engineHandle(this), sessionId, opts);
  return new ArtifactWriteStream(handle, hwm.highWaterMark);
};
