'use strict';

const native = require('../native');
const { optionsArg, boolField, intField, strArg, jsonOrNull, liveEngineHandle, callAsync } = require('../admin-args');

const KNOWN = ['dryRun', 'batchSize', 'backup'];

/**
 * migrate brings every matching state value to schema version target
 * (llmspell_state_migrate), on a thread of the addon's pool. The
 * registered versions in between are chained; values are rewritten in
 * atomic batches that record progress, so an interrupted migration resumes
 * when run again. Unless options.backup is false or options.dryRun is
 * true, a backup is taken first (the report's backup_id). Writers wait
 * while it runs.
 * @param {string} target the version to reach.
 * @param {object} [options]
 * @param {boolean} [options.dryRun=false] count what would change, change nothing.
 * @param {number} [options.batchSize] values per atomic batch (default 500).
 * @param {boolean} [options.backup=true] take a backup first.
 * @returns {Promise<object>} the report {from, to, steps, items_migrated,
 *   items_scanned, duration_ms, warnings, dry_run, resumed, backup_id}.
 *   Rejects with an LlmspellError: not_found (target not registered),
 *   invalid_argument (a downgrade, a bad version), conflict (another
 *   migration is under way), storage_error, closed.
 * @throws {TypeError|RangeError} synchronously, for bad arguments.
 */
module.exports = function migrate(target, options) {
  strArg(target, 'target');
  const o = optionsArg(options, KNOWN);
  const out = {};
  boolField(out, 'dry_run', o.dryRun, 'options.dryRun');
  intField(out, 'batch_size', o.batchSize, 'options.batchSize', 1);
  boolField(out, 'backup', o.backup, 'options.backup');
  return callAsync(native.stateMigrateAsync, liveEngineHandle(this), target, jsonOrNull(out));
};
