'use strict';

const { kEngine } = require('./symbols');

/**
 * Backups are the backups of one Engine's whole store (state, sessions,
 * artifacts); get them from `engine.backups`. The library takes them from
 * pebble checkpoints, compresses them, checksums every file with BLAKE3 and
 * keeps them in the backup folder (config backup.dir; default
 * `<data_dir>.backups`). An in-memory engine can back up only when
 * backup.dir is set. Wherever an id is taken, "latest" names the newest
 * backup.
 *
 * A summary is a plain object with the library's keys: {id, created_at,
 * kind: "full"|"incremental", parent, label, file_count, total_bytes,
 * stored_bytes, key_count, duration_ms, ...}.
 *
 * create, validate, restore and cleanup read or write the whole store:
 * they run on a thread of the addon's pool and return Promises, so the
 * event loop stays free. list is one folder read and is synchronous.
 * Wrong argument types throw TypeError (or RangeError) synchronously; a
 * closed engine rejects with LlmspellError "closed" (list throws it).
 */
class Backups {
  /** @param {Engine} engine (internal: use engine.backups) */
  constructor(engine) {
    this[kEngine] = engine;
  }
}

Backups.prototype.create = require('./methods/backup-create');
Backups.prototype.list = require('./methods/backup-list');
Backups.prototype.validate = require('./methods/backup-validate');
Backups.prototype.restore = require('./methods/backup-restore');
Backups.prototype.cleanup = require('./methods/backup-cleanup');

module.exports = Backups;
