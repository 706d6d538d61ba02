#!/usr/bin/env node
'use strict';
// events.js measures the event figures of the Node binding and prints one
// JSON object (microseconds unless named otherwise):
//   publish_us              engine.events.publish(type, small object), no subscriber
//   publish_sub_us          the same with one pull subscriber (big buffer)
//   next_ready_us           sub.next() on a subscription that holds events
//   next_async_latency_us   median time from publish() (in a timer) to the
//                           nextAsync() Promise resolving (pool thread wait)
//   push_latency_us         median time from publish() to the listener call
//   push_events_per_s       events per second reaching a listener while a Lua
//                           spell publishes on a pool thread as fast as it can
//   push_sync_events_per_s  the same when the main thread publishes in a loop
//                           and the listener runs once the loop has ended
// Environment: BENCH_N scales the number of calls (default 1).

const os = require('node:os');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

const PKG = path.resolve(__dirname, '..');
const SCALE = Number(process.env.BENCH_N || 1);
const DATA = { step: 1, ok: true, name: 'bench' };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeSync(fn, n) {
  n = Math.max(1, Math.round(n * SCALE));
  for (let i = 0; i < Math.min(n, 1000); i++) fn();
  const per = [];
  for (let b = 0; b < 5; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    per.push(Number(process.hrtime.bigint() - t0) / 1e3 / n);
  }
  return median(per);
}

async function nextAsyncLatency(engine, rounds) {
  const sub = engine.events.subscribe('lat.pull');
  const lat = [];
  for (let i = 0; i < rounds; i++) {
    const p = sub.nextAsync(5000);
    await sleep(1); // the pool thread is waiting in next
    const t0 = process.hrtime.bigint();
    engine.events.publish('lat.pull', DATA);
    await p;
    lat.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  sub.close();
  return median(lat);
}

async function pushLatency(engine, rounds) {
  const lat = [];
  let t0 = 0n;
  let wake = null;
  const sub = engine.events.subscribe('lat.push', () => {
    lat.push(Number(process.hrtime.bigint() - t0) / 1e3);
    wake();
  });
  for (let i = 0; i < rounds; i++) {
    const got = new Promise((resolve) => { wake = resolve; });
    t0 = process.hrtime.bigint();
    engine.events.publish('lat.push', DATA);
    await got;
  }
  sub.close();
  return median(lat);
}

async function pushThroughput(engine, n) {
  let count = 0;
  let done = null;
  const finished = new Promise((resolve) => { done = resolve; });
  const sub = engine.events.subscribe('thr.*', () => {
    if (++count === n) done();
  }, { bufferSize: n });
  const t0 = process.hrtime.bigint();
  await engine.run(`for i = 1, ${n} do Event.publish("thr.x", {step = i, ok = true, name = "bench"}) end`);
  await finished;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  sub.close();
  return n / s;
}

async function pushSyncThroughput(engine, n) {
  let count = 0;
  let done = null;
  const finished = new Promise((resolve) => { done = resolve; });
  const sub = engine.events.subscribe('thr.*', () => {
    if (++count === n) done();
  }, { bufferSize: n });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) engine.events.publish('thr.x', DATA);
  await finished;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  sub.close();
  return n / s;
}

async function main() {
  const { Engine } = require(PKG);
  const r = {
    machine: `${os.cpus()[0].model.trim()} x${os.cpus().length}, ${os.hostname()}`,
    node: process.version,
  };
  const engine = new Engine();
  r.publish_us = timeSync(() => engine.events.publish('bench.none', DATA), 50000);
  const sub = engine.events.subscribe('bench.*', { bufferSize: 1 << 20 });
  r.publish_sub_us = timeSync(() => engine.events.publish('bench.one', DATA), 50000);
  r.next_ready_us = timeSync(() => sub.next(), 50000);
  sub.close();
  r.next_async_latency_us = await nextAsyncLatency(engine, Math.round(1000 * SCALE));
  r.push_latency_us = await pushLatency(engine, Math.round(2000 * SCALE));
  const n = Math.round(50000 * SCALE);
  r.push_events_per_s = await pushThroughput(engine, n);
  r.push_sync_events_per_s = await pushSyncThroughput(engine, n);
  engine.close();
  for (const k of Object.keys(r)) {
    if (typeof r[k] === 'number') r[k] = Number(r[k].toFixed(r[k] > 1000 ? 0 : 3));
  }
  process.stdout.write(JSON.stringify(r) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
