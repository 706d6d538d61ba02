'use strict';
// Agents and providers: the shared vectors (tests/vectors/agent.json), and
// tests on the local test model (stories260K): tool calls, execute and
// executeAsync, async-iterator streams, memory, agents as tools, errors,
// cancellation (a stream returned early, a run token from a timer) and
// leaks (streams left to the collector).
//
// The model folder comes from LLMSPELL_MODELS_DIR, else
// <repo>/../shared/models; without it the model tests skip with a message
// (and fail when CI=true).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Engine, Agents, Agent, AgentStream, Providers, LlmspellError } = require('..');

const {
  MODELS, vectorsPath, needModels, modelsOrFail, openModelEngine, isCode,
} = require('../test-support/local-model');

const VECTORS = process.env.LLMSPELL_AGENT_VECTORS || vectorsPath('agent');
const { cases } = JSON.parse(fs.readFileSync(VECTORS, 'utf8'));

// openEngine opens an engine with the test models for one test (see
// openModelEngine).
function openEngine(t) {
  return openModelEngine(t, 'llmspell-node-agent-')[0];
}

// --- shared vectors ---------------------------------------------------------

// step runs one vector step through the public API.
async function step(engine, s) {
  const agent = () => new Agent(engine, s.agent);
  switch (s.call) {
    case 'create': return engine.agents.create(s.config).name;
    case 'list': return engine.agents.list();
    case 'providers': return engine.providers.list();
    case 'invoke_tool': return engine.tools.invoke(s.tool, s.params);
    case 'execute': return agent().execute(s.input);
    case 'stream': {
      const st = agent().stream(s.input);
      const deltas = [];
      for await (const d of st) deltas.push(d);
      return { ...st.result, _deltas: deltas };
    }
    case 'history': return agent().history();
    case 'clear_history': return agent().clearHistory();
    case 'save_state': return agent().saveState();
    case 'load_state': return agent().loadState();
    case 'info': return agent().info();
    case 'remove': return agent().remove();
    case 'wrap_as_tool': {
      const o = s.options || {};
      return agent().wrapAsTool({ toolName: o.tool_name, description: o.description });
    }
    default: throw new Error(`unknown call ${s.call} in the vectors`);
  }
}

function subset(want, got) {
  if (want !== null && typeof want === 'object' && !Array.isArray(want)) {
    return got !== null && typeof got === 'object' &&
      Object.entries(want).every(([k, v]) => k in got && subset(v, got[k]));
  }
  return JSON.stringify(want) === JSON.stringify(got);
}

function checkStep(s, got, offered, where) {
  if ('expect_len' in s) assert.equal(got.length, s.expect_len, `${where}: ${JSON.stringify(got)}`);
  if ('expect_len_min' in s) assert.ok(got.length >= s.expect_len_min, `${where}: ${JSON.stringify(got)}`);
  if (s.expect_names) {
    const names = got.map((x) => x.name);
    for (const n of s.expect_names) assert.ok(names.includes(n), `${where}: ${n} not in ${names}`);
  }
  if ('expect' in s) assert.ok(subset(s.expect, got), `${where}: got ${JSON.stringify(got)}, want ${JSON.stringify(s.expect)}`);
  if ('expect_result_text' in s) assert.equal(got.result.text, s.expect_result_text, where);
  for (const c of s.expect_checks || []) {
    switch (c) {
      case 'text_nonempty': assert.ok(got.text.length > 0, where); break;
      case 'tool_called':
        assert.ok(got.tool_calls.length > 0, `${where}: no tool call`);
        for (const call of got.tool_calls) assert.ok(offered.includes(call.name), `${where}: ${call.name}`);
        break;
      case 'no_tool_calls': assert.deepEqual(got.tool_calls, [], where); break;
      case 'usage': assert.ok(got.usage.input_tokens > 0 && got.usage.output_tokens > 0, where); break;
      case 'deltas':
        assert.ok(got._deltas.length >= 2, where);
        assert.equal(got._deltas.join(''), got.text, where);
        break;
      default: throw new Error(`unknown check ${c} in the vectors`);
    }
  }
}

