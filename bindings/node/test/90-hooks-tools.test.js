'use strict';
// Hooks and tools: JS hooks at BeforeStateWrite answering modified, cancel
// and replace for writes made from JS (main thread), from a runSync spell
// (main thread) and from an async run (a pool thread: the request crosses
// to the event loop); priority order, unregister, throwing hooks (failed
// calls that open the circuit breaker); built-in
// tools (result, failure envelope, schema, not_found, denied), list
// formats, JS tools called from JS, from spells (sync and async), throwing
// tools, unregister, the timeout when the event loop is blocked (for tools
// and hooks); hooks.metrics and hooks.records; events.query and
// subscription.id.

const test = require('node:test');
const assert = require('node:assert/strict');
const { once } = require('node:events');
const { Engine, Hook, Tool, LlmspellError } = require('..');

function open(t, config) {
  const e = new Engine(config);
  t.after(() => e.close());
  return e;
}

// writeHook answers by key: m -> modified, c -> cancel, r -> replace.
function writeHook(ctx) {
  const key = ctx.data && ctx.data.key;
  if (key === 'm') return { type: 'modified', data: { value: 'from JS' } };
  if (key === 'c') return { type: 'cancel', reason: 'refused by JS' };
  if (key === 'r') return { type: 'replace', data: { value: 'replaced' } };
  return undefined;
}

test('BeforeStateWrite hook from engine.state.set (main thread)', (t) => {
  const e = open(t);
  const seen = [];
  const hook = e.hooks.register('BeforeStateWrite', (ctx) => {
    seen.push(ctx);
    return writeHook(ctx);
  }, { name: 'js-writes', priority: -5 });
  assert.ok(hook instanceof Hook);
  assert.equal(hook.point, 'BeforeStateWrite');
  assert.equal(hook.name, 'js-writes');
  assert.equal(typeof hook.id, 'number');
  e.state.set(null, 'm', 1);
  assert.equal(e.state.get(null, 'm'), 'from JS');
  assert.throws(() => e.state.set(null, 'c', 1), (err) => err instanceof LlmspellError && err.code === 'cancelled' && /refused by JS/.test(err.message));
  assert.equal(e.state.get(null, 'c'), undefined);
  e.state.set(null, 'r', 1); // replace: the write is skipped, no error
  assert.equal(e.state.get(null, 'r'), undefined);
  e.state.set(null, 'plain', 5);
  assert.equal(e.state.get(null, 'plain'), 5);
  assert.equal(seen[0].point, 'BeforeStateWrite');
  assert.equal(seen[0].data.key, 'm');
  const listed = e.hooks.list('BeforeStateWrite');
  assert.equal(listed.length, 1);
  assert.equal(listed[0].name, 'js-writes');
  assert.equal(listed[0].priority, -5);
  assert.equal(listed[0].language, 'node');
  assert.ok(listed[0].calls >= 4);
  assert.ok(e.hooks.list().some((h) => h.id === hook.id));
});

test('BeforeStateWrite hook from a runSync spell (main thread)', (t) => {
  const e = open(t);
  e.hooks.register('BeforeStateWrite', writeHook);
  assert.equal(e.runSync('State.set("m", 2) return State.get("m")').value, 'from JS');
  assert.equal(e.runSync('local ok, err = pcall(State.set, "c", 1) return err.code').value, 'cancelled');
  assert.equal(e.runSync('State.set("r", 2) return State.get("r")').value, null);
  assert.equal(e.runSync('State.set("m", 3); return State.get("m");', { lang: 'js' }).value, 'from JS');
});

test('BeforeStateWrite hook from an async run (pool thread, via the event loop)', async (t) => {
  const e = open(t);
  const threads = [];
  e.hooks.register('BeforeStateWrite', (ctx) => {
    threads.push(ctx.data.key);
    return writeHook(ctx);
  });
  assert.equal((await e.run('State.set("m", 2) return State.get("m")')).value, 'from JS');
  assert.equal((await e.run('local ok, err = pcall(State.set, "c", 1) return err.code')).value, 'cancelled');
  assert.equal((await e.run('State.set("r", 2) return State.get("r")')).value, null);
  // Several concurrent runs all get answers.
  const runs = [];
  for (let i = 0; i < 6; i++) runs.push(e.run(`State.set("m", ${i}) return State.get("m")`));
  for (const r of await Promise.all(runs)) assert.equal(r.value, 'from JS');
  assert.ok(threads.length >= 9);
});

