'use strict';

const native = require('../native');
const { kEngine, kHandle } = require('../symbols');

/**
 * unregister removes the tool (llmspell_tool_unregister): later calls give
 * not_found. Idempotent; a no-op once the engine is closed.
 */
module.exports = function unregister() {
  const { kName, kOpen } = require('../tools');
  if (!this[kOpen]) return;
  this[kOpen] = false;
  const h = this[kEngine][kHandle];
  if (h === null) return;
  try {
    native.toolUnregister(h, this[kName]);
  } catch (e) {
    if (e && (e.code === 'not_found' || e.code === 'closed')) return;
    throw e;
  }
};
