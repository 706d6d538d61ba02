'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');

/**
 * list returns the backup summaries, newest first (llmspell_backup_list),
 * synchronously.
 * @returns {object[]} empty when there is no backup.
 * @throws {LlmspellError} storage_error, closed.
 */
module.exports = function list() {
  return JSON.parse(native.backupList(engineHandleOrThrow(this)));
};
