'use strict';
// Backups (full and incremental roundtrips, cleanup, corruption), schema
// migrations (with a backup, dry run, downgrade), and events: pull
// subscriptions (order, drops, timeouts, nextAsync keeping the event loop
// free, async iteration), push subscriptions (every event from another
// thread, nothing after close, throwing listeners, close from inside),
// spells publishing and receiving, lifetimes and argument checks.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { setTimeout: sleep } = require('node:timers/promises');
const { Engine, Backups, Events, Subscription, PushSubscription, LlmspellError } = require('..');
const native = require('../lib/native');
const { kHandle } = require('../lib/symbols');

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-node-events-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function pebble(dir, extra = {}) {
  return { storage: { backend: 'pebble', data_dir: path.join(dir, 'data') }, ...extra };
}

// openEngine opens a pebble engine in a fresh folder; after the test it is
// closed first and its folder removed then.
function openEngine(t, extra) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-node-events-'));
  const engine = new Engine(pebble(dir, extra));
  engine.dir = dir;
  t.after(() => {
    engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return engine;
}

function memEngine(t) {
  const engine = new Engine();
  t.after(() => engine.close());
  return engine;
}

function isCode(code) {
  return (e) => e instanceof LlmspellError && e.code === code && e.details.kind === code;
}
const isClosed = isCode('closed');
const isInvalid = isCode('invalid_argument');
const isNotFound = isCode('not_found');
const isStorage = isCode('storage_error');
const isLimit = isCode('limit_exceeded');

async function waitUntil(cond, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await sleep(5);
  }
  return cond();
}

function subStats(engine, pattern) {
  const found = engine.events.stats().subscriptions.filter((s) => s.pattern === pattern);
  assert.equal(found.length, 1, JSON.stringify(found));
  return found[0];
}

// --- backups -------------------------------------------------------------------

test('backup create, list, validate, restore roundtrip', async (t) => {
  const dir = tempDir(t);
  let engine = new Engine(pebble(dir));
  try {
    const { state: st, backups: b } = engine;
    assert.ok(b instanceof Backups);
    assert.deepEqual(b.list(), []);
    st.set(null, 'k', 1);
    st.set('agent:a', 'cfg', { model: 'local/x' });
    const full = await b.create({ label: 'first' });
    assert.equal(full.kind, 'full');
    assert.equal(full.label, 'first');
    assert.equal(typeof full.id, 'string');
    assert.ok(full.total_bytes > 0);

    st.set(null, 'k', 2);
    st.set(null, 'added', true);
    st.delete('agent:a', 'cfg');

    assert.deepEqual(b.list().map((s) => s.id), [full.id]);
    assert.equal((await b.validate(full.id)).valid, true);
    assert.equal((await b.validate('latest')).id, full.id);

    const rep = await b.restore(full.id);
    assert.equal(rep.id, full.id);
    assert.equal(st.get(null, 'k'), 1);
    assert.equal(st.get(null, 'added'), undefined);
    assert.deepEqual(st.get('agent:a', 'cfg'), { model: 'local/x' });
    st.set(null, 'after', 'restore');
    assert.equal(engine.runSync("return State.get('global', 'k')").value, 1);
  } finally {
    engine.close();
  }
  engine = new Engine(pebble(dir));
  try {
    assert.equal(engine.state.get(null, 'k'), 1);
    assert.equal(engine.state.get(null, 'after'), 'restore');
    assert.equal(engine.backups.list().length, 1);
  } finally {
    engine.close();
  }
});

test('incremental backup builds on the newest one', async (t) => {
  const engine = openEngine(t);
  const { state: st, backups: b } = engine;
  st.set(null, 'k', 'v1');
  const full = await b.create();
  st.set(null, 'k', 'v2');
  st.set(null, 'more', [1, 2, 3]);
  const inc = await b.create({ incremental: true, label: 'inc' });
  assert.equal(inc.kind, 'incremental');
  assert.equal(inc.parent, full.id);
  assert.deepEqual(b.list().map((s) => s.id), [inc.id, full.id], 'newest first');
  assert.equal((await b.validate(inc.id)).valid, true);
  st.set(null, 'k', 'v3');
  await b.restore('latest');
  assert.equal(st.get(null, 'k'), 'v2');
  assert.deepEqual(st.get(null, 'more'), [1, 2, 3]);
  await b.restore(full.id);
  assert.equal(st.get(null, 'k'), 'v1');
  assert.equal(st.get(null, 'more'), undefined);
});

