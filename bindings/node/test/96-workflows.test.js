'use strict';
// Workflows defined as JSON: the shared vectors (tests/vectors/workflow.json),
// and tests of data passed between steps into a file in the sandbox,
// parallel agents on the local test model, conditions, loops, a JS function
// as a function step (execute and executeAsync), human input, error
// strategies, cancellation through a run token from a timer, bad
// definitions and leaks.
//
// The model folder comes from LLMSPELL_MODELS_DIR, else
// <repo>/../shared/models; without it the model tests skip with a message
// (and fail when CI=true).

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Engine, Workflows, Workflow, LlmspellError } = require('..');

const {
  vectorsPath, needModels, modelsOrFail, openModelEngine, isCode,
} = require('../test-support/local-model');

const { cases } = JSON.parse(fs.readFileSync(vectorsPath('workflow'), 'utf8'));

// openEngine opens an engine with the test models for one test (see
// openModelEngine). Returns [engine, dataDir].
function openEngine(t) {
  return openModelEngine(t, 'llmspell-node-wf-');
}

const LONG_LOOP = {
  name: 'long',
  type: 'loop',
  iterator: { while_condition: 'true', max_iterations: 100000 },
  aggregate: 'none',
  body: [{ name: 'u', tool: 'uuid_generator' }],
};

// --- shared vectors ---------------------------------------------------------

function matches(want, got) {
  if (Array.isArray(want)) {
    return Array.isArray(got) && got.length === want.length && want.every((w, i) => matches(w, got[i]));
  }
  if (want !== null && typeof want === 'object') {
    return got !== null && typeof got === 'object' && !Array.isArray(got) &&
      Object.keys(want).every((k) => k in got && matches(want[k], got[k]));
  }
  return want === got;
}

// echoTool is the vectors' host function: returns its parameters, fails on fail: true.
function echoTool(params) {
  if (params.fail === true) throw new Error('asked to fail');
  return params;
}

// step runs one vector step through the public API. An execute step with
// cancel_after_ms uses executeAsync, so that the timer can fire.
async function step(engine, s) {
  const wf = () => new Workflow(engine, s.workflow);
  switch (s.call) {
    case 'create': return engine.workflows.create(s.definition).name;
    case 'list': return engine.workflows.list();
    case 'resume': return engine.workflows.resume(s.run_id, s.input);
    case 'record': return engine.workflows.runRecord(s.run_id);
    case 'invoke_tool': return engine.tools.invoke(s.tool, s.params);
    case 'register_tool': engine.tools.register({ name: s.tool }, echoTool); return null;
    case 'agent_create': return engine.agents.create(s.config).name;
    case 'execute': {
      const o = s.options || {};
      const opts = { runId: o.run_id, timeoutMs: o.timeout_ms };
      if (s.cancel_after_ms === undefined) return wf().execute(s.input, opts);
      const token = engine.runToken();
      const timer = setTimeout(() => token.cancel(), s.cancel_after_ms);
      try {
        return await wf().executeAsync(s.input, { ...opts, token });
      } finally {
        clearTimeout(timer);
        token.close();
      }
    }
    case 'info': return wf().info();
    case 'remove': return wf().remove();
    case 'wrap': {
      const o = s.options || {};
      return wf().wrapAsTool({ toolName: o.tool_name, description: o.description });
    }
    default: throw new Error(`unknown call ${s.call} in the vectors`);
  }
}

for (const c of cases) {
  test(`vector: ${c.name}`, c.needs_model ? needModels() : {}, async (t) => {
    if (c.needs_model) modelsOrFail();
    const [engine] = openEngine(t);
    for (const [i, s] of c.steps.entries()) {
      const where = `${c.name} step ${i} (${s.call})`;
      if (s.expect_error !== undefined) {
        await assert.rejects(async () => step(engine, s), (e) => {
          assert.ok(e instanceof LlmspellError, `${where}: ${e}`);
          assert.equal(e.code, s.expect_error, `${where}: ${e.message}`);
          return true;
        });
        continue;
      }
      const got = await step(engine, s);
      if (s.expect !== undefined) {
        assert.ok(matches(s.expect, got), `${where}: got ${JSON.stringify(got)}, want ${JSON.stringify(s.expect)}`);
      }
      if (s.expect_len !== undefined) assert.equal(got.length, s.expect_len, where);
      if (s.expect_names) {
        const names = new Set(got.map((x) => x.name));
        for (const n of s.expect_names) assert.ok(names.has(n), `${where}: ${n}`);
      }
      if (s.expect_steps !== undefined) assert.equal(got.steps.length, s.expect_steps, where);
      for (const [name, want] of Object.entries(s.expect_step || {})) {
        const found = got.steps.find((x) => x.name === name);
        assert.ok(found && matches(want, found), `${where}: step ${name}: ${JSON.stringify(found)}`);
      }
      if (s.expect_result !== undefined) {
        assert.ok(matches(s.expect_result, got.result), `${where}: ${JSON.stringify(got)}`);
      }
      for (const check of s.expect_checks || []) {
        assert.equal(check, 'output_strings_nonempty', `unknown check ${check}`);
        const vals = Object.values(got.output);
        assert.ok(vals.length > 0 && vals.every((v) => typeof v === 'string' && v.length > 0), where);
      }
    }
  });
}

