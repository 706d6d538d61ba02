package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const nilArg = "\x00nil"

func newPebbleEngine(t *testing.T) uintptr {
	t.Helper()
	eng, res := tEngineNew(`{"storage":{"data_dir":"` + t.TempDir() + `"}}`)
	if res.status != 0 {
		t.Fatal(res.errMsg)
	}
	return eng
}

func TestSessionLifecycleThroughABI(t *testing.T) {
	eng := newPebbleEngine(t)
	defer func() { tEngineFree(eng); checkEmpty(t) }()
	id, r := tSession(eng, "create", `{"name":"research","tags":["a"],"metadata":{"k":1}}`)
	if r.status != 0 || len(id) != 36 {
		t.Fatalf("create: %q %+v", id, r)
	}
	rec, _ := tSession(eng, "get", id)
	var s map[string]any
	json.Unmarshal([]byte(rec), &s)
	if s["status"] != "active" || s["name"] != "research" {
		t.Fatalf("get: %s", rec)
	}
	if _, r := tSession(eng, "transition", id, "archived", nilArg); r.status != 13 {
		t.Fatalf("invalid move: %+v", r)
	}
	if _, r := tSession(eng, "transition", id, "bogus", nilArg); r.status != 1 {
		t.Fatalf("unknown status: %+v", r)
	}
	if _, r := tSession(eng, "transition", id, "failed", "model down"); r.status != 0 {
		t.Fatalf("fail: %+v", r)
	}
	rec, _ = tSession(eng, "get", id)
	if !strings.Contains(rec, `"fail_reason":"model down"`) {
		t.Fatalf("reason lost: %s", rec)
	}
	tSession(eng, "update_metadata", id, `{"k":null,"x":"y"}`)
	rec, _ = tSession(eng, "get", id)
	if !strings.Contains(rec, `"metadata":{"x":"y"}`) {
		t.Fatalf("metadata: %s", rec)
	}
	list, r := tSession(eng, "list", `{"tags":["a"],"status":"failed"}`)
	if r.status != 0 || strings.Count(list, `"id"`) != 1 {
		t.Fatalf("list: %s %+v", list, r)
	}
	for _, bad := range []string{`{"bogus":1}`, `[]`, `{"tags":"a"}`, `{"created_after":"yesterday"}`} {
		if _, r := tSession(eng, "list", bad); r.status != 1 {
			t.Errorf("list %s: %+v", bad, r)
		}
	}
	if _, r := tSession(eng, "get", "nope"); r.status != 2 {
		t.Fatalf("missing: %+v", r)
	}
	if _, r := tSession(eng, "get", nilArg); r.status != 1 {
		t.Fatalf("NULL id: %+v", r)
	}
	if _, r := tSession(eng, "create", `{"parent":"nope"}`); r.status != 2 {
		t.Fatalf("bad parent: %+v", r)
	}
	if _, r := tSession(eng, "delete", id); r.status != 0 {
		t.Fatal(r.errMsg)
	}
	if _, r := tSession(eng, "get", id); r.status != 2 {
		t.Fatal("deleted session still there")
	}
}

func TestArtifactsThroughABI(t *testing.T) {
	eng := newPebbleEngine(t)
	defer func() { tEngineFree(eng); checkEmpty(t) }()
	sid, _ := tSession(eng, "create", "")
	bin := "a\x00b\xffc"
	rec, r := tSession(eng, "store", sid, `{"type":"tool_result","name":"x.bin","mime_type":"application/x","tags":["t"]}`, bin)
	if r.status != 0 || !strings.Contains(rec, `"sequence":1`) {
		t.Fatalf("store: %s %+v", rec, r)
	}
	data, record, r := tArtifactGet(eng, sid, 1)
	if r.status != 0 || string(data) != bin || !strings.Contains(record, `"mime_type":"application/x"`) {
		t.Fatalf("get: %q %s %+v", data, record, r)
	}
	p := filepath.Join(t.TempDir(), "f.txt")
	os.WriteFile(p, []byte("file"), 0o600)
	rec, r = tSession(eng, "store_file", sid, p, `{"type":"user_input"}`)
	if r.status != 0 || !strings.Contains(rec, `"name":"f.txt"`) {
		t.Fatalf("store_file: %s %+v", rec, r)
	}
	if _, r := tSession(eng, "store_file", sid, p+".missing", `{"type":"user_input"}`); r.status != 2 {
		t.Fatalf("missing file: %+v", r)
	}
	q, r := tSession(eng, "query", `{"session_id":"`+sid+`","tags":["t"]}`)
	if r.status != 0 || strings.Count(q, `"sequence"`) != 1 {
		t.Fatalf("query: %s", q)
	}
	for _, bad := range []string{`{"type":"nope","name":"x"}`, `{"type":"custom"}`, `{"type":"custom","name":"x","extra":1}`, `not json`} {
		if _, r := tSession(eng, "store", sid, bad, "x"); r.status != 1 {
			t.Errorf("store %s: %+v", bad, r)
		}
	}
	if _, r := tSession(eng, "store", "nope", `{"type":"custom","name":"x"}`, "x"); r.status != 2 {
		t.Fatalf("no session: %+v", r)
	}
	if st := tArtifactDelete(eng, sid, 1); st != 0 {
		t.Fatal(st)
	}
	if _, _, r := tArtifactGet(eng, sid, 1); r.status != 2 {
		t.Fatalf("deleted artifact: %+v", r)
	}
}

