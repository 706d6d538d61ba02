// Conformance: State. Twin: state.lua.
function check(cond, what) { if (!cond) throw new Error("check failed: " + what); }

State.set("greeting", "hello");
State.save("agent:a1", "config", {model: "local/stories260K", temp: 0.5});
State.set("user:u1", "prefs", {theme: "dark"});
State.agentSet("a1", "count", 1);
State.tool_set("calc", "last", 42);
State.workflow_set("wf", "step", "two");

check(State.get("greeting") === "hello", "global short form");
check(State.load("global", "greeting") === "hello", "global long form");
check(State.get("agent:a1", "config").temp === 0.5, "object value");
check(State.agent_get("a1", "count") === 1, "agent shortcut");
check(State.get("agent:a2", "count") === null, "scopes are isolated");
check(State.exists("user:u1", "prefs") && !State.exists("user:u2", "prefs"), "exists");

let threw = false;
try {
  State.transaction(function () {
    State.set("global", "tx_a", 1);
    State.set("agent:a1", "tx_b", 2);
    check(State.get("global", "tx_a") === 1, "read own write in tx");
    throw new Error("halfway");
  });
} catch (e) { threw = true; }
check(threw, "failed transaction raised");
check(State.get("global", "tx_a") === null && State.get("agent:a1", "tx_b") === null, "rollback");

const r = State.transaction(() => {
  State.set("global", "tx_a", 1);
  State.set("agent:a1", "tx_b", 2);
  return "committed";
});
check(r === "committed" && State.get("agent:a1", "tx_b") === 2, "commit");

check(State.compare_and_set("global", "lock", null, "me") === true, "cas absent");
check(State.compareAndSet("global", "lock", null, "you") === false, "cas present");
check(State.compare_and_set("global", "lock", "me", "you") === true, "cas match");

try { State.set("global", "__reserved", 1); check(false, "no throw"); } catch (e) { check(e.code === "invalid_argument", "reserved key"); }
try { State.set("planet:x", "k", 1); check(false, "no throw"); } catch (e) { check(e.code === "invalid_argument", "bad scope"); }

check(State.delete("global", "lock") === true, "delete existing");
check(State.delete("global", "lock") === false, "delete missing");

return {
  agent_keys: State.listKeys("agent:a1"),
  global_keys: State.list("global"),
  limited: State.list_keys("agent:a1", {limit: 1}),
  prefixed: State.list_keys("global", {prefix: "tx"}),
  cleared: State.clear_scope("workflow:wf"),
  tool: State.tool_get("calc", "last"),
};
