'use strict';

const native = require('../native');
const { kEngine, kHandle } = require('../symbols');

function remove(engine, id) {
  const h = engine[kHandle];
  if (h === null) return;
  try {
    native.hookUnregister(h, id);
  } catch (e) {
    if (e && (e.code === 'not_found' || e.code === 'closed')) return;
    throw e;
  }
}

/**
 * unregister removes the hook (llmspell_hook_unregister). fn is not called
 * after this returns. Idempotent; a no-op once the engine is closed
 * (closing the engine removed it).
 *
 * The library waits there for the calls of the hook in progress on other
 * threads; the addon serves the JS calls they wait for meanwhile. Called
 * from inside fn itself, the library's unregister happens on the next turn
 * of the event loop (it would wait for this very call).
 */
module.exports = function unregister() {
  const { kId, kCalls } = require('../hooks');
  const id = this[kId];
  if (id === null) return;
  this[kId] = null;
  const calls = this[kCalls];
  calls.removed = true;
  const engine = this[kEngine];
  if (calls.depth > 0) {
    setImmediate(() => remove(engine, id));
    return;
  }
  remove(engine, id);
};