test('the agent vectors cover every call', () => {
  const calls = new Set(cases.flatMap((c) => c.steps.map((s) => s.call)));
  assert.deepEqual([...calls].sort(), ['clear_history', 'create', 'execute', 'history', 'info', 'invoke_tool',
    'list', 'load_state', 'providers', 'remove', 'save_state', 'stream', 'wrap_as_tool']);
});

for (const c of cases) {
  test(`agent vector ${c.name}`, c.needs_model ? needModels() : {}, async (t) => {
    if (c.needs_model) modelsOrFail();
    const engine = openEngine(t);
    const tools = new Map();
    for (const [i, s] of c.steps.entries()) {
      const where = `${c.name} step ${i} (${s.call})`;
      if (s.expect_error) {
        await assert.rejects(async () => step(engine, s), (e) => {
          assert.ok(e instanceof LlmspellError, `${where}: ${e}`);
          assert.equal(e.code, s.expect_error, `${where}: ${e.message}`);
          return true;
        });
        continue;
      }
      const got = await step(engine, s);
      if (s.call === 'create') tools.set(got, s.config.tools || []);
      checkStep(s, got, tools.get(s.agent) || [], where);
    }
  });
}

// --- the local model ----------------------------------------------------------

test('execute with tools, sync and async', needModels(), async (t) => {
  modelsOrFail();
  const engine = openEngine(t);
  assert.ok(engine.agents instanceof Agents && engine.agents === engine.agents);
  const agent = engine.agents.create({
    name: 'teller', tools: ['calculator', 'uuid_generator'], temperature: 0, maxTokens: 16,
  });
  assert.ok(agent instanceof Agent);
  assert.equal(agent.name, 'teller');
  assert.equal(agent.engine, engine);
  const r = agent.execute('Once upon a time');
  assert.ok(r.text.length > 0);
  assert.ok(r.tool_calls.length > 0);
  for (const c of r.tool_calls) assert.ok(['calculator', 'uuid_generator'].includes(c.name), c.name);
  assert.ok(r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
  assert.equal(r.metadata.provider, 'local');

  // The event loop stays free during executeAsync.
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 1);
  const r2 = await agent.executeAsync({ text: 'The cat', parameters: { maxTokens: 24 } });
  clearInterval(timer);
  assert.ok(r2.text.length > 0 && r2.usage.output_tokens > 0);
  assert.ok(ticks > 0, "the event loop ran timers during executeAsync");
  assert.equal(engine.agents.get('teller').name, 'teller');
});

test('stream: deltas join to the text, result after the end', needModels(), async (t) => {
  modelsOrFail();
  const engine = openEngine(t);
  const agent = engine.agents.create({ name: 's', temperature: 0, max_tokens: 16 });
  const st = agent.stream({ text: 'The dog' });
  assert.ok(st instanceof AgentStream);
  assert.equal(st.result, null);
  const deltas = [];
  for await (const d of st) {
    assert.equal(typeof d, 'string');
    deltas.push(d);
  }
  assert.ok(deltas.length >= 2, `${deltas.length} deltas`);
  assert.equal(deltas.join(''), st.result.text);
  assert.ok(st.result.usage.output_tokens > 0);
  assert.ok(st.done && st.closed, 'freed at the end');
  assert.deepEqual(await st.next(), { value: undefined, done: true });
  st.close(); // idempotent

  const whole = await agent.stream('A bird').text();
  assert.ok(whole.length > 0);
});

test('memory: save, clear, load', needModels(), async (t) => {
  modelsOrFail();
  const engine = openEngine(t);
  const agent = engine.agents.create({ name: 'mem', maxTokens: 8, memory: 10 });
  await agent.executeAsync('Hello');
  const hist = agent.history();
  assert.deepEqual(hist.map((m) => m.role), ['user', 'assistant']);
  assert.equal(hist[0].content, 'Hello');
  agent.saveState();
  agent.clearHistory();
  assert.deepEqual(agent.history(), []);
  assert.equal(agent.loadState(), true);
  assert.deepEqual(agent.history(), hist);
  assert.ok(engine.state.keys('agent:mem').length > 0);
  assert.equal(agent.info().memory_length, 2);
});

