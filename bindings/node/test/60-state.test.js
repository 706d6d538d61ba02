'use strict';
// State: the shared vectors (tests/vectors/state.json), persistence, spells
// and Node sharing state, transactions, argument checks, closed engines.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Engine, State, LlmspellError } = require('..');
const native = require('../lib/native');

const VECTORS = process.env.LLMSPELL_STATE_VECTORS ||
  path.resolve(__dirname, '..', '..', '..', 'tests', 'vectors', 'state.json');
const { cases } = JSON.parse(fs.readFileSync(VECTORS, 'utf8'));

// tempDir makes a fresh folder, removed after the test.
function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-node-state-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function pebble(dir, extra = {}) {
  return { storage: { backend: 'pebble', data_dir: path.join(dir, 'data') }, ...extra };
}

// openEngine opens a pebble engine in a fresh folder, closed after the test.
function openEngine(t, extra) {
  const engine = new Engine(pebble(tempDir(t), extra));
  t.after(() => engine.close());
  return engine;
}

function isCode(code) {
  return (e) => e instanceof LlmspellError && e.code === code && e.details.kind === code;
}
const isClosed = isCode('closed');
const isInvalid = isCode('invalid_argument');

function step(state, s) {
  switch (s.call) {
    case 'set': return state.set(s.scope, s.key, s.value);
    case 'get': {
      const v = state.get(s.scope, s.key);
      return v === undefined ? null : v; // the vectors spell "absent" as null
    }
    case 'delete': return state.delete(s.scope, s.key);
    case 'exists': return state.exists(s.scope, s.key);
    case 'list': return state.keys(s.scope, { prefix: s.prefix, limit: s.limit });
    case 'cas': return state.compareAndSet(s.scope, s.key, s.expected, s.new);
    case 'transaction': return state.transaction(s.ops);
    default: throw new Error(`unknown call ${s.call} in the vectors`);
  }
}

// --- shared vectors -----------------------------------------------------------

test('the vectors use every call', () => {
  const calls = new Set(cases.flatMap((c) => c.steps.map((s) => s.call)));
  assert.deepEqual([...calls].sort(),
    ['cas', 'delete', 'exists', 'get', 'list', 'set', 'transaction']);
});

for (const c of cases) {
  test(`state vector ${c.name} (fresh pebble engine)`, (t) => {
    const engine = openEngine(t);
    c.steps.forEach((s, i) => {
      const where = `${c.name} step ${i} (${s.call})`;
      if ('expect_error' in s) {
        assert.throws(() => step(engine.state, s), (e) => {
          assert.ok(e instanceof LlmspellError, `${where}: ${e}`);
          assert.equal(e.code, s.expect_error, `${where}: ${e.message}`);
          assert.equal(e.details.kind, e.code, where);
          return true;
        }, where);
      } else {
        const got = step(engine.state, s);
        assert.deepEqual(got === undefined ? null : got, s.expect, where);
      }
    });
  });
}

// --- the State object ----------------------------------------------------------

test('engine.state is one State per engine', (t) => {
  const engine = openEngine(t);
  assert.ok(engine.state instanceof State);
  assert.equal(engine.state, engine.state);
  assert.notEqual(new Engine().state, engine.state);
});

test('values round-trip through JSON; absent keys give undefined', (t) => {
  const { state } = openEngine(t);
  const values = [0, -7, 2 ** 53, 1.5, true, false, '', 'héllo ☃ 𝄞', [], {},
    [1, [2, [3]]], { nested: { list: [1, 'two', null, 3.25] }, 'ünï': 'ç' }];
  values.forEach((v, i) => {
    state.set('custom:v', `k${i}`, v);
    assert.deepEqual(state.get('custom:v', `k${i}`), v);
  });
  assert.equal(state.get('custom:v', 'missing'), undefined);
  assert.equal(state.get(undefined, 'missing'), undefined);
  state.set(null, 'date', new Date(0)); // toJSON is honoured
  assert.equal(state.get(null, 'date'), '1970-01-01T00:00:00.000Z');
  state.set(null, 'k', 1);
  state.set(null, 'k', null); // null deletes
  assert.equal(state.exists(null, 'k'), false);
  assert.equal(state.delete(null, 'k'), false);
});

