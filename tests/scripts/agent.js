// Conformance: Agent and Provider on the real local model. Twin: agent.lua.
function check(cond, what) { if (!cond) throw new Error("check failed: " + what); }
function code(fn) { try { fn(); } catch (e) { return e.code; } return null; }
const provs = {};
for (const p of Provider.list()) provs[p.name] = p;
check(provs.local && provs.local.capabilities.streaming && provs.local.capabilities.tools, "local provider listed");
check(Provider.get("local").type === "local" && Provider.get("nowhere") == null, "Provider.get");

let calls = 0;
Tool.register({name: "story_word", description: "gives a word for a story",
  parameters: {type: "object", properties: {topic: {type: "string"}}, required: ["topic"]},
  handler: (p) => { calls++; return {word: "dragon", topic: p.topic}; }});
let seen = 0;
Hook.register("BeforeModelCall", (ctx) => { seen++; });

const a = Agent.builder().name("teller").model("local/stories260K").systemPrompt("Tell a story.")
  .tools(["story_word", "uuid_generator"]).temperature(0).maxTokens(20).build();
check(a.name === "teller" && a.provider === "local", "builder");
const r = a.execute("Once upon a time");
check(r.tool_calls.length >= 1 && r.tool_calls[0].success, "a tool call ran");
const names = [];
for (const c of r.tool_calls) {
  check(c.name === "story_word" || c.name === "uuid_generator", "offered tool only");
  names.push(c.name);
}
check(r.text.length > 0 && r.usage.output_tokens > 0 && r.metadata.provider === "local", "answer and usage");
check(seen === r.metadata.rounds, "BeforeModelCall hook saw every model call");

const chunks = [];
const s = a.stream({text: "The little dog"}, (chunk) => { chunks.push(chunk); });
check(chunks.length > 1 && chunks.join("") === s.text, "stream deltas make the text");

const n = a.history().length;
check(n >= 6 && a.history()[0].role === "user", "history");
check(a.saveState(), "save");
a.clearHistory();
check(a.history().length === 0, "cleared");
check(a.loadState() && a.history().length === n, "loaded");
check(State.get("agent:teller", "memory") != null, "saved in state scope agent:teller");

const echo = Agent.create({name: "echo", type: "basic"});
check(echo.execute("hi").text === "hi", "basic agent echoes");
const tname = Agent.wrapAsTool("echo", {description: "echoes"});
const tr = Tool.invoke(tname, {input: "ping"});
check(tr.success && tr.result.result.text === "ping", "agent as tool");
const listed = Agent.list().map((i) => i.name);
check(Agent.get("echo").type === "basic" && Agent.get("ghost") == null, "get");
check(Agent.remove("echo") && !Agent.remove("echo"), "remove");

check(code(() => Agent.create({name: "x", model: "nowhere/model"})) === "not_found", "unknown provider");
check(code(() => Agent.create({name: "y", tools: ["no_such_tool"]})) === "not_found", "unknown tool");
check(code(() => Agent.create({name: "z", temperature: "hot"})) === "invalid_argument", "wrong type");
check(code(() => Agent.create({name: "teller"})) === "conflict", "name taken");
check(code(() => a.execute(42)) === "invalid_argument", "bad input");
return {tools: names, listed: listed, answer: r.text, stream: s.text, script_tool_calls: calls > 0 || names.length > 0};
