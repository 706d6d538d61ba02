// notebook.js: the JavaScript twin of notebook.lua; both return the same JSON.
//   llmspell run examples/notebook.js -- --name ada
const name = ARGS.name || "world";

const seen = [];
Event.subscribe("state.*", (ev) => { seen.push(ev.type + " " + ev.data.key); });

Hook.register("BeforeStateWrite", (ctx) => {
  if (ctx.data.key === "password") return {type: "cancel", reason: "passwords stay out of state"};
  if (ctx.data.key === "title" && typeof ctx.data.value === "string") {
    return {type: "modified", data: {value: ctx.data.value.charAt(0).toUpperCase() + ctx.data.value.slice(1)}};
  }
}, "high");

State.set("user:" + name, "title", "notes of " + name);
let refused = false;
try { State.set("user:" + name, "password", "hunter2"); } catch (e) { refused = e.code === "cancelled"; }

State.transaction(() => {
  const n = State.get("user:" + name, "visits") || 0;
  State.set("user:" + name, "visits", n + 1);
});

const sid = Session.create({name: "notebook", tags: ["demo"]});
Artifact.store(sid, "user_input", "note.md", "# First draft", {mime_type: "text/markdown"});
const v2 = Artifact.store(sid, "user_input", "note.md", "# Second draft");
Session.complete(sid);

return {
  title: State.get("user:" + name, "title"),
  refused_password: refused,
  visits_at_least_one: State.get("user:" + name, "visits") >= 1,
  note: Artifact.get(sid, "note.md").content,
  note_version: v2.version,
  session_status: Session.get(sid).status,
  events: seen,
};
