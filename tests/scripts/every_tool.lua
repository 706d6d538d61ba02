-- Every built-in tool, called for real. Twin: every_tool.js.
-- Run by TestEveryTool (tests/every_tool_test.go), which passes ARGS.dir (a
-- temp folder holding pic.png, tone.wav and clip.mp4), ARGS.base_url and
-- ARGS.host_port (a loopback HTTP server) and ARGS.echo (the one allowed
-- executable).
local function check(cond, what, v)
  if not cond then error("check failed: " .. what .. (v ~= nil and (": " .. JSON.stringify(v)) or "")) end
end
local dir, base = ARGS.dir, ARGS.base_url
check(dir and base, "run by TestEveryTool with ARGS.dir and ARGS.base_url")
local called = {}
-- call invokes a tool that must succeed and returns its result.
local function call(name, params)
  called[name] = true
  local r = Tool.invoke(name, params)
  check(r.success and r.result.success, name .. " " .. tostring(params.operation) .. " succeeds", r.result)
  return r.result.result
end

-- The catalogue: exactly these 34, each with its category and a schema.
local expected = {
  base64_encoder = "utility", calculator = "utility", data_validation = "utility", date_time_handler = "utility",
  diff_calculator = "utility", hash_calculator = "utility", template_engine = "utility", text_manipulator = "utility",
  uuid_generator = "utility", csv_analyzer = "data", json_processor = "data", graphql_query = "api",
  http_request = "api", archive_handler = "filesystem", file_converter = "filesystem", file_operations = "filesystem",
  file_search = "filesystem", file_watcher = "filesystem", environment_reader = "system", process_executor = "system",
  service_checker = "system", system_monitor = "system", audio_processor = "media", image_processor = "media",
  video_processor = "media", web_search = "web", url_analyzer = "web", web_scraper = "web", api_tester = "web",
  webhook_caller = "web", webpage_monitor = "web", sitemap_crawler = "web", email_sender = "communication",
  database_connector = "communication",
}
local list = Tool.list()
check(#list == 34, "34 tools listed", #list)
for _, t in ipairs(list) do
  check(expected[t.name] == t.category, t.name .. " is expected with its category", t)
  local s = Tool.get(t.name).schema
  check(s.type == "object" and type(s.properties) == "table" and next(s.properties) ~= nil, t.name .. " has a parameters schema", s)
end

-- utility
local b = call("base64_encoder", {operation = "encode", input = "hello, spells"})
check(b.output == "aGVsbG8sIHNwZWxscw==", "base64 encode", b)
check(call("base64_encoder", {operation = "decode", input = b.output}).output == "hello, spells", "base64 roundtrip")
check(call("calculator", {input = "2 + 3 * 4"}).result == 14, "calculator precedence")
check(call("calculator", {input = "x ^ 2 + y", variables = {x = 3, y = 1}}).result == 10, "calculator variables")
local v = call("data_validation", {input = {email = "ann@example.com", age = 200},
  rules = {email = {{type = "email"}}, age = {{type = "range", min = 0, max = 150}}}})
check(v.valid == false and #v.errors == 1 and v.errors[1].field == "age", "data_validation flags only age", v)
local d = call("date_time_handler", {operation = "add", input = "2024-01-15T10:00:00Z", amount = 1, unit = "months"})
check(d.iso == "2024-02-15T10:00:00Z", "date add by calendar", d)
local df = call("date_time_handler", {operation = "difference", start = "2024-01-01T00:00:00Z", ["end"] = "2024-03-01T00:00:00Z"})
check(df.days == 60, "date difference in days (leap year)", df)
local diff = call("diff_calculator", {old_text = "a\nb\nc\n", new_text = "a\nB\nc\n"})
check(diff.additions == 1 and diff.deletions == 1, "diff counts", diff)
local h = call("hash_calculator", {input = "abc", algorithm = "sha256"})
check(h.hash == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of abc", h)
local hv = call("hash_calculator", {operation = "verify", input = "abc", algorithm = "md5", expected_hash = "900150983cd24fb0d6963f7d28e17f72"})
check(hv.valid == true and hv.hash == "900150983cd24fb0d6963f7d28e17f72", "md5 verify", hv)
local tpl = call("template_engine", {input = "Hi {{ name | upper }}!{% for i in xs %} {{ i }}{% endfor %}", context = {name = "ann", xs = {1, 2, 3}}})
check(tpl.output == "Hi ANN! 1 2 3", "template render", tpl)
check(call("text_manipulator", {operation = "snake_case", input = "Hello Spell World"}).output == "hello_spell_world", "snake_case")
check(call("text_manipulator", {operation = "reverse", input = "abc"}).output == "cba", "reverse")
local u = call("uuid_generator", {operation = "generate", version = "v4"})
check(string.match(u.uuid, "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$") ~= nil, "uuid v4 format", u)
local u5 = call("uuid_generator", {operation = "deterministic", namespace = "dns", name = "example.com"})
check(u5.uuid == "cfbff0d1-9375-5685-968c-48ce8b15ae17", "uuid v5 of example.com", u5)

-- data
local c = call("csv_analyzer", {operation = "analyze", input = "name,age\nann,30\nbob,40\n"})
check(c.rows == 2 and c.column_stats[2].type == "integer" and c.column_stats[2].mean == 35, "csv analyze", c)
local cf = call("csv_analyzer", {operation = "filter", input = "name,age\nann,30\nbob,40\n", column = "age", operator = "gt", value = 35})
check(#cf.rows == 1 and cf.rows[1].name == "bob", "csv filter", cf)
local j = call("json_processor", {operation = "query", input = '{"items":[{"n":1},{"n":2},{"n":5}]}', query = "[.items[].n] | add"})
check(j.result == 8, "jq sum", j)
local jv = call("json_processor", {operation = "validate", input = {age = "x"}, schema = {type = "object", properties = {age = {type = "integer"}}}})
check(jv.valid == false, "json schema rejects", jv)

-- filesystem
local f = dir .. "/work"
call("file_operations", {operation = "create_dir", path = f})
call("file_operations", {operation = "write", path = f .. "/a.txt", input = "line one\nneedle here\n"})
call("file_operations", {operation = "append", path = f .. "/a.txt", input = "last\n"})
check(call("file_operations", {operation = "read", path = f .. "/a.txt"}).content == "line one\nneedle here\nlast\n", "write+append+read")
call("file_operations", {operation = "copy", source_path = f .. "/a.txt", target_path = f .. "/b.txt"})
check(call("file_operations", {operation = "exists", path = f .. "/b.txt"}).exists == true, "copy made b.txt")
local fh = call("hash_calculator", {file = f .. "/b.txt", algorithm = "sha256"})
check(fh.hash == call("hash_calculator", {input = "line one\nneedle here\nlast\n"}).hash, "file hash equals text hash")
local fs = call("file_search", {path = f, pattern = "needle"})
check(fs.total_matches == 2, "needle found in a.txt and b.txt", fs)
local ar = dir .. "/w.zip"
call("archive_handler", {operation = "create", path = ar, input = {f .. "/a.txt", f .. "/b.txt"}})
local al = call("archive_handler", {operation = "list", path = ar})
check(#al.entries == 2, "zip lists 2 entries", al)
call("archive_handler", {operation = "extract", path = ar, target_path = dir .. "/x"})
check(call("file_operations", {operation = "read", path = dir .. "/x/a.txt"}).content == "line one\nneedle here\nlast\n", "extracted a.txt")
call("file_converter", {operation = "line_endings", path = f .. "/b.txt", line_ending = "crlf"})
check(call("file_operations", {operation = "read", path = f .. "/b.txt"}).content == "line one\r\nneedle here\r\nlast\r\n", "crlf conversion")
local w = call("file_watcher", {operation = "config"})
check(w.mode == "polling" and w.poll_ms == 50, "file_watcher config", w)
-- A real watch: nothing changes, so it times out with no events.
local ww = call("file_watcher", {input = {f}, timeout_ms = 150, debounce_ms = 10})
check(#ww.events == 0, "no events in a quiet folder", ww)

-- system
call("environment_reader", {operation = "set", name = "SPELL_VAR", value = "42"})
check(call("environment_reader", {operation = "get", name = "SPELL_VAR"}).value == "42", "env set/get")
local p = call("process_executor", {executable = ARGS.echo, arguments = {"hi", "$HOME;"}})
check(p.stdout == "hi $HOME;\n" and p.exit_code == 0, "echo without a shell", p)
local sc = call("service_checker", {check_type = "tcp", target = ARGS.host_port, timeout_ms = 2000})
check(sc.healthy == true, "loopback server is up", sc)
local sm = call("system_monitor", {operation = "memory"})
check(sm.memory.total_bytes > 0, "memory total", sm)

-- media
local im = call("image_processor", {operation = "metadata", input = dir .. "/pic.png"})
check(im.width == 8 and im.height == 4 and im.format == "png", "png metadata", im)
call("image_processor", {operation = "rotate", input = dir .. "/pic.png", target_path = dir .. "/rot.png", angle = 90})
local rm = call("image_processor", {operation = "metadata", input = dir .. "/rot.png"})
check(rm.width == 4 and rm.height == 8, "rotated 90", rm)
local au = call("audio_processor", {operation = "metadata", input = dir .. "/tone.wav"})
check(au.sample_rate == 8000 and au.channels == 2 and au.duration_seconds == 1, "wav metadata", au)
call("audio_processor", {operation = "convert", input = dir .. "/tone.wav", target_path = dir .. "/mono.wav", channels = 1})
local mo = call("audio_processor", {operation = "metadata", input = dir .. "/mono.wav"})
check(mo.channels == 1 and mo.sample_rate == 8000, "converted to mono", mo)
-- video_processor: only detect works without ffmpeg; it reads the magic bytes.
local vd = call("video_processor", {operation = "detect", input = dir .. "/clip.mp4"})
check(vd.format == "mp4" and vd.brand == "isom", "mp4 detected", vd)

-- network, all against the loopback server
local hr = call("http_request", {input = base .. "/json", method = "POST", body = {a = 1}})
check(hr.status == 200 and hr.json.method == "POST" and hr.json.items[3] == 3, "http_request json", hr)
local at = call("api_tester", {input = base .. "/json", expectations = {status = 200, json_path = "user.name", json_value = "ann", header = {["X-Spell"] = "yes"}}})
check(at.passed == true, "api_tester expectations pass", at)
local wh = call("webhook_caller", {input = base .. "/hook", payload = {event = "cast"}, secret = "s3cret", max_retries = 0})
check(wh.status == 200, "webhook delivered", wh)
local ua = call("url_analyzer", {input = base .. "/page?x=1&x=2&y=z", fetch_metadata = true})
check(ua.path == "/page" and ua.metadata.title == "Spell Page", "url_analyzer parts and metadata", ua)
local ws = call("web_scraper", {input = base .. "/page", selectors = {items = "p.item"}})
check(ws.title == "Spell Page" and ws.selected.items[2] == "beta" and ws.meta.description == "a page for spells", "web_scraper", ws)
local wm1 = call("webpage_monitor", {input = base .. "/page", selector = "p.item"})
local wm2 = call("webpage_monitor", {input = base .. "/page", selector = "p.item", previous_content = "alpha\ngamma"})
check(wm1.current_content == "alpha\nbeta" and wm1.first_check and wm2.changed and wm2.added[1] == "beta" and wm2.removed[1] == "gamma", "webpage_monitor diff", {wm1, wm2})
local sc2 = call("sitemap_crawler", {input = base .. "/sitemap.xml"})
check(#sc2.urls == 2, "sitemap urls", sc2)
local se = call("web_search", {input = "spells", base_url = base, max_results = 5})
check(#se.results == 2 and se.results[1].url == "https://example.com/spells", "duckduckgo results", se)
local gq = call("graphql_query", {endpoint = base .. "/graphql", input = "{ hello }"})
check(gq.data.hello == "world", "graphql data", gq)
local em = call("email_sender", {provider = "sendgrid", api_key = "SG.test", base_url = base, from = "ann@example.com",
  to = "bob@example.com", subject = "Spell report", body = "all tools called"})
check(em.sent == true and em.status == 202 and em.provider == "sendgrid", "email accepted", em)

-- database: SQLite in the temp folder
local db = dir .. "/spell.db"
call("database_connector", {operation = "execute", path = db, allow_write = true, query = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"})
call("database_connector", {operation = "execute", path = db, allow_write = true, query = "INSERT INTO t (name) VALUES (?), (?)", params = {"ann", "bob"}})
local q = call("database_connector", {path = db, query = "SELECT name FROM t WHERE id > ? ORDER BY id", params = {0}})
check(#q.rows == 2 and q.rows[2].name == "bob", "sqlite rows", q)
local dbs = call("database_connector", {operation = "schema", path = db})
check(dbs.tables[1].name == "t", "sqlite schema", dbs)

-- Every listed tool was called.
local missing = {}
for _, t in ipairs(list) do if not called[t.name] then table.insert(missing, t.name) end end
check(#missing == 0, "every tool called", missing)
local n = 0
for _ in pairs(called) do n = n + 1 end
return {called = n, sha256 = h.hash, uuid5 = u5.uuid, jq = j.result, template = tpl.output, rows = #q.rows}
