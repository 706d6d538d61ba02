'use strict';

const native = require('../native');
const { kEngine, kHandle } = require('../symbols');

/**
 * unregister removes the hook (llmspell_hook_unregister). No call of it
 * starts after this returns. Idempotent; a no-op once the engine is closed
 * (closing the engine removed it).
 */
module.exports = function unregister() {
  const { kId } = require('../hooks');
  const id = this[kId];
  if (id === null) return;
  this[kId] = null;
  const h = this[kEngine][kHandle];
  if (h === null) return;
  try {
    native.hookUnregister(h, id);
  } catch (e) {
    if (e && (e.code === 'not_found' || e.code === 'closed')) return;
    throw e;
  }
};
