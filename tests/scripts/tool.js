// Conformance: Tool. Twin: tool.lua.
function check(cond, what) { if (!cond) throw new Error("check failed: " + what); }
function code(fn) { try { fn(); } catch (e) { return e.code; } return null; }
const r = Tool.invoke("calculator", {input: "2 * (3 + 4)"});
check(r.success && r.result.result.result === 14, "calculator");
check(JSON.parse(r.text).success === true, "text is the envelope as JSON");
const h = Tool.execute("hash_calculator", {input: "abc", algorithm: "sha256"});
const u = Tool.get("uuid_generator");
check(u.security_level === "safe" && u.schema.type === "object", "get with schema");
const g = u.execute({operation: "deterministic", namespace: "dns", name: "example.com"});
const failed = Tool.invoke("calculator", {input: "1 / 0"});
check(!failed.success && failed.error.kind === "tool_error", "tool failure is data");
check(code(() => Tool.invoke("calculator", {input: 5})) === "invalid_argument", "schema violation raises");
check(code(() => Tool.invoke("no_such_tool", {})) === "not_found", "unknown tool");
check(code(() => Tool.invoke("hash_calculator", {file: "/etc/passwd"})) === "denied", "policy denies files outside the roots");
Tool.register({name: "shout", description: "upper-cases", category: "custom",
  parameters: {type: "object", properties: {text: {type: "string"}}, required: ["text"]},
  handler: (params) => ({text: params.text.toUpperCase()})});
const s = Tool.invoke("shout", {text: "hi"});
check(s.success && s.result.result.text === "HI", "script tool");
return {hash: h.result.result.hash, v5: g.result.result.uuid, exists: Tool.exists("calculator"),
  categories: Tool.categories(), utility: Tool.discover({category: "utility"}).length, names: Tool.list().map((t) => t.name)};
