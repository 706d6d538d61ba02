'use strict';

const native = require('./native');
const { kHandle } = require('./symbols');
const { closedError } = require('./errors');

const kResult = Symbol('llmspell.agentResult');
const kDone = Symbol('llmspell.agentDone');
const kQueue = Symbol('llmspell.agentQueue');

/**
 * AgentStream is the text of one agent turn, delta by delta, from
 * `agent.stream(input)`: an async iterator of strings
 * (`for await (const delta of stream)`), over the library's pull stream
 * (llmspell_agent_stream_open). Each step waits on a thread of the addon's
 * pool, so the event loop is never blocked.
 *
 * When the iteration ends, `result` holds the turn's result (its `text` is
 * the deltas joined) and the stream is freed. A failed turn rejects the
 * step with its LlmspellError ("cancelled" after cancel(), "provider_error",
 * ...). return() (called by `break` in a for-await loop) and close() cancel
 * a turn still running and free the stream (llmspell_delta_stream_free);
 * a stream that is garbage-collected unclosed is freed then.
 */
class AgentStream {
  constructor(handle) {
    this[kHandle] = handle;
    this[kResult] = null;
    this[kDone] = false;
    this[kQueue] = Promise.resolve();
  }

  /** result is the turn's result once the iteration has ended; null before. */
  get result() {
    return this[kResult];
  }

  /** done is true once the turn has ended (with success or not). */
  get done() {
    return this[kDone];
  }

  /** closed is true once the stream was freed (at the end, or by close()). */
  get closed() {
    return this[kHandle] === null;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /**
   * next waits for the next delta (llmspell_delta_stream_next on the pool).
   * Calls are queued: one waits at a time.
   * @returns {Promise<{value: string, done: false} | {value: undefined, done: true}>}
   *   rejects with the turn's LlmspellError.
   */
  next() {
    const step = this[kQueue].then(() => this._step());
    this[kQueue] = step.then(() => undefined, () => undefined);
    return step;
  }

  async _step() {
    for (;;) {
      const h = this[kHandle];
      if (this[kDone] || h === null) return { value: undefined, done: true };
      let r;
      try {
        r = await native.deltaNextAsync(h, -1);
      } catch (e) {
        const closedMeanwhile = this[kHandle] === null;
        this[kDone] = true;
        this.close();
        if (closedMeanwhile && e && e.code === 'closed') return { value: undefined, done: true };
        throw e;
      }
      if (r === null) continue; // no delta in time (not with a wait for good)
      if (r[0] !== null) return { value: r[0], done: false };
      this[kResult] = JSON.parse(r[1]);
      this[kDone] = true;
      this.close();
      return { value: undefined, done: true };
    }
  }

  /** return cancels the turn if it still runs and frees the stream. */
  async return(value) {
    this.close();
    return { value, done: true };
  }

  /**
   * text reads the rest of the stream and resolves with the turn's whole
   * text; rejects as next() does.
   * @returns {Promise<string>}
   */
  async text() {
    for (;;) {
      const { done } = await this.next();
      if (done) break;
    }
    if (this[kResult] === null) throw closedError('agent stream');
    return this[kResult].text;
  }

  /**
   * cancel stops the turn (llmspell_delta_stream_cancel); the iteration
   * then rejects with "cancelled" after the deltas already made. Harmless
   * once the turn ended or the stream was freed.
   */
  cancel() {
    const h = this[kHandle];
    if (h !== null) native.deltaCancel(h);
  }

  /**
   * close cancels a running turn, waits for it to stop and frees the
   * stream (llmspell_delta_stream_free). Idempotent.
   */
  close() {
    const h = this[kHandle];
    if (h === null) return;
    this[kHandle] = null;
    this[kDone] = true;
    native.deltaFree(h);
  }
}

if (typeof Symbol.dispose === 'symbol') AgentStream.prototype[Symbol.dispose] = AgentStream.prototype.close;
if (typeof Symbol.asyncDispose === 'symbol') {
  AgentStream.prototype[Symbol.asyncDispose] = async function asyncDispose() {
    this.close();
  };
}

module.exports = { AgentStream };