test('the vectors cover every call', () => {
  const calls = new Set(cases.flatMap((c) => c.steps.map((s) => s.call)));
  assert.deepEqual([...calls].sort(), ['agent_create', 'create', 'execute', 'info', 'invoke_tool', 'list',
    'record', 'register_tool', 'remove', 'resume', 'wrap']);
});

// --- idiomatic ------------------------------------------------------------------

test('a sequential workflow passes data between steps into a file', (t) => {
  const [engine, data] = openEngine(t);
  const sandbox = path.join(data, 'sandbox');
  const wf = engine.workflows.create({
    name: 'chain',
    type: 'sequential',
    steps: [
      { name: 'dir', tool: 'file_operations', input: { operation: 'create_dir', path: sandbox, recursive: true } },
      { name: 'id', tool: 'uuid_generator', input: {} },
      { name: 'digest', tool: 'hash_calculator', input: { input: '{{steps.id.output.uuid}}', algorithm: 'sha256' } },
      {
        name: 'save',
        tool: 'file_operations',
        input: { operation: 'write', path: `${sandbox}/chain.txt`, input: '{{steps.id.output.uuid}} {{steps.digest.output.hash}}' },
      },
      { name: 'back', tool: 'file_operations', input: { operation: 'read', path: `${sandbox}/chain.txt` } },
    ],
  });
  assert.ok(engine.workflows instanceof Workflows);
  assert.ok(wf instanceof Workflow && wf.name === 'chain' && wf.engine === engine);
  const r = wf.execute();
  assert.ok(r.success && r.status === 'completed', JSON.stringify(r));
  assert.deepEqual(r.steps.map((s) => s.name), ['dir', 'id', 'digest', 'save', 'back']);
  const uuid = r.steps[1].output.uuid;
  const hash = r.steps[2].output.hash;
  assert.equal(hash, crypto.createHash('sha256').update(uuid).digest('hex'));
  assert.equal(r.output.content, `${uuid} ${hash}`);
  assert.equal(fs.readFileSync(path.join(sandbox, 'chain.txt'), 'utf8'), `${uuid} ${hash}`);
  const rec = engine.workflows.runRecord(r.run_id);
  assert.equal(rec.status, 'completed');
  assert.equal(rec.steps.length, 5);
});

test('three agents in parallel on the local model', needModels(), async (t) => {
  modelsOrFail();
  const [engine] = openEngine(t);
  engine.agents.create({ name: 'wf_teller', maxTokens: 8, temperature: 0 });
  const trio = engine.workflows.create({
    name: 'trio',
    type: 'parallel',
    max_concurrency: 3,
    branches: [['a', 'Once upon a time'], ['b', 'The dog'], ['c', 'A bird']].map(([n, text]) => ({
      name: n, steps: [{ name: `t${n}`, type: 'agent', agent: 'wf_teller', input: text }],
    })),
  });
  const r = await trio.executeAsync();
  assert.ok(r.success, JSON.stringify(r));
  assert.deepEqual(Object.keys(r.output).sort(), ['a', 'b', 'c']);
  for (const v of Object.values(r.output)) assert.ok(typeof v === 'string' && v.length > 0);
});

