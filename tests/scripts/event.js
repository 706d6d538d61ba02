// Conformance: Event. Twin: event.lua.
function check(cond, what) { if (!cond) throw new Error("check failed: " + what); }
function code(fn) { try { fn(); } catch (e) { return e.code; } return null; }
const seen = [];
const h = Event.subscribe("app.*", (ev) => { seen.push(ev.type + ":" + ev.data.n); });
const pull = Event.subscribe("*.error", null, {buffer_size: 2, policy: "drop_oldest"});
Event.publish("app.start", {n: 1}, {correlation_id: "c-1", tags: ["x"]});
Event.emit("app.step.done", {n: 2});
Event.publish("other.thing", {n: 3});
check(seen.length === 2, "handler saw app events at once");
for (let i = 1; i <= 3; i++) Event.publish("tool.error", {n: i});
const e1 = Event.receive(pull, 100), e2 = Event.receive(pull, 100), e3 = Event.receive(pull, 10);
check(e1.data.n === 2 && e2.data.n === 3 && e3 === null, "drop_oldest kept the last two");
check(e1.sequence < e2.sequence && e1.source === "script", "event fields");
const dropped = Event.getStats().subscriptions.filter((s) => s.id === pull)[0].dropped;
check(dropped === 1, "drop counted");
check(Event.unsubscribe(h) === true && Event.unsubscribe(h) === false, "unsubscribe");
Event.publish("app.late", {n: 9});
check(seen.length === 2, "no delivery after unsubscribe");
check(code(() => Event.publish("bad..type", {})) === "invalid_argument", "bad type");
check(code(() => Event.subscribe("x", null, {policy: "sometimes"})) === "invalid_argument", "bad policy");
check(code(() => Event.receive(99999, 1)) === "not_found", "unknown subscription");
Event.subscribe("boom", () => { throw new Error("handler failure"); });
Event.publish("boom", {});
return {seen: seen, subs: Event.list_subscriptions().length};