test('keys() with prefix and limit, in byte order', (t) => {
  const { state } = openEngine(t);
  for (const k of ['b', 'a.2', 'a.1', 'c']) state.set('agent:x', k, 1);
  assert.deepEqual(state.keys('agent:x'), ['a.1', 'a.2', 'b', 'c']);
  assert.deepEqual(state.keys('agent:x', {}), ['a.1', 'a.2', 'b', 'c']);
  assert.deepEqual(state.keys('agent:x', { prefix: 'a.' }), ['a.1', 'a.2']);
  assert.deepEqual(state.keys('agent:x', { limit: 3 }), ['a.1', 'a.2', 'b']);
  assert.deepEqual(state.keys('agent:x', { prefix: 'zz' }), []);
  assert.deepEqual(state.keys('agent:empty'), []);
});

test('compareAndSet uses JSON equality; undefined means absent/delete', (t) => {
  const { state } = openEngine(t);
  assert.equal(state.compareAndSet(null, 'obj', undefined, { a: 1, b: [1, 2] }), true);
  assert.equal(state.compareAndSet(null, 'obj', { b: [1, 2.0], a: 1.0 }, 'next'), true);
  assert.equal(state.compareAndSet(null, 'obj', 'other', 'x'), false);
  assert.equal(state.compareAndSet(null, 'obj', 'next', undefined), true);
  assert.equal(state.exists(null, 'obj'), false);
});

// --- persistence ------------------------------------------------------------------

test('values persist across close and reopen', (t) => {
  const config = pebble(tempDir(t));
  let engine = new Engine(config);
  engine.state.set('agent:a', 'cfg', { model: 'local/x', n: 3 });
  engine.state.set(null, 'gone', 1);
  engine.state.delete(null, 'gone');
  engine.state.transaction((tx) => tx.set('session:s', 'step', 2));
  engine.close();
  engine = new Engine(config);
  try {
    assert.deepEqual(engine.state.get('agent:a', 'cfg'), { model: 'local/x', n: 3 });
    assert.equal(engine.state.exists(null, 'gone'), false);
    assert.equal(engine.state.get('session:s', 'step'), 2);
  } finally {
    engine.close();
  }
});

// --- spells and Node share the state -------------------------------------------------

test('a Lua spell writes, Node reads', async (t) => {
  const engine = openEngine(t);
  await engine.run('State.set("agent:a", "cfg", {model = "local/x", tags = {"a", "b"}})\n' +
    'State.set("from_lua", 42)');
  assert.deepEqual(engine.state.get('agent:a', 'cfg'), { model: 'local/x', tags: ['a', 'b'] });
  assert.equal(engine.state.get(null, 'from_lua'), 42);
  engine.runSync('State.delete("global", "from_lua")');
  assert.equal(engine.state.get(null, 'from_lua'), undefined);
});

test('Node writes, Lua and JS spells read', async (t) => {
  const engine = openEngine(t);
  engine.state.set('user:u', 'prefs', { theme: 'dark', sizes: [1, 2] });
  engine.state.set('tool:calc', 'last', 7);
  const js = await engine.run(
    'return {prefs: State.get("user:u", "prefs"), none: State.get("user:u", "nope") == null};',
    { lang: 'js' });
  assert.deepEqual(js.value, { prefs: { theme: 'dark', sizes: [1, 2] }, none: true });
  const lua = engine.runSync('return State.tool_get("calc", "last") * 6');
  assert.equal(lua.value, 42);
});

