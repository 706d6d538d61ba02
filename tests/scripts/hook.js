// Conformance: Hook. Twin: hook.lua.
function check(cond, what) { if (!cond) throw new Error("check failed: " + what); }
const seen = [];
Event.subscribe("state.*", (ev) => { seen.push(ev.type + ":" + ev.data.key); });
const order = [];
const h1 = Hook.register("BeforeStateWrite", (ctx) => {
  order.push("first");
  if (ctx.data.key === "greeting") return {type: "modified", data: {value: ctx.data.value.toUpperCase()}};
  if (ctx.data.key === "secret") return {type: "cancel", reason: "secrets stay out of state"};
  if (ctx.data.key === "ignored") return {type: "replace"};
  return null;
}, "high");
const h2 = Hook.register("state:before_write", (ctx) => { order.push("second"); return "continue"; }, "low");
check(typeof h1.id() === "number" && h1.point === "BeforeStateWrite", "handle");
State.set("global", "greeting", "hello");
check(State.get("global", "greeting") === "HELLO", "modified write");
let e = null;
try { State.set("global", "secret", "x"); } catch (err) { e = err; }
check(e && e.code === "cancelled" && e.message.indexOf("secrets stay out") >= 0, "cancelled write");
State.set("global", "ignored", "x");
check(State.get("global", "ignored") === null, "replaced write skipped");
Hook.register("BeforeStateRead", (ctx) => { if (ctx.data.key === "virtual") return {type: "replace", data: 42}; });
check(State.get("global", "virtual") === 42, "replaced read");
const listed = Hook.list("BeforeStateWrite").length;
check(h2.unregister() === true && Hook.unregister(h2) === false, "unregister");
State.set("global", "after", 1);
let code = null;
try { Hook.register("NoSuchPoint", () => {}); } catch (err) { code = err.code; }
check(code === "invalid_argument", "bad point");
code = null;
try { Hook.register("BeforeStateWrite", () => {}, "urgent"); } catch (err) { code = err.code; }
check(code === "invalid_argument", "bad priority");
Hook.register("AfterStateWrite", () => ({type: "explode"}));
State.set("global", "still", "works");
check(State.get("global", "still") === "works", "bad result does not block");
return {order: order, seen: seen, listed: listed, points: Hook.points().length > 20};
