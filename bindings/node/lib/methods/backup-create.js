'use strict';

const native = require('../native');
const { optionsArg, boolField, jsonOrNull, liveEngineHandle, callAsync } = require('../admin-args');

const KNOWN = ['incremental', 'label'];

/**
 * create takes a backup of the whole store (llmspell_backup_create) on a
 * thread of the addon's pool. Writes to the engine go on meanwhile.
 * @param {object} [options]
 * @param {boolean} [options.incremental=false] store only what changed
 *   since the newest backup, which the new one then builds on.
 * @param {string} [options.label] kept in the summary.
 * @returns {Promise<object>} the new backup's summary. Rejects with an
 *   LlmspellError: invalid_argument (an in-memory engine without
 *   backup.dir), storage_error, closed.
 * @throws {TypeError} synchronously, for bad argument types or an unknown
 *   option.
 */
module.exports = function create(options) {
  const o = optionsArg(options, KNOWN);
  const out = {};
  boolField(out, 'incremental', o.incremental, 'options.incremental');
  if (o.label !== undefined && o.label !== null) {
    if (typeof o.label !== 'string') throw new TypeError('options.label must be a string');
    out.label = o.label;
  }
  return callAsync(native.backupCreateAsync, liveEngineHandle(this), jsonOrNull(out));
};
