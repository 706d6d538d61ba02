'use strict';

const native = require('../native');
const { optionsArg, strArg, present, jsonOrNull, engineHandleOrThrow } = require('../admin-args');

const KNOWN = ['category', 'tag', 'format'];

/**
 * list lists the tools (llmspell_tool_list), sorted by name, synchronously.
 * @param {object} [options]
 * @param {string} [options.category] only this category.
 * @param {string} [options.tag] only tools with this tag.
 * @param {string} [options.format="info"] "info" ({name, description,
 *   category, security_level, version, tags, language, schema}), "openai"
 *   or "anthropic" (the providers' tool shapes).
 * @returns {object[]}
 * @throws {LlmspellError} invalid_argument (unknown format), closed.
 */
module.exports = function list(options) {
  const o = optionsArg(options, KNOWN);
  const out = {};
  for (const k of KNOWN) if (present(o[k])) out[k] = strArg(o[k], `options.${k}`);
  return JSON.parse(native.toolList(engineHandleOrThrow(this), jsonOrNull(out)));
};
