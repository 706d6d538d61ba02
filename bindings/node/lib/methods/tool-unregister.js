'use strict';

const native = require('../native');
const { kEngine, kHandle } = require('../symbols');

function remove(engine, name) {
  const h = engine[kHandle];
  if (h === null) return;
  try {
    native.toolUnregister(h, name);
  } catch (e) {
    if (e && (e.code === 'not_found' || e.code === 'closed')) return;
    throw e;
  }
}

/**
 * unregister removes the tool (llmspell_tool_unregister): later calls give
 * not_found. Idempotent; a no-op once the engine is closed. Called from
 * inside the tool's own function, the library's unregister happens on the
 * next turn of the event loop (later calls fail until then).
 */
module.exports = function unregister() {
  const { kName, kOpen, kCalls } = require('../tools');
  if (!this[kOpen]) return;
  this[kOpen] = false;
  const calls = this[kCalls];
  calls.removed = true;
  const engine = this[kEngine];
  if (calls.depth > 0) {
    setImmediate(() => remove(engine, this[kName]));
    return;
  }
  remove(engine, this[kName]);
};
