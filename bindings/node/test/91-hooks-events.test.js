'use strict';
// Hooks and events together: three JS BeforeStateWrite hooks modify the
// write to "m", cancel the write to "c" and replace the write to "r"; a
// pull subscription to "state.*" then shows one state.write event for "m"
// carrying the modified value, none for "c" and none for "r" (a replaced
// write is skipped: nothing is stored and nothing is published).

const test = require('node:test');
const assert = require('node:assert/strict');
const { Engine, LlmspellError } = require('..');

test('hooks that modify, cancel and replace state writes, seen through state.* events', (t) => {
  const e = new Engine();
  t.after(() => e.close());
  const sub = e.events.subscribe('state.*');

  const calls = { m: 0, c: 0, r: 0 };
  e.hooks.register('BeforeStateWrite', (ctx) => {
    if (ctx.data.key !== 'm') return undefined;
    calls.m++;
    return { type: 'modified', data: { ...ctx.data, value: String(ctx.data.value).toUpperCase() } };
  }, { name: 'modify-m' });
  e.hooks.register('BeforeStateWrite', (ctx) => {
    if (ctx.data.key !== 'c') return undefined;
    calls.c++;
    return { type: 'cancel', reason: 'no writes to c' };
  }, { name: 'cancel-c' });
  e.hooks.register('BeforeStateWrite', (ctx) => {
    if (ctx.data.key !== 'r') return undefined;
    calls.r++;
    return { type: 'replace', data: { value: 'replacement' } };
  }, { name: 'replace-r' });

  e.state.set(null, 'm', 'hello');
  assert.throws(() => e.state.set(null, 'c', 'nope'),
    (err) => err instanceof LlmspellError && err.code === 'cancelled' && /no writes to c/.test(err.message));
  // replace: the write is skipped without an error and nothing is stored.
  assert.equal(e.state.set(null, 'r', 'original'), undefined);
  e.state.set(null, 'end', 1); // a marker: its event comes after all the others

  assert.equal(e.state.get(null, 'm'), 'HELLO');
  assert.equal(e.state.get(null, 'c'), undefined);
  assert.equal(e.state.get(null, 'r'), undefined);
  assert.deepEqual(calls, { m: 1, c: 1, r: 1 });

  // Pull until the marker's event arrives (2 s at most).
  const events = [];
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    const ev = sub.next(Math.max(1, deadline - Date.now()));
    if (ev === null) break;
    events.push(ev);
    if (ev.data && ev.data.key === 'end') break;
  }
  const keys = events.map((ev) => `${ev.type}:${ev.data && ev.data.key}`);
  assert.deepEqual(keys, ['state.write:m', 'state.write:end'], JSON.stringify(events));
  const m = events[0];
  assert.equal(m.source, 'engine');
  assert.deepEqual(m.data, { scope: 'global', key: 'm', value: 'HELLO' });
  assert.ok(!events.some((ev) => ev.data && (ev.data.key === 'c' || ev.data.key === 'r')));
});
