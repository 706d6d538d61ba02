-- Conformance: schema migrations. Twin: migrate.js.
local function check(cond, what) if not cond then error("check failed: " .. what) end end
for i = 1, 30 do
	State.set("user:u" .. (i % 3), "p" .. i, {name = "n" .. i, age = tostring(20 + i), first = "A", last = "B" .. i})
end
State.set("global", "note", "plain text")
State.register_schema("1.0.0", {name = {type = "string"}})
State.register_schema("1.1.0", {full_name = {type = "string"}}, {
	{op = "rename", from = "name", to = "full_name"},
	{op = "convert", field = "age", to = "integer"},
	{op = "default", field = "tier", value = "free"},
	{op = "custom", field = "initials", fn = function(obj) return obj.first .. string.sub(obj.last, 1, 1) end},
}, {scopes = {"user:*"}})
local dry = State.migrate_to_version("1.1.0", {dry_run = true})
check(dry.dry_run and dry.items_migrated == 30, "dry run counts")
check(State.get("user:u1", "p1").name == "n1", "dry run wrote nothing")
local rep = State.migrate_to_version("1.1.0")
local v = State.get("user:u1", "p1")
check(v.full_name == "n1" and v.age == 21 and v.tier == "free" and v.initials == "AB" and v.name == nil, "migrated value")
local ok, err = pcall(State.migrate_to_version, "0.9.0")
check(not ok and err.code == "invalid_argument", "no downgrade")
local ok2, err2 = pcall(State.register_schema, "1.2", {}, {})
check(not ok2 and err2.code == "invalid_argument", "bad version")
local ok3, err3 = pcall(State.register_schema, "1.3.0", {}, {{op = "explode"}})
check(not ok3 and err3.code == "invalid_argument", "bad transform")
local status = State.get_migration_status()
return {from = rep.from, to = rep.to, items = rep.items_migrated, steps = rep.steps, warnings = #rep.warnings,
	current = status.current, in_progress = status.in_progress, versions = State.list_schema_versions()}
