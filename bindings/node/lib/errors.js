'use strict';

// STATUS_NAMES maps each llmspell_status code to its stable name, as
// llmspell_status_name returns it. Index = status code.
const STATUS_NAMES = Object.freeze([
  'ok', 'invalid_argument', 'not_found', 'denied', 'timeout', 'cancelled',
  'provider_error', 'tool_error', 'internal', 'script_error', 'closed',
  'storage_error', 'limit_exceeded', 'conflict',
]);

/**
 * LlmspellError is the one error class for failures reported by the
 * library. `code` is the status name ("timeout", "script_error", ...),
 * `status` the numeric llmspell_status, and `details` the parsed
 * llmspell_error_details object (always has "kind" and "message"). When a
 * run fails after printing, `output` holds what it printed.
 */
class LlmspellError extends Error {
  /**
   * @param {string} message the library's message, e.g. "timeout: run exceeded 1000 ms"
   * @param {{code?: string, status?: number, details?: object, output?: string}} [fields]
   */
  constructor(message, fields = {}) {
    super(message);
    const status = Number.isInteger(fields.status) ? fields.status : 8;
    const code = typeof fields.code === 'string' ? fields.code : (STATUS_NAMES[status] || 'unknown');
    Object.defineProperty(this, 'name', { value: 'LlmspellError', configurable: true, writable: true });
    this.code = code;
    this.status = status;
    this.details = fields.details && typeof fields.details === 'object'
      ? fields.details
      : { kind: code, message };
    if (typeof fields.output === 'string') this.output = fields.output;
  }
}

// fromNative is the factory the addon calls to build errors:
// (status, code, message, detailsJson|null, output|null).
function fromNative(status, code, message, detailsJson, output) {
  let details;
  if (typeof detailsJson === 'string') {
    try {
      details = JSON.parse(detailsJson);
    } catch {
      details = undefined;
    }
  }
  const fields = { code, status, details };
  if (typeof output === 'string') fields.output = output;
  return new LlmspellError(message, fields);
}

// closedError is the error for a call on a closed Engine or RunToken.
function closedError(what) {
  const message = `closed: ${what} is closed`;
  return new LlmspellError(message, { code: 'closed', status: 10, details: { kind: 'closed', message } });
}

module.exports = { LlmspellError, STATUS_NAMES, fromNative, closedError };
