'use strict';

const native = require('../native');
const { engineHandle } = require('../state-args');
const { idArg, pathArg, storeOptionsJson } = require('../session-args');

const KNOWN = ['name', 'mimeType', 'tags', 'metadata'];

/**
 * storeFile stores a file's content; the library streams it from the file
 * (llmspell_artifact_store_file). Synchronous: it blocks the calling thread
 * for as long as reading and storing the file takes. The host is trusted
 * with the path (unlike a spell's Artifact.store_file).
 * @param {string} sessionId
 * @param {string|Buffer|URL} path
 * @param {string} type as store().
 * @param {object} [options]
 * @param {string} [options.name] defaults to the file's base name.
 * @param {string} [options.mimeType]
 * @param {string[]} [options.tags]
 * @param {object} [options.metadata]
 * @returns {object} the artifact record.
 * @throws {TypeError} bad argument types, an unknown option.
 * @throws {LlmspellError} not_found (no session, no file), and as store().
 */
module.exports = function storeFile(sessionId, path, type, options) {
  idArg(sessionId, 'sessionId');
  const p = pathArg(path);
  const name = options !== null && typeof options === 'object' ? options.name : undefined;
  const opts = storeOptionsJson(type, name, options, true, KNOWN);
  return JSON.parse(native.artifactStoreFile(engineHandle(this), sessionId, p, opts));
};
