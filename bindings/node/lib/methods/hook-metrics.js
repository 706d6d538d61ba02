'use strict';

const native = require('../native');
const { engineHandleOrThrow } = require('../admin-args');

/**
 * metrics returns the built-in hook metrics (llmspell_hook_metrics),
 * synchronously: {counts: {point: n}, latency: {point: {count, mean_ms,
 * errors, buckets: [{le_ms, count}]}}}. counts has the calls of each point
 * the metrics hook watches (state writes, sessions, system, model and tool
 * calls); latency times the operations run through hooks (tool and model
 * calls) under their before point; the last bucket's le_ms is "inf". Needs
 * the config hooks.metrics = true.
 * @returns {object}
 * @throws {LlmspellError} invalid_argument (metrics are off), closed.
 */
module.exports = function metrics() {
  return JSON.parse(native.hookMetrics(engineHandleOrThrow(this)));
};