test('compareAndSet from Node and concurrent Lua runs ends at the exact count', async (t) => {
  const engine = openEngine(t);
  const { state } = engine;
  state.set('custom:c', 'n', 0);
  const per = 50;
  const spell = `
    local done = 0
    while done < ${per} do
      local cur = State.get("custom:c", "n")
      if State.compare_and_set("custom:c", "n", cur, cur + 1) then done = done + 1 end
    end
    return done`;
  const runs = Array.from({ length: 4 }, () => engine.run(spell, { timeoutMs: 60000 }));
  let done = 0;
  while (done < per) {
    const cur = state.get('custom:c', 'n');
    if (state.compareAndSet('custom:c', 'n', cur, cur + 1)) done++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (const r of await Promise.all(runs)) assert.equal(r.value, per);
  assert.equal(state.get('custom:c', 'n'), 5 * per);
});

// --- transactions ---------------------------------------------------------------------

test('transaction(fn) applies the writes when fn returns, and returns its value', (t) => {
  const { state } = openEngine(t);
  state.set(null, 'old', 1);
  const r = state.transaction((tx) => {
    tx.set('agent:a', 'x', 1);
    tx.set(null, 'y', { z: [1] });
    tx.delete(null, 'old');
    assert.equal(tx.size, 3);
    assert.deepEqual(tx.toJSON()[1], { op: 'set', key: 'y', value: { z: [1] } });
    assert.equal(state.exists('agent:a', 'x'), false); // not visible yet
    return 'committed';
  });
  assert.equal(r, 'committed');
  assert.equal(state.get('agent:a', 'x'), 1);
  assert.deepEqual(state.get(null, 'y'), { z: [1] });
  assert.equal(state.exists(null, 'old'), false);
});

test('transaction(fn) writes nothing when fn throws', (t) => {
  const { state } = openEngine(t);
  state.set(null, 'keep', 1);
  let saved;
  assert.throws(() => state.transaction((tx) => {
    saved = tx;
    tx.set('agent:a', 'x', 1);
    tx.delete(null, 'keep');
    throw new Error('boom');
  }), /boom/);
  assert.equal(state.exists('agent:a', 'x'), false);
  assert.equal(state.get(null, 'keep'), 1);
  assert.equal(saved.ended, true);
  assert.throws(() => saved.set(null, 'late', 1), /ended/);
});

test('transaction(async fn) applies on resolve and drops on reject', async (t) => {
  const { state } = openEngine(t);
  const p = state.transaction(async (tx) => {
    tx.set(null, 'a', 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    tx.set(null, 'b', 2);
    return 'ok';
  });
  assert.ok(p instanceof Promise);
  assert.equal(state.exists(null, 'a'), false); // not before the Promise settles
  assert.equal(await p, 'ok');
  assert.deepEqual(state.keys(null), ['a', 'b']);

  await assert.rejects(state.transaction(async (tx) => {
    tx.set(null, 'c', 3);
    await null;
    throw new Error('async boom');
  }), /async boom/);
  assert.equal(state.exists(null, 'c'), false);
});

test('transaction(fn) with an invalid write throws and writes nothing', (t) => {
  const { state } = openEngine(t);
  assert.throws(() => state.transaction((tx) => {
    tx.set('agent:a', 'x', 1);
    tx.set('global', '__reserved', 2);
  }), (e) => isInvalid(e) && e.message.includes('[1]'));
  assert.equal(state.exists('agent:a', 'x'), false);
});

test('transaction(fn) records values when set() is called', (t) => {
  const { state } = openEngine(t);
  const value = { n: 1 };
  state.transaction((tx) => {
    tx.set(null, 'v', value);
    value.n = 2;
  });
  assert.deepEqual(state.get(null, 'v'), { n: 1 });
});

test('transaction(ops) array form', (t) => {
  const { state } = openEngine(t);
  assert.equal(state.transaction([
    { op: 'set', scope: 'agent:a', key: 'x', value: 1 },
    { op: 'set', key: 'y', value: 2 },
    { op: 'set', scope: null, key: 'z', value: 3 },
  ]), undefined);
  assert.deepEqual(state.keys(null), ['y', 'z']);
  state.transaction([{ op: 'delete', key: 'y' }]);
  assert.deepEqual(state.keys(null), ['z']);
  state.transaction([]);
  assert.throws(() => state.transaction([{ op: 'set', scope: 5, key: 'k', value: 1 }]), TypeError);
  assert.throws(() => state.transaction([{ op: 'set', key: 1, value: 1 }]), TypeError);
  assert.throws(() => state.transaction([{ key: 'k' }]), TypeError);
  assert.throws(() => state.transaction(['set']), TypeError);
  assert.throws(() => state.transaction([{ op: 'set', key: 'k', value: NaN }]), RangeError);
  assert.throws(() => state.transaction({ op: 'set' }), TypeError);
  assert.throws(() => state.transaction(), TypeError);
  assert.deepEqual(state.keys(null), ['z']);
});

// --- errors ----------------------------------------------------------------------------

test('every State method on a closed engine throws closed', async (t) => {
  const engine = new Engine(pebble(tempDir(t)));
  const { state } = engine;
  state.set(null, 'k', 1);
  engine.close();
  assert.throws(() => state.set(null, 'k', 1), isClosed);
  assert.throws(() => state.get(null, 'k'), isClosed);
  assert.throws(() => state.delete(null, 'k'), isClosed);
  assert.throws(() => state.exists(null, 'k'), isClosed);
  assert.throws(() => state.keys(null), isClosed);
  assert.throws(() => state.compareAndSet(null, 'k', 1, 2), isClosed);
  assert.throws(() => state.transaction([]), isClosed);
  let called = false;
  assert.throws(() => state.transaction(() => { called = true; }), isClosed);
  assert.equal(called, false);
  assert.throws(() => engine.state.get(null, 'k'), isClosed);
  // Type errors still come first.
  assert.throws(() => state.get(null, 1), TypeError);
});

test('an engine closed while an async transaction is pending rejects with closed', async (t) => {
  const engine = new Engine(pebble(tempDir(t)));
  const p = engine.state.transaction(async (tx) => {
    tx.set(null, 'k', 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
  engine.close();
  await assert.rejects(p, isClosed);
});

test('bad scopes and keys throw invalid_argument', (t) => {
  const { state } = openEngine(t);
  for (const scope of ['planet:x', 'agent:', 'nope', 'Agent:a', 'agent']) {
    assert.throws(() => state.set(scope, 'k', 1), isInvalid, scope);
    assert.throws(() => state.get(scope, 'k'), isInvalid, scope);
    assert.throws(() => state.keys(scope), isInvalid, scope);
  }
  for (const key of ['', 'a..b', '__x', '$$x', 'cr\rlf', 'x'.repeat(257)]) {
    assert.throws(() => state.set(null, key, 1), isInvalid, JSON.stringify(key));
  }
  // A NUL would cut a C string short ("global\0x" -> "global"): rejected.
  assert.throws(() => state.set('global\0x', 'k', 1), isInvalid);
  assert.throws(() => state.get(null, 'k\0hidden'), isInvalid);
  assert.throws(() => state.keys(null, { prefix: 'a\0' }), isInvalid);
  assert.deepEqual(state.keys(null), []);
});

test('argument types are checked in JS before any native call', (t) => {
  const { state } = openEngine(t);
  assert.throws(() => state.set(1, 'k', 1), TypeError);
  assert.throws(() => state.set(null, Symbol('k'), 1), TypeError);
  assert.throws(() => state.get(null), TypeError);
  assert.throws(() => state.set(null, 'k'), TypeError); // undefined value
  assert.throws(() => state.set(null, 'k', () => 1), TypeError);
  assert.throws(() => state.set(null, 'k', 10n), TypeError);
  const cyclic = [];
  cyclic.push(cyclic);
  assert.throws(() => state.set(null, 'k', cyclic), TypeError);
  assert.throws(() => state.set(null, 'k', NaN), RangeError);
  assert.throws(() => state.set(null, 'k', Infinity), RangeError);
  assert.throws(() => state.compareAndSet(null, 'k', NaN, 1), RangeError);
  assert.throws(() => state.keys(null, 'a'), TypeError);
  assert.throws(() => state.keys(null, { prefix: 1 }), TypeError);
  assert.throws(() => state.keys(null, { limit: '1' }), TypeError);
  assert.throws(() => state.keys(null, { limit: -1 }), RangeError);
  assert.throws(() => state.keys(null, { limit: 1.5 }), RangeError);
  assert.throws(() => state.keys(null, { limit: 2 ** 32 }), RangeError);
  assert.throws(() => state.keys(null, { max: 1 }), TypeError);
  assert.deepEqual(state.keys(null), []);
});

test('the addon checks its own arguments', (t) => {
  const engine = openEngine(t);
  const token = engine.runToken();
  t.after(() => token.close());
  const h = handleOf(engine);
  const th = handleOf(token);
  assert.throws(() => native.stateSet({}, null, 'k', '1'), TypeError);
  assert.throws(() => native.stateSet(th, null, 'k', '1'), TypeError); // a token is not an engine
  assert.throws(() => native.stateGet(), TypeError);
  assert.throws(() => native.stateGet(null, null, 'k'), TypeError);
  assert.throws(() => native.stateList(null, null, null, 0), TypeError);
  assert.throws(() => native.stateTransaction(null, '[]'), TypeError);
  assert.throws(() => native.stateCompareAndSet(null, null, 'k', null, null), TypeError);
  assert.throws(() => native.stateDelete(null, null, 'k'), TypeError);
  assert.throws(() => native.stateExists(null, null, 'k'), TypeError);
  assert.equal(native.stateGet(h, null, 'k'), null);
  assert.throws(() => native.stateSet(h, 5, 'k', '1'), TypeError);
  assert.throws(() => native.stateSet(h, null, 'k', 1), TypeError);
  assert.throws(() => native.stateList(h, null, null, '1'), TypeError);
  assert.throws(() => native.stateTransaction(h, '{'), isInvalid);
  assert.throws(() => native.stateSet(h, null, 'k', ''), isInvalid);
  // Long names and values go through the heap path.
  const long = 'k'.repeat(256);
  const big = JSON.stringify('v'.repeat(1000));
  native.stateSet(h, null, long, big);
  assert.equal(native.stateGet(h, null, long), big);
  assert.equal(native.stateList(h, null, 'kkk', 0), JSON.stringify([long]));
  assert.throws(() => native.stateSet(h, null, `${'x'.repeat(400)}\0`, '1'), isInvalid);
});

// handleOf digs the native handle out of an Engine or RunToken for the
// addon tests above (it is kept under a private Symbol).
function handleOf(obj) {
  const sym = Object.getOwnPropertySymbols(obj).find((s) => s.description === 'llmspell.handle');
  return obj[sym];
}

test('a value over state.max_value_bytes throws invalid_argument', (t) => {
  const { state } = openEngine(t, { state: { max_value_bytes: 100 } });
  state.set(null, 'small', 'x'.repeat(50));
  assert.throws(() => state.set(null, 'big', 'x'.repeat(200)), isInvalid);
  assert.throws(() => state.compareAndSet(null, 'big', null, 'x'.repeat(200)), isInvalid);
  assert.throws(() => state.transaction((tx) => {
    tx.set(null, 'ok', 1);
    tx.set(null, 'big', 'x'.repeat(200));
  }), isInvalid);
  assert.deepEqual(state.keys(null), ['small']);
});
