'use strict';

const native = require('../native');
const { optionsArg, boolField, intField, jsonOrNull, liveEngineHandle, callAsync } = require('../admin-args');

const KNOWN = ['dryRun', 'maxCount', 'maxAgeDays'];

/**
 * cleanup prunes backups (llmspell_backup_cleanup) on a thread of the
 * addon's pool: it keeps the newest maxCount, drops those older than
 * maxAgeDays, and never drops one that a kept backup builds on.
 * @param {object} [options]
 * @param {boolean} [options.dryRun=false] report what would go, remove nothing.
 * @param {number} [options.maxCount] overrides the config's backup.max_count;
 *   a negative value means no limit.
 * @param {number} [options.maxAgeDays] overrides the config's
 *   backup.max_age_days; a negative value means no limit.
 * @returns {Promise<{kept: string[], removed: string[]}>} Rejects with an
 *   LlmspellError: invalid_argument, storage_error, closed.
 * @throws {TypeError|RangeError} synchronously, for bad options.
 */
module.exports = function cleanup(options) {
  const o = optionsArg(options, KNOWN);
  const out = {};
  boolField(out, 'dry_run', o.dryRun, 'options.dryRun');
  intField(out, 'max_count', o.maxCount, 'options.maxCount', Number.MIN_SAFE_INTEGER);
  intField(out, 'max_age_days', o.maxAgeDays, 'options.maxAgeDays', Number.MIN_SAFE_INTEGER);
  return callAsync(native.backupCleanupAsync, liveEngineHandle(this), jsonOrNull(out));
};
