'use strict';

// kHandle keys the native handle on Engine and RunToken objects; null once
// closed. Not exported from the package: raw handles stay private.
const kHandle = Symbol('llmspell.handle');

// kEngine keys the Engine a State belongs to; kState caches an Engine's
// State object.
const kEngine = Symbol('llmspell.engine');
const kState = Symbol('llmspell.state');

// kSessions and kArtifacts cache an Engine's Sessions and Artifacts objects.
const kSessions = Symbol('llmspell.sessions');
const kArtifacts = Symbol('llmspell.artifacts');

// kBackups and kEvents cache an Engine's Backups and Events objects;
// kSubscriptions keys the subscriptions made through an Engine, which its
// close() closes: {push: Set<PushSubscription>, pull: Set<WeakRef<Subscription>>}.
const kBackups = Symbol('llmspell.backups');
const kEvents = Symbol('llmspell.events');
const kSubscriptions = Symbol('llmspell.subscriptions');

// kHooks and kTools cache an Engine's Hooks and Tools objects.
const kHooks = Symbol('llmspell.hooks');
const kTools = Symbol('llmspell.tools');

// kAgents and kProviders cache an Engine's Agents and Providers objects.
const kAgents = Symbol('llmspell.agents');
const kProviders = Symbol('llmspell.providers');
// kAgentName keys an Agent's name.
const kAgentName = Symbol('llmspell.agentName');

// kWorkflows caches an Engine's Workflows object; kWorkflowName keys a
// Workflow's name.
const kWorkflows = Symbol('llmspell.workflows');
const kWorkflowName = Symbol('llmspell.workflowName');

module.exports = {
  kHandle, kEngine, kState, kSessions, kArtifacts, kBackups, kEvents, kSubscriptions, kHooks, kTools,
  kAgents, kProviders, kAgentName, kWorkflows, kWorkflowName,
};
