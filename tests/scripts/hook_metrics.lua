-- Conformance: Hook.metrics and Hook.records. Twin: hook_metrics.js. Runs
-- with hooks.metrics and hooks.record on (see scriptTweaks in
-- tests/scripts_test.go).
local function check(cond, what) if not cond then error("check failed: " .. what) end end
local h = Hook.register("BeforeStateWrite", function(ctx)
	if ctx.data.key == "loud" then
		return {type = "modified", data = {value = string.upper(ctx.data.value)}}
	end
end, "normal", {name = "conformance"})
State.set("global", "quiet", "a")
State.set("global", "loud", "b")
check(State.get("global", "loud") == "B", "modified write")
-- Metrics: the built-in metrics hook counts each point's calls.
local m = Hook.metrics()
check(type(m.counts) == "table" and type(m.latency) == "table", "metrics shape")
check(m.counts.BeforeStateWrite == 2 and m.counts.AfterStateWrite == 2, "write counts")
-- Records: every hook call, the built-in ones too, oldest first.
local all = Hook.records()
local mine = {}
for _, r in ipairs(all) do
	if r.hook == "conformance" then table.insert(mine, r) end
end
check(#mine == 2, "two records of the named hook")
local first, second = mine[1], mine[2]
check(first.point == "BeforeStateWrite" and first.hook_id == h:id(), "record point and id")
check(first.component.type == "state" and first.component.name == "global", "record component")
check(first.input.key == "quiet" and first.input.value == "a", "record input")
check(first.result == "continue" and second.result == "modified", "record results")
check(type(first.duration_us) == "number" and first.duration_us >= 0, "record duration")
check(type(first.at) == "string" and string.find(first.at, "T", 1, true), "record time")
check(first.correlation_id == "" and first.error == nil, "record correlation and error")
check(#Hook.records({limit = 1}) == 1, "limit")
check(#Hook.records({correlation_id = "no-such-id"}) == 0, "correlation filter")
-- Wrong filter types are invalid_argument errors.
local bad = {}
for _, f in ipairs({5, {limit = "x"}, {limit = -1}, {limit = 1.5}, {correlation_id = 7}, {correlationId = "x"}}) do
	local ok, err = pcall(Hook.records, f)
	check(not ok and err.code == "invalid_argument", "bad filter")
	table.insert(bad, err.code)
end
h:unregister()
return {counts = {before = m.counts.BeforeStateWrite, after = m.counts.AfterStateWrite},
	mine = #mine, input = first.input, results = {first.result, second.result}, bad = bad}
