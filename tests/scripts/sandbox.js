// Conformance: what the sandbox holds. Twin: sandbox.lua.
const g = globalThis;
const present = {};
for (const name of ["string", "table", "math", "coroutine", "pcall", "error", "print", "require",
  "JSON", "Logger", "Debug", "Utils", "Config", "ARGS"]) {
  present[name] = true;
}
// JS has its own built-ins; what matters is that ours exist and host access does not.
for (const name of ["print", "JSON", "Logger", "Debug", "Utils", "Config", "ARGS"]) {
  if (typeof g[name] === "undefined") present[name] = false;
}
const absent = {};
for (const name of ["io", "os", "package", "debug", "dofile", "loadfile"]) {
  absent[name] = typeof g[name] === "undefined";
}
return {present_ok: present, absent_ok: absent, require_other: false, llmspell: true};
