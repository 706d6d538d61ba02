'use strict';

const native = require('../native');
const { opsJson, engineHandle } = require('../state-args');

function isThenable(v) {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
}

/**
 * transaction applies several writes atomically: all or none
 * (llmspell_state_transaction). Two forms:
 *
 * - transaction(ops): ops is an array of {op: "set", scope, key, value} and
 *   {op: "delete", scope, key} objects (scope null or left out = global).
 *   An invalid op fails the whole call before anything is written; the
 *   error message names its index. Returns undefined.
 * - transaction(fn): fn(tx) records writes with tx.set(scope, key, value)
 *   and tx.delete(scope, key). When fn returns, they are applied and its
 *   return value is returned; when fn throws, nothing is written and the
 *   error propagates. If fn returns a Promise (an async fn), transaction
 *   returns a Promise: the writes are applied when it resolves (then it
 *   resolves with the same value) and dropped when it rejects. Reads
 *   inside fn do not see the recorded writes.
 *
 * The native call itself is synchronous on the calling thread.
 * @param {Array<object>|function} opsOrFn
 * @returns {any|Promise<any>}
 * @throws {TypeError} neither an array nor a function; a malformed op.
 * @throws {LlmspellError} invalid_argument, storage_error, closed (for the
 *   Promise form, a failure while applying rejects the Promise instead).
 */
module.exports = function transaction(opsOrFn) {
  if (Array.isArray(opsOrFn)) {
    const json = opsJson(opsOrFn);
    native.stateTransaction(engineHandle(this), json);
    return undefined;
  }
  if (typeof opsOrFn !== 'function') {
    throw new TypeError('transaction takes an array of operations or a function (tx) => ...');
  }
  engineHandle(this); // a closed engine throws before fn runs
  const { StateTransaction } = require('../state');
  const tx = new StateTransaction();
  const commit = () => native.stateTransaction(engineHandle(this), StateTransaction.end(tx));
  let out;
  try {
    out = opsOrFn(tx);
  } catch (e) {
    StateTransaction.end(tx);
    throw e;
  }
  if (!isThenable(out)) {
    commit();
    return out;
  }
  return Promise.resolve(out).then(
    (value) => {
      commit();
      return value;
    },
    (e) => {
      StateTransaction.end(tx);
      throw e;
    });
};