test('backup cleanup, dry run first', async (t) => {
  const engine = openEngine(t);
  const b = engine.backups;
  const ids = [];
  for (let i = 0; i < 3; i++) {
    engine.state.set(null, 'i', i);
    ids.push((await b.create({ label: `b${i}` })).id);
  }
  const dry = await b.cleanup({ dryRun: true, maxCount: 1 });
  assert.deepEqual([...dry.removed].sort(), ids.slice(0, 2).sort());
  assert.equal(b.list().length, 3, 'a dry run removes nothing');
  assert.deepEqual((await b.cleanup({ maxCount: -1, maxAgeDays: -1 })).removed, []);
  const rep = await b.cleanup({ maxCount: 1 });
  assert.deepEqual([...rep.removed].sort(), ids.slice(0, 2).sort());
  assert.deepEqual(b.list().map((s) => s.id), [ids[2]]);
  await b.cleanup();
  assert.equal(b.list().length, 1);
});

test('backup errors: missing, corrupt, arguments, closed engine', async (t) => {
  const engine = openEngine(t);
  const b = engine.backups;
  await assert.rejects(b.restore('latest'), isNotFound);
  await assert.rejects(b.validate('latest'), isNotFound);
  await assert.rejects(b.restore('20990101T000000000Z-abcdef'), isNotFound);

  engine.state.set(null, 'k', 'before');
  const { id } = await b.create();
  engine.state.set(null, 'k', 'after');
  const blobs = path.join(engine.dir, 'data.backups', id, 'blobs');
  let corrupted = 0;
  for (const name of fs.readdirSync(blobs)) {
    const file = path.join(blobs, name);
    const data = fs.readFileSync(file);
    if (data.length > 8) {
      data[data.length >> 1] ^= 0xff;
      fs.writeFileSync(file, data);
      corrupted++;
    }
  }
  assert.ok(corrupted > 0);
  await assert.rejects(b.validate(id), isStorage);
  await assert.rejects(b.restore(id), isStorage);
  assert.equal(engine.state.get(null, 'k'), 'after', 'a failed restore changes nothing');

  assert.throws(() => b.create({ incremental: 'yes' }), TypeError);
  assert.throws(() => b.create({ label: 3 }), TypeError);
  assert.throws(() => b.create({ bogus: 1 }), TypeError);
  assert.throws(() => b.validate(null), TypeError);
  assert.throws(() => b.restore(7), TypeError);
  assert.throws(() => b.cleanup({ maxCount: 1.5 }), RangeError);
  assert.throws(() => b.cleanup({ dryRun: 1 }), TypeError);
  await assert.rejects(b.restore('latest\0x'), isInvalid);

  const other = new Engine(pebble(tempDir(t)));
  const ob = other.backups;
  other.close();
  assert.throws(() => ob.list(), isClosed);
  await assert.rejects(ob.create(), isClosed);
  await assert.rejects(ob.validate('latest'), isClosed);
  await assert.rejects(ob.restore('latest'), isClosed);
  await assert.rejects(ob.cleanup(), isClosed);
});

test('an in-memory engine backs up only with backup.dir', async (t) => {
  const mem = memEngine(t);
  await assert.rejects(mem.backups.create(), (e) => e instanceof LlmspellError &&
    (e.code === 'invalid_argument' || e.code === 'storage_error'));
  const e = new Engine({ backup: { dir: path.join(tempDir(t), 'b') } });
  t.after(() => e.close());
  e.state.set(null, 'k', 1);
  const { id } = await e.backups.create();
  e.state.set(null, 'k', 2);
  await e.backups.restore(id);
  assert.equal(e.state.get(null, 'k'), 1);
});