test('a conditional on a previous output', (t) => {
  const [engine] = openEngine(t);
  engine.workflows.create({
    name: 'route',
    type: 'conditional',
    branches: [
      { name: 'big', condition: 'input.n > 40', steps: [{ name: 'yes', tool: 'calculator', input: { input: '{{input.n}} * 2' } }] },
      { name: 'small', steps: [{ name: 'no', tool: 'calculator', input: { input: '0' } }] },
    ],
  });
  const calc = engine.workflows.create(JSON.stringify({ // the JSON text works too
    name: 'calc_route',
    steps: [
      { name: 'calc', tool: 'calculator', input: { input: '{{input.expr}}' } },
      { name: 'decide', type: 'workflow', workflow: 'route', input: { n: '{{steps.calc.output.result}}' } },
      { name: 'only_if_big', tool: 'calculator', input: { input: '1+1' }, when: 'steps.calc.output.result > 100' },
    ],
    output: '{{steps.decide.output.result}}',
  }));
  const r = calc.execute({ expr: '6*7' });
  assert.equal(r.output, 84);
  assert.equal(r.steps.at(-1).skipped, true);
  assert.equal(calc.execute({ expr: '1+1' }).output, 0);
  assert.notEqual(calc.execute({ expr: '60*2' }).steps.at(-1).skipped, true);
});

test('a loop over a list with aggregation', (t) => {
  const [engine] = openEngine(t);
  const each = engine.workflows.create({
    name: 'each',
    type: 'loop',
    iterator: { collection: '{{input}}' },
    aggregate: 'collect',
    body: [{ name: 'len', tool: 'calculator', input: { input: '{{loop.item}} * 10 + {{loop.index}}' } }],
  });
  assert.deepEqual(each.execute([1, 2, 3]).output.map((x) => x.result), [10, 21, 32]);
  const last = engine.workflows.create({
    name: 'last2',
    type: 'loop',
    iterator: { collection: ['a', 'bb', 'ccc'] },
    aggregate: 'last_n',
    aggregate_n: 2,
    body: [{ name: 'h', tool: 'hash_calculator', input: { input: '{{loop.item}}', algorithm: 'md5' } }],
  });
  assert.deepEqual(last.execute().output.map((x) => x.hash),
    ['bb', 'ccc'].map((s) => crypto.createHash('md5').update(s).digest('hex')));
});

test('a JS function as a function step, with execute and executeAsync', async (t) => {
  const [engine] = openEngine(t);
  const seen = [];
  const shout = engine.tools.register({ name: 'shout', description: 'upper-cases text' }, (p) => {
    seen.push(p);
    return { text: p.text.toUpperCase(), n: p.n + 1 };
  });
  const wf = engine.workflows.create({
    name: 'shouting',
    steps: [
      { name: 'calc', tool: 'calculator', input: { input: '6*7' } },
      { name: 'loud', type: 'function', function: 'shout', input: { text: '{{input.text}}', n: '{{steps.calc.output.result}}' } },
    ],
  });
  const r = wf.execute({ text: 'hello' }); // the JS thread serves the step meanwhile
  assert.ok(r.success, JSON.stringify(r));
  assert.deepEqual(r.output, { text: 'HELLO', n: 43 });
  assert.equal(r.steps[1].type, 'function');
  const ra = await wf.executeAsync({ text: 'async' });
  assert.deepEqual(ra.output, { text: 'ASYNC', n: 43 });
  assert.deepEqual(seen, [{ text: 'hello', n: 42 }, { text: 'async', n: 42 }]);
  // A function that throws fails its step; the error strategy applies.
  engine.tools.register({ name: 'explode' }, () => { throw new Error('kaboom'); });
  const bad = engine.workflows.create({
    name: 'exploding',
    error_strategy: 'continue',
    steps: [
      { name: 'boom', type: 'function', function: 'explode' },
      { name: 'after', type: 'function', function: 'shout', input: { text: 'still', n: 0 } },
    ],
  });
  const rb = bad.execute();
  assert.ok(rb.success && rb.steps[0].success === false && rb.steps[0].error.includes('kaboom'), JSON.stringify(rb));
  assert.deepEqual(rb.output, { text: 'STILL', n: 1 });
  // Once the function is unregistered, the step fails.
  shout.unregister();
  const gone = wf.execute({ text: 'x' });
  assert.equal(gone.success, false);
  assert.equal(gone.status, 'failed');
});