test('a basic agent as a tool, the registry and the providers', (t) => {
  const engine = openEngine(t);
  const echo = engine.agents.create({ name: 'echo', type: 'basic' });
  assert.equal(echo.execute('ping').text, 'ping');
  assert.equal(echo.wrapAsTool(), 'agent_echo');
  assert.equal(echo.wrapAsTool({ toolName: 'ask_echo', description: 'echoes' }), 'ask_echo');
  const env = engine.tools.invoke('ask_echo', { input: 'pong' });
  assert.ok(env.success);
  assert.equal(env.result.text, 'pong');
  assert.throws(() => echo.wrapAsTool({ toolName: 'ask_echo' }), isCode('conflict'));

  const gen = engine.agents.create({ type: 'basic', description: 'second' });
  assert.match(gen.name, /^agent-/);
  assert.deepEqual(engine.agents.list().map((i) => i.name).sort(), [gen.name, 'echo'].sort());
  assert.equal(gen.remove(), true);
  assert.equal(gen.remove(), false);
  assert.throws(() => gen.info(), isCode('not_found'));
  assert.equal(engine.agents.remove('echo'), true);
  assert.deepEqual(engine.agents.list(), []);

  assert.ok(engine.providers instanceof Providers);
  const provs = engine.providers.list();
  const local = provs.find((p) => p.name === 'local');
  assert.ok(local && typeof local.capabilities.streaming === 'boolean');
  assert.ok(engine.providers.names().includes('local'));
  assert.ok(provs.every((p) => !('api_key' in p)));
});

test('spells see the agents made from Node', async (t) => {
  const engine = openEngine(t);
  engine.agents.create({ name: 'echo', type: 'basic' });
  const r = await engine.run('return Agent.list()');
  assert.ok(r.value.some((i) => i.name === 'echo'));
});

// --- errors -------------------------------------------------------------------

test('errors: bad configs, bad input, unknown agents, a closed engine', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-node-agent-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const engine = new Engine({ storage: { data_dir: path.join(dir, 'data') }, models: { dir: MODELS } });
  const agents = engine.agents;
  assert.throws(() => agents.create({ name: 'x', type: 'basic', temperature: 'hot' }), isCode('invalid_argument'));
  assert.throws(() => agents.create({ name: 'x', type: 'basic', colour: 'red' }), isCode('invalid_argument'));
  assert.throws(() => agents.create({ name: 'x', type: 'basic', tools: ['no_such_tool'] }), isCode('not_found'));
  assert.throws(() => agents.create({ name: 'x', model: 'nowhere/x' }), isCode('not_found'));
  assert.throws(() => agents.create('x'), TypeError);
  assert.throws(() => agents.create([1]), TypeError);
  const echo = agents.create({ name: 'x', type: 'basic' });
  assert.throws(() => agents.create({ name: 'x', type: 'basic' }), isCode('conflict'));
  assert.throws(() => echo.execute(''), isCode('invalid_argument'));
  assert.throws(() => echo.execute({ text: '' }), isCode('invalid_argument'));
  await assert.rejects(echo.executeAsync(''), isCode('invalid_argument'));
  assert.throws(() => echo.execute(42), TypeError);
  assert.throws(() => echo.execute('hi', { tokn: 1 }), TypeError);
  assert.throws(() => echo.execute('hi', { token: {} }), TypeError);
  assert.throws(() => echo.wrapAsTool({ name: 'x' }), TypeError);
  const ghost = new Agent(engine, 'ghost');
  for (const call of [() => ghost.execute('hi'), () => ghost.stream('hi'), () => ghost.info(),
    () => ghost.history(), () => ghost.clearHistory(), () => ghost.saveState(), () => ghost.loadState(),
    () => ghost.wrapAsTool(), () => agents.get('ghost')]) {
    assert.throws(call, isCode('not_found'));
  }
  await assert.rejects(ghost.executeAsync('hi'), isCode('not_found'));
  assert.throws(() => new Agent(engine, 'a\0b').execute('hi'), isCode('invalid_argument'));

  const st = echo.stream('still works');
  engine.close();
  for (const call of [() => echo.execute('hi'), () => echo.stream('hi'), () => echo.info(),
    () => echo.history(), () => echo.remove(), () => agents.list(), () => engine.providers.list(),
    () => agents.create({ type: 'basic' })]) {
    assert.throws(call, isCode('closed'));
  }
  await assert.rejects(echo.executeAsync('hi'), isCode('closed'));
  // A stream opened before the close goes on.
  assert.equal(await st.text(), 'still works');
});