test('a backup runs off the event loop', async (t) => {
  const engine = openEngine(t);
  for (let i = 0; i < 200; i++) engine.state.set(null, `k${i}`, { i, pad: 'x'.repeat(1000) });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const pending = engine.backups.create();
  assert.ok(pending instanceof Promise);
  const ticksAtStart = ticks;
  await pending;
  clearInterval(timer);
  assert.equal(ticksAtStart, 0, 'create() returned before any timer ran');
});

// --- schema migrations -----------------------------------------------------------

const USER_SCHEMA = {
  scopes: ['user:*'],
  migrations: [
    { op: 'rename', from: 'name', to: 'full_name' },
    { op: 'convert', field: 'age', to: 'integer' },
    { op: 'default', field: 'tier', value: 'free' },
  ],
};

function seedUsers(st) {
  st.set('user:u1', 'a', { name: 'Ann', age: '31' });
  st.set('user:u2', 'b', { name: 'Bob', age: '42' });
  st.set(null, 'other', { name: 'not a user' });
}

test('a migration takes a backup first', async (t) => {
  const engine = openEngine(t);
  const st = engine.state;
  seedUsers(st);
  assert.equal(st.migrationStatus().current, null);
  st.registerSchema('1.1.0', USER_SCHEMA);
  const report = await st.migrate('1.1.0');
  assert.equal(report.to, '1.1.0');
  assert.equal(report.items_migrated, 2);
  assert.equal(report.dry_run, false);
  assert.equal(typeof report.backup_id, 'string');
  assert.ok(engine.backups.list().some((s) => s.id === report.backup_id));
  assert.deepEqual(st.get('user:u1', 'a'), { full_name: 'Ann', age: 31, tier: 'free' });
  assert.deepEqual(st.get(null, 'other'), { name: 'not a user' });
  const status = st.migrationStatus();
  assert.equal(status.current, '1.1.0');
  assert.equal(status.in_progress, false);
  assert.ok(status.versions.includes('1.1.0'));
  await engine.backups.restore(report.backup_id);
  assert.deepEqual(st.get('user:u1', 'a'), { name: 'Ann', age: '31' });
});

test('a migration dry run changes nothing', async (t) => {
  const engine = openEngine(t);
  const st = engine.state;
  seedUsers(st);
  st.registerSchema('1.1.0', USER_SCHEMA);
  const report = await st.migrate('1.1.0', { dryRun: true });
  assert.equal(report.dry_run, true);
  assert.equal(report.items_migrated, 2);
  assert.equal(report.backup_id, null);
  assert.deepEqual(st.get('user:u1', 'a'), { name: 'Ann', age: '31' });
  assert.equal(st.migrationStatus().current, null);
  assert.deepEqual(engine.backups.list(), []);
});

test('chained migrations without a backup; a downgrade is invalid', async (t) => {
  const engine = openEngine(t);
  const st = engine.state;
  st.set('user:u1', 'a', { name: 'Ann', legacy: 1 });
  st.registerSchema('1.0.0', { scopes: ['user:*'] });
  st.registerSchema('1.1.0', { scopes: ['user:*'], migrations: [{ op: 'copy', from: 'name', to: 'nick' }] });
  st.registerSchema('2.0.0', { scopes: ['user:*'], migrations: [{ op: 'remove', field: 'legacy' }] });
  const report = await st.migrate('2.0.0', { backup: false, batchSize: 1 });
  assert.equal(report.backup_id, null);
  assert.deepEqual(st.get('user:u1', 'a'), { name: 'Ann', nick: 'Ann' });
  assert.deepEqual(engine.backups.list(), []);
  await assert.rejects(st.migrate('1.0.0', { backup: false }), isInvalid);
  await assert.rejects(st.migrate('9.9.9'), isNotFound);
});

test('registerSchema and migrate argument errors', (t) => {
  const st = memEngine(t).state;
  assert.throws(() => st.registerSchema('1.2'), isInvalid);
  assert.throws(() => st.registerSchema('1.2.0', { migrations: [{ op: 'explode' }] }), isInvalid);
  assert.throws(() => st.registerSchema('1.2.0', { migrations: [{ op: 'custom', field: 'x' }] }), isInvalid);
  assert.throws(() => st.registerSchema(1), TypeError);
  assert.throws(() => st.registerSchema('1.2.0', { migrations: { op: 'remove' } }), TypeError);
  assert.throws(() => st.registerSchema('1.2.0', { scopes: 'user:*' }), TypeError);
  assert.throws(() => st.registerSchema('1.2.0', { bogus: true }), TypeError);
  assert.throws(() => st.migrate('1.2.0', { dryRun: 'no' }), TypeError);
  assert.throws(() => st.migrate('1.2.0', { batchSize: 0 }), RangeError);
  assert.throws(() => st.migrate(2), TypeError);
});

