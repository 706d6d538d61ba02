'use strict';

const native = require('./native');
const { kHandle } = require('./symbols');
const { closedError } = require('./errors');

/**
 * RunToken is a cancellation handle (llmspell_run_new). Pass it as
 * `options.token` to engine.run(); cancel() stops every run using it,
 * current and future. A token keeps its engine's library object alive until
 * the token is closed. Create one with engine.runToken().
 */
class RunToken {
  /**
   * @param {Engine} engine a live engine.
   * @throws {TypeError} engine is not an Engine.
   * @throws {LlmspellError} closed when the engine is closed.
   */
  constructor(engine) {
    if (engine === null || typeof engine !== 'object' || !(kHandle in engine) ||
        engine instanceof RunToken) {
      throw new TypeError('engine must be an Engine');
    }
    const h = engine[kHandle];
    if (h === null) throw closedError('engine');
    this[kHandle] = native.runNew(h);
  }

  /** closed is true once close() was called. */
  get closed() {
    return this[kHandle] === null;
  }

  /**
   * cancel stops every run using this token (llmspell_run_cancel); those
   * runs reject with code "cancelled". Cancelling twice is harmless. Safe
   * while runs are in flight.
   * @throws {LlmspellError} closed after close().
   */
  cancel() {
    const h = this[kHandle];
    if (h === null) throw closedError('run token');
    native.runCancel(h);
  }

  /**
   * close frees the token (llmspell_run_free). Runs still using it go on
   * and can no longer be cancelled through it. Idempotent.
   */
  close() {
    const h = this[kHandle];
    if (h === null) return;
    this[kHandle] = null;
    native.runFree(h);
  }
}

if (typeof Symbol.dispose === 'symbol') RunToken.prototype[Symbol.dispose] = RunToken.prototype.close;

module.exports = RunToken;
