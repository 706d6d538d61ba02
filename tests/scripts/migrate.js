// Conformance: schema migrations. Twin: migrate.lua.
function check(cond, what) { if (!cond) throw new Error("check failed: " + what); }
for (let i = 1; i <= 30; i++) {
  State.set("user:u" + (i % 3), "p" + i, {name: "n" + i, age: String(20 + i), first: "A", last: "B" + i});
}
State.set("global", "note", "plain text");
State.register_schema("1.0.0", {name: {type: "string"}});
State.registerSchema("1.1.0", {full_name: {type: "string"}}, [
  {op: "rename", from: "name", to: "full_name"},
  {op: "convert", field: "age", to: "integer"},
  {op: "default", field: "tier", value: "free"},
  {op: "custom", field: "initials", fn: (obj) => obj.first + obj.last.substring(0, 1)},
], {scopes: ["user:*"]});
const dry = State.migrate_to_version("1.1.0", {dry_run: true});
check(dry.dry_run && dry.items_migrated === 30, "dry run counts");
check(State.get("user:u1", "p1").name === "n1", "dry run wrote nothing");
const rep = State.migrateToVersion("1.1.0");
const v = State.get("user:u1", "p1");
check(v.full_name === "n1" && v.age === 21 && v.tier === "free" && v.initials === "AB" && v.name === undefined, "migrated value");
let code = null;
try { State.migrate_to_version("0.9.0"); } catch (e) { code = e.code; }
check(code === "invalid_argument", "no downgrade");
code = null;
try { State.register_schema("1.2", {}, []); } catch (e) { code = e.code; }
check(code === "invalid_argument", "bad version");
code = null;
try { State.register_schema("1.3.0", {}, [{op: "explode"}]); } catch (e) { code = e.code; }
check(code === "invalid_argument", "bad transform");
const status = State.get_migration_status();
return {from: rep.from, to: rep.to, items: rep.items_migrated, steps: rep.steps, warnings: rep.warnings.length,
  current: status.current, in_progress: status.in_progress, versions: State.list_schema_versions()};