// --- events: pull -----------------------------------------------------------------

test('a pull subscription gets events in order; drop_oldest counts drops', (t) => {
  const engine = memEngine(t);
  const ev = engine.events;
  assert.ok(ev instanceof Events);
  const sub = ev.subscribe('app.*', { bufferSize: 3, policy: 'drop_oldest' });
  t.after(() => sub.close());
  assert.ok(sub instanceof Subscription);
  assert.equal(sub.pattern, 'app.*');
  const published = [];
  for (let i = 0; i < 5; i++) {
    published.push(ev.publish('app.step', { n: i }, { correlationId: 'c1', tags: ['x'] }));
  }
  const seqs = published.map((p) => p.sequence);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  const got = [sub.next(1000), sub.next(1000), sub.next(1000)];
  assert.deepEqual(got.map((g) => g.data.n), [2, 3, 4], 'the two oldest were dropped');
  assert.deepEqual(got.map((g) => g.sequence), seqs.slice(2));
  assert.equal(got[0].type, 'app.step');
  assert.equal(got[0].correlation_id, 'c1');
  assert.equal(got[0].source, 'host');
  assert.deepEqual(got[0].tags, ['x']);
  assert.equal(sub.next(), null);
  const stats = subStats(engine, 'app.*');
  assert.equal(stats.dropped, 2);
  assert.equal(stats.delivered, 3);
  assert.equal(stats.capacity, 3);
  assert.equal(stats.handler, false);
  assert.ok(ev.stats().published >= 5);
});

test('next and nextAsync time out in about the time asked', async (t) => {
  const sub = memEngine(t).events.subscribe('quiet.*');
  let start = process.hrtime.bigint();
  assert.equal(sub.next(50), null);
  let took = Number(process.hrtime.bigint() - start) / 1e6;
  assert.ok(took >= 45 && took < 1000, `sync next(50) took ${took} ms`);
  start = process.hrtime.bigint();
  assert.equal(await sub.nextAsync(300), null);
  took = Number(process.hrtime.bigint() - start) / 1e6;
  assert.ok(took >= 280 && took < 1300, `nextAsync(300) took ${took} ms`);
  start = process.hrtime.bigint();
  assert.equal(sub.next(0), null);
  assert.ok(Number(process.hrtime.bigint() - start) / 1e6 < 500);
  sub.close();
});

test('the event loop stays free while nextAsync waits', async (t) => {
  const engine = memEngine(t);
  const sub = engine.events.subscribe('later.*');
  t.after(() => sub.close());
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  setTimeout(() => engine.events.publish('later.done', 'hi'), 200);
  const start = Date.now();
  const event = await sub.nextAsync(10000);
  const took = Date.now() - start;
  clearInterval(timer);
  assert.equal(event.data, 'hi');
  assert.ok(took >= 150 && took < 5000, `took ${took} ms`);
  assert.ok(ticks >= 5, `only ${ticks} timer ticks while waiting`);
});

test('close wakes a pending nextAsync; async iteration ends at close', async (t) => {
  const engine = memEngine(t);
  const sub = engine.events.subscribe('wake.*');
  const pending = sub.nextAsync();
  setTimeout(() => sub.close(), 50);
  await assert.rejects(pending, isClosed);
  assert.throws(() => sub.next(), isClosed);
  await assert.rejects(sub.nextAsync(), isClosed);

  const it = engine.events.subscribe('iter.*');
  const seen = [];
  const reader = (async () => {
    for await (const event of it) seen.push(event.data);
  })();
  for (let i = 0; i < 3; i++) engine.events.publish('iter.x', i);
  assert.ok(await waitUntil(() => seen.length === 3));
  it.close();
  await reader;
  assert.deepEqual(seen, [0, 1, 2]);
});

