-- notebook.lua: state, sessions, artifacts, events and hooks in one spell.
--   llmspell run examples/notebook.lua -- --name ada
-- Its twin notebook.js returns the same JSON.
local name = ARGS.name or "world"

-- Watch what the engine does.
local seen = {}
Event.subscribe("state.*", function(ev) table.insert(seen, ev.type .. " " .. ev.data.key) end)

-- A hook that keeps titles tidy and refuses to store passwords.
Hook.register("BeforeStateWrite", function(ctx)
  if ctx.data.key == "password" then
    return {type = "cancel", reason = "passwords stay out of state"}
  end
  if ctx.data.key == "title" and type(ctx.data.value) == "string" then
    return {type = "modified", data = {value = ctx.data.value:gsub("^%l", string.upper)}}
  end
end, "high")

State.set("user:" .. name, "title", "notes of " .. name)
local refused = not pcall(State.set, "user:" .. name, "password", "hunter2")

-- Count visits atomically.
State.transaction(function()
  local n = State.get("user:" .. name, "visits") or 0
  State.set("user:" .. name, "visits", n + 1)
end)

-- A session with two versions of a note.
local sid = Session.create({name = "notebook", tags = {"demo"}})
Artifact.store(sid, "user_input", "note.md", "# First draft", {mime_type = "text/markdown"})
local v2 = Artifact.store(sid, "user_input", "note.md", "# Second draft")
Session.complete(sid)

return {
  title = State.get("user:" .. name, "title"),
  refused_password = refused,
  visits_at_least_one = State.get("user:" .. name, "visits") >= 1,
  note = Artifact.get(sid, "note.md").content,
  note_version = v2.version,
  session_status = Session.get(sid).status,
  events = seen,
}
