'use strict';

const { kEngine } = require('./symbols');
const { scopeArg, keyArg, valueJson } = require('./state-args');

/**
 * State is the persistent key-value state of one Engine; get it from
 * `engine.state`. It is the state that spells see through their `State`
 * global, so a Lua or JS spell run on the engine reads what Node wrote, and
 * the other way round.
 *
 * Scopes: "global", "agent:<id>", "workflow:<id>", "session:<id>",
 * "tool:<id>", "user:<id>", "custom:<id>"; null (or undefined) means
 * "global". Values are anything JSON.stringify can encode; they come back
 * through JSON.parse. Storing null deletes the key.
 *
 * Every method is synchronous and runs on the calling thread (the calls are
 * short, like ping()), except migrate(), which rewrites the whole store and
 * returns a Promise (it runs on the addon's pool). Wrong argument types throw TypeError (or RangeError)
 * before any native call; a bad scope, key or value throws LlmspellError
 * "invalid_argument"; a store failure "storage_error"; any call after
 * engine.close() throws LlmspellError "closed".
 */
class State {
  /** @param {Engine} engine (internal: use engine.state) */
  constructor(engine) {
    this[kEngine] = engine;
  }
}

State.prototype.set = require('./methods/state-set');
State.prototype.get = require('./methods/state-get');
State.prototype.delete = require('./methods/state-delete');
State.prototype.exists = require('./methods/state-exists');
State.prototype.keys = require('./methods/state-keys');
State.prototype.compareAndSet = require('./methods/state-compare-and-set');
State.prototype.transaction = require('./methods/state-transaction');
State.prototype.registerSchema = require('./methods/state-register-schema');
State.prototype.migrate = require('./methods/state-migrate');
State.prototype.migrationStatus = require('./methods/state-migration-status');

/**
 * StateTransaction collects the writes of one `state.transaction(fn)`; fn
 * receives it. set() and delete() only record; the writes are applied
 * together when fn returns (or its Promise resolves) and dropped when fn
 * throws (or its Promise rejects). Values are encoded when set() is called,
 * so later changes to the object do not matter. Once the transaction has
 * ended, set() and delete() throw an Error.
 */
class StateTransaction {
  #ops = [];
  #ended = false;

  #add(json) {
    if (this.#ended) throw new Error('llmspell: this transaction has ended');
    this.#ops.push(json);
  }

  /**
   * set records storing value under key in scope (null value deletes).
   * @param {string|null} scope
   * @param {string} key
   * @param {any} value
   * @throws {TypeError|RangeError} as State.set; Error once ended.
   */
  set(scope, key, value) {
    const s = scopeArg(scope);
    const k = keyArg(key);
    const v = valueJson(value);
    const head = s === null ? '{"op":"set",' : `{"op":"set","scope":${JSON.stringify(s)},`;
    this.#add(`${head}"key":${JSON.stringify(k)},"value":${v}}`);
  }

  /**
   * delete records removing key from scope.
   * @param {string|null} scope
   * @param {string} key
   * @throws {TypeError} as State.delete; Error once ended.
   */
  delete(scope, key) {
    const s = scopeArg(scope);
    const k = keyArg(key);
    const head = s === null ? '{"op":"delete",' : `{"op":"delete","scope":${JSON.stringify(s)},`;
    this.#add(`${head}"key":${JSON.stringify(k)}}`);
  }

  /** size is the number of writes recorded so far. */
  get size() {
    return this.#ops.length;
  }

  /** ended is true once the transaction was applied or dropped. */
  get ended() {
    return this.#ended;
  }

  /** toJSON returns the recorded writes, in the form transaction(ops) takes. */
  toJSON() {
    return this.#ops.map((op) => JSON.parse(op));
  }

  // end (internal) ends the transaction and returns its ops as JSON text.
  static end(tx) {
    tx.#ended = true;
    const json = `[${tx.#ops.join(',')}]`;
    tx.#ops = [];
    return json;
  }
}

module.exports = State;
module.exports.StateTransaction = StateTransaction;
