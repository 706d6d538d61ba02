'use strict';

const native = require('../native');
const { engineHandle } = require('../state-args');
const { idArg } = require('../session-args');

/**
 * transition moves a session to a new status (llmspell_session_transition),
 * synchronously. Allowed moves: active -> suspended, completed, failed;
 * suspended -> active, completed, failed; completed -> archived; failed ->
 * archived. suspend(), resume(), complete(), fail() and archive() are
 * shortcuts.
 * @param {string} id
 * @param {string} status "active" (resume), "suspended", "completed",
 *   "failed" or "archived".
 * @param {string} [reason] kept for "failed" as fail_reason.
 * @throws {TypeError} bad argument types.
 * @throws {LlmspellError} conflict (move not allowed), not_found,
 *   invalid_argument (unknown status), closed.
 */
module.exports = function transition(id, status, reason) {
  idArg(id, 'id');
  idArg(status, 'status');
  if (reason !== undefined && reason !== null) idArg(reason, 'reason');
  native.sessionTransition(engineHandle(this), id, status, reason === undefined ? null : reason);
};