test('concurrent nextAsync calls get distinct events', async (t) => {
  const engine = memEngine(t);
  const n = 200;
  const sub = engine.events.subscribe('work.*', { bufferSize: n });
  t.after(() => sub.close());
  const got = [];
  const reader = async () => {
    for (;;) {
      const e = await sub.nextAsync(300);
      if (e === null) return;
      got.push(e.data);
    }
  };
  const readers = [reader(), reader(), reader(), reader()];
  for (let i = 0; i < n; i++) engine.events.publish('work.item', i);
  await Promise.all(readers);
  assert.deepEqual(got.sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
});

test('reject, drop_newest and block policies', async (t) => {
  const engine = memEngine(t);
  const ev = engine.events;
  const full = ev.subscribe('r.*', { bufferSize: 1, policy: 'reject' });
  const other = ev.subscribe('r.*');
  ev.publish('r.one');
  assert.throws(() => ev.publish('r.two', { lost: true }), isLimit);
  assert.equal(ev.stats().subscriptions.find((s) => s.policy === 'reject').rejected, 1);
  assert.deepEqual([other.next(100).type, other.next(100).type], ['r.one', 'r.two'],
    'every other subscription still got the event');
  assert.equal(full.next().type, 'r.one');
  assert.equal(full.next(), null);
  full.close();
  other.close();

  const dn = ev.subscribe('dn.*', { bufferSize: 2, policy: 'drop_newest' });
  for (let i = 0; i < 4; i++) ev.publish('dn.x', i);
  assert.deepEqual([dn.next().data, dn.next().data], [0, 1]);
  assert.equal(subStats(engine, 'dn.*').dropped, 2);
  dn.close();

  const bl = ev.subscribe('bl.*', { bufferSize: 1, policy: 'block', blockTimeoutMs: 50 });
  ev.publish('bl.x', 0);
  const start = Date.now();
  ev.publish('bl.x', 1);
  const took = Date.now() - start;
  assert.ok(took >= 40 && took < 2000, `block publish took ${took} ms`);
  assert.equal(subStats(engine, 'bl.*').dropped, 1);
  bl.close();
});

test('a Lua spell publishes events that a pull subscription receives', async (t) => {
  const engine = memEngine(t);
  const sub = engine.events.subscribe('spell.*');
  t.after(() => sub.close());
  const r = await engine.run(`
    for i = 1, 3 do
      Event.publish("spell.step", {i = i}, {correlation_id = "run-1"})
    end
    return "done"`);
  assert.equal(r.value, 'done');
  const got = [sub.next(1000), sub.next(1000), sub.next(1000)];
  assert.deepEqual(got.map((g) => g.data.i), [1, 2, 3]);
  assert.ok(got.every((g) => g.type === 'spell.step' && g.correlation_id === 'run-1'));
  assert.equal(sub.next(), null);
  engine.runSync('Event.publish("js.hello", {from: "js"});', { lang: 'js' });
  const js = engine.events.subscribe('js.*');
  engine.runSync('Event.publish("js.hello", {from: "js"});', { lang: 'js' });
  assert.deepEqual(js.next(1000).data, { from: 'js' });
  js.close();
});

test('a spell receives what Node publishes', async (t) => {
  const engine = memEngine(t);
  const running = engine.run(`
    local id = Event.subscribe("host.*")
    State.set("global", "ready", true)
    local e = Event.receive(id, 10000)
    return e and e.data`);
  assert.ok(await waitUntil(() => engine.state.get(null, 'ready') === true));
  engine.events.publish('host.msg', { msg: 'hi spell' });
  assert.deepEqual((await running).value, { msg: 'hi spell' });
});

test('publish and subscribe argument errors', (t) => {
  const ev = memEngine(t).events;
  assert.throws(() => ev.publish('a..b'), isInvalid);
  assert.throws(() => ev.publish('x\0y'), isInvalid);
  assert.throws(() => ev.publish(3), TypeError);
  assert.throws(() => ev.publish('x', NaN), RangeError);
  assert.throws(() => ev.publish('x', () => 1), TypeError);
  assert.throws(() => ev.publish('x', null, { tags: 't' }), TypeError);
  assert.throws(() => ev.publish('x', null, { source: 1 }), TypeError);
  assert.throws(() => ev.publish('x', null, { bogus: 1 }), TypeError);
  assert.throws(() => ev.subscribe('x', { policy: 'sometimes' }), isInvalid);
  assert.throws(() => ev.subscribe('x', { bufferSize: 0 }), RangeError);
  assert.throws(() => ev.subscribe('x', { bufferSize: '8' }), TypeError);
  assert.throws(() => ev.subscribe('x', { bogus: 1 }), TypeError);
  assert.throws(() => ev.subscribe('x', 42, {}), TypeError);
  assert.throws(() => ev.subscribe('x', () => {}, { onError: 1 }), TypeError);
  assert.throws(() => ev.subscribe('a..b'), isInvalid);
  assert.throws(() => ev.subscribe(1), TypeError);
  const sub = ev.subscribe('x');
  assert.throws(() => sub.next(-1), RangeError);
  assert.throws(() => sub.next(1.5), RangeError);
  assert.throws(() => sub.next('1'), TypeError);
  assert.throws(() => sub.nextAsync(-1), RangeError);
  sub.close();
  sub.close(); // idempotent
  const published = ev.publish('x', undefined, { source: 'tests' });
  assert.equal(published.source, 'tests');
  assert.equal(published.data, null);
  // The addon checks handle kinds itself.
  assert.throws(() => native.subscriptionNext(native.engineNew(null), 0), TypeError);
  assert.throws(() => native.pushFree({}), TypeError);
});

// --- events: push -----------------------------------------------------------------

test('a listener gets every event a spell publishes from a pool thread', async (t) => {
  const engine = memEngine(t);
  const n = 2000;
  const got = [];
  const sub = engine.events.subscribe('job.*', (e) => got.push(e.data), { bufferSize: n });
  assert.ok(sub instanceof PushSubscription);
  const r = await engine.run(`for i = 1, ${n} do Event.publish("job.done", i) end
    Event.publish("other.thing", -1)
    return true`);
  assert.equal(r.value, true);
  assert.ok(await waitUntil(() => got.length >= n), `got ${got.length} of ${n}`);
  await sleep(50);
  assert.deepEqual(got, Array.from({ length: n }, (_, i) => i + 1), 'every event, in order');
  assert.equal(sub.dropped, 0);
  assert.equal(subStats(engine, 'job.*').handler, true);
  sub.close();
});

test('listeners run on the event loop, in order, also for a sync publishing loop', async (t) => {
  const engine = memEngine(t);
  const got = [];
  const sub = engine.events.subscribe('tick', (e) => got.push(e.data));
  t.after(() => sub.close());
  for (let i = 0; i < 500; i++) engine.events.publish('tick', i);
  assert.equal(got.length, 0, 'nothing runs while this code holds the event loop');
  assert.ok(await waitUntil(() => got.length === 500));
  assert.deepEqual(got, Array.from({ length: 500 }, (_, i) => i));
});

test('a push queue that overflows drops and counts', async (t) => {
  // A synchronous publishing loop holds the event loop, so events pile up:
  // in the library's buffer when its dispatcher falls behind the loop, in
  // the addon's queue (bounded by bufferSize) when the event loop does.
  // Either way nothing is lost silently: received + dropped == published.
  const engine = memEngine(t);
  const oldest = [];
  const newest = [];
  const a = engine.events.subscribe('ov.*', (e) => oldest.push(e.data), { bufferSize: 10 });
  const b = engine.events.subscribe('ov.x', (e) => newest.push(e.data), { bufferSize: 10, policy: 'drop_newest' });
  for (let i = 0; i < 100; i++) engine.events.publish('ov.x', i);
  const total = (sub, got, pattern) => got.length + sub.dropped + subStats(engine, pattern).dropped;
  assert.ok(await waitUntil(() => total(a, oldest, 'ov.*') === 100 && total(b, newest, 'ov.x') === 100, 5000),
    `a: ${oldest.length} + ${a.dropped} + ${subStats(engine, 'ov.*').dropped}, ` +
    `b: ${newest.length} + ${b.dropped} + ${subStats(engine, 'ov.x').dropped}`);
  assert.ok(oldest.length <= 20 && newest.length <= 20, `${oldest.length}, ${newest.length}`);
  assert.deepEqual(oldest.slice(-1), [99], 'drop_oldest keeps the newest');
  assert.deepEqual(newest.slice(0, 1), [0], 'drop_newest keeps the oldest');
  const dropped = a.dropped;
  a.close();
  b.close();
  assert.equal(a.dropped, dropped, 'the count survives close');
});

test('no listener call after close, even for events already queued', async (t) => {
  const engine = memEngine(t);
  const calls = [];
  const sub = engine.events.subscribe('tick', (e) => calls.push(e.data));
  for (let i = 0; i < 100; i++) engine.events.publish('tick', i);
  await sleep(20); // the addon has queued them (or delivered some)
  engine.events.publish('tick', 'x'); // queued, not yet delivered: this code holds the loop
  sub.close();
  const afterClose = calls.length;
  for (let i = 0; i < 50; i++) engine.events.publish('tick', i);
  await sleep(300);
  assert.equal(calls.length, afterClose);
  assert.ok(!calls.includes('x'));
  assert.equal(sub.closed, true);
  sub.close();

  // Closed in the same tick as the publishes: not one call.
  const none = [];
  const s2 = engine.events.subscribe('tock', (e) => none.push(e));
  for (let i = 0; i < 100; i++) engine.events.publish('tock', i);
  s2.close();
  await sleep(200);
  assert.deepEqual(none, []);
});

test('close from inside the listener: that call is the last', async (t) => {
  const engine = memEngine(t);
  const calls = [];
  const sub = engine.events.subscribe('once', (e) => {
    calls.push(e.data);
    sub.close();
  });
  for (let i = 0; i < 20; i++) engine.events.publish('once', i);
  assert.ok(await waitUntil(() => calls.length >= 1));
  await sleep(200);
  assert.deepEqual(calls, [0]);
  assert.equal(sub.closed, true);
});

test('a throwing listener does not stop later deliveries', async (t) => {
  const engine = memEngine(t);
  const got = [];
  const errors = [];
  const flaky = (e) => {
    if (e.data % 2 === 0) throw new Error(`boom ${e.data}`);
    got.push(e.data);
  };
  const sub = engine.events.subscribe('flaky', flaky, { onError: (err, event) => errors.push([err.message, event.data]) });
  for (let i = 0; i < 10; i++) engine.events.publish('flaky', i);
  assert.ok(await waitUntil(() => got.length === 5 && errors.length === 5));
  assert.deepEqual(got, [1, 3, 5, 7, 9]);
  assert.deepEqual(errors[0], ['boom 0', 0]);
  sub.close();

  // Without onError: a process warning, and delivery goes on. Async
  // listeners' rejections are reported the same way.
  const warnings = [];
  const onWarning = (w) => { if (w.name === 'LlmspellListenerWarning') warnings.push(w.message); };
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  const seen = [];
  const s2 = engine.events.subscribe('flaky2', async (e) => {
    seen.push(e.data);
    if (e.data === 1) throw new Error('async boom');
  });
  const s3 = engine.events.subscribe('flaky2', () => { throw new Error('sync boom'); });
  for (let i = 0; i < 3; i++) engine.events.publish('flaky2', i);
  assert.ok(await waitUntil(() => seen.length === 3 && warnings.length === 4));
  assert.ok(warnings.some((w) => w.includes('async boom')));
  assert.equal(warnings.filter((w) => w.includes('Error: sync boom')).length, 3);
  s2.close();
  s3.close();
});

test('listeners and spells', async (t) => {
  const engine = memEngine(t);
  const got = [];
  const sub = engine.events.subscribe('spell.*', (e) => got.push(e.data));
  t.after(() => sub.close());
  engine.runSync('for i = 1, 5 do Event.publish("spell.tick", i) end');
  assert.ok(await waitUntil(() => got.length === 5));
  assert.deepEqual(got, [1, 2, 3, 4, 5]);
});

test('a listener may use the engine', async (t) => {
  const engine = memEngine(t);
  const out = engine.events.subscribe('out');
  const inSub = engine.events.subscribe('in', (e) => engine.events.publish('out', e.data * 2));
  engine.events.publish('in', 21);
  const event = await out.nextAsync(5000);
  assert.equal(event.data, 42);
  inSub.close();
  out.close();
});

test('closing the engine closes its subscriptions and unlocks the folder', async (t) => {
  const dir = tempDir(t);
  const e = new Engine(pebble(dir));
  const ev = e.events;
  const pull = ev.subscribe('a.*');
  const calls = [];
  const push = ev.subscribe('a.*', (x) => calls.push(x));
  const pending = pull.nextAsync();
  e.close();
  assert.equal(pull.closed, true);
  assert.equal(push.closed, true);
  await assert.rejects(pending, isClosed);
  assert.throws(() => pull.next(), isClosed);
  assert.throws(() => ev.publish('a.b'), isClosed);
  assert.throws(() => ev.subscribe('a.*'), isClosed);
  assert.throws(() => ev.stats(), isClosed);
  const again = new Engine(pebble(dir));
  again.ping();
  again.close();
});

test('an open push subscription keeps the process alive unless unref()ed', () => {
  const cwd = path.resolve(__dirname, '..');
  const run = (script) => spawnSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8', timeout: 30000 });
  // unref: the process exits with the subscription open.
  let r = run(`
    const { Engine } = require('.');
    const e = new Engine();
    e.events.subscribe('x', () => {}).unref();
    e.events.publish('x', 1);
    console.log('ok');`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ok');
  // ref (the default): the listener still runs after the script's end, and
  // closing it lets the process exit.
  r = run(`
    const { Engine } = require('.');
    const e = new Engine();
    const s = e.events.subscribe('x', (ev) => { console.log('got', ev.data); s.close(); e.close(); });
    setTimeout(() => e.events.publish('x', 7), 50);`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'got 7');
  // process.exit() with an open push subscription and events in flight.
  r = run(`
    const { Engine } = require('.');
    const e = new Engine();
    e.events.subscribe('x', () => {});
    e.runSync('for i = 1, 1000 do Event.publish("x", i) end');
    setTimeout(() => process.exit(0), 5);`);
  assert.equal(r.status, 0, r.stderr);
});

test('a dropped pull subscription is freed by the GC', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-node-events-'));
  try {
    const script = `
      const { Engine } = require('.');
      const config = { storage: { backend: 'pebble', data_dir: process.argv[1] } };
      const e = new Engine(config);
      (() => { e.events.subscribe('a.*'); })();
      setImmediate(() => {
        global.gc();
        setImmediate(() => {
          global.gc();
          setImmediate(() => {
            const stats = e.events.stats();
            e.close();
            console.log(stats.subscriptions.filter((s) => s.pattern === 'a.*').length);
          });
        });
      });`;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script, path.join(dir, 'data')], {
      cwd: path.resolve(__dirname, '..'), encoding: 'utf8', timeout: 60000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '0');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('push subscriptions in a worker thread', async () => {
  const { Worker } = require('node:worker_threads');
  const w = new Worker(`
    const { parentPort } = require('node:worker_threads');
    const { Engine } = require(${JSON.stringify(path.resolve(__dirname, '..'))});
    const e = new Engine();
    const got = [];
    e.events.subscribe('w', (ev) => {
      got.push(ev.data);
      if (got.length === 100) { parentPort.postMessage(got.length); }
    });
    e.runSync('for i = 1, 100 do Event.publish("w", i) end');`, { eval: true });
  const [count] = await Promise.race([
    require('node:events').once(w, 'message'),
    sleep(20000).then(() => [-1]),
  ]);
  assert.equal(count, 100);
  // Terminating the worker with the subscription open tears it down.
  await w.terminate();
});

test('subscription objects keep no raw handle public', (t) => {
  const ev = memEngine(t).events;
  const sub = ev.subscribe('p');
  const push = ev.subscribe('p', () => {});
  for (const s of [sub, push]) {
    assert.deepEqual(Object.keys(s), []);
    assert.equal(typeof s[kHandle], 'object');
    s.close();
    assert.equal(s[kHandle], null);
  }
});
