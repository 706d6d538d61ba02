-- Conformance: Tool. Twin: tool.js.
local function check(cond, what) if not cond then error("check failed: " .. what) end end
local r = Tool.invoke("calculator", {input = "2 * (3 + 4)"})
check(r.success and r.result.result.result == 14, "calculator")
check(JSON.parse(r.text).success == true, "text is the envelope as JSON")
local h = Tool.execute("hash_calculator", {input = "abc", algorithm = "sha256"})
local u = Tool.get("uuid_generator")
check(u.security_level == "safe" and u.schema.type == "object", "get with schema")
local g = u:execute({operation = "deterministic", namespace = "dns", name = "example.com"})
local failed = Tool.invoke("calculator", {input = "1 / 0"})
check(not failed.success and failed.error.kind == "tool_error", "tool failure is data")
local ok, err = pcall(Tool.invoke, "calculator", {input = 5})
check(not ok and err.code == "invalid_argument", "schema violation raises")
local ok2, err2 = pcall(Tool.invoke, "no_such_tool", {})
check(not ok2 and err2.code == "not_found", "unknown tool")
local ok3, err3 = pcall(Tool.invoke, "hash_calculator", {file = "/etc/passwd"})
check(not ok3 and err3.code == "denied", "policy denies files outside the roots")
-- A script tool, called like any other.
Tool.register({name = "shout", description = "upper-cases", category = "custom",
  parameters = {type = "object", properties = {text = {type = "string"}}, required = {"text"}},
  handler = function(params) return {text = string.upper(params.text)} end})
local s = Tool.invoke("shout", {text = "hi"})
check(s.success and s.result.result.text == "HI", "script tool")
local names = {}
for _, t in ipairs(Tool.list()) do table.insert(names, t.name) end
return {hash = h.result.result.hash, v5 = g.result.result.uuid, exists = Tool.exists("calculator"),
  categories = Tool.categories(), utility = #Tool.discover({category = "utility"}), names = names}
