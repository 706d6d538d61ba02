-- hello.lua: the smallest useful spell. Run it with
--   llmspell run examples/hello.lua -- --name world
local name = ARGS.name or "world"
print("Hello, " .. name .. "!")

local words = {}
for w in string.gmatch("the quick brown fox", "%a+") do
	table.insert(words, string.upper(w))
end

return {
	greeting = "Hello, " .. name,
	words = words,
	digest = Utils.hash(name, "sha256"),
	parsed = JSON.parse('{"ok": true, "n": [1, 2, 3]}'),
}