test('hooks run in priority order, lower first; unregister stops them', (t) => {
  const e = open(t);
  const order = [];
  const low = e.hooks.register('BeforeStateWrite', () => { order.push('low'); }, { priority: 'low', name: 'low' });
  const high = e.hooks.register('BeforeStateWrite', () => { order.push('high'); }, { priority: -50, name: 'high' });
  const mid = e.hooks.register('BeforeStateWrite', () => { order.push('mid'); }, { name: 'mid' });
  e.state.set(null, 'k', 1);
  assert.deepEqual(order, ['high', 'mid', 'low']);
  assert.deepEqual(e.hooks.list('BeforeStateWrite').map((h) => h.name), ['high', 'mid', 'low']);
  mid.unregister();
  mid.unregister(); // idempotent
  assert.equal(mid.registered, false);
  assert.equal(high.registered, true);
  order.length = 0;
  e.state.set(null, 'k', 2);
  assert.deepEqual(order, ['high', 'low']);
  high.unregister();
  low.unregister();
  order.length = 0;
  e.state.set(null, 'k', 3);
  assert.deepEqual(order, []);
  assert.deepEqual(e.hooks.list('BeforeStateWrite'), []);
});

test('a hook that unregisters itself while running', (t) => {
  const e = open(t);
  let calls = 0;
  const hook = e.hooks.register('BeforeStateWrite', () => {
    calls++;
    hook.unregister();
    return { type: 'modified', data: { value: 'once' } };
  });
  e.state.set(null, 'k', 1);
  e.state.set(null, 'k2', 2);
  assert.equal(calls, 1);
  assert.equal(e.state.get(null, 'k'), 'once');
  assert.equal(e.state.get(null, 'k2'), 2);
});

test('a throwing hook is a failed call and a warning; the write goes on', async (t) => {
  const e = open(t);
  const warned = once(process, 'warning');
  e.hooks.register('BeforeStateWrite', () => {
    throw new Error('hook boom');
  });
  e.state.set(null, 'k', 7);
  assert.equal(e.state.get(null, 'k'), 7);
  const [w] = await warned;
  assert.equal(w.name, 'LlmspellHookWarning');
  assert.match(w.message, /hook boom/);
  assert.ok(e.hooks.list('BeforeStateWrite')[0].calls >= 1);
});

test('a hook that always throws: 3 failures open its breaker; later writes skip it', (t) => {
  const e = open(t);
  const onWarning = () => {};
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  let calls = 0;
  e.hooks.register('BeforeStateWrite', () => {
    calls++;
    throw new Error('always fails');
  }, { name: 'thrower' });
  for (let i = 0; i < 3; i++) {
    e.state.set(null, `f${i}`, i);
    assert.equal(e.state.get(null, `f${i}`), i);
  }
  assert.equal(calls, 3);
  const [info] = e.hooks.list('BeforeStateWrite');
  assert.equal(info.name, 'thrower');
  assert.equal(info.failures, 3);
  assert.equal(info.breaker, 'open');
  e.state.set(null, 'f3', 3);
  assert.equal(e.state.get(null, 'f3'), 3);
  assert.equal(calls, 3);
});

test('hooks: bad arguments and unknown points', (t) => {
  const e = open(t);
  assert.throws(() => e.hooks.register('Nowhere', () => {}), (err) => err.code === 'invalid_argument');
  assert.throws(() => e.hooks.register('BeforeStateWrite', 'nope'), TypeError);
  assert.throws(() => e.hooks.register(1, () => {}), TypeError);
  assert.throws(() => e.hooks.register('BeforeStateWrite', () => {}, { bogus: 1 }), TypeError);
  assert.throws(() => e.hooks.register('BeforeStateWrite', () => {}, { priority: 1.5 }), RangeError);
  assert.throws(() => e.hooks.list('Nowhere'), (err) => err.code === 'invalid_argument');
  // The "state:before_write" spelling is accepted.
  const h = e.hooks.register('state:before_write', () => 'continue');
  e.state.set(null, 'k', 1);
  h.unregister();
  e.close();
  assert.throws(() => e.hooks.register('BeforeStateWrite', () => {}), (err) => err.code === 'closed');
  assert.throws(() => e.hooks.list(), (err) => err.code === 'closed');
  h.unregister(); // no-op after close
});

test('hooks registered and never unregistered are freed by close()', () => {
  const e = new Engine();
  const h = e.hooks.register('BeforeStateWrite', () => {});
  e.tools.register({ name: 'left_open' }, () => 1);
  e.close();
  assert.equal(h.registered, false);
});

