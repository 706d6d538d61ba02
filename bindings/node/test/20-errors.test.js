'use strict';
// Errors: LlmspellError fields, status codes, argument validation.

const test = require('node:test');
const assert = require('node:assert/strict');
const { Engine, RunToken, LlmspellError } = require('..');

let engine;
test.before(() => { engine = new Engine(); });
test.after(() => engine.close());

test('a script error rejects with LlmspellError script_error', async () => {
  const err = await engine.run("error('boom')", { name: 'x.lua' }).then(
    () => assert.fail('should reject'), (e) => e);
  assert.ok(err instanceof LlmspellError);
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'LlmspellError');
  assert.equal(err.code, 'script_error');
  assert.equal(err.status, 9);
  assert.match(err.message, /^script_error: /);
  assert.match(err.message, /boom/);
  assert.equal(typeof err.details, 'object');
  assert.equal(err.details.kind, 'script_error');
  assert.equal(typeof err.details.message, 'string');
  assert.ok(typeof err.stack === 'string');
});

test('runSync throws the same error', () => {
  assert.throws(() => engine.runSync('throw new Error("boom")', { lang: 'js' }),
    (e) => e instanceof LlmspellError && e.code === 'script_error' && /boom/.test(e.message));
});

test('output printed before a failure comes with the error', async () => {
  const err = await engine.run("print('before') error('after')").catch((e) => e);
  assert.equal(err.code, 'script_error');
  assert.equal(err.output, 'before\n');
});

test('an unknown language is invalid_argument from the library', async () => {
  await assert.rejects(engine.run('x', { lang: 'cobol' }), (e) => {
    assert.ok(e instanceof LlmspellError);
    assert.equal(e.code, 'invalid_argument');
    assert.equal(e.status, 1);
    assert.match(e.message, /cobol/);
    return true;
  });
});

test('invalid UTF-8 source is invalid_argument', async () => {
  await assert.rejects(engine.run(Buffer.from([0x72, 0x65, 0xff, 0xfe])), { code: 'invalid_argument' });
});

test('a function result is a script_error naming "function"', async () => {
  await assert.rejects(engine.run('return function() end'), (e) =>
    e.code === 'script_error' && /function/.test(e.message));
});

test('a bad config is invalid_argument', () => {
  assert.throws(() => new Engine('{not json'), { name: 'LlmspellError', code: 'invalid_argument', status: 1 });
  assert.throws(() => new Engine('[1, 2]'), { code: 'invalid_argument' });
  assert.throws(() => new Engine({ no_such_section: { x: 1 } }), { code: 'invalid_argument' });
});

test('a config of the wrong type is a TypeError', () => {
  assert.throws(() => new Engine(42), TypeError);
  assert.throws(() => new Engine([1]), TypeError);
  assert.throws(() => new Engine(() => {}), TypeError);
});

test('bad run arguments throw TypeError/RangeError synchronously', () => {
  const cases = [
    [[42], TypeError],
    [[null], TypeError],
    [[undefined], TypeError],
    [['return 1', 'lua'], TypeError],
    [['return 1', []], TypeError],
    [['return 1', { language: 'lua' }], TypeError],
    [['return 1', { lang: 5 }], TypeError],
    [['return 1', { lang: '' }], TypeError],
    [['return 1', { args: 'x' }], TypeError],
    [['return 1', { args: 5 }], TypeError],
    [['return 1', { timeoutMs: '100' }], TypeError],
    [['return 1', { timeoutMs: -1 }], RangeError],
    [['return 1', { timeoutMs: 1.5 }], RangeError],
    [['return 1', { timeoutMs: NaN }], RangeError],
    [['return 1', { timeoutMs: Infinity }], RangeError],
    [['return 1', { timeoutMs: 2 ** 31 }], RangeError],
    [['return 1', { maxOutputBytes: -5 }], RangeError],
    [['return 1', { maxOutputBytes: 1n }], TypeError],
    [['return 1', { name: 7 }], TypeError],
    [['return 1', { token: {} }], TypeError],
    [['return 1', { args: { big: 1n } }], TypeError],
  ];
  for (const [args, type] of cases) {
    for (const method of ['run', 'runSync']) {
      assert.throws(() => engine[method](...args), type, `${method}(${args.map(String).join(', ')})`);
    }
  }
  const cyclic = {};
  cyclic.self = cyclic;
  assert.throws(() => engine.run('return 1', { args: cyclic }), TypeError);
});

