'use strict';

const native = require('./native');
const {
  kHandle, kState, kSessions, kArtifacts, kBackups, kEvents, kHooks, kTools, kAgents, kProviders, kWorkflows,
} = require('./symbols');
const { configJson } = require('./options');

/**
 * Engine is one llmspell engine: its store, registries and script runtime
 * pools (llmspell_engine_new). Several engines per process are isolated.
 * The caller should close() it; an engine that is garbage-collected unclosed
 * is freed then.
 */
class Engine {
  /**
   * @param {object|string} [config] the config as an object or JSON text,
   *   with the sections and keys of the TOML config file, e.g.
   *   {script: {timeout_ms: 5000}}. Default: in-memory store, defaults.
   * @throws {TypeError} config is neither an object nor a string.
   * @throws {LlmspellError} invalid_argument (bad JSON, unknown key),
   *   storage_error (data folder unusable or locked).
   */
  constructor(config) {
    this[kHandle] = native.engineNew(configJson(config));
  }

  /** closed is true once close() was called. */
  get closed() {
    return this[kHandle] === null;
  }

  /**
   * state is the engine's persistent key-value state (a State: set, get,
   * delete, exists, keys, compareAndSet, transaction), the same state that
   * spells see through their State global. Its methods are synchronous and
   * throw LlmspellError "closed" once the engine is closed.
   * @type {State}
   */
  get state() {
    let s = this[kState];
    if (s === undefined) {
      const State = require('./state');
      s = new State(this);
      Object.defineProperty(this, kState, { value: s });
    }
    return s;
  }

  /**
   * sessions are the engine's sessions (a Sessions: create, get, list,
   * transition, suspend, resume, complete, fail, archive, updateMetadata,
   * delete), the same sessions spells see through their Session global.
   * Synchronous; throws LlmspellError "closed" once the engine is closed.
   * @type {Sessions}
   */
  get sessions() {
    let s = this[kSessions];
    if (s === undefined) {
      const Sessions = require('./sessions');
      s = new Sessions(this);
      Object.defineProperty(this, kSessions, { value: s });
    }
    return s;
  }

  /**
   * artifacts are the engine's artifacts (an Artifacts: store, storeFile,
   * get, query, delete, createWriteStream, createReadStream), the same
   * artifacts spells see through their Artifact global.
   * @type {Artifacts}
   */
  get artifacts() {
    let a = this[kArtifacts];
    if (a === undefined) {
      const Artifacts = require('./artifacts');
      a = new Artifacts(this);
      Object.defineProperty(this, kArtifacts, { value: a });
    }
    return a;
  }

  /**
   * backups are the backups of the engine's whole store (a Backups:
   * create, list, validate, restore, cleanup). create, validate, restore
   * and cleanup return Promises and run on the addon's pool; list is
   * synchronous.
   * @type {Backups}
   */
  get backups() {
    let b = this[kBackups];
    if (b === undefined) {
      const Backups = require('./backups');
      b = new Backups(this);
      Object.defineProperty(this, kBackups, { value: b });
    }
    return b;
  }

  /**
   * events is the engine's event bus (an Events: publish, subscribe,
   * stats), the bus spells use through their Event global. close() closes
   * every subscription made through it.
   * @type {Events}
   */
  get events() {
    let e = this[kEvents];
    if (e === undefined) {
      const { Events } = require('./events');
      e = new Events(this);
      Object.defineProperty(this, kEvents, { value: e });
    }
    return e;
  }

  /**
   * hooks are the engine's hooks (a Hooks: register, list). A Hook stays
   * registered until its unregister() or until the engine closes. See
   * Hooks for the thread a JS hook is called on.
   * @type {Hooks}
   */
  get hooks() {
    let h = this[kHooks];
    if (h === undefined) {
      const { Hooks } = require('./hooks');
      h = new Hooks(this);
      Object.defineProperty(this, kHooks, { value: h });
    }
    return h;
  }

  /**
   * tools are the engine's tools (a Tools: invoke, invokeAsync, list,
   * register), the registry spells use through their Tool global.
   * @type {Tools}
   */
  get tools() {
    let t = this[kTools];
    if (t === undefined) {
      const { Tools } = require('./tools');
      t = new Tools(this);
      Object.defineProperty(this, kTools, { value: t });
    }
    return t;
  }

  /**
   * agents is the engine's agent registry (an Agents: create, get, list,
   * remove), the registry spells use through their Agent global. An Agent
   * runs turns with execute (synchronous), executeAsync (a Promise, on
   * the addon's pool) or stream (an async iterator of text deltas).
   * @type {Agents}
   */
  get agents() {
    let a = this[kAgents];
    if (a === undefined) {
      const { Agents } = require('./agents');
      a = new Agents(this);
      Object.defineProperty(this, kAgents, { value: a });
    }
    return a;
  }

  /**
   * workflows is the engine's workflow registry (a Workflows: create, get,
   * list, remove, resume, runRecord), the registry spells use through
   * their Workflow global. A Workflow runs with execute (synchronous) or
   * executeAsync (a Promise, on the addon's pool).
   * @type {Workflows}
   */
  get workflows() {
    let w = this[kWorkflows];
    if (w === undefined) {
      const { Workflows } = require('./workflows');
      w = new Workflows(this);
      Object.defineProperty(this, kWorkflows, { value: w });
    }
    return w;
  }

  /**
   * providers are the engine's LLM providers (a Providers: list, names).
   * @type {Providers}
   */
  get providers() {
    let p = this[kProviders];
    if (p === undefined) {
      const { Providers } = require('./agents');
      p = new Providers(this);
      Object.defineProperty(this, kProviders, { value: p });
    }
    return p;
  }
}

Engine.prototype.run = require('./methods/run');
Engine.prototype.runSync = require('./methods/run-sync');
Engine.prototype.runFile = require('./methods/run-file');
Engine.prototype.runFileSync = require('./methods/run-file-sync');
Engine.prototype.info = require('./methods/info');
Engine.prototype.ping = require('./methods/ping');
Engine.prototype.runToken = require('./methods/run-token');
Engine.prototype.close = require('./methods/close');
if (typeof Symbol.dispose === 'symbol') Engine.prototype[Symbol.dispose] = Engine.prototype.close;

module.exports = Engine;
