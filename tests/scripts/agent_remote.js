// Conformance: agents on remote providers, through the loopback OpenAI,
// Anthropic and Ollama servers that TestAgentRemoteScripts starts and
// configures as remote_openai, remote_anthropic and remote_ollama. ARGS
// holds openai_url and key_env for an agent with its own base_url and key.
// Twin: agent_remote.lua.
function check(cond, what) { if (!cond) throw new Error("check failed: " + what); }
const out = {};
for (const name of ["remote_anthropic", "remote_ollama", "remote_openai"]) {
  const p = Provider.get(name);
  check(p && p.has_key && p.capabilities.tools && p.capabilities.streaming, name + " listed with a key");
  const a = Agent.builder().name("calc_" + name).provider(name).systemPrompt("You are a calculator.")
    .tools(["calculator"]).build();
  check(a.provider === name && a.model === name, name + ": builder");

  // A tool-calling conversation: the model asks, the calculator runs,
  // the model quotes its result.
  const r = a.execute({text: "What is 6*7?"});
  const call = r.tool_calls[0];
  check(r.tool_calls.length === 1 && call.success && call.name === "calculator", name + ": one tool call ran");
  check(call.arguments.input === "6*7" && call.result.result === 42, name + ": the calculator answered 42");
  check(r.text.includes("42"), name + ": the answer quotes the tool");

  // The same streamed: real deltas that make the answer.
  const chunks = [];
  const s = a.stream({text: "And again?"}, (chunk) => { chunks.push(chunk); });
  check(chunks.length > 1 && chunks.join("") === s.text, name + ": deltas make the text");
  check(s.tool_calls.length === 1 && s.tool_calls[0].result.result === 42, name + ": the streamed turn ran the tool");

  out[name] = {text: r.text, stream: s.text, chunks: chunks.length, usage: r.usage, stream_usage: s.usage,
    rounds: r.metadata.rounds, finish: r.metadata.finish_reason, model: r.metadata.model,
    tool: call.name, arguments: call.arguments, result: call.result, roles: a.history().map((m) => m.role)};
}

// A preset provider pointed elsewhere by the agent's own settings.
const adhoc = Agent.create({name: "adhoc", model: "openai/gpt-adhoc", base_url: ARGS.openai_url,
  api_key_env: ARGS.key_env});
out.adhoc = adhoc.execute("hello").text;

// A failing provider raises provider_error.
let code = null;
try {
  Agent.create({name: "nokey", model: "openai/gpt-adhoc", base_url: ARGS.failing_url}).execute("hi");
} catch (e) {
  code = e.code;
}
check(code === "provider_error", "a failing server gives provider_error");
out.failure = code;
return out;
