'use strict';

const native = require('../native');
const { strArg, liveEngineHandle, callAsync } = require('../admin-args');

/**
 * restore replaces the engine's whole store with a backup while the engine
 * stays open (llmspell_backup_restore), on a thread of the addon's pool.
 * The backup is restored into a fresh folder and checked there, then
 * swapped in atomically; a failed restore leaves the store as it was.
 * Calls that arrive during the swap (also synchronous ones on the main
 * thread) wait for it.
 * @param {string} id a backup id, or "latest".
 * @returns {Promise<object>} the report {id, key_count, files, bytes,
 *   duration_ms}. Rejects with an LlmspellError: not_found, storage_error
 *   (a corrupt backup, I/O), closed.
 * @throws {TypeError} synchronously, when id is not a string.
 */
module.exports = function restore(id) {
  strArg(id, 'id');
  return callAsync(native.backupRestoreAsync, liveEngineHandle(this), id);
};
