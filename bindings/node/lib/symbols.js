'use strict';

// kHandle keys the native handle on Engine and RunToken objects; null once
// closed. Not exported from the package: raw handles stay private.
const kHandle = Symbol('llmspell.handle');

module.exports = { kHandle };