test('an input step paused, then resumed with an answer', async (t) => {
  const [engine] = openEngine(t);
  const ask = engine.workflows.create({
    name: 'ask',
    steps: [
      { name: 'q', type: 'input', prompt: 'an expression?' },
      { name: 'calc', tool: 'calculator', input: { input: '{{steps.q.output}}' } },
    ],
  });
  const paused = ask.execute(undefined, { runId: 'ask-1' });
  assert.equal(paused.status, 'waiting_input');
  assert.equal(paused.pending_step, 'q');
  assert.equal(paused.prompt, 'an expression?');
  assert.equal(engine.workflows.runRecord('ask-1').status, 'waiting_input');
  const done = await engine.workflows.resumeAsync('ask-1', '2+3');
  assert.ok(done.success);
  assert.equal(done.output.result, 5);
  assert.throws(() => engine.workflows.resume('ask-1', '1+1'), isCode('conflict'));
  await assert.rejects(engine.workflows.resumeAsync('ask-1', '1+1'), isCode('conflict'));
  const again = ask.execute(undefined, { runId: 'ask-2' });
  assert.equal(engine.workflows.resume(again.run_id, '7*6').output.result, 42);
});

test('a failing step under fail_fast, continue and retry', (t) => {
  const [engine] = openEngine(t);
  const failing = (strategy) => engine.workflows.create({
    name: `fail_${strategy}`,
    error_strategy: strategy,
    retry: { max_attempts: 3, backoff_ms: 1 },
    steps: [
      { name: 'bad', tool: 'calculator', input: { input: '1/0' } },
      { name: 'after', tool: 'calculator', input: { input: '2+2' } },
    ],
  }).execute();
  const ff = failing('fail_fast');
  const cont = failing('continue');
  const retry = failing('retry');
  assert.ok(!ff.success && ff.status === 'failed' && ff.steps.length === 1 && ff.steps[0].error);
  assert.equal(engine.workflows.runRecord(ff.run_id).status, 'failed');
  assert.ok(cont.success && cont.steps.length === 2 && cont.output.result === 4);
  assert.ok(!retry.success && retry.steps[0].attempts === 3);
});

test('a run token cancels executeAsync from a timer', async (t) => {
  const [engine] = openEngine(t);
  const wf = engine.workflows.create(LONG_LOOP);
  const token = engine.runToken();
  t.after(() => token.close());
  setTimeout(() => token.cancel(), 100);
  const t0 = Date.now();
  await assert.rejects(wf.executeAsync(undefined, { runId: 'long-1', token }), isCode('cancelled'));
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(engine.workflows.runRecord('long-1').status, 'cancelled');
  // A cancelled token stops the next run, and a resume, at once.
  assert.throws(() => wf.execute(undefined, { token }), isCode('cancelled'));
  assert.throws(() => engine.workflows.resume('long-1', undefined, { token }), isCode('cancelled'));
  token.close();
  assert.throws(() => wf.execute(undefined, { token }), isCode('closed'));
  await assert.rejects(wf.executeAsync(undefined, { timeoutMs: 100 }), isCode('timeout'));
});

test('bad definitions and input', async (t) => {
  const [engine] = openEngine(t);
  const wfs = engine.workflows;
  assert.throws(() => wfs.create({ name: 'x', steps: [{ name: 's', tool: 'nope' }] }), isCode('not_found'));
  assert.throws(() => wfs.create({
    name: 'x',
    steps: [
      { name: 's', tool: 'hash_calculator', input: { input: '{{steps.later.output}}' } },
      { name: 'later', tool: 'uuid_generator' },
    ],
  }), isCode('invalid_argument'));
  assert.throws(() => wfs.create({
    name: 'x', type: 'loop', iterator: { while_condition: 'true' }, body: [{ name: 's', tool: 'uuid_generator' }],
  }), isCode('invalid_argument'));
  assert.throws(() => wfs.create('{"name":'), isCode('invalid_argument'));
  wfs.create({ name: 'ok', steps: [{ name: 's', tool: 'uuid_generator' }] });
  assert.throws(() => wfs.create({ name: 'ok', steps: [{ name: 's', tool: 'uuid_generator' }] }), isCode('conflict'));
  assert.throws(() => wfs.resume('no-such-run'), isCode('not_found'));
  await assert.rejects(wfs.resumeAsync('no-such-run'), isCode('not_found'));
  assert.throws(() => wfs.runRecord('no-such-run'), isCode('not_found'));
  assert.throws(() => wfs.runRecord('../../etc'), isCode('invalid_argument'));
  assert.throws(() => wfs.get('ghost'), isCode('not_found'));
  assert.throws(() => new Workflow(engine, 'ghost').execute(), isCode('not_found'));
  await assert.rejects(new Workflow(engine, 'ghost').executeAsync(), isCode('not_found'));
  const ok = wfs.get('ok');
  ok.execute(null, { runId: 'r-1' });
  assert.throws(() => ok.execute(null, { runId: 'r-1' }), isCode('conflict'));
  assert.throws(() => wfs.runRecord('nul\0id'), isCode('invalid_argument'));
  // Wrong types never reach the library.
  assert.throws(() => wfs.create(42), TypeError);
  assert.throws(() => wfs.create(null), TypeError);
  assert.throws(() => ok.execute(() => 1), TypeError);
  assert.throws(() => ok.execute(1n), TypeError);
  assert.throws(() => ok.execute({}, { colour: 'red' }), TypeError);
  assert.throws(() => ok.execute({}, { timeoutMs: 'soon' }), TypeError);
  assert.throws(() => ok.execute({}, { timeoutMs: -1 }), RangeError);
  assert.throws(() => ok.executeAsync({}, { token: 'nope' }), TypeError);
  assert.throws(() => ok.wrapAsTool({ toolName: 5 }), TypeError);
  assert.throws(() => wfs.resume(5), TypeError);
});

