-- Conformance: Agent and Provider on the real local model. Twin: agent.js.
local function check(cond, what) if not cond then error("check failed: " .. what) end end
local provs = {}
for _, p in ipairs(Provider.list()) do provs[p.name] = p end
check(provs["local"] and provs["local"].capabilities.streaming and provs["local"].capabilities.tools, "local provider listed")
check(Provider.get("local").type == "local" and Provider.get("nowhere") == nil, "Provider.get")

-- A script tool and a built-in one offered to the real model: the
-- constrained decoder must pick one of them with valid arguments.
local calls = 0
Tool.register({name = "story_word", description = "gives a word for a story",
  parameters = {type = "object", properties = {topic = {type = "string"}}, required = {"topic"}},
  handler = function(p) calls = calls + 1; return {word = "dragon", topic = p.topic} end})
local seen = 0
Hook.register("BeforeModelCall", function(ctx) seen = seen + 1 end)

local a = Agent.builder():name("teller"):model("local/stories260K"):system_prompt("Tell a story.")
  :tools({"story_word", "uuid_generator"}):temperature(0):max_tokens(20):build()
check(a.name == "teller" and a.provider == "local", "builder")
local r = a:execute("Once upon a time")
check(#r.tool_calls >= 1 and r.tool_calls[1].success, "a tool call ran")
local names = {}
for _, c in ipairs(r.tool_calls) do
  check(c.name == "story_word" or c.name == "uuid_generator", "offered tool only")
  table.insert(names, c.name)
end
check(#r.text > 0 and r.usage.output_tokens > 0 and r.metadata.provider == "local", "answer and usage")
check(seen == r.metadata.rounds, "BeforeModelCall hook saw every model call")

-- Streaming delivers real deltas that add up to the answer.
local chunks = {}
local s = a:stream({text = "The little dog"}, function(chunk) table.insert(chunks, chunk) end)
check(#chunks > 1 and table.concat(chunks) == s.text, "stream deltas make the text")

-- Memory: kept, saved to state, cleared, loaded back.
local n = #a:history()
check(n >= 6 and a:history()[1].role == "user", "history")
check(a:save_state(), "save")
a:clear_history()
check(#a:history() == 0, "cleared")
check(a:load_state() and #a:history() == n, "loaded")
check(State.get("agent:teller", "memory") ~= nil, "saved in state scope agent:teller")

-- Registry, basic agents, agents as tools.
local echo = Agent.create({name = "echo", type = "basic"})
check(echo:execute("hi").text == "hi", "basic agent echoes")
local tname = Agent.wrap_as_tool("echo", {description = "echoes"})
local tr = Tool.invoke(tname, {input = "ping"})
check(tr.success and tr.result.result.text == "ping", "agent as tool")
local listed = {}
for _, i in ipairs(Agent.list()) do table.insert(listed, i.name) end
check(Agent.get("echo").type == "basic" and Agent.get("ghost") == nil, "get")
check(Agent.remove("echo") and not Agent.remove("echo"), "remove")

-- Bad input fails at build time with the right kind.
local ok, err = pcall(Agent.create, {name = "x", model = "nowhere/model"})
check(not ok and err.code == "not_found", "unknown provider")
ok, err = pcall(Agent.create, {name = "y", tools = {"no_such_tool"}})
check(not ok and err.code == "not_found", "unknown tool")
ok, err = pcall(Agent.create, {name = "z", temperature = "hot"})
check(not ok and err.code == "invalid_argument", "wrong type")
ok, err = pcall(Agent.create, {name = "teller"})
check(not ok and err.code == "conflict", "name taken")
ok, err = pcall(function() return a:execute(42) end)
check(not ok and err.code == "invalid_argument", "bad input")
return {tools = names, listed = listed, answer = r.text, stream = s.text, script_tool_calls = calls > 0 or #names > 0}
