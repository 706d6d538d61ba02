-- Conformance: agents on remote providers, through the loopback OpenAI,
-- Anthropic and Ollama servers that TestAgentRemoteScripts starts and
-- configures as remote_openai, remote_anthropic and remote_ollama. ARGS
-- holds openai_url and key_env for an agent with its own base_url and key.
-- Twin: agent_remote.js.
local function check(cond, what) if not cond then error("check failed: " .. what) end end
local out = {}
for _, name in ipairs({"remote_anthropic", "remote_ollama", "remote_openai"}) do
  local p = Provider.get(name)
  check(p and p.has_key and p.capabilities.tools and p.capabilities.streaming, name .. " listed with a key")
  local a = Agent.builder():name("calc_" .. name):provider(name):system_prompt("You are a calculator.")
    :tools({"calculator"}):build()
  check(a.provider == name and a.model == name, name .. ": builder")

  -- A tool-calling conversation: the model asks, the calculator runs,
  -- the model quotes its result.
  local r = a:execute({text = "What is 6*7?"})
  local call = r.tool_calls[1]
  check(#r.tool_calls == 1 and call.success and call.name == "calculator", name .. ": one tool call ran")
  check(call.arguments.input == "6*7" and call.result.result == 42, name .. ": the calculator answered 42")
  check(string.find(r.text, "42", 1, true) ~= nil, name .. ": the answer quotes the tool")

  -- The same streamed: real deltas that make the answer.
  local chunks = {}
  local s = a:stream({text = "And again?"}, function(chunk) table.insert(chunks, chunk) end)
  check(#chunks > 1 and table.concat(chunks) == s.text, name .. ": deltas make the text")
  check(#s.tool_calls == 1 and s.tool_calls[1].result.result == 42, name .. ": the streamed turn ran the tool")

  local roles = {}
  for _, m in ipairs(a:history()) do table.insert(roles, m.role) end
  out[name] = {text = r.text, stream = s.text, chunks = #chunks, usage = r.usage, stream_usage = s.usage,
    rounds = r.metadata.rounds, finish = r.metadata.finish_reason, model = r.metadata.model,
    tool = call.name, arguments = call.arguments, result = call.result, roles = roles}
end

-- A preset provider pointed elsewhere by the agent's own settings.
local adhoc = Agent.create({name = "adhoc", model = "openai/gpt-adhoc", base_url = ARGS.openai_url,
  api_key_env = ARGS.key_env})
out.adhoc = adhoc:execute("hello").text

-- A failing provider raises provider_error.
local ok, err = pcall(function()
  return Agent.create({name = "nokey", model = "openai/gpt-adhoc", base_url = ARGS.failing_url}):execute("hi")
end)
check(not ok and err.code == "provider_error", "a failing server gives provider_error")
out.failure = err.code
return out
