'use strict';
// llmspell: Node binding of llmspell-go (libllmspell, C ABI version 1).

const native = require('./native');
const Engine = require('./engine');
const RunToken = require('./run-token');
const State = require('./state');
const Sessions = require('./sessions');
const Artifacts = require('./artifacts');
const Backups = require('./backups');
const { Events, Subscription, PushSubscription } = require('./events');
const { ArtifactWriteStream, ArtifactReadStream } = require('./artifact-streams');
const { LlmspellError } = require('./errors');
const { Hooks, Hook } = require('./hooks');
const { Tools, Tool } = require('./tools');
const { Agents, Agent, AgentStream, Providers } = require('./agents');
const { Workflows, Workflow } = require('./workflows');

/** version returns the loaded library's version, e.g. "0.1.0" (llmspell_version). */
function version() {
  return native.version();
}

/** abiVersion returns the loaded library's ABI version (llmspell_abi_version). */
function abiVersion() {
  return native.abiVersion();
}

module.exports = {
  Engine,
  RunToken,
  State,
  Sessions,
  Artifacts,
  Backups,
  Events,
  Subscription,
  PushSubscription,
  Hooks,
  Hook,
  Tools,
  Tool,
  Agents,
  Agent,
  AgentStream,
  Providers,
  Workflows,
  Workflow,
  ArtifactWriteStream,
  ArtifactReadStream,
  LlmspellError,
  version,
  abiVersion,
  libraryPath: native.libraryPath,
};
