'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');

/**
 * migrationStatus describes the schema state
 * (llmspell_state_migration_status), synchronously.
 * @returns {object} {current: version|null, in_progress, versions: [...]},
 *   plus from, to and items_migrated while a migration is under way.
 * @throws {LlmspellError} storage_error, closed.
 */
module.exports = function migrationStatus() {
  return JSON.parse(native.stateMigrationStatus(engineHandleOrThrow(this)));
};
