// Conformance: Workflow. Twin: workflow.lua.
function check(cond, what) { if (!cond) throw new Error("check failed: " + what); }
function code(fn) { try { fn(); } catch (e) { return e.code; } return null; }
const sandbox = Config.get("storage.data_dir") + "/sandbox";

const chain = Workflow.builder().name("chain").sequential()
  .addStep({name: "dir", type: "tool", tool: "file_operations", input: {operation: "create_dir", path: sandbox, recursive: true}})
  .addStep({name: "id", type: "tool", tool: "uuid_generator", input: {}})
  .addStep({name: "digest", type: "tool", tool: "hash_calculator",
    input: {input: "{{steps.id.output.uuid}}", algorithm: "sha256"}})
  .addStep({name: "save", type: "tool", tool: "file_operations",
    input: {operation: "write", path: sandbox + "/chain.txt", input: "{{steps.id.output.uuid}} {{steps.digest.output.hash}}"}})
  .addStep({name: "back", type: "tool", tool: "file_operations", input: {operation: "read", path: sandbox + "/chain.txt"}})
  .build();
const r = chain.execute({});
check(r.success && r.status === "completed" && r.steps.length === 5, "sequential ran");
const uuid = r.steps[1].output.uuid, hash = r.steps[2].output.hash;
check(Utils.hash(uuid, "sha256") === hash, "the hash is of the uuid");
check(r.output.content === uuid + " " + hash, "the file holds both");
check(Workflow.runRecord(r.run_id).status === "completed", "run record");

Agent.create({name: "wf_teller", max_tokens: 8, temperature: 0});
const trio = Workflow.parallel({name: "trio", max_concurrency: 3, branches: [
  {name: "a", steps: [{name: "ta", type: "agent", agent: "wf_teller", input: "Once upon a time"}]},
  {name: "b", steps: [{name: "tb", type: "agent", agent: "wf_teller", input: "The dog"}]},
  {name: "c", steps: [{name: "tc", type: "agent", agent: "wf_teller", input: "A bird"}]},
]});
const p = trio.execute();
check(p.success && p.output.a.length > 0 && p.output.b.length > 0 && p.output.c.length > 0, "three stories");

Workflow.conditional({name: "route", branches: [
  {name: "big", condition: "input.n > 40", steps: [{name: "yes", type: "function", fn: (ctx) => "big " + ctx.input, input: "{{input.n}}"}]},
  {name: "small", steps: [{name: "no", type: "function", fn: (ctx) => "small"}]},
]});
const calc = Workflow.sequential({name: "calc_route", steps: [
  {name: "calc", type: "tool", tool: "calculator", input: {input: "6*7"}},
  {name: "decide", type: "workflow", workflow: "route", input: {n: "{{steps.calc.output.result}}"}},
  {name: "only_if_big", type: "tool", tool: "calculator", input: {input: "1+1"}, when: "steps.calc.output.result > 100"},
]});
const c = calc.execute();
check(c.output === "big 42" && c.steps[c.steps.length - 1].skipped, "conditional on a previous output");

const each = Workflow.loop({name: "each", iterator: {collection: ["a", "bb", "ccc"]}, aggregate: "collect",
  body: {steps: [{name: "len", type: "function", fn: (ctx) => {
    ctx.setShared("seen", (ctx.getShared("seen") || 0) + 1);
    return ctx.loop.item.length * 10 + ctx.loop.index;
  }}]}});
const l = each.execute();
check(l.success && l.output.length === 3 && l.output[2] === 32, "loop aggregate");
const counted = Workflow.builder().name("counted").loop().iterations(4).aggregate("last")
  .addStep({name: "d", type: "tool", tool: "calculator", input: {input: "{{loop.index}} * 2"}}).build();
check(counted.execute().output.result === 6, "range loop, last");

function failing(strategy) {
  return Workflow.sequential({name: "fail_" + strategy, error_strategy: strategy, retry: {max_attempts: 3, backoff_ms: 1}, steps: [
    {name: "bad", type: "tool", tool: "calculator", input: {input: "1/0"}},
    {name: "after", type: "function", fn: (ctx) => ctx.steps.bad.success},
  ]}).execute();
}
const ff = failing("fail_fast"), cont = failing("continue"), retry = failing("retry");
check(!ff.success && ff.status === "failed" && ff.steps.length === 1 && ff.error_kind === "tool_error", "fail_fast");
check(cont.success && cont.steps.length === 2 && cont.output === false, "continue");
check(!retry.success && retry.steps[0].attempts === 3, "retry");

const outer = Workflow.sequential({name: "outer", steps: [{name: "inner", type: "workflow", workflow: "chain"}]});
check(outer.execute().output.content != null, "nested");
const byObject = Workflow.builder().name("by_object").addStep(counted)
  .addStep({name: "wrapped", type: "workflow", workflow: counted}).build();
check(byObject.execute().output.result === 6, "workflow objects as steps");
const tname = Workflow.wrapAsTool("counted");
check(Tool.invoke(tname, {}).result.result.output.result === 6, "workflow as a tool");

const ask = Workflow.sequential({name: "ask", steps: [
  {name: "q", type: "input", prompt: "ok?"},
  {name: "a", type: "function", fn: (ctx) => "answer: " + ctx.steps.q.output},
]});
const paused = ask.execute();
check(paused.status === "waiting_input" && paused.pending_step === "q" && paused.prompt === "ok?", "paused");
const resumed = Workflow.resume(paused.run_id, "yes");
check(resumed.success && resumed.output === "answer: yes", "resumed");

check(code(() => Workflow.sequential({name: "x1", steps: [{name: "s", type: "tool", tool: "nope"}]})) === "not_found", "unknown tool");
check(code(() => Workflow.sequential({name: "x2", steps: [{name: "s", type: "agent", agent: "ghost", input: "hi"}]})) === "not_found", "unknown agent");
check(code(() => Workflow.sequential({name: "x3", steps: [{name: "s", type: "tool", tool: "calculator", input: {input: "{{steps.later.output}}"}}, {name: "later", type: "tool", tool: "uuid_generator"}]})) === "invalid_argument", "reference to a later step");
check(code(() => Workflow.loop({name: "x4", iterator: {while_condition: "true"}, body: {steps: [{name: "s", type: "tool", tool: "uuid_generator"}]}})) === "invalid_argument", "unbounded loop");
check(code(() => Workflow.sequential({name: "x5", steps: [{name: "s", type: "workflow", workflow: "x5"}]})) === "invalid_argument", "cyclic nesting");
check(code(() => Workflow.sequential({name: "chain", steps: [{name: "s", type: "tool", tool: "uuid_generator"}]})) === "conflict", "name taken");
check(code(() => chain.execute({}, {colour: "red"})) === "invalid_argument", "bad option");

return {types: Workflow.types(), names: Workflow.list().map((w) => w.name), calc: c.output, loop: l.output,
  strategies: [ff.status, cont.status, retry.steps[0].attempts], resumed: resumed.output};