test('tools: built-in calls, envelopes and errors', (t) => {
  const e = open(t);
  const ok = e.tools.invoke('calculator', { input: '6*7' });
  assert.equal(ok.success, true);
  assert.equal(ok.result.result, 42);
  const failed = e.tools.invoke('calculator', { input: '1/0' });
  assert.equal(failed.success, false);
  assert.equal(failed.error.kind, 'tool_error');
  assert.match(failed.error.message, /division by zero/);
  assert.throws(() => e.tools.invoke('calculator', { input: 5 }), (err) => err instanceof LlmspellError && err.code === 'invalid_argument');
  assert.throws(() => e.tools.invoke('nope', {}), (err) => err.code === 'not_found');
  assert.throws(() => e.tools.invoke('hash_calculator', { file: '/etc/passwd' }), (err) => err.code === 'denied');
  assert.throws(() => e.tools.invoke('calculator', [1]), TypeError);
  assert.throws(() => e.tools.invoke(5), TypeError);
});

test('tools: invokeAsync runs on the pool', async (t) => {
  const e = open(t);
  const env = await e.tools.invokeAsync('calculator', { input: '2+3' });
  assert.equal(env.result.result, 5);
  await assert.rejects(e.tools.invokeAsync('nope'), (err) => err.code === 'not_found');
  await assert.rejects(e.tools.invokeAsync('calculator', { input: 5 }), (err) => err.code === 'invalid_argument');
});

test('tools: list in the three formats, by category and tag', (t) => {
  const e = open(t);
  const all = e.tools.list();
  assert.ok(all.length >= 6);
  assert.ok(all.every((x) => typeof x.security_level === 'string'));
  const names = all.map((x) => x.name);
  assert.deepEqual([...names].sort(), names);
  e.tools.register({ name: 'js_listed', description: 'listed', category: 'custom', tags: ['jsx'], parameters: { type: 'object', properties: {} } }, () => 1);
  const custom = e.tools.list({ category: 'custom' });
  assert.ok(custom.some((x) => x.name === 'js_listed'));
  assert.ok(custom.every((x) => x.category === 'custom'));
  assert.deepEqual(e.tools.list({ tag: 'jsx' }).map((x) => x.name), ['js_listed']);
  assert.equal(custom.find((x) => x.name === 'js_listed').language, 'node');
  const openai = e.tools.list({ format: 'openai', category: 'custom' });
  assert.equal(openai[0].type, 'function');
  const anthropic = e.tools.list({ format: 'anthropic', category: 'custom' });
  assert.ok(JSON.stringify(anthropic).includes('js_listed'));
  assert.throws(() => e.tools.list({ format: 'xml' }), (err) => err.code === 'invalid_argument');
  assert.throws(() => e.tools.list({ bogus: 1 }), TypeError);
});

function echoTool(e) {
  return e.tools.register({
    name: 'js_echo',
    description: 'doubles n',
    category: 'custom',
    securityLevel: 'safe',
    parameters: { type: 'object', properties: { n: { type: 'integer' } } },
  }, (p) => {
    if (p.n === 13) throw new Error('unlucky');
    return { n: p.n * 2 };
  });
}

test('a JS tool called from JS, from a runSync spell and from an async run', async (t) => {
  const e = open(t);
  const tool = echoTool(e);
  assert.ok(tool instanceof Tool);
  assert.equal(tool.name, 'js_echo');
  assert.deepEqual(e.tools.invoke('js_echo', { n: 5 }).result, { n: 10 });
  assert.deepEqual((await e.tools.invokeAsync('js_echo', { n: 6 })).result, { n: 12 });
  assert.equal(e.runSync('return Tool.invoke("js_echo", {n = 7}).result.result.n').value, 14);
  assert.equal((await e.run('return Tool.invoke("js_echo", {n = 8}).result.result.n')).value, 16);
  assert.throws(() => e.tools.invoke('js_echo', { n: 'x' }), (err) => err.code === 'invalid_argument');
  assert.throws(() => e.tools.register({ name: 'js_echo' }, () => 1), (err) => err.code === 'conflict');
  assert.throws(() => e.tools.register({ name: 'bad name' }, () => 1), (err) => err.code === 'invalid_argument');
  assert.throws(() => e.tools.register({ name: 'x' }, 'nope'), TypeError);
  assert.throws(() => e.tools.register(null, () => 1), TypeError);
});

