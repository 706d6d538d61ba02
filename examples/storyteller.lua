-- storyteller.lua: an agent on the in-process model (local/stories260K, no
-- API key, no network) with two tools
-- (one built in, one written below). It asks for a tool call, gets the
-- result, streams its story, and keeps its memory in the pebble store.
--   LLMSPELL_MODELS_DIR=../shared/models llmspell run examples/storyteller.lua -- --opening "Once upon a time"
local opening = ARGS.opening or "Once upon a time"

-- A tool written in the spell itself, offered next to a built-in one.
Tool.register({name = "pick_hero", description = "picks a hero for a story",
  parameters = {type = "object", properties = {kind = {type = "string"}}, required = {"kind"}},
  handler = function(p) return {hero = "Remy the " .. p.kind} end})

local teller = Agent.get("storyteller") or Agent.builder()
  :name("storyteller")
  :model("local/stories260K")          -- the default model; any provider/model works here
  :system_prompt("You tell short stories.")
  :tools({"pick_hero", "uuid_generator"})
  :temperature(0)                      -- greedy: the same story every run
  :max_tokens(48)
  :build()
teller:load_state()                    -- memory saved by an earlier run, if any

-- Every model call is visible to hooks; count them.
local calls = 0
Hook.register("BeforeModelCall", function(ctx) calls = calls + 1 end)

-- The callback gets each text delta as the model produces it.
local chunks = {}
local result = teller:stream(opening, function(chunk) table.insert(chunks, chunk) end)
print(("story (%d deltas): %s"):format(#chunks, table.concat(chunks)))

for _, c in ipairs(result.tool_calls) do
  print(("tool %s(%s) -> %s"):format(c.name, JSON.stringify(c.arguments), c.success and "ok" or c.error))
end
teller:save_state()

return {
  model = result.metadata.model,
  rounds = result.metadata.rounds,
  model_calls_seen_by_hook = calls,
  tool_calls = #result.tool_calls,
  deltas = #chunks,
  tokens = result.usage,
  remembered_messages = #teller:history(),
}
