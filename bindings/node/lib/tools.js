'use strict';

const { kEngine, kHandle } = require('./symbols');

const kName = Symbol('llmspell.toolName');
const kOpen = Symbol('llmspell.toolOpen');
const kCalls = Symbol('llmspell.toolCalls');

/**
 * Tools is the engine's tool registry; get it from `engine.tools`: the
 * built-in tools and the tools registered by spells and hosts, all alike
 * to callers. A call validates the parameters against the tool's JSON
 * Schema, enforces the engine's [tools] policy, runs the tool hooks and
 * publishes tool.execution.* events.
 *
 * A tool registered from JS (register()) is called like a JS hook: directly
 * when the caller is the JS main thread (tools.invoke, runSync), else posted
 * to the event loop, the calling thread waiting for at most 5 s (then the
 * call fails with "timed out waiting for the JS thread"). See Hooks.
 */
class Tools {
  /** @param {Engine} engine (internal: use engine.tools) */
  constructor(engine) {
    this[kEngine] = engine;
  }
}

Tools.prototype.invoke = require('./methods/tool-invoke');
Tools.prototype.invokeAsync = require('./methods/tool-invoke-async');
Tools.prototype.list = require('./methods/tool-list');
Tools.prototype.register = require('./methods/tool-register');

/**
 * Tool is a tool registered from JS, from `engine.tools.register()`. It
 * stays registered until unregister() or until the engine closes.
 */
class Tool {
  constructor(engine, name, calls) {
    this[kEngine] = engine;
    this[kCalls] = calls;
    this[kName] = name;
    this[kOpen] = true;
  }

  /** name is the tool's name. */
  get name() {
    return this[kName];
  }

  /** registered is false once unregister() was called or the engine closed. */
  get registered() {
    return this[kOpen] && this[kEngine][kHandle] !== null;
  }
}

Tool.prototype.unregister = require('./methods/tool-unregister');

module.exports = { Tools, Tool, kName, kOpen, kCalls };
