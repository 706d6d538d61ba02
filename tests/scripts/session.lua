-- Conformance: Session and Artifact. Twin: session.js.
local function check(cond, what) if not cond then error("check failed: " .. what) end end

local sid = Session.create({name = "research", description = "d", tags = {"a", "b"}})
local child = Session.create({name = "child", parent = sid})
local s = Session.get(sid)
check(s.status == "active" and s.name == "research" and #s.tags == 2, "create/get")
check(Session.get(child).parent == sid, "parent")

-- Lifecycle: invalid moves raise conflict.
Session.suspend(sid)
local ok, err = pcall(Session.suspend, sid)
check(not ok and err.code == "conflict", "suspend twice")
Session.resume(sid)
check(Session.get(sid).status == "active", "resume")

-- Current session.
Session.set_current(sid)
check(Session.get_current() == sid, "current")

-- Artifacts: text, binary, versions, large compressible.
local a1 = Artifact.store(sid, "agent_output", "answer.txt", "first", {mime_type = "text/plain", tags = {"final"}, author = "me"})
local a2 = Artifact.store(sid, "agent_output", "answer.txt", "second")
check(a1.sequence == 1 and a2.sequence == 2 and a2.version == 2, "versions")
local bin = string.char(0, 255, 1, 2, 0)
local ab = Artifact.store(sid, "tool_result", "blob.bin", bin)
check(Artifact.get(sid, ab).content == bin, "binary round trip")
check(Artifact.get(sid, "answer.txt").content == "second", "latest by name")
local g1 = Artifact.get(sid, 1)
check(g1.content == "first" and g1.metadata.mime_type == "text/plain" and g1.metadata.metadata.author == "me", "metadata")
local big = Artifact.store(sid, "system_generated", "big.txt", string.rep("llmspell ", 5000))
check(big.compressed == true, "large text compressed")
-- Same content in another session is deduplicated (same hash).
local dup = Artifact.store(child, "user_input", "copy.txt", "first")
check(dup.content_hash == a1.content_hash, "dedup hash")

local ok2, e2 = pcall(Artifact.store, sid, "bogus_type", "x", "y")
check(not ok2 and e2.code == "invalid_argument", "bad type")
local ok3, e3 = pcall(Artifact.get, sid, 99)
check(not ok3 and e3.code == "not_found", "missing artifact")
local ok4, e4 = pcall(Artifact.store_file, sid, "/etc/passwd", "user_input")
check(not ok4 and e4.code == "denied", "file outside the allowed folders")

local names = {}
for _, a in ipairs(Artifact.list(sid)) do table.insert(names, a.name .. "@" .. a.version) end
local queried = Artifact.query({session_id = sid, name_pattern = "*.txt", tags = {"final"}})

Artifact.delete(sid, a2)
check(Artifact.get(sid, "answer.txt").content == "first", "name falls back after delete")

Session.complete(sid)
Session.archive(sid)
local ok5, e5 = pcall(Artifact.store, sid, "custom", "late", "x")
check(not ok5 and e5.code == "conflict", "archived takes no artifacts")

local listed = Session.list({tags = {"a"}})
Session.delete(child)
return {
	names = names,
	queried = #queried,
	status = Session.get(sid).status,
	count_after_delete = Session.get(sid).artifact_count,
	tagged = #listed,
	remaining = #Session.list(),
}
