// Conformance: session history and replay. Twin: replay.lua.
function check(cond, what) { if (!cond) throw new Error("check failed: " + what); }
const sid = Session.create({name: "replayable"});
check(Session.can_replay(sid) === false, "nothing recorded yet");
Tool.invoke("calculator", {input: "1 + 1"});
Session.setCurrent(sid);
Tool.invoke("calculator", {input: "6 * 7"});
Tool.invoke("uuid_generator", {operation: "deterministic", namespace: "dns", name: "a"});
Tool.invoke("uuid_generator", {});
Tool.invoke("calculator", {input: "1 / 0"});
Agent.create({name: "parrot", type: "basic"}).execute("say this");
Workflow.sequential({name: "twice", steps: [
  {name: "a", type: "tool", tool: "calculator", input: {input: "{{input.x}} * 2"}},
  {name: "b", type: "agent", agent: "parrot", input: "got {{steps.a.output.result}}"},
]}).execute({x: 21});
Session.set_current(null);
const hist = Session.history(sid);
check(hist.length === 8 && hist[0].name === "calculator" && hist[0].input.input === "6 * 7", "history");
check(hist[4].kind === "agent" && hist[4].output === "say this", "agent turn recorded");
check(hist[5].parent === "workflow:twice" && hist[6].parent === "workflow:twice", "parts of the run");
check(hist[7].kind === "workflow" && hist[7].output === "got 42", "workflow run recorded");
check(Session.canReplay(sid), "can replay");
const all = Session.replay(sid);
const part = Session.replay(sid, {start_from: 1, end_at: 1});
let code = null;
try { Session.replay(sid, {start_from: 9}); } catch (e) { code = e.code; }
check(code === "invalid_argument", "bad range");
check(Session.history(sid).length === 8, "replays are not recorded");
return {replayed: all.replayed, matched: all.matched, same: all.steps.map((s) => s.name + ":" + s.same_output),
  part: part.replayed, part_name: part.steps[0].name};