// --- cancellation -------------------------------------------------------------

test('a stream returned early cancels its turn; cancel() rejects the iteration', needModels(), async (t) => {
  modelsOrFail();
  const engine = openEngine(t);
  const agent = engine.agents.create({ name: 'long', maxTokens: 400, temperature: 0 });
  const t0 = Date.now();
  const st = agent.stream('Once');
  for await (const d of st) {
    assert.ok(d.length > 0);
    break; // return(): cancels and frees
  }
  assert.ok(st.closed);
  assert.equal(st.result, null);

  const st2 = agent.stream('Once');
  const first = await st2.next();
  assert.equal(first.done, false);
  st2.cancel();
  await assert.rejects(async () => {
    for await (const d of st2) assert.equal(typeof d, 'string');
  }, isCode('cancelled'));
  assert.ok(st2.closed && st2.result === null);
  st2.cancel(); // harmless once freed
  assert.ok(Date.now() - t0 < 10000);
  assert.deepEqual(agent.history(), [], 'stopped turns are not remembered');
});

test('a run token cancels executeAsync from a timer', needModels(), async (t) => {
  modelsOrFail();
  const engine = openEngine(t);
  const agent = engine.agents.create({ name: 'long', maxTokens: 4000, temperature: 0, tools: ['uuid_generator'] });
  const token = engine.runToken();
  t.after(() => token.close());
  setTimeout(() => token.cancel(), 100);
  const t0 = Date.now();
  await assert.rejects(agent.executeAsync('Once upon a time', { token }), isCode('cancelled'));
  assert.ok(Date.now() - t0 < 10000);
  assert.throws(() => agent.execute('hi', { token }), isCode('cancelled'));
  await assert.rejects(agent.stream('hi', { token }).text(), isCode('cancelled'));
  token.close();
  assert.throws(() => agent.execute('hi', { token }), isCode('closed'));
});

test('concurrent turns on one agent', async (t) => {
  const engine = openEngine(t);
  const echo = engine.agents.create({ name: 'echo', type: 'basic', memory: 4 });
  const texts = Array.from({ length: 40 }, (_, i) => `m-${i}`);
  const results = await Promise.all(texts.map((x) => echo.executeAsync(x)));
  assert.deepEqual(results.map((r) => r.text), texts);
});

// --- leaks --------------------------------------------------------------------

test('streams left to the collector are freed; no handles are left', needModels(), async (t) => {
  modelsOrFail();
  const engine = openEngine(t);
  const agent = engine.agents.create({ name: 's', maxTokens: 8 });
  await agent.stream('warm up').text();
  const before = process.getActiveResourcesInfo().length;
  for (let i = 0; i < 10; i++) agent.stream('Hi'); // never read nor closed
  for (let i = 0; i < 5; i++) await agent.stream('Hi').text();
  if (typeof global.gc === 'function') global.gc();
  assert.ok(process.getActiveResourcesInfo().length <= before,
    `${JSON.stringify(process.getActiveResourcesInfo())}`);
});
