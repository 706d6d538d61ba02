// storyteller.js: the JavaScript twin of storyteller.lua.
//   LLMSPELL_MODELS_DIR=../shared/models llmspell run examples/storyteller.js
const opening = ARGS.opening || "Once upon a time";

Tool.register({name: "pick_hero", description: "picks a hero for a story",
  parameters: {type: "object", properties: {kind: {type: "string"}}, required: ["kind"]},
  handler: (p) => ({hero: "Remy the " + p.kind})});

const teller = Agent.get("storyteller") || Agent.builder()
  .name("storyteller")
  .model("local/stories260K")
  .systemPrompt("You tell short stories.")
  .tools(["pick_hero", "uuid_generator"])
  .temperature(0)
  .maxTokens(48)
  .build();
teller.loadState();

let calls = 0;
Hook.register("BeforeModelCall", () => { calls++; });

const chunks = [];
const result = teller.stream(opening, (chunk) => { chunks.push(chunk); });
print(`story (${chunks.length} deltas): ${chunks.join("")}`);
for (const c of result.tool_calls) {
  print(`tool ${c.name}(${JSON.stringify(c.arguments)}) -> ${c.success ? "ok" : c.error}`);
}
teller.saveState();

return {
  model: result.metadata.model,
  rounds: result.metadata.rounds,
  model_calls_seen_by_hook: calls,
  tool_calls: result.tool_calls.length,
  deltas: chunks.length,
  tokens: result.usage,
  remembered_messages: teller.history().length,
};