test('info, list, get, wrapAsTool and remove', (t) => {
  const [engine] = openEngine(t);
  const wf = engine.workflows.create({
    name: 'doubler',
    description: 'doubles n',
    steps: [{ name: 'd', tool: 'calculator', input: { input: '{{input.n}} * 2' } }],
  });
  const info = wf.info();
  assert.equal(info.name, 'doubler');
  assert.equal(info.type, 'sequential');
  assert.equal(info.definition.steps[0].tool, 'calculator');
  assert.equal(engine.workflows.get('doubler').name, 'doubler');
  assert.deepEqual(engine.workflows.list().map((i) => i.name), ['doubler']);
  assert.equal(wf.wrapAsTool(), 'workflow_doubler');
  assert.equal(wf.wrapAsTool({ toolName: 'double_it', description: 'doubles' }), 'double_it');
  assert.throws(() => wf.wrapAsTool({ toolName: 'double_it' }), isCode('conflict'));
  const env = engine.tools.invoke('double_it', { input: { n: 21 } });
  assert.ok(env.success);
  assert.equal(env.result.output.result, 42);
  assert.equal(engine.runSync('return Workflow.list()[1].name', { lang: 'lua' }).value, 'doubler');
  assert.equal(wf.remove(), true);
  assert.equal(wf.remove(), false);
  assert.throws(() => wf.info(), isCode('not_found'));
});

test('a closed engine', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-node-wf-'));
  try {
    const engine = new Engine({ storage: { data_dir: path.join(dir, 'data') } });
    const wf = engine.workflows.create({ name: 'w', steps: [{ name: 's', tool: 'uuid_generator' }] });
    engine.close();
    for (const f of [() => wf.execute(), () => wf.info(), () => wf.remove(), () => wf.wrapAsTool(),
      () => engine.workflows.list(), () => engine.workflows.resume('x'), () => engine.workflows.runRecord('x'),
      () => engine.workflows.create({ name: 'v', steps: [] })]) {
      assert.throws(f, isCode('closed'));
    }
    await assert.rejects(wf.executeAsync(), isCode('closed'));
    await assert.rejects(engine.workflows.resumeAsync('x'), isCode('closed'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('concurrent runs; no handles are left', async (t) => {
  const [engine] = openEngine(t);
  let calls = 0;
  engine.tools.register({ name: 'count' }, () => ({ n: ++calls }));
  const wf = engine.workflows.create({
    name: 'w',
    steps: [
      { name: 'c', tool: 'calculator', input: { input: '{{input}} * 2' } },
      { name: 'f', type: 'function', function: 'count' },
    ],
  });
  await wf.executeAsync(0);
  const before = process.getActiveResourcesInfo().length;
  const inputs = Array.from({ length: 40 }, (_, i) => i);
  const results = await Promise.all(inputs.map((i) => wf.executeAsync(i)));
  assert.deepEqual(results.map((r) => r.steps[0].output.result), inputs.map((i) => 2 * i));
  assert.ok(results.every((r) => r.success));
  assert.equal(calls, 41);
  assert.ok(process.getActiveResourcesInfo().length <= before,
    `${JSON.stringify(process.getActiveResourcesInfo())}`);
});
