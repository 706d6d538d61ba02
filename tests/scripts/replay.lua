-- Conformance: session history and replay. Twin: replay.js.
local function check(cond, what) if not cond then error("check failed: " .. what) end end
local sid = Session.create({name = "replayable"})
check(Session.can_replay(sid) == false, "nothing recorded yet")
Tool.invoke("calculator", {input = "1 + 1"})          -- not current yet: not recorded
Session.set_current(sid)
Tool.invoke("calculator", {input = "6 * 7"})
Tool.invoke("uuid_generator", {operation = "deterministic", namespace = "dns", name = "a"})
Tool.invoke("uuid_generator", {})                     -- random: replays differently
Tool.invoke("calculator", {input = "1 / 0"})          -- fails the same way again
-- An agent turn and a workflow run join the history; the tool calls they
-- make are kept as their parts and replayed with them.
Agent.create({name = "parrot", type = "basic"}):execute("say this")
Workflow.sequential({name = "twice", steps = {
  {name = "a", type = "tool", tool = "calculator", input = {input = "{{input.x}} * 2"}},
  {name = "b", type = "agent", agent = "parrot", input = "got {{steps.a.output.result}}"},
}}):execute({x = 21})
Session.set_current(nil)
local hist = Session.history(sid)
check(#hist == 8 and hist[1].name == "calculator" and hist[1].input.input == "6 * 7", "history")
check(hist[5].kind == "agent" and hist[5].output == "say this", "agent turn recorded")
check(hist[6].parent == "workflow:twice" and hist[7].parent == "workflow:twice", "parts of the run")
check(hist[8].kind == "workflow" and hist[8].output == "got 42", "workflow run recorded")
check(Session.can_replay(sid), "can replay")
local all = Session.replay(sid)
local part = Session.replay(sid, {start_from = 1, end_at = 1})
local ok, err = pcall(Session.replay, sid, {start_from = 9})
check(not ok and err.code == "invalid_argument", "bad range")
check(#Session.history(sid) == 8, "replays are not recorded")
local same = {}
for _, s in ipairs(all.steps) do table.insert(same, s.name .. ":" .. tostring(s.same_output)) end
return {replayed = all.replayed, matched = all.matched, same = same, part = part.replayed, part_name = part.steps[1].name}
