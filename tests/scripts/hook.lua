-- Conformance: Hook. Twin: hook.js. Hooks that modify a state write, cancel
-- another, replace a third; events show what happened.
local function check(cond, what) if not cond then error("check failed: " .. what) end end
local seen = {}
Event.subscribe("state.*", function(ev) table.insert(seen, ev.type .. ":" .. ev.data.key) end)
local order = {}
local h1 = Hook.register("BeforeStateWrite", function(ctx)
	table.insert(order, "first")
	if ctx.data.key == "greeting" then
		return {type = "modified", data = {value = string.upper(ctx.data.value)}}
	elseif ctx.data.key == "secret" then
		return {type = "cancel", reason = "secrets stay out of state"}
	elseif ctx.data.key == "ignored" then
		return {type = "replace"}
	end
	return nil
end, "high")
local h2 = Hook.register("state:before_write", function(ctx)
	table.insert(order, "second")
	return "continue"
end, "low")
check(type(h1:id()) == "number" and h1.point == "BeforeStateWrite", "handle")
State.set("global", "greeting", "hello")
check(State.get("global", "greeting") == "HELLO", "modified write")
local ok, err = pcall(State.set, "global", "secret", "x")
check(not ok and err.code == "cancelled" and string.find(tostring(err), "secrets stay out"), "cancelled write")
State.set("global", "ignored", "x")
check(State.get("global", "ignored") == nil, "replaced write skipped")
-- A read hook answers reads of one key.
Hook.register("BeforeStateRead", function(ctx)
	if ctx.data.key == "virtual" then return {type = "replace", data = 42} end
end)
check(State.get("global", "virtual") == 42, "replaced read")
local listed = #Hook.list("BeforeStateWrite")
check(h2:unregister() == true and Hook.unregister(h2) == false, "unregister")
State.set("global", "after", 1)
local ok2, err2 = pcall(Hook.register, "NoSuchPoint", function() end)
check(not ok2 and err2.code == "invalid_argument", "bad point")
local ok3, err3 = pcall(Hook.register, "BeforeStateWrite", function() end, "urgent")
check(not ok3 and err3.code == "invalid_argument", "bad priority")
-- A hook returning garbage counts as a failure and the write goes on.
Hook.register("AfterStateWrite", function() return {type = "explode"} end)
State.set("global", "still", "works")
check(State.get("global", "still") == "works", "bad result does not block")
return {order = order, seen = seen, listed = listed, points = #Hook.points() > 20}