test('a throwing JS tool gives success false; unregister gives not_found', async (t) => {
  const e = open(t);
  const tool = echoTool(e);
  const env = e.tools.invoke('js_echo', { n: 13 });
  assert.equal(env.success, false);
  assert.equal(env.error.kind, 'tool_error');
  assert.equal(env.error.message, 'unlucky');
  const viaPool = await e.tools.invokeAsync('js_echo', { n: 13 });
  assert.equal(viaPool.success, false);
  assert.equal(viaPool.error.message, 'unlucky');
  e.tools.register({ name: 'js_async' }, async () => 1);
  assert.equal(e.tools.invoke('js_async', {}).success, false);
  e.tools.register({ name: 'js_undefined' }, () => undefined);
  assert.equal(e.tools.invoke('js_undefined', {}).result, null);
  tool.unregister();
  tool.unregister();
  assert.equal(tool.registered, false);
  assert.throws(() => e.tools.invoke('js_echo', { n: 1 }), (err) => err.code === 'not_found');
  await assert.rejects(e.run('return Tool.invoke("js_echo", {n = 1})'));
});

test('a JS tool called from another thread while the event loop is blocked times out', async (t) => {
  const e = open(t);
  echoTool(e);
  const pending = e.tools.invokeAsync('js_echo', { n: 1 });
  // Block the event loop past the 5 s limit.
  const start = Date.now();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5600);
  const env = await pending;
  assert.ok(Date.now() - start >= 5000);
  assert.equal(env.success, false);
  assert.match(env.error.message, /timed out waiting for the JS thread/);
  // The event loop is free again: the next call is answered.
  assert.deepEqual((await e.tools.invokeAsync('js_echo', { n: 2 })).result, { n: 4 });
});

test('a JS hook hit by another thread while the event loop is blocked times out; the write goes on', async (t) => {
  const e = open(t, { hooks: { record: true } });
  let calls = 0;
  const hook = e.hooks.register('BeforeStateWrite', (ctx) => {
    calls++;
    return writeHook(ctx);
  }, { name: 'js-slow-loop' });
  const pending = e.run('State.set("m", "from the spell") return State.get("m")');
  // Block the event loop past the 5 s limit (hard-coded in the addon).
  const start = Date.now();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5600);
  const res = await pending;
  assert.ok(Date.now() - start >= 5000);
  // No answer: the hook failed and the write went on unmodified.
  assert.equal(res.value, 'from the spell');
  const info = e.hooks.list('BeforeStateWrite').find((h) => h.id === hook.id);
  assert.equal(info.failures, 1);
  const [rec] = e.hooks.records().filter((r) => r.hook === 'js-slow-loop');
  assert.equal(rec.error, 'script_error: timed out waiting for the JS thread');
  assert.ok(rec.duration_us >= 5000000);
  // The event loop is free again: the next call is answered.
  await e.run('State.set("m", "again")');
  assert.equal(e.state.get(null, 'm'), 'from JS');
  assert.ok(calls >= 1);
});

test('hooks.metrics and hooks.records', (t) => {
  const e = open(t, { hooks: { metrics: true, record: true } });
  const hook = e.hooks.register('BeforeStateWrite', writeHook, { name: 'js-metrics' });
  e.state.set(null, 'plain', 1);
  e.state.set(null, 'm', 2);
  const m = e.hooks.metrics();
  assert.equal(m.counts.BeforeStateWrite, 2);
  assert.equal(m.counts.AfterStateWrite, 2);
  assert.equal(typeof m.latency, 'object');
  const mine = e.hooks.records().filter((r) => r.hook === 'js-metrics');
  assert.deepEqual(mine.map((r) => r.result), ['continue', 'modified']);
  assert.equal(mine[0].hook_id, hook.id);
  assert.equal(mine[0].point, 'BeforeStateWrite');
  assert.deepEqual(mine[0].component, { type: 'state', name: 'global' });
  assert.deepEqual(mine[0].input, { scope: 'global', key: 'plain', value: 1 });
  assert.equal(mine[0].error, null);
  assert.equal(mine[0].correlation_id, '');
  assert.equal(typeof mine[0].duration_us, 'number');
  assert.ok(!Number.isNaN(Date.parse(mine[0].at)));
  assert.equal(e.hooks.records({ limit: 1 }).length, 1);
  assert.deepEqual(e.hooks.records({ correlationId: 'nobody' }), []);
  assert.throws(() => e.hooks.records(5), TypeError);
  assert.throws(() => e.hooks.records({ limit: 'x' }), TypeError);
  assert.throws(() => e.hooks.records({ limit: -1 }), RangeError);
  assert.throws(() => e.hooks.records({ correlationId: 7 }), TypeError);
  assert.throws(() => e.hooks.records({ correlation_id: 'x' }), /unknown option "correlation_id"/);
  const off = open(t);
  assert.throws(() => off.hooks.metrics(), (err) => err instanceof LlmspellError &&
    err.code === 'invalid_argument' && /hooks\.metrics/.test(err.message));
  assert.throws(() => off.hooks.records(), (err) => err.code === 'invalid_argument' && /hooks\.record/.test(err.message));
  e.close();
  assert.throws(() => e.hooks.metrics(), (err) => err.code === 'closed');
  assert.throws(() => e.hooks.records(), (err) => err.code === 'closed');
});

