// Conformance: the small globals; the twin of small_globals.lua.
function check(cond, what) { if (!cond) throw new Error("check failed: " + what); }

// JSON
const doc = JSON.parse('{"a": [1, 2.5, "x", true, null], "o": {"k": "v"}}');
check(doc.a[0] === 1 && doc.a[1] === 2.5 && doc.a[2] === "x" && doc.a[3] === true && doc.a[4] === null, "JSON.parse values");
check(JSON.stringify({b: 1, a: [1, 2]}) === '{"a":[1,2],"b":1}', "JSON.stringify sorted");
check(JSON.stringify({}) === "{}", "empty object");
try { JSON.parse("{bad"); check(false, "no throw"); } catch (e) { check(e.code === "invalid_argument" && e instanceof TypeError, "JSON.parse error code"); }
try { JSON.stringify({f: function () {}}); check(false, "no throw"); } catch (e) { check(e.code === "invalid_argument", "functions cannot cross into JSON"); }

// Utils
const u1 = Utils.uuid(), u2 = Utils.uuid();
check(u1.length === 36 && u1 !== u2, "uuid");
check(u1[14] === "4", "uuid v4");
check(Utils.hash("abc") === Utils.hash("abc", "sha256"), "default hash is sha256");
const before = Utils.now();
Utils.sleep(2);
check(Utils.now() >= before + 1, "sleep and now");

// Debug timer, Logger
const t = Debug.timer("t");
check(typeof t.stop === "function" && t.name === "t", "timer object");
check(t.stop() >= 0, "timer stop");
Logger.debug("conformance", {step: 1});

// Config
check(Config.get("script.default_language") === "lua", "Config.get");
check(Config.get("no.such.key") === null, "Config.get missing");

return {
  hashes: {
    md5: Utils.hash("abc", "md5"),
    sha1: Utils.hash("abc", "sha1"),
    sha512: Utils.hash("abc", "sha512"),
    blake3: Utils.hash("abc", "blake3"),
  },
  json: JSON.parse(JSON.stringify({list: [1, 2, 3], nested: {deep: {x: "y"}}})),
  pretty: JSON.stringify({a: 1}, {pretty: true}),
  args: ARGS,
};
