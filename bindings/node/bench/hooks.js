'use strict';
// bench/hooks.js: figures for JS hooks and tools. Prints JSON:
// state_set_us (no hook), state_set_hook_us (a JS hook called directly on
// the main thread), spell_write_hook_us (per State.set in an async run, the
// hook reached through the event loop), tool_invoke_us (a JS tool from JS),
// spell_tool_us (per Tool.invoke of a JS tool in an async run),
// run_sync_us and run_sync_served_us (an empty runSync without and with a
// JS callback registered: the spell then runs on a pool thread).
const { Engine } = require('..');

function perCall(n, fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}

(async () => {
  const e = new Engine();
  const out = {};
  const N = 5000;
  out.run_sync_us = perCall(500, () => e.runSync('return 1'));
  out.state_set_us = perCall(N, (i) => e.state.set(null, 'k', i));
  const hook = e.hooks.register('BeforeStateWrite', () => undefined);
  out.state_set_hook_us = perCall(N, (i) => e.state.set(null, 'k', i));
  out.run_sync_served_us = perCall(500, () => e.runSync('return 1'));
  let t0 = process.hrtime.bigint();
  await e.run(`for i = 1, ${N} do State.set("k", i) end`);
  out.spell_write_hook_us = Number(process.hrtime.bigint() - t0) / 1000 / N;
  hook.unregister();
  e.tools.register({ name: 'js_bench' }, (p) => p);
  out.tool_invoke_us = perCall(N, () => e.tools.invoke('js_bench', { a: 1 }));
  t0 = process.hrtime.bigint();
  await e.run(`for i = 1, ${N} do Tool.invoke("js_bench", {a = i}) end`);
  out.spell_tool_us = Number(process.hrtime.bigint() - t0) / 1000 / N;
  for (const k of Object.keys(out)) out[k] = Math.round(out[k] * 100) / 100;
  console.log(JSON.stringify(out));
  e.close();
})();
