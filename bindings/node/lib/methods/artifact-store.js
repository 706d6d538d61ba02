'use strict';

const native = require('../native');
const { engineHandle } = require('../state-args');
const { idArg, dataArg, storeOptionsJson } = require('../session-args');

const KNOWN = ['mimeType', 'tags', 'metadata'];

/**
 * store stores content in one call (llmspell_artifact_store),
 * synchronously. For large content use createWriteStream().
 * @param {string} sessionId
 * @param {string} type "agent_output", "tool_result", "user_input",
 *   "system_generated", "custom" or "custom:<name>".
 * @param {string} name storing a name again makes a new version.
 * @param {string|Buffer|Uint8Array|ArrayBufferView|ArrayBuffer} data a
 *   string is stored as UTF-8; binary content is passed without a copy.
 * @param {object} [options]
 * @param {string} [options.mimeType]
 * @param {string[]} [options.tags]
 * @param {object} [options.metadata]
 * @returns {object} the artifact record {session_id, sequence, name, type,
 *   mime_type, tags, metadata, content_hash, size, stored_size, compressed,
 *   version, previous, created_at}.
 * @throws {TypeError} bad argument types, an unknown option.
 * @throws {LlmspellError} not_found (no session), conflict (archived
 *   session), limit_exceeded, invalid_argument (unknown type, empty name),
 *   storage_error, closed.
 */
module.exports = function store(sessionId, type, name, data, options) {
  idArg(sessionId, 'sessionId');
  const opts = storeOptionsJson(type, name, options, false, KNOWN);
  const d = dataArg(data);
  return JSON.parse(native.artifactStore(engineHandle(this), sessionId, opts, d));
};
