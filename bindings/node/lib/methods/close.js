'use strict';

const native = require('../native');
const { kHandle } = require('../symbols');

/**
 * close drops this engine (llmspell_engine_free). Runs in flight finish
 * normally; every later call throws LlmspellError "closed". Idempotent.
 */
module.exports = function close() {
  const h = this[kHandle];
  if (h === null) return;
  this[kHandle] = null;
  native.engineFree(h);
};
