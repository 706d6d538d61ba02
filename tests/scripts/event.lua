-- Conformance: Event. Twin: event.js.
local function check(cond, what) if not cond then error("check failed: " .. what) end end
local seen = {}
local h = Event.subscribe("app.*", function(ev)
	table.insert(seen, ev.type .. ":" .. tostring(ev.data.n))
end)
local pull = Event.subscribe("*.error", nil, {buffer_size = 2, policy = "drop_oldest"})
Event.publish("app.start", {n = 1}, {correlation_id = "c-1", tags = {"x"}})
Event.emit("app.step.done", {n = 2})
Event.publish("other.thing", {n = 3})
check(#seen == 2, "handler saw app events at once")
for i = 1, 3 do Event.publish("tool.error", {n = i}) end
local e1 = Event.receive(pull, 100)
local e2 = Event.receive(pull, 100)
local e3 = Event.receive(pull, 10)
check(e1.data.n == 2 and e2.data.n == 3 and e3 == nil, "drop_oldest kept the last two")
check(e1.sequence < e2.sequence and e1.source == "script", "event fields")
local stats = Event.get_stats()
local dropped = 0
for _, s in ipairs(stats.subscriptions) do if s.id == pull then dropped = s.dropped end end
check(dropped == 1, "drop counted")
check(Event.unsubscribe(h) == true and Event.unsubscribe(h) == false, "unsubscribe")
Event.publish("app.late", {n = 9})
check(#seen == 2, "no delivery after unsubscribe")
local ok, err = pcall(Event.publish, "bad..type", {})
check(not ok and err.code == "invalid_argument", "bad type")
local ok2, err2 = pcall(Event.subscribe, "x", nil, {policy = "sometimes"})
check(not ok2 and err2.code == "invalid_argument", "bad policy")
local ok3, err3 = pcall(Event.receive, 99999, 1)
check(not ok3 and err3.code == "not_found", "unknown subscription")
-- A handler that raises is logged; the run goes on.
Event.subscribe("boom", function() error("handler failure") end)
Event.publish("boom", {})
return {seen = seen, subs = #Event.list_subscriptions()}
