'use strict';

const native = require('../native');
const { kHandle } = require('../symbols');
const { closedError } = require('../errors');

/**
 * info describes the engine (llmspell_engine_info): {version, abi_version,
 * languages, storage: {backend, data_dir}, config} with secrets redacted.
 * @returns {object}
 * @throws {LlmspellError} closed after close().
 */
module.exports = function info() {
  const h = this[kHandle];
  if (h === null) throw closedError('engine');
  return JSON.parse(native.engineInfo(h));
};
