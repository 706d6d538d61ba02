-- Conformance: Workflow. Twin: workflow.js.
local function check(cond, what) if not cond then error("check failed: " .. what) end end
local sandbox = Config.get("storage.data_dir") .. "/sandbox"

-- Sequential, with data flowing from step to step: a uuid, its hash, a
-- file holding both, read back.
local chain = Workflow.builder():name("chain"):sequential()
  :add_step({name = "dir", type = "tool", tool = "file_operations", input = {operation = "create_dir", path = sandbox, recursive = true}})
  :add_step({name = "id", type = "tool", tool = "uuid_generator", input = {}})
  :add_step({name = "digest", type = "tool", tool = "hash_calculator",
    input = {input = "{{steps.id.output.uuid}}", algorithm = "sha256"}})
  :add_step({name = "save", type = "tool", tool = "file_operations",
    input = {operation = "write", path = sandbox .. "/chain.txt", input = "{{steps.id.output.uuid}} {{steps.digest.output.hash}}"}})
  :add_step({name = "back", type = "tool", tool = "file_operations", input = {operation = "read", path = sandbox .. "/chain.txt"}})
  :build()
local r = chain:execute({})
check(r.success and r.status == "completed" and #r.steps == 5, "sequential ran")
local uuid, hash = r.steps[2].output.uuid, r.steps[3].output.hash
check(Utils.hash(uuid, "sha256") == hash, "the hash is of the uuid")
check(r.output.content == uuid .. " " .. hash, "the file holds both")
check(Workflow.run_record(r.run_id).status == "completed", "run record")

-- Parallel: three agent calls on the local model.
Agent.create({name = "wf_teller", max_tokens = 8, temperature = 0})
local trio = Workflow.parallel({name = "trio", max_concurrency = 3, branches = {
  {name = "a", steps = {{name = "ta", type = "agent", agent = "wf_teller", input = "Once upon a time"}}},
  {name = "b", steps = {{name = "tb", type = "agent", agent = "wf_teller", input = "The dog"}}},
  {name = "c", steps = {{name = "tc", type = "agent", agent = "wf_teller", input = "A bird"}}},
}})
local p = trio:execute()
check(p.success and #p.output.a > 0 and #p.output.b > 0 and #p.output.c > 0, "three stories")

-- Conditional on a previous output, through a nested workflow's input.
local route = Workflow.conditional({name = "route", branches = {
  {name = "big", condition = "input.n > 40", steps = {{name = "yes", type = "function", fn = function(ctx) return "big " .. ctx.input end, input = "{{input.n}}"}}},
  {name = "small", steps = {{name = "no", type = "function", fn = function(ctx) return "small" end}}},
}})
local calc = Workflow.sequential({name = "calc_route", steps = {
  {name = "calc", type = "tool", tool = "calculator", input = {input = "6*7"}},
  {name = "decide", type = "workflow", workflow = "route", input = {n = "{{steps.calc.output.result}}"}},
  {name = "only_if_big", type = "tool", tool = "calculator", input = {input = "1+1"}, when = "steps.calc.output.result > 100"},
}})
local c = calc:execute()
check(c.output == "big 42" and c.steps[#c.steps].skipped, "conditional on a previous output")

-- A loop over a list, collecting; with shared context.
local each = Workflow.loop({name = "each", iterator = {collection = {"a", "bb", "ccc"}}, aggregate = "collect",
  body = {steps = {{name = "len", type = "function", fn = function(ctx)
    ctx:set_shared("seen", (ctx:get_shared("seen") or 0) + 1)
    return #ctx.loop.item * 10 + ctx.loop.index
  end}}}})
local l = each:execute()
check(l.success and #l.output == 3 and l.output[3] == 32, "loop aggregate")
local counted = Workflow.builder():name("counted"):loop():iterations(4):aggregate("last")
  :add_step({name = "d", type = "tool", tool = "calculator", input = {input = "{{loop.index}} * 2"}}):build()
check(counted:execute().output.result == 6, "range loop, last")

-- Failing steps under each strategy.
local function failing(strategy)
  return Workflow.sequential({name = "fail_" .. strategy, error_strategy = strategy, retry = {max_attempts = 3, backoff_ms = 1}, steps = {
    {name = "bad", type = "tool", tool = "calculator", input = {input = "1/0"}},
    {name = "after", type = "function", fn = function(ctx) return ctx.steps.bad.success end},
  }}):execute()
end
local ff, cont, retry = failing("fail_fast"), failing("continue"), failing("retry")
check(not ff.success and ff.status == "failed" and #ff.steps == 1 and ff.error_kind == "tool_error", "fail_fast")
check(cont.success and #cont.steps == 2 and cont.output == false, "continue")
check(not retry.success and retry.steps[1].attempts == 3, "retry")

-- A nested workflow by name, and a workflow as a tool.
local outer = Workflow.sequential({name = "outer", steps = {{name = "inner", type = "workflow", workflow = "chain"}}})
check(outer:execute().output.content ~= nil, "nested")
local by_object = Workflow.builder():name("by_object"):add_step(counted)
  :add_step({name = "wrapped", type = "workflow", workflow = counted}):build()
check(by_object:execute().output.result == 6, "workflow objects as steps")
local tname = Workflow.wrap_as_tool("counted")
check(Tool.invoke(tname, {}).result.result.output.result == 6, "workflow as a tool")

-- Human input: pause, then resume with the answer.
local ask = Workflow.sequential({name = "ask", steps = {
  {name = "q", type = "input", prompt = "ok?"},
  {name = "a", type = "function", fn = function(ctx) return "answer: " .. ctx.steps.q.output end},
}})
local paused = ask:execute()
check(paused.status == "waiting_input" and paused.pending_step == "q" and paused.prompt == "ok?", "paused")
local resumed = Workflow.resume(paused.run_id, "yes")
check(resumed.success and resumed.output == "answer: yes", "resumed")

-- Bad input fails at build time with the right kind.
local function code(f) local ok, e = pcall(f); return not ok and e.code or nil end
check(code(function() Workflow.sequential({name = "x1", steps = {{name = "s", type = "tool", tool = "nope"}}}) end) == "not_found", "unknown tool")
check(code(function() Workflow.sequential({name = "x2", steps = {{name = "s", type = "agent", agent = "ghost", input = "hi"}}}) end) == "not_found", "unknown agent")
check(code(function() Workflow.sequential({name = "x3", steps = {{name = "s", type = "tool", tool = "calculator", input = {input = "{{steps.later.output}}"}}, {name = "later", type = "tool", tool = "uuid_generator"}}}) end) == "invalid_argument", "reference to a later step")
check(code(function() Workflow.loop({name = "x4", iterator = {while_condition = "true"}, body = {steps = {{name = "s", type = "tool", tool = "uuid_generator"}}}}) end) == "invalid_argument", "unbounded loop")
check(code(function() Workflow.sequential({name = "x5", steps = {{name = "s", type = "workflow", workflow = "x5"}}}) end) == "invalid_argument", "cyclic nesting")
check(code(function() Workflow.sequential({name = "chain", steps = {{name = "s", type = "tool", tool = "uuid_generator"}}}) end) == "conflict", "name taken")
check(code(function() chain:execute({}, {colour = "red"}) end) == "invalid_argument", "bad option")

local names = {}
for _, w in ipairs(Workflow.list()) do table.insert(names, w.name) end
return {types = Workflow.types(), names = names, calc = c.output, loop = l.output,
  strategies = {ff.status, cont.status, retry.steps[1].attempts}, resumed = resumed.output}
