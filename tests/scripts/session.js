// Conformance: Session and Artifact. Twin: session.lua.
function check(cond, what) { if (!cond) throw new Error("check failed: " + what); }
function code(fn) { try { fn(); } catch (e) { return e.code; } return null; }

const sid = Session.create({name: "research", description: "d", tags: ["a", "b"]});
const child = Session.create({name: "child", parent: sid});
const s = Session.get(sid);
check(s.status === "active" && s.name === "research" && s.tags.length === 2, "create/get");
check(Session.get(child).parent === sid, "parent");

Session.suspend(sid);
check(code(() => Session.suspend(sid)) === "conflict", "suspend twice");
Session.resume(sid);
check(Session.get(sid).status === "active", "resume");

Session.setCurrent(sid);
check(Session.get_current() === sid, "current");

const a1 = Artifact.store(sid, "agent_output", "answer.txt", "first", {mime_type: "text/plain", tags: ["final"], author: "me"});
const a2 = Artifact.store(sid, "agent_output", "answer.txt", "second");
check(a1.sequence === 1 && a2.sequence === 2 && a2.version === 2, "versions");
const bin = new Uint8Array([0, 255, 1, 2, 0]);
const ab = Artifact.store(sid, "tool_result", "blob.bin", bin);
const back = new Uint8Array(Artifact.get(sid, ab).content);
check(back.length === 5 && back[1] === 255 && back[4] === 0, "binary round trip");
check(Artifact.get(sid, "answer.txt").content === "second", "latest by name");
const g1 = Artifact.get(sid, 1);
check(g1.content === "first" && g1.metadata.mime_type === "text/plain" && g1.metadata.metadata.author === "me", "metadata");
const big = Artifact.store(sid, "system_generated", "big.txt", "llmspell ".repeat(5000));
check(big.compressed === true, "large text compressed");
const dup = Artifact.store(child, "user_input", "copy.txt", "first");
check(dup.content_hash === a1.content_hash, "dedup hash");

check(code(() => Artifact.store(sid, "bogus_type", "x", "y")) === "invalid_argument", "bad type");
check(code(() => Artifact.get(sid, 99)) === "not_found", "missing artifact");
check(code(() => Artifact.store_file(sid, "/etc/passwd", "user_input")) === "denied", "file outside the allowed folders");

const names = Artifact.list(sid).map((a) => a.name + "@" + a.version);
const queried = Artifact.query({session_id: sid, name_pattern: "*.txt", tags: ["final"]});

Artifact.delete(sid, a2);
check(Artifact.get(sid, "answer.txt").content === "first", "name falls back after delete");

Session.complete(sid);
Session.archive(sid);
check(code(() => Artifact.store(sid, "custom", "late", "x")) === "conflict", "archived takes no artifacts");

const listed = Session.list({tags: ["a"]});
Session.delete(child);
return {
  names: names,
  queried: queried.length,
  status: Session.get(sid).status,
  count_after_delete: Session.get(sid).artifact_count,
  tagged: listed.length,
  remaining: Session.list().length,
};
