'use strict';
// Concurrency: parallel runs, a live event loop, cancel and timeout.

const test = require('node:test');
const assert = require('node:assert/strict');
const { Engine, LlmspellError } = require('..');

let engine;
test.before(() => { engine = new Engine(); });
test.after(() => engine.close());

const elapsed = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

test('8 concurrent runs on one engine each get their own result', async () => {
  const runs = [];
  for (let i = 0; i < 8; i++) {
    const lang = i % 2 ? 'js' : 'lua';
    const src = lang === 'lua'
      ? 'local s = 0 for k = 1, 200000 do s = s + k end return {i = ARGS.i, s = s}'
      : 'var s = 0; for (var k = 1; k <= 200000; k++) { s += k; } return {i: ARGS.i, s: s};';
    runs.push(engine.run(src, { lang, args: { i } }));
  }
  const results = await Promise.all(runs);
  results.forEach((r, i) => assert.deepEqual(r.value, { i, s: 20000100000 }));
});

test('8 concurrent busy runs really overlap', async () => {
  const t0 = process.hrtime.bigint();
  const runs = Array.from({ length: 8 }, () =>
    engine.run('while true do end', { timeoutMs: 500 }).then(
      () => assert.fail('should time out'), (e) => e.code));
  assert.deepEqual(await Promise.all(runs), Array(8).fill('timeout'));
  const ms = elapsed(t0);
  // One after the other would take 4 s.
  assert.ok(ms < 2500, `8 runs of 500 ms took ${ms} ms`);
});

test('the event loop keeps ticking while a run is in flight', async () => {
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 10);
  try {
    const t0 = process.hrtime.bigint();
    await assert.rejects(engine.run('while true do end', { timeoutMs: 600 }), { code: 'timeout' });
    const ms = elapsed(t0);
    assert.ok(ticks >= 20, `only ${ticks} ticks in ${ms} ms`);
  } finally {
    clearInterval(timer);
  }
});

test('cancel via a token while the run is in flight', async () => {
  const token = engine.runToken();
  try {
    const t0 = process.hrtime.bigint();
    const p = engine.run('while true do end', { token, timeoutMs: 10000 });
    setTimeout(() => token.cancel(), 100);
    const err = await p.then(() => assert.fail('should be cancelled'), (e) => e);
    const ms = elapsed(t0);
    assert.ok(err instanceof LlmspellError);
    assert.equal(err.code, 'cancelled');
    assert.equal(err.status, 5);
    assert.ok(ms >= 90 && ms < 2000, `cancelled after ${ms} ms`);
  } finally {
    token.close();
  }
});

test('cancel works on a JS spell too', async () => {
  const token = engine.runToken();
  const p = engine.run('for(;;){}', { lang: 'js', token });
  setTimeout(() => token.cancel(), 100);
  await assert.rejects(p, { code: 'cancelled' });
  token.close();
});

test('one token cancels every run using it, current and future', async () => {
  const token = engine.runToken();
  const a = engine.run('while true do end', { token });
  const b = engine.run('for(;;){}', { lang: 'js', token });
  setTimeout(() => token.cancel(), 50);
  await assert.rejects(a, { code: 'cancelled' });
  await assert.rejects(b, { code: 'cancelled' });
  await assert.rejects(engine.run('return 1', { token }), { code: 'cancelled' });
  token.cancel(); // twice is harmless
  token.close();
  token.close(); // idempotent
});

test('a token does not disturb runs that do not use it', async () => {
  const token = engine.runToken();
  const other = engine.run('local s = 0 for i = 1, 100000 do s = s + i end return s');
  token.cancel();
  assert.equal((await other).value, 5000050000);
  token.close();
});

test('a 1 s timeout on a busy loop rejects with timeout in about 1 s', async () => {
  const t0 = process.hrtime.bigint();
  const err = await engine.run('while true do end', { timeoutMs: 1000 }).then(
    () => assert.fail('should time out'), (e) => e);
  const ms = elapsed(t0);
  assert.equal(err.code, 'timeout');
  assert.equal(err.status, 4);
  assert.match(err.message, /1000/);
  assert.ok(ms >= 950 && ms < 2500, `timed out after ${ms} ms`);
});

test('runSync honours the timeout too', () => {
  const t0 = process.hrtime.bigint();
  assert.throws(() => engine.runSync('for(;;){}', { lang: 'js', timeoutMs: 300 }), { code: 'timeout' });
  const ms = elapsed(t0);
  assert.ok(ms >= 250 && ms < 2000, `timed out after ${ms} ms`);
});

test('ping stays cheap while runs are in flight', async () => {
  const runs = Array.from({ length: 4 }, () =>
    engine.run('while true do end', { timeoutMs: 400 }).catch((e) => e.code));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 10000; i++) engine.ping();
  const us = elapsed(t0) * 1000 / 10000;
  assert.deepEqual(await Promise.all(runs), Array(4).fill('timeout'));
  assert.ok(us < 50, `ping took ${us} us under load`);
});

test('many more runs than threads all complete', async () => {
  const runs = Array.from({ length: 64 }, (_, i) => engine.run('return ARGS[1] * 2', { args: [i] }));
  const values = (await Promise.all(runs)).map((r) => r.value);
  assert.deepEqual(values, Array.from({ length: 64 }, (_, i) => i * 2));
});
