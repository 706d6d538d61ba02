'use strict';

const { kEngine } = require('./symbols');

/**
 * Sessions are the sessions of one Engine; get them from
 * `engine.sessions`. They are the sessions spells see through their
 * `Session` global. Records are plain objects with the library's keys:
 * {id, name, description, tags, parent, status, created_at, updated_at,
 * metadata, artifact_count, artifact_bytes, fail_reason?}.
 *
 * Every method is synchronous and runs on the calling thread (one short
 * store call, like the State methods). Wrong argument types and unknown
 * option keys throw TypeError (or RangeError) before any native call; any
 * call after engine.close() throws LlmspellError "closed".
 */
class Sessions {
  /** @param {Engine} engine (internal: use engine.sessions) */
  constructor(engine) {
    this[kEngine] = engine;
  }

  /** suspend suspends an active session: transition(id, "suspended"). */
  suspend(id) {
    this.transition(id, 'suspended');
  }

  /** resume makes a suspended session active: transition(id, "active"). */
  resume(id) {
    this.transition(id, 'active');
  }

  /** complete completes an active or suspended session: transition(id, "completed"). */
  complete(id) {
    this.transition(id, 'completed');
  }

  /**
   * fail marks an active or suspended session failed with a reason (kept
   * as fail_reason): transition(id, "failed", reason).
   */
  fail(id, reason) {
    if (typeof reason !== 'string') throw new TypeError('reason must be a string');
    this.transition(id, 'failed', reason);
  }

  /**
   * archive archives a completed or failed session, which then takes no
   * more artifacts: transition(id, "archived").
   */
  archive(id) {
    this.transition(id, 'archived');
  }
}

Sessions.prototype.create = require('./methods/session-create');
Sessions.prototype.get = require('./methods/session-get');
Sessions.prototype.list = require('./methods/session-list');
Sessions.prototype.transition = require('./methods/session-transition');
Sessions.prototype.updateMetadata = require('./methods/session-update-metadata');
Sessions.prototype.delete = require('./methods/session-delete');

module.exports = Sessions;
