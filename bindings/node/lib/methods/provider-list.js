'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');

/**
 * list describes the configured providers, and the presets whose key is
 * set or that need none ("local", "ollama", ...) (llmspell_provider_list):
 * {name, type, base_url, default_model, has_key, capabilities: {streaming,
 * tools, parallel_tool_calls, vision, json_mode}}. Keys never appear.
 * @returns {object[]}
 * @throws {LlmspellError} closed.
 */
module.exports = function list() {
  return JSON.parse(native.providerList(engineHandleOrThrow(this)));
};
