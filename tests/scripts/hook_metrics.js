// Conformance: Hook.metrics and Hook.records. Twin: hook_metrics.lua.
function check(cond, what) { if (!cond) throw new Error("check failed: " + what); }
const h = Hook.register("BeforeStateWrite", (ctx) => {
  if (ctx.data.key === "loud") return {type: "modified", data: {value: ctx.data.value.toUpperCase()}};
}, "normal", {name: "conformance"});
State.set("global", "quiet", "a");
State.set("global", "loud", "b");
check(State.get("global", "loud") === "B", "modified write");
const m = Hook.metrics();
check(typeof m.counts === "object" && typeof m.latency === "object", "metrics shape");
check(m.counts.BeforeStateWrite === 2 && m.counts.AfterStateWrite === 2, "write counts");
const mine = Hook.records().filter((r) => r.hook === "conformance");
check(mine.length === 2, "two records of the named hook");
const first = mine[0], second = mine[1];
check(first.point === "BeforeStateWrite" && first.hook_id === h.id(), "record point and id");
check(first.component.type === "state" && first.component.name === "global", "record component");
check(first.input.key === "quiet" && first.input.value === "a", "record input");
check(first.result === "continue" && second.result === "modified", "record results");
check(typeof first.duration_us === "number" && first.duration_us >= 0, "record duration");
check(typeof first.at === "string" && first.at.indexOf("T") >= 0, "record time");
check(first.correlation_id === "" && first.error === null, "record correlation and error");
check(Hook.records({limit: 1}).length === 1, "limit");
check(Hook.records({correlation_id: "no-such-id"}).length === 0, "correlation filter");
const bad = [];
for (const f of [5, {limit: "x"}, {limit: -1}, {limit: 1.5}, {correlation_id: 7}, {correlationId: "x"}]) {
  let code = null;
  try { Hook.records(f); } catch (err) { code = err.code; }
  check(code === "invalid_argument", "bad filter");
  bad.push(code);
}
h.unregister();
return {counts: {before: m.counts.BeforeStateWrite, after: m.counts.AfterStateWrite},
  mine: mine.length, input: first.input, results: [first.result, second.result], bad: bad};
