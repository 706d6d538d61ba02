// Conformance: State backups. Twin: backup.lua.
function check(cond, what) { if (!cond) throw new Error("check failed: " + what); }

State.set("global", "k", "v1");
State.set("agent:a1", "cfg", {n: 1});
const full = State.create_backup();
check(full.kind === "full" && full.parent === null, "first backup is full");

State.set("global", "k", "v2");
State.set("global", "extra", true);
const inc = State.createBackup({incremental: true, label: "after v2"});
check(inc.kind === "incremental" && inc.parent === full.id, "incremental names its parent");

State.set("global", "k", "v3");
const list = State.list_backups();
check(list.length === 2 && list[0].id === inc.id && list[1].id === full.id, "listing newest first");

check(State.validate_backup(full.id).valid === true, "full validates");
check(State.validateBackup(inc.id).valid === true, "incremental validates");

// Restore while the engine is open: the spell sees the old state at once.
const r = State.restore_backup(full.id);
check(r.id === full.id && r.key_count === full.key_count, "restore report");
const after_full = {k: State.get("global", "k"), extra: State.exists("global", "extra"), cfg: State.get("agent:a1", "cfg")};

State.restoreBackup(inc.id);
const after_inc = {k: State.get("global", "k"), extra: State.exists("global", "extra")};
State.set("global", "k", "v4"); // still writable after a restore

function code(f) { try { f(); } catch (e) { return e.code; } return "no error"; }
check(code(() => State.restore_backup("no-such-backup")) === "not_found", "missing backup");
check(code(() => State.validate_backup("../etc")) === "invalid_argument", "bad id");
check(code(() => State.create_backup({incremental: "yes"})) === "invalid_argument", "bad option");
let threw = false;
try { State.transaction(() => { State.restore_backup(full.id); }); } catch (e) { threw = true; }
check(threw && State.get("global", "k") === "v4", "no restore inside a transaction");

return {
  after_full: after_full,
  after_inc: after_inc,
  now: State.get("global", "k"),
  kinds: [list[0].kind, list[1].kind],
  label: list[0].label,
  layout: full.layout,
  same_keys: inc.key_count === full.key_count + 1,
  count: State.list_backups().length,
};