func TestArtifactStreaming(t *testing.T) {
	eng := newPebbleEngine(t)
	sid, _ := tSession(eng, "create", "")
	content := make([]byte, 3<<20+12345)
	rand.Read(content[:1<<20])
	// The rest stays compressible zeros.
	w, r := tWriterNew(eng, sid, `{"type":"system_generated","name":"big.bin"}`)
	if r.status != 0 {
		t.Fatal(r.errMsg)
	}
	for off := 0; off < len(content); off += 100_000 {
		end := min(off+100_000, len(content))
		if r := tWriterWrite(w, content[off:end]); r.status != 0 {
			t.Fatal(r.errMsg)
		}
	}
	rec, r := tWriterCommit(w)
	if r.status != 0 || !strings.Contains(rec, `"compressed":true`) {
		t.Fatalf("commit: %s %+v", rec, r)
	}
	if r := tWriterWrite(w, []byte("late")); r.status != 10 {
		t.Fatalf("write after commit: %+v", r)
	}
	tWriterFree(w)
	tWriterFree(w)

	rd, r := tReaderOpen(eng, sid, 1)
	if r.status != 0 {
		t.Fatal(r.errMsg)
	}
	// The engine handle can go first: the reader keeps the engine alive.
	tEngineFree(eng)
	got, r := tReaderReadAll(rd, 64<<10)
	if r.status != 0 || !bytes.Equal(got, content) {
		t.Fatalf("read back %d bytes (%+v), want %d", len(got), r, len(content))
	}
	tReaderFree(rd)
	checkEmpty(t)
}

func TestWriterFreeDiscards(t *testing.T) {
	eng := newPebbleEngine(t)
	defer func() { tEngineFree(eng); checkEmpty(t) }()
	sid, _ := tSession(eng, "create", "")
	w, _ := tWriterNew(eng, sid, `{"type":"custom","name":"x"}`)
	tWriterWrite(w, bytes.Repeat([]byte("x"), 2<<20))
	tWriterFree(w)
	if q, _ := tSession(eng, "query", ""); q != "[]" {
		t.Fatalf("discarded writer left an artifact: %s", q)
	}
	if _, r := tWriterCommit(w); r.status != 10 {
		t.Fatalf("commit after free: %+v", r)
	}
	if _, r := tWriterNew(eng, sid, `{"type":"custom"}`); r.status != 1 {
		t.Fatalf("writer without name: %+v", r)
	}
}