test('runFile checks its arguments before reading', () => {
  assert.throws(() => engine.runFile(42), TypeError);
  assert.throws(() => engine.runFile('/nonexistent.lua', { timeoutMs: -1 }), RangeError);
  assert.throws(() => engine.runFileSync('/nonexistent.lua', 'js'), TypeError);
});

test('validation comes before the closed check and any native call', () => {
  const e = new Engine();
  e.close();
  assert.throws(() => e.run(42), TypeError);
  assert.throws(() => e.runSync('x', { bogus: 1 }), TypeError);
});

test('RunToken needs an Engine', () => {
  assert.throws(() => new RunToken({}), TypeError);
  assert.throws(() => new RunToken(null), TypeError);
  assert.throws(() => new RunToken(), TypeError);
});

test('methods called on a foreign this fail cleanly', () => {
  assert.throws(() => Engine.prototype.ping.call({}), TypeError);
  assert.throws(() => Engine.prototype.info.call({}), TypeError);
});

test('the LlmspellError constructor fills defaults', () => {
  const e = new LlmspellError('timeout: late', { code: 'timeout', status: 4 });
  assert.equal(e.code, 'timeout');
  assert.equal(e.status, 4);
  assert.deepEqual(e.details, { kind: 'timeout', message: 'timeout: late' });
  const f = new LlmspellError('x', { status: 13 });
  assert.equal(f.code, 'conflict');
});

test('the native layer rejects wrong handles and arguments itself', () => {
  const native = require('../lib/native');
  const { kHandle } = require('../lib/symbols');
  const token = engine.runToken();
  try {
    const tokenHandle = token[kHandle];
    const engineHandle = engine[kHandle];
    // A token is not an engine, and the reverse; nothing else is either.
    assert.throws(() => native.enginePing(tokenHandle), TypeError);
    assert.throws(() => native.runCancel(engineHandle), TypeError);
    for (const bad of [undefined, null, 0, 'x', {}, Symbol('x')]) {
      assert.throws(() => native.enginePing(bad), TypeError);
      assert.throws(() => native.engineFree(bad), TypeError);
      assert.throws(() => native.runFree(bad), TypeError);
    }
    assert.throws(() => native.engineRun(engineHandle, 'lua'), TypeError);
    assert.throws(() => native.engineRun(engineHandle, 5, 'return 1', null, null, null), TypeError);
    assert.throws(() => native.engineRunAsync(engineHandle, 'lua', 42, null, null, null), TypeError);
    assert.throws(() => native.engineRun(engineHandle, 'lua', 'return 1', null, null, engineHandle), TypeError);
    assert.throws(() => native.engineNew(42), TypeError);
    // The library itself validates what only it can know.
    assert.throws(() => native.engineRun(engineHandle, 'lua', 'return 1', '{bad', null, null),
      (e) => e instanceof LlmspellError && e.code === 'invalid_argument');
    assert.throws(() => native.engineRun(engineHandle, 'lua', 'return 1', null, '{"timeout_ms":"x"}', null),
      (e) => e instanceof LlmspellError && e.code === 'invalid_argument');
    assert.throws(() => native.engineRun(engineHandle, 'lua', 'return 1', null, '{"nope":1}', null),
      (e) => e instanceof LlmspellError && e.code === 'invalid_argument');
  } finally {
    token.close();
  }
});

test('every status code has its name', () => {
  const native = require('../lib/native');
  const { STATUS_NAMES } = require('../lib/errors');
  STATUS_NAMES.forEach((name, code) => assert.equal(native.statusName(code), name));
  assert.equal(native.statusName(99), 'unknown');
  assert.equal(native.statusName(-1), 'unknown');
});
