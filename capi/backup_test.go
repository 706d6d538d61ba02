package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMigrationsThroughABI(t *testing.T) {
	eng := newPebbleEngine(t)
	defer func() { tEngineFree(eng); checkEmpty(t) }()
	g := "user:u1"
	for _, k := range []string{"a", "b"} {
		v := `{"name":"n` + k + `","age":"3` + k[:0] + `1"}`
		tState(eng, "set", &g, k, "", 0, &v, nil, "")
	}
	schema := `{"version":"1.1.0","scopes":["user:*"],"migrations":[{"op":"rename","from":"name","to":"full_name"},{"op":"convert","field":"age","to":"integer"},{"op":"default","field":"tier","value":"free"}]}`
	if _, r := tAdmin(eng, "register_schema", schema); r.status != 0 {
		t.Fatal(r.errMsg)
	}
	dry, r := tAdmin(eng, "migrate", "1.1.0", `{"dry_run":true}`)
	if r.status != 0 || !strings.Contains(dry, `"items_migrated":2`) || !strings.Contains(dry, `"backup_id":null`) {
		t.Fatalf("dry run: %s %+v", dry, r)
	}
	rep, r := tAdmin(eng, "migrate", "1.1.0", nilArg)
	var report map[string]any
	json.Unmarshal([]byte(rep), &report)
	if r.status != 0 || report["items_migrated"] != float64(2) || report["backup_id"] == nil {
		t.Fatalf("migrate: %s %+v", rep, r)
	}
	v, _ := tState(eng, "get", &g, "a", "", 0, nil, nil, "")
	if v != `{"age":31,"full_name":"na","tier":"free"}` {
		t.Fatalf("migrated value %s", v)
	}
	st, _ := tAdmin(eng, "migration_status")
	if !strings.Contains(st, `"current":"1.1.0"`) {
		t.Fatalf("status %s", st)
	}
	for _, bad := range []string{`{"version":"1.2"}`, `{"version":"1.2.0","migrations":[{"op":"custom","field":"x"}]}`,
		`{"version":"1.2.0","migrations":[{"op":"explode"}]}`, `{"version":"1.2.0","bogus":1}`, `[]`} {
		if _, r := tAdmin(eng, "register_schema", bad); r.status != 1 {
			t.Errorf("schema %s: %+v", bad, r)
		}
	}
	if _, r := tAdmin(eng, "migrate", "9.9.9", nilArg); r.status != 2 {
		t.Fatalf("unknown target: %+v", r)
	}
	if _, r := tAdmin(eng, "migrate", "1.1.0", `{"backup":"yes"}`); r.status != 1 {
		t.Fatalf("bad option: %+v", r)
	}
}

func TestBackupsThroughABI(t *testing.T) {
	eng := newPebbleEngine(t)
	defer func() { tEngineFree(eng); checkEmpty(t) }()
	g := "global"
	one := "1"
	tState(eng, "set", &g, "k", "", 0, &one, nil, "")
	sum, r := tAdmin(eng, "backup_create", `{"label":"first"}`)
	var s map[string]any
	json.Unmarshal([]byte(sum), &s)
	if r.status != 0 || s["id"] == nil || s["kind"] != "full" {
		t.Fatalf("create: %s %+v", sum, r)
	}
	two := "2"
	tState(eng, "set", &g, "k", "", 0, &two, nil, "")
	if inc, r := tAdmin(eng, "backup_create", `{"incremental":true}`); r.status != 0 || !strings.Contains(inc, `"incremental"`) {
		t.Fatalf("incremental: %s %+v", inc, r)
	}
	list, _ := tAdmin(eng, "backup_list")
	if strings.Count(list, `"id"`) != 2 {
		t.Fatalf("list: %s", list)
	}
	if v, r := tAdmin(eng, "backup_validate", "latest"); r.status != 0 || !strings.Contains(v, `"valid":true`) {
		t.Fatalf("validate: %s %+v", v, r)
	}
	if _, r := tAdmin(eng, "backup_restore", s["id"].(string)); r.status != 0 {
		t.Fatalf("restore: %+v", r)
	}
	if v, _ := tState(eng, "get", &g, "k", "", 0, nil, nil, ""); v != "1" {
		t.Fatalf("after restore k = %s, want 1", v)
	}
	if _, r := tAdmin(eng, "backup_restore", "no-such-backup"); r.status != 2 {
		t.Fatalf("missing backup: %+v", r)
	}
	if rep, r := tAdmin(eng, "backup_cleanup", `{"max_count":1,"dry_run":true}`); r.status != 0 || !strings.Contains(rep, "removed") {
		t.Fatalf("cleanup: %s %+v", rep, r)
	}
	for _, bad := range []string{`{"incremental":"yes"}`, `{"bogus":true}`, `[1]`} {
		if _, r := tAdmin(eng, "backup_create", bad); r.status != 1 {
			t.Errorf("create %s: %+v", bad, r)
		}
	}
	if _, r := tAdmin(eng, "backup_validate", nilArg); r.status != 1 {
		t.Fatalf("NULL id: %+v", r)
	}
}