// TestSessionVectors runs tests/vectors/session.json through the exports,
// as every binding does.
func TestSessionVectors(t *testing.T) {
	data, err := os.ReadFile("../tests/vectors/session.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []struct {
			Name  string           `json:"name"`
			Steps []map[string]any `json:"steps"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			eng := newPebbleEngine(t)
			defer tEngineFree(eng)
			names := map[string]string{}
			subst := func(v any) string {
				s, _ := v.(string)
				if strings.HasPrefix(s, "$") {
					return names[s[1:]]
				}
				return s
			}
			jsonArg := func(v any) string {
				b, _ := json.Marshal(v)
				return strings.ReplaceAll(string(b), `"$`, `"`+"\x01")
			}
			resolve := func(s string) string {
				for k, v := range names {
					s = strings.ReplaceAll(s, "\x01"+k+`"`, v+`"`)
				}
				return s
			}
			for i, st := range c.Steps {
				call := st["call"].(string)
				var out any
				var r tResult
				switch call {
				case "create":
					var id string
					id, r = tSession(eng, "create", resolve(jsonArg(st["options"])))
					out = id
					if as, ok := st["as"].(string); ok {
						names[as] = id
					}
				case "get":
					var raw string
					raw, r = tSession(eng, "get", subst(st["id"]))
					json.Unmarshal([]byte(raw), &out)
				case "list", "query":
					var raw string
					raw, r = tSession(eng, call, resolve(jsonArg(st["query"])))
					json.Unmarshal([]byte(raw), &out)
				case "transition":
					reason := nilArg
					if s, ok := st["reason"].(string); ok {
						reason = s
					}
					_, r = tSession(eng, "transition", subst(st["id"]), st["status"].(string), reason)
				case "update_metadata":
					_, r = tSession(eng, "update_metadata", subst(st["id"]), jsonArg(st["fields"]))
				case "delete":
					_, r = tSession(eng, "delete", subst(st["id"]))
				case "store":
					payload, _ := st["data_text"].(string)
					if h, ok := st["data_hex"].(string); ok {
						b, _ := hex.DecodeString(h)
						payload = string(b)
					}
					var raw string
					raw, r = tSession(eng, "store", subst(st["id"]), jsonArg(st["options"]), payload)
					json.Unmarshal([]byte(raw), &out)
				case "get_artifact":
					data, rec, res := tArtifactGet(eng, subst(st["id"]), uint64(st["sequence"].(float64)))
					r = res
					var recv any
					json.Unmarshal([]byte(rec), &recv)
					out = map[string]any{"record": recv, "data_text": string(data), "data_hex": hex.EncodeToString(data)}
				case "delete_artifact":
					r.status = tArtifactDelete(eng, subst(st["id"]), uint64(st["sequence"].(float64)))
				case "stream":
					w, res := tWriterNew(eng, subst(st["id"]), jsonArg(st["options"]))
					r = res
					if r.status == 0 {
						for _, p := range st["pieces"].([]any) {
							tWriterWrite(w, []byte(p.(string)))
						}
						var raw string
						raw, r = tWriterCommit(w)
						json.Unmarshal([]byte(raw), &out)
						tWriterFree(w)
					}
				case "read_stream":
					rd, res := tReaderOpen(eng, subst(st["id"]), uint64(st["sequence"].(float64)))
					r = res
					if r.status == 0 {
						var data []byte
						data, r = tReaderReadAll(rd, int(st["buffer"].(float64)))
						out = map[string]any{"data_text": string(data)}
						tReaderFree(rd)
					}
				default:
					t.Fatalf("step %d: unknown call %s", i, call)
				}
				if want, ok := st["expect_error"].(string); ok {
					if statusName(r.status) != want {
						t.Fatalf("step %d (%s): status %s (%s), want %s", i, call, statusName(r.status), r.errMsg, want)
					}
					continue
				}
				if r.status != 0 {
					t.Fatalf("step %d (%s): %s", i, call, r.errMsg)
				}
				if n, ok := st["expect_len"].(float64); ok {
					if l, _ := out.([]any); len(l) != int(n) {
						t.Fatalf("step %d (%s): %d items, want %d", i, call, len(l), int(n))
					}
				}
				if want, ok := st["expect"].(map[string]any); ok {
					if !subsetMatch(want, out, subst) {
						got, _ := json.Marshal(out)
						t.Fatalf("step %d (%s): got %s, want %v", i, call, got, want)
					}
				}
			}
		})
	}
	checkEmpty(t)
}

// subsetMatch reports whether every key of want equals got's (recursively
// for objects; "$name" strings are resolved first).
func subsetMatch(want any, got any, subst func(any) string) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if !subsetMatch(wv, g[k], subst) {
				return false
			}
		}
		return true
	case string:
		return subst(w) == got
	default:
		a, _ := json.Marshal(w)
		b, _ := json.Marshal(got)
		return string(a) == string(b)
	}
}

func TestWrongTypedOptionsAreErrors(t *testing.T) {
	eng := newPebbleEngine(t)
	defer func() { tEngineFree(eng); checkEmpty(t) }()
	sid, _ := tSession(eng, "create", "")
	for _, c := range []struct{ call, arg string }{
		{"create", `{"parent":5}`}, {"create", `{"name":5}`},
		{"list", `{"status":"sleeping"}`}, {"list", `{"limit":"1"}`}, {"list", `{"limit":-1}`}, {"list", `{"parent":5}`},
		{"query", `{"session_id":5}`}, {"query", `{"min_size":"100"}`}, {"query", `{"limit":-1}`},
	} {
		if _, r := tSession(eng, c.call, c.arg); r.status != 1 {
			t.Errorf("%s %s: %+v", c.call, c.arg, r)
		}
	}
	for _, opts := range []string{`{"type":"custom","name":"x","mime_type":5}`, `{"type":5,"name":"x"}`} {
		if _, r := tSession(eng, "store", sid, opts, "x"); r.status != 1 || strings.Contains(r.errMsg, `""`) {
			t.Errorf("store %s: %+v", opts, r)
		}
	}
}

func TestSessionReplayThroughABI(t *testing.T) {
	eng := newPebbleEngine(t)
	defer func() { tEngineFree(eng); checkEmpty(t) }()
	sid, _ := tSession(eng, "create", "")
	if _, r := tSession(eng, "replay", sid, nilArg); r.status != 1 {
		t.Fatalf("nothing recorded: %+v", r)
	}
	res := tRun(eng, "lua", `Session.set_current(ARGS.sid) Tool.invoke("calculator", {input = "2+2"}) Session.set_current(nil) return true`, `{"sid":"`+sid+`"}`, "", 0)
	if res.status != 0 {
		t.Fatal(res.errMsg)
	}
	h, r := tSession(eng, "history", sid)
	if r.status != 0 || !strings.Contains(h, `"name":"calculator"`) {
		t.Fatalf("history: %s %+v", h, r)
	}
	rep, r := tSession(eng, "replay", sid, `{"start_from":0}`)
	if r.status != 0 || !strings.Contains(rep, `"matched":1`) {
		t.Fatalf("replay: %s %+v", rep, r)
	}
	if _, r := tSession(eng, "replay", sid, `{"end_at":-2}`); r.status != 1 {
		t.Fatalf("bad option: %+v", r)
	}
	if _, r := tSession(eng, "history", "nope"); r.status != 2 {
		t.Fatalf("unknown session: %+v", r)
	}
}
