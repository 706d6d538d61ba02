-- Conformance: the small globals. Its twin small_globals.js must return the
-- same JSON; each check raises on failure.
local function check(cond, what) if not cond then error("check failed: " .. what) end end

-- JSON
local doc = JSON.parse('{"a": [1, 2.5, "x", true, null], "o": {"k": "v"}}')
check(doc.a[1] == 1 and doc.a[2] == 2.5 and doc.a[3] == "x" and doc.a[4] == true, "JSON.parse values")
check(JSON.stringify({b = 1, a = {1, 2}}) == '{"a":[1,2],"b":1}', "JSON.stringify sorted")
check(JSON.stringify({}) == "{}", "empty table is an object")
local ok, err = pcall(JSON.parse, "{bad")
check(not ok and err.code == "invalid_argument", "JSON.parse error code")
local ok2, err2 = pcall(JSON.stringify, {f = function() end})
check(not ok2 and err2.code == "invalid_argument", "functions cannot cross into JSON")

-- Utils
local u1, u2 = Utils.uuid(), Utils.uuid()
check(#u1 == 36 and u1 ~= u2, "uuid")
check(string.sub(u1, 15, 15) == "4", "uuid v4")
check(Utils.hash("abc") == Utils.hash("abc", "sha256"), "default hash is sha256")
local before = Utils.now()
Utils.sleep(2)
check(Utils.now() >= before + 1, "sleep and now")

-- Debug timer, Logger
local t = Debug.timer("t")
check(type(t.stop) == "function" and t.name == "t", "timer object")
check(t:stop() >= 0, "timer stop")
Logger.debug("conformance", {step = 1})

-- Config
check(Config.get("script.default_language") == "lua", "Config.get")
check(Config.get("no.such.key") == nil, "Config.get missing")

return {
	hashes = {
		md5 = Utils.hash("abc", "md5"),
		sha1 = Utils.hash("abc", "sha1"),
		sha512 = Utils.hash("abc", "sha512"),
		blake3 = Utils.hash("abc", "blake3"),
	},
	json = JSON.parse(JSON.stringify({list = {1, 2, 3}, nested = {deep = {x = "y"}}})),
	pretty = JSON.stringify({a = 1}, {pretty = true}),
	args = ARGS,
}
