'use strict';

const native = require('../native');
const { strArg, liveEngineHandle, callAsync } = require('../admin-args');

/**
 * validate re-hashes every file of a backup and of the backups it builds
 * on (llmspell_backup_validate), on a thread of the addon's pool.
 * @param {string} id a backup id, or "latest".
 * @returns {Promise<object>} the report {id, valid: true, ...}. Rejects
 *   with an LlmspellError: storage_error when the backup is corrupt (the
 *   message and details name the file), not_found, closed.
 * @throws {TypeError} synchronously, when id is not a string.
 */
module.exports = function validate(id) {
  strArg(id, 'id');
  return callAsync(native.backupValidateAsync, liveEngineHandle(this), id);
};