test('events.query returns persisted events; subscription.id matches stats', (t) => {
  const e = open(t, { events: { persist: true } });
  const sub = e.events.subscribe('app.*');
  e.events.publish('app.one', { n: 1 });
  e.events.publish('app.two', { n: 2 });
  const found = e.events.query({ pattern: 'app.*' });
  assert.deepEqual(found.map((x) => x.type), ['app.one', 'app.two']);
  assert.equal(e.events.query({ pattern: 'app.*', limit: 1 }).length, 1);
  assert.equal(typeof sub.id, 'number');
  assert.ok(e.events.stats().subscriptions.some((s) => s.id === sub.id && s.pattern === 'app.*'));
  const push = e.events.subscribe('app.*', () => {});
  assert.notEqual(push.id, sub.id);
  push.close();
  sub.close();
  assert.throws(() => sub.id, (err) => err.code === 'closed');
  assert.throws(() => push.id, (err) => err.code === 'closed');
  const plain = open(t);
  assert.throws(() => plain.events.query({}), (err) => err.code === 'invalid_argument');
});

test('unregister while a pool thread waits for the hook is served, not stalled', async (t) => {
  const e = open(t);
  let calls = 0;
  const hook = e.hooks.register('BeforeStateWrite', () => {
    calls++;
    return { type: 'modified', data: { value: 'hooked' } };
  });
  const run = e.run('for i = 1, 200 do State.set("k" .. i, i) end return State.get("k1")');
  // Let the run reach the hook and wait for this thread.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  const start = Date.now();
  hook.unregister();
  const took = Date.now() - start;
  assert.ok(took < 2000, `unregister took ${took} ms`);
  // The call that was waiting is answered "continue": fn is not called
  // once unregister() has been called.
  const { value } = await run;
  assert.equal(value, 1);
  assert.equal(calls, 0);
  const after = calls;
  e.state.set(null, 'later', 1);
  assert.equal(calls, after);
  assert.equal(e.state.get(null, 'later'), 1);
});

test('a hook and a tool that unregister themselves when called from a pool thread', async (t) => {
  const e = open(t);
  let hookCalls = 0;
  const hook = e.hooks.register('BeforeStateWrite', () => {
    hookCalls++;
    hook.unregister();
    return { type: 'modified', data: { value: 'once' } };
  });
  const tool = e.tools.register({ name: 'js_once' }, () => {
    tool.unregister();
    return 'only once';
  });
  const r = await e.run('State.set("a", 1) State.set("b", 2) return {State.get("a"), State.get("b"), Tool.invoke("js_once", {}).result.result}');
  assert.deepEqual(r.value, ['once', 2, 'only once']);
  assert.equal(hookCalls, 1);
  await new Promise((resolve) => setImmediate(resolve));
  assert.throws(() => e.tools.invoke('js_once', {}), (err) => err.code === 'not_found');
  assert.deepEqual(e.hooks.list('BeforeStateWrite'), []);
});

test('hooks and tools registered in a worker thread are served on that worker', async () => {
  const { Worker } = require('node:worker_threads');
  const path = require('node:path');
  const w = new Worker(`
    const { parentPort } = require('node:worker_threads');
    const { Engine } = require(${JSON.stringify(path.join(__dirname, '..'))});
    const e = new Engine();
    e.hooks.register('BeforeStateWrite', () => ({ type: 'modified', data: { value: 'worker' } }));
    e.tools.register({ name: 'w_tool' }, () => 'from worker');
    const sync = e.runSync('State.set("a", 1) return State.get("a")').value;
    e.run('State.set("b", 1) return {State.get("b"), Tool.invoke("w_tool", {}).result.result}').then((r) => {
      parentPort.postMessage([sync, ...r.value]);
      e.close();
    });
  `, { eval: true });
  const [msg] = await once(w, 'message');
  assert.deepEqual(msg, ['worker', 'worker', 'from worker']);
  await once(w, 'exit');
});
