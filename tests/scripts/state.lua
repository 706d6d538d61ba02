-- Conformance: State. Twin: state.js. Runs on a fresh pebble engine.
local function check(cond, what) if not cond then error("check failed: " .. what) end end

State.set("greeting", "hello")                       -- global, short form
State.save("agent:a1", "config", {model = "local/stories260K", temp = 0.5})
State.set("user:u1", "prefs", {theme = "dark"})
State.agent_set("a1", "count", 1)
State.tool_set("calc", "last", 42)
State.workflow_set("wf", "step", "two")

check(State.get("greeting") == "hello", "global short form")
check(State.load("global", "greeting") == "hello", "global long form")
check(State.get("agent:a1", "config").temp == 0.5, "table value")
check(State.agent_get("a1", "count") == 1, "agent shortcut")
check(State.get("agent:a2", "count") == nil, "scopes are isolated")
check(State.exists("user:u1", "prefs") and not State.exists("user:u2", "prefs"), "exists")

-- A transaction that fails halfway writes nothing.
local ok, err = pcall(State.transaction, function()
	State.set("global", "tx_a", 1)
	State.set("agent:a1", "tx_b", 2)
	check(State.get("global", "tx_a") == 1, "read own write in tx")
	error("halfway")
end)
check(not ok, "failed transaction raised")
check(State.get("global", "tx_a") == nil and State.get("agent:a1", "tx_b") == nil, "rollback")

-- A transaction that succeeds writes everything and returns fn's value.
local r = State.transaction(function()
	State.set("global", "tx_a", 1)
	State.set("agent:a1", "tx_b", 2)
	return "committed"
end)
check(r == "committed" and State.get("agent:a1", "tx_b") == 2, "commit")

-- Compare-and-set.
check(State.compare_and_set("global", "lock", nil, "me") == true, "cas absent")
check(State.compare_and_set("global", "lock", nil, "you") == false, "cas present")
check(State.compare_and_set("global", "lock", "me", "you") == true, "cas match")

-- Errors carry codes.
local ok2, e2 = pcall(State.set, "global", "__reserved", 1)
check(not ok2 and e2.code == "invalid_argument", "reserved key")
local ok3, e3 = pcall(State.set, "planet:x", "k", 1)
check(not ok3 and e3.code == "invalid_argument", "bad scope")

check(State.delete("global", "lock") == true, "delete existing")
check(State.delete("global", "lock") == false, "delete missing")

return {
	agent_keys = State.list_keys("agent:a1"),
	global_keys = State.list("global"),
	limited = State.list_keys("agent:a1", {limit = 1}),
	prefixed = State.list_keys("global", {prefix = "tx"}),
	cleared = State.clear_scope("workflow:wf"),
	tool = State.tool_get("calc", "last"),
}
