'use strict';
// Lifecycle: close, use after close, run tokens, garbage collection.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { Engine, RunToken, LlmspellError } = require('..');

function isClosed(e) {
  return e instanceof LlmspellError && e.code === 'closed' && e.status === 10 &&
    e.details.kind === 'closed';
}

test('close() is idempotent and sets closed', () => {
  const engine = new Engine();
  assert.equal(engine.closed, false);
  engine.close();
  assert.equal(engine.closed, true);
  engine.close();
  assert.equal(engine.closed, true);
});

test('use after close throws LlmspellError closed', async () => {
  const engine = new Engine();
  engine.close();
  assert.throws(() => engine.ping(), isClosed);
  assert.throws(() => engine.info(), isClosed);
  assert.throws(() => engine.runSync('return 1'), isClosed);
  assert.throws(() => engine.runToken(), isClosed);
  assert.throws(() => new RunToken(engine), isClosed);
  await assert.rejects(engine.run('return 1'), isClosed);
  await assert.rejects(engine.runFile(__filename, { lang: 'js' }), isClosed);
});

test('run() on a closed engine rejects instead of throwing', () => {
  const engine = new Engine();
  engine.close();
  const p = engine.run('return 1');
  assert.ok(p instanceof Promise);
  return assert.rejects(p, isClosed);
});

test('a closed token cannot cancel or be used', async () => {
  const engine = new Engine();
  const token = engine.runToken();
  assert.equal(token.closed, false);
  token.close();
  assert.equal(token.closed, true);
  assert.throws(() => token.cancel(), isClosed);
  await assert.rejects(engine.run('return 1', { token }), isClosed);
  assert.throws(() => engine.runSync('return 1', { token }), isClosed);
  engine.close();
});

test('a token outlives its engine being closed', () => {
  const engine = new Engine();
  const token = engine.runToken();
  engine.close();
  token.cancel();
  token.close();
});

test('closing the engine while a run is in flight is safe', async () => {
  const engine = new Engine();
  const p = engine.run('local s = 0 for i = 1, 300000 do s = s + i end return s');
  engine.close();
  // The run either finishes normally or, if it had not reached the
  // library yet, reports closed.
  const outcome = await p.then((r) => r.value, (e) => e.code);
  assert.ok(outcome === 45000150000 || outcome === 'closed', `got ${outcome}`);
});

test('Symbol.dispose closes', { skip: typeof Symbol.dispose !== 'symbol' }, () => {
  const engine = new Engine();
  engine[Symbol.dispose]();
  assert.equal(engine.closed, true);
  const e2 = new Engine();
  const token = e2.runToken();
  token[Symbol.dispose]();
  assert.equal(token.closed, true);
  e2.close();
});

test('engines and tokens left to the garbage collector are freed safely', () => {
  const script = `
    const { Engine } = require('.');
    for (let i = 0; i < 300; i++) {
      const e = new Engine();
      e.ping();
      e.runToken();
      if (i % 50 === 0) e.runSync('return 1');
    }
    global.gc();
    setImmediate(() => { global.gc(); console.log('ok'); });
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], {
    cwd: path.resolve(__dirname, '..'), encoding: 'utf8', timeout: 60000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ok');
});

test('a pending run keeps the process alive until it ends', () => {
  // An engine whose run is pending keeps the loop alive until the run ends.
  const script = `
    const { Engine } = require('.');
    const e = new Engine();
    e.run('while true do end', { timeoutMs: 300 }).catch((err) => console.log(err.code));
  `;
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: path.resolve(__dirname, '..'), encoding: 'utf8', timeout: 30000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'timeout');
});

test('terminating a worker with a run in flight does not crash the process', () => {
  const script = `
    const { Worker } = require('node:worker_threads');
    const w = new Worker(\`
      const { parentPort } = require('node:worker_threads');
      const { Engine } = require(\${JSON.stringify(process.cwd())});
      const e = new Engine();
      e.run('while true do end', { timeoutMs: 500 }).catch(() => {});
      parentPort.postMessage('started');
    \`, { eval: true });
    w.once('message', async () => {
      await w.terminate();
      // Let the orphaned run finish and try to report back.
      setTimeout(() => console.log('ok'), 900);
    });
  `;
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: path.resolve(__dirname, '..'), encoding: 'utf8', timeout: 30000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ok');
});
