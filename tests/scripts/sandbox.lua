-- Conformance: what the sandbox holds. Twin: sandbox.js.
local present = {}
for _, name in ipairs({"string", "table", "math", "coroutine", "pcall", "error", "print", "require",
		"JSON", "Logger", "Debug", "Utils", "Config", "ARGS"}) do
	present[name] = _G[name] ~= nil
end
local absent = {}
for _, name in ipairs({"io", "os", "package", "debug", "dofile", "loadfile"}) do
	absent[name] = _G[name] == nil
end
local ok, err = pcall(require, "os")
return {present_ok = present, absent_ok = absent, require_other = ok, llmspell = require("llmspell").Utils == Utils}
