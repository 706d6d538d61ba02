'use strict';

const native = require('../native');
const { kHandle } = require('../symbols');
const { closedError } = require('../errors');

/**
 * ping checks that the engine is live and not poisoned
 * (llmspell_engine_ping), synchronously on the calling thread. It does no
 * other work: it is the measure of the bare cost of a call (about 0.2 us on
 * the main thread, see README.md).
 * @throws {LlmspellError} closed after close(); internal when poisoned.
 */
module.exports = function ping() {
  const h = this[kHandle];
  if (h === null) throw closedError('engine');
  native.enginePing(h);
};
