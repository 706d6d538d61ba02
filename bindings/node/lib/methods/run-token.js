'use strict';

/**
 * runToken creates a RunToken on this engine (llmspell_run_new); the
 * caller should close() it.
 * @returns {RunToken}
 * @throws {LlmspellError} closed after close().
 */
module.exports = function runToken() {
  const RunToken = require('../run-token');
  return new RunToken(this);
};
