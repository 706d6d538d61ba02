'use strict';
// Loading: exports, version checks, the library search, worker threads.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { Worker } = require('node:worker_threads');
const llmspell = require('..');

const PKG = path.resolve(__dirname, '..');

test('exports the public API', () => {
  assert.equal(typeof llmspell.Engine, 'function');
  assert.equal(typeof llmspell.RunToken, 'function');
  assert.equal(typeof llmspell.LlmspellError, 'function');
  assert.equal(typeof llmspell.version, 'function');
  assert.equal(typeof llmspell.abiVersion, 'function');
  assert.ok(new llmspell.LlmspellError('x') instanceof Error);
});

test('version() and abiVersion() describe the loaded library', () => {
  assert.match(llmspell.version(), /^\d+\.\d+\.\d+/);
  assert.equal(llmspell.abiVersion(), 1);
  assert.equal(typeof llmspell.libraryPath, 'string');
  const engine = new llmspell.Engine();
  try {
    const info = engine.info();
    assert.equal(info.version, llmspell.version());
    assert.equal(info.abi_version, 1);
    assert.ok(info.languages.includes('lua'));
    assert.ok(info.languages.includes('js'));
  } finally {
    engine.close();
  }
});

test('ping() succeeds on a live engine', () => {
  const engine = new llmspell.Engine({});
  try {
    assert.equal(engine.ping(), undefined);
  } finally {
    engine.close();
  }
});

function requireIn(env) {
  return spawnSync(process.execPath, ['-e', 'require(".")'], {
    cwd: PKG, env: { ...process.env, ...env }, encoding: 'utf8',
  });
}

test('LLMSPELL_LIBRARY pointing nowhere gives a clear load error', () => {
  const r = requireIn({ LLMSPELL_LIBRARY: '/nonexistent/libllmspell.so.0' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /ERR_LLMSPELL_LOAD|cannot load libllmspell/);
  assert.match(r.stderr, /\/nonexistent\/libllmspell\.so\.0/);
});

test('LLMSPELL_LIBRARY pointing at the library is used', () => {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(require(".").libraryPath)'], {
    cwd: PKG, env: { ...process.env, LLMSPELL_LIBRARY: llmspell.libraryPath }, encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, llmspell.libraryPath);
});

test('a library without the llmspell symbols is refused', () => {
  // libc is a valid shared object that lacks llmspell_version.
  const r = requireIn({ LLMSPELL_LIBRARY: 'libc.so.6' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /lacks the symbol llmspell_/);
});

test('loads and runs in a worker thread', async () => {
  const src = `
    const { parentPort } = require('node:worker_threads');
    const { Engine } = require(${JSON.stringify(PKG)});
    const e = new Engine();
    e.ping();
    e.run('return 1 + 1').then((r) => { e.close(); parentPort.postMessage(r.value); });
  `;
  const w = new Worker(src, { eval: true });
  const [value] = await Promise.all([
    new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); }),
  ]);
  assert.equal(value, 2);
  await w.terminate();
});
