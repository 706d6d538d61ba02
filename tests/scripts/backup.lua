-- Conformance: State backups. Twin: backup.js. Runs on a fresh pebble engine.
local function check(cond, what) if not cond then error("check failed: " .. what) end end

State.set("global", "k", "v1")
State.set("agent:a1", "cfg", {n = 1})
local full = State.create_backup()
check(full.kind == "full" and full.parent == nil, "first backup is full")

State.set("global", "k", "v2")
State.set("global", "extra", true)
local inc = State.create_backup({incremental = true, label = "after v2"})
check(inc.kind == "incremental" and inc.parent == full.id, "incremental names its parent")

State.set("global", "k", "v3")
local list = State.list_backups()
check(#list == 2 and list[1].id == inc.id and list[2].id == full.id, "listing newest first")

check(State.validate_backup(full.id).valid == true, "full validates")
check(State.validate_backup(inc.id).valid == true, "incremental validates")

-- Restore while the engine is open: the spell sees the old state at once.
local r = State.restore_backup(full.id)
check(r.id == full.id and r.key_count == full.key_count, "restore report")
local after_full = {k = State.get("global", "k"), extra = State.exists("global", "extra"), cfg = State.get("agent:a1", "cfg")}

State.restore_backup(inc.id)
local after_inc = {k = State.get("global", "k"), extra = State.exists("global", "extra")}
State.set("global", "k", "v4") -- still writable after a restore

-- Errors carry codes.
local ok, e = pcall(State.restore_backup, "no-such-backup")
check(not ok and e.code == "not_found", "missing backup")
local ok2, e2 = pcall(State.validate_backup, "../etc")
check(not ok2 and e2.code == "invalid_argument", "bad id")
local ok3, e3 = pcall(State.create_backup, {incremental = "yes"})
check(not ok3 and e3.code == "invalid_argument", "bad option")
local ok4 = pcall(State.transaction, function() State.restore_backup(full.id) end)
check(not ok4 and State.get("global", "k") == "v4", "no restore inside a transaction")

return {
	after_full = after_full,
	after_inc = after_inc,
	now = State.get("global", "k"),
	kinds = {list[1].kind, list[2].kind},
	label = list[1].label,
	layout = full.layout,
	same_keys = inc.key_count == full.key_count + 1,
	count = #State.list_backups(),
}
