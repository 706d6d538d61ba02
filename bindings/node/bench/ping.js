#!/usr/bin/env node
'use strict';
// ping.js measures the per-call cost of the Node binding and prints one JSON
// object (used by `make bench`):
//   ping_main_us    engine.ping() on the main thread (the addon, sync)
//   ping_worker_us  engine.ping() on a worker_threads thread
//   koffi_main_us   llmspell_engine_ping through koffi on the main thread,
//                   when koffi can be required (`npm install --no-save koffi`)
//   koffi_async_us  the same through koffi's fn.async, one call at a time
//   koffi_worker_us koffi on a worker thread
//   run_lua_us      await engine.run('return 1') (pool thread + Promise)
//   run_js_us       the same in JS
//   run_lua_sync_us engine.runSync('return 1') on the main thread
//   run_js_sync_us  the same in JS
//   state_set_us    engine.state.set(scope, key, small object), main thread,
//                   on a pebble engine in a temporary folder (durability
//                   "batched", the default)
//   state_get_us    engine.state.get(scope, key) of that value, same engine
//   agent_basic_us       agent.execute('hi') of a basic agent (no model: it
//                        echoes; memory off, as in bench/c/ping.c), main
//                        thread, default engine
//   agent_basic_async_us await agent.executeAsync('hi') (pool thread +
//                        Promise)
//   workflow_seq10_us    wf.execute() of a sequential workflow of 10
//                        uuid_generator steps, each referencing the one
//                        before (created once; memory store), main thread
//   workflow_seq10_async_us await wf.executeAsync() of the same workflow
// Each figure is the median over 5 batches of the mean time per call.
// Environment: BENCH_N scales the number of calls (default 1).

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const PKG = path.resolve(__dirname, '..');
const SCALE = Number(process.env.BENCH_N || 1);
const BATCHES = 5;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeSync(fn, n) {
  n = Math.max(1, Math.round(n * SCALE));
  for (let i = 0; i < Math.min(n, 1000); i++) fn();
  const per = [];
  for (let b = 0; b < BATCHES; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    per.push(Number(process.hrtime.bigint() - t0) / 1e3 / n);
  }
  return median(per);
}

async function timeAsync(fn, n) {
  n = Math.max(1, Math.round(n * SCALE));
  for (let i = 0; i < Math.min(n, 100); i++) await fn();
  const per = [];
  for (let b = 0; b < BATCHES; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    per.push(Number(process.hrtime.bigint() - t0) / 1e3 / n);
  }
  return median(per);
}

function inWorker(body) {
  const src = `
    const { parentPort } = require('node:worker_threads');
    const SCALE = ${SCALE}, BATCHES = ${BATCHES};
    ${median.toString()}
    ${timeSync.toString()}
    parentPort.postMessage((() => { ${body} })());
  `;
  return new Promise((resolve, reject) => {
    const w = new Worker(src, { eval: true });
    w.once('message', (m) => { resolve(m); w.terminate(); });
    w.once('error', reject);
  });
}

// seq10 is the workflow of bench/c/ping.c: 10 uuid_generator steps in a row.
function seq10() {
  const steps = [{ name: 's0', tool: 'uuid_generator', input: {} }];
  for (let i = 1; i < 10; i++) {
    steps.push({ name: `s${i}`, tool: 'uuid_generator', input: { version: `{{steps.s${i - 1}.output.version}}` } });
  }
  return { name: 'seq10', type: 'sequential', steps };
}

function checked(r) {
  if (!r.success) throw new Error(`workflow seq10 did not succeed: ${JSON.stringify(r)}`);
}

function loadKoffi() {
  try {
    return require('koffi');
  } catch {
    return null;
  }
}

const KOFFI_DECLS = `
  const lib = koffi.load(LIB);
  koffi.opaque('llmspell_engine');
  const engineNew = lib.func('int32_t llmspell_engine_new(const char *cfg, size_t len, _Out_ llmspell_engine **out, void *err)');
  const ping = lib.func('int32_t llmspell_engine_ping(llmspell_engine *e, void *err)');
  const out = [null];
  if (engineNew('{}', 2, out, null) !== 0) throw new Error('engine_new failed');
  const e = out[0];
`;

async function main() {
  const { Engine, libraryPath } = require(PKG);
  const r = {
    machine: `${os.cpus()[0].model.trim()} x${os.cpus().length}, ${os.hostname()}`,
    node: process.version,
  };
  const engine = new Engine();

  r.ping_main_us = timeSync(() => engine.ping(), 200000);
  r.ping_worker_us = await inWorker(`
    const { Engine } = require(${JSON.stringify(PKG)});
    const engine = new Engine();
    const us = timeSync(() => engine.ping(), 200000);
    engine.close();
    return us;`);

  const koffi = loadKoffi();
  if (koffi) {
    const koffiPath = require.resolve('koffi');
    const LIB = libraryPath; // the same file, so the same Go runtime
    // eslint-disable-next-line no-new-func
    const setup = new Function('koffi', 'LIB', `${KOFFI_DECLS} return { ping, e };`);
    const { ping, e } = setup(koffi, LIB);
    r.koffi_main_us = timeSync(() => ping(e, null), 1000);
    r.koffi_async_us = await timeAsync(() => new Promise((resolve, reject) =>
      ping.async(e, null, (err, st) => (err ? reject(err) : resolve(st)))), 2000);
    r.koffi_worker_us = await inWorker(`
      const koffi = require(${JSON.stringify(koffiPath)});
      const LIB = ${JSON.stringify(LIB)};
      ${KOFFI_DECLS}
      return timeSync(() => ping(e, null), 200000);`);
  }

  r.run_lua_us = await timeAsync(() => engine.run('return 1'), 2000);
  r.run_js_us = await timeAsync(() => engine.run('return 1;', { lang: 'js' }), 2000);
  r.run_lua_sync_us = timeSync(() => engine.runSync('return 1'), 2000);
  r.run_js_sync_us = timeSync(() => engine.runSync('return 1;', { lang: 'js' }), 2000);

  const echo = engine.agents.create({ name: 'bench_echo', type: 'basic', memory: -1 });
  r.agent_basic_us = timeSync(() => echo.execute('hi'), 4000);
  r.agent_basic_async_us = await timeAsync(() => echo.executeAsync('hi'), 2000);
  const wf = engine.workflows.create(seq10());
  r.workflow_seq10_us = timeSync(() => checked(wf.execute()), 600);
  r.workflow_seq10_async_us = await timeAsync(async () => checked(await wf.executeAsync()), 600);
  engine.close();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-bench-state-'));
  try {
    const stored = new Engine({ storage: { backend: 'pebble', data_dir: dir } });
    const { state } = stored;
    const value = { model: 'local/x', temperature: 0.5, tags: ['a', 'b'] };
    let i = 0;
    r.state_set_us = timeSync(() => state.set('agent:bench', `k${i++ % 1000}`, value), 20000);
    r.state_get_us = timeSync(() => state.get('agent:bench', `k${i++ % 1000}`), 20000);
    stored.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  for (const k of Object.keys(r)) {
    if (typeof r[k] === 'number') r[k] = Number(r[k].toFixed(3));
  }
  process.stdout.write(JSON.stringify(r) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
