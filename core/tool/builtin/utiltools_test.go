package builtin

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

func TestDataValidation(t *testing.T) {
	r := jsonReg(t)
	data := value.Map{"name": "ann", "age": int64(31), "email": "ann@example.com", "site": "https://x.org/a",
		"born": "1994-03-02", "role": "admin", "tags": value.List{"a", "bb"}, "user": value.Map{"zip": "12345"}}
	rules := value.Map{
		"name":     value.List{"required", value.Map{"type": "type", "expected": "string"}, value.Map{"type": "length", "min": int64(2), "max": int64(10)}},
		"age":      value.Map{"type": "range", "min": int64(0), "max": int64(150)},
		"email":    "email",
		"site":     value.Map{"type": "url", "schemes": value.List{"https"}},
		"born":     value.Map{"type": "date", "format": "%Y-%m-%d"},
		"role":     value.Map{"type": "enum", "values": value.List{"admin", "user"}},
		"tags":     value.Map{"type": "items", "rules": value.List{value.Map{"type": "length", "min": int64(1)}}},
		"user.zip": value.Map{"type": "pattern", "pattern": `^\d{5}$`},
		"nickname": value.Map{"type": "length", "min": int64(3)}, // absent: skipped
	}
	env := invoke(t, r, "data_validation", value.Map{"input": data, "rules": rules})
	if result(t, env, "valid") != true {
		t.Fatalf("valid data: %v", env.Result)
	}
	bad := value.Map{"age": int64(200), "email": "not-an-email", "site": "ftp://x.org", "born": "02/03/1994", "role": "root",
		"tags": value.List{"ok", ""}, "user": value.Map{"zip": "12a45"}, "name": "a"}
	env = invoke(t, r, "data_validation", value.Map{"input": bad, "rules": rules})
	errsList := result(t, env, "errors").(value.List)
	fields := []string{}
	for _, e := range errsList {
		fields = append(fields, e.(value.Map)["field"].(string)+":"+e.(value.Map)["rule"].(string))
	}
	want := "age:range born:date email:email name:length role:enum site:url tags.1:length user.zip:pattern"
	if strings.Join(fields, " ") != want {
		t.Fatalf("errors\n got %v\nwant %s", fields, want)
	}
	env = invoke(t, r, "data_validation", value.Map{"input": value.Map{}, "rules": value.Map{"name": value.Map{"type": "required", "message": "who are you?"}}})
	if e := result(t, env, "errors").(value.List); len(e) != 1 || e[0].(value.Map)["message"] != "who are you?" {
		t.Fatalf("custom message %v", e)
	}
	// Rules for the input itself, and fail_fast.
	env = invoke(t, r, "data_validation", value.Map{"input": int64(5), "rules": value.List{value.Map{"type": "type", "expected": "string"}, value.Map{"type": "range", "max": int64(1)}}, "fail_fast": true})
	if e := result(t, env, "errors").(value.List); len(e) != 1 {
		t.Fatalf("fail_fast %v", e)
	}
	wantFail(t, invoke(t, r, "data_validation", value.Map{"input": "x", "rules": value.List{value.Map{"type": "pattern", "pattern": "(["}}}), errs.KindTool, "invalid pattern")
	wantFail(t, invoke(t, r, "data_validation", value.Map{"input": "x", "rules": value.List{value.Map{"type": "bogus"}}}), errs.KindTool, "unknown rule")
	// Deeply nested item rules fail cleanly.
	var deep value.Value = value.List{value.Map{"type": "required"}}
	var nested value.Value = "x"
	for i := 0; i < 40; i++ {
		deep = value.List{value.Map{"type": "items", "rules": deep}}
		nested = value.List{nested}
	}
	wantFail(t, invoke(t, r, "data_validation", value.Map{"input": nested, "rules": deep}), errs.KindTool, "deeper")
}

func TestDateTime(t *testing.T) {
	r := jsonReg(t)
	res := func(p value.Map) value.Map {
		t.Helper()
		env := invoke(t, r, "date_time_handler", p)
		if !env.Success {
			t.Fatalf("%v: %v", p, env.Error)
		}
		return env.Result.(value.Map)
	}
	m := res(value.Map{"input": "2024-02-29T13:45:00Z"})
	if m["year"] != int64(2024) || m["weekday"] != "Thursday" || m["unix"] != int64(1709214300) {
		t.Fatalf("parse %v", m)
	}
	m = res(value.Map{"input": "29/02/2024 08:00", "format": "%d/%m/%Y %H:%M", "timezone": "Asia/Kolkata", "output_format": "rfc1123"})
	if m["iso"] != "2024-02-29T08:00:00+05:30" || m["formatted"] != "Thu, 29 Feb 2024 08:00:00 IST" {
		t.Fatalf("strftime parse %v", m)
	}
	if m = res(value.Map{"input": int64(1700000000000)}); m["iso"] != "2023-11-14T22:13:20Z" {
		t.Fatalf("unix ms %v", m)
	}
	m = res(value.Map{"operation": "convert_timezone", "input": "2024-07-01T12:00:00Z", "target_timezone": "America/New_York"})
	if m["iso"] != "2024-07-01T08:00:00-04:00" || m["timezone"] != "America/New_York" {
		t.Fatalf("convert %v", m)
	}
	if m = res(value.Map{"operation": "convert_timezone", "input": "2024-07-01T12:00:00Z", "target_timezone": "+05:30"}); m["hour"] != int64(17) {
		t.Fatalf("offset zone %v", m)
	}
	// years and months stop at the end of a shorter month
	for _, c := range []struct {
		op, in string
		n      int64
		unit   string
		want   string
	}{
		{"add", "2024-01-31", 1, "months", "2024-02-29T00:00:00Z"},
		{"add", "2023-01-31T10:30:00Z", 1, "months", "2023-02-28T10:30:00Z"},
		{"add", "2024-01-15", 1, "months", "2024-02-15T00:00:00Z"},
		{"subtract", "2024-03-31", 1, "months", "2024-02-29T00:00:00Z"},
		{"add", "2024-02-29", 1, "years", "2025-02-28T00:00:00Z"},
		{"add", "2024-10-31", 14, "months", "2025-12-31T00:00:00Z"},
		{"add", "2024-01-31", 30, "days", "2024-03-01T00:00:00Z"},
	} {
		if m = res(value.Map{"operation": c.op, "input": c.in, "amount": c.n, "unit": c.unit}); m["iso"] != c.want {
			t.Errorf("%s %s %d %s = %v, want %s", c.op, c.in, c.n, c.unit, m["iso"], c.want)
		}
	}
	if m = res(value.Map{"operation": "subtract", "input": "2024-03-01T00:00:00Z", "amount": 1.5, "unit": "hours"}); m["iso"] != "2024-02-29T22:30:00Z" {
		t.Fatalf("subtract %v", m)
	}
	m = res(value.Map{"operation": "difference", "start": "2020-01-15", "end": "2024-03-20T06:00:00Z"})
	cal := m["calendar"].(value.Map)
	if cal["years"] != int64(4) || cal["months"] != int64(2) || cal["days"] != int64(5) || !strings.HasPrefix(m["human"].(string), "1526 days 6 hours") {
		t.Fatalf("difference %v", m)
	}
	m = res(value.Map{"operation": "info", "input": "2023-12-31"})
	if m["leap_year"] != false || m["quarter"] != int64(4) || m["days_in_month"] != int64(31) || m["is_weekend"] != true {
		t.Fatalf("info %v", m)
	}
	if m = res(value.Map{"operation": "now", "timezone": "Europe/Paris"}); m["timezone"] != "Europe/Paris" {
		t.Fatalf("now %v", m)
	} else if u := m["unix"].(int64); time.Since(time.Unix(u, 0)) > time.Minute {
		t.Fatalf("now is %v", m)
	}
	if m = res(value.Map{"operation": "formats"}); m["named"].(value.Map)["rfc3339"] == nil {
		t.Fatalf("formats %v", m)
	}
	for p, msg := range map[string]value.Map{
		"cannot parse":      {"input": "not a date"},
		"unknown time zone": {"input": "2024-01-01", "timezone": "Mars/Olympus"},
		"needs target":      {"operation": "convert_timezone", "input": "2024-01-01"},
		"needs amount":      {"operation": "add", "input": "2024-01-01"},
		"whole amount":      {"operation": "add", "input": "2024-01-01", "amount": 1.5, "unit": "months"},
		"out of range":      {"operation": "add", "input": "2024-01-01", "amount": 1e300, "unit": "seconds"},
		"needs start":       {"operation": "difference"},
		"with format":       {"input": "2024-13-45", "format": "%Y-%m-%d"},
	} {
		wantFail(t, invoke(t, r, "date_time_handler", msg), errs.KindTool, p)
	}
}

func TestDiff(t *testing.T) {
	r := jsonReg(t)
	oldT := "one\ntwo\nthree\nfour\n"
	newT := "one\n2\nthree\nfour\nfive\n"
	env := invoke(t, r, "diff_calculator", value.Map{"old_text": oldT, "new_text": newT})
	d := result(t, env, "diff").(string)
	if !strings.Contains(d, "--- old\n+++ new\n@@ -1,4 +1,5 @@\n one\n-two\n+2\n three\n four\n+five\n") {
		t.Fatalf("unified:\n%s", d)
	}
	if result(t, env, "additions") != int64(2) || result(t, env, "deletions") != int64(1) || result(t, env, "unchanged") != int64(3) {
		t.Fatalf("stats %v", env.Result)
	}
	if d := result(t, invoke(t, r, "diff_calculator", value.Map{"old_text": oldT, "new_text": newT, "format": "simple"}), "diff"); d != "  one\n- two\n+ 2\n  three\n  four\n+ five\n" {
		t.Fatalf("simple %q", d)
	}
	if d := result(t, invoke(t, r, "diff_calculator", value.Map{"old_text": "the quick fox\n", "new_text": "the slow fox\n", "format": "inline"}), "diff"); d != "the [-quick-]{+slow+} fox\n" {
		t.Fatalf("inline %q", d)
	}
	if d := result(t, invoke(t, r, "diff_calculator", value.Map{"old_text": oldT, "new_text": newT, "format": "context"}), "diff").(string); !strings.Contains(d, "*** old\n--- new\n") || !strings.Contains(d, "! two") {
		t.Fatalf("context %q", d)
	}
	if result(t, invoke(t, r, "diff_calculator", value.Map{"old_text": "a", "new_text": "a"}), "identical") != true {
		t.Fatal("identical")
	}
	env = invoke(t, r, "diff_calculator", value.Map{"type": "json", "old_json": `{"a":1,"b":{"c":[1,2]},"d/e":true}`, "new_json": value.Map{"a": int64(2), "b": value.Map{"c": value.List{int64(1)}}, "f": nil, "d/e": true}})
	changes := result(t, env, "changes").(value.List)
	want := value.List{
		value.Map{"op": "changed", "path": "/a", "old": int64(1), "new": int64(2)},
		value.Map{"op": "removed", "path": "/b/c/1", "old": int64(2)},
		value.Map{"op": "added", "path": "/f", "new": nil},
	}
	if !value.Equal(changes, want) {
		t.Fatalf("json diff %v", changes)
	}
	wantFail(t, invoke(t, r, "diff_calculator", value.Map{"type": "json", "old_json": "{", "new_json": "{}"}), errs.KindTool, "not valid JSON")
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	wantFail(t, invoke(t, r, "diff_calculator", value.Map{"type": "json", "old_json": deep, "new_json": "1"}), errs.KindLimit, "deeper")
	wantFail(t, invoke(t, r, "diff_calculator", value.Map{"old_text": "a"}), errs.KindTool, "needs old_text")
	big := strings.Repeat("line\n", maxDiffLines+1)
	wantFail(t, invoke(t, r, "diff_calculator", value.Map{"old_text": big, "new_text": "x"}), errs.KindLimit, "lines")
	// A large diff finishes: two different 5 000-line texts.
	var a, b strings.Builder
	for i := 0; i < 5000; i++ {
		a.WriteString("a line " + strings.Repeat("x", i%7) + "\n")
		b.WriteString("b line " + strings.Repeat("y", i%5) + "\n")
	}
	start := time.Now()
	invoke(t, r, "diff_calculator", value.Map{"old_text": a.String(), "new_text": b.String()})
	t.Logf("5000-line diff in %v", time.Since(start))
	// Inputs that make a naive matcher quadratic: 20 000 lines, every third changed.
	a.Reset()
	b.Reset()
	for i := 0; i < maxDiffLines; i++ {
		a.WriteString("l" + strconv.Itoa(i) + "\n")
		if i%3 == 0 {
			b.WriteString("m" + strconv.Itoa(i) + "\n")
		} else {
			b.WriteString("l" + strconv.Itoa(i) + "\n")
		}
	}
	start = time.Now()
	env = invoke(t, r, "diff_calculator", value.Map{"old_text": a.String(), "new_text": b.String()})
	if result(t, env, "deletions") != int64(6667) || time.Since(start) > 5*time.Second {
		t.Fatalf("20 000-line diff: %v in %v", env.Result.(value.Map)["deletions"], time.Since(start))
	}
	t.Logf("20 000-line diff in %v", time.Since(start))
}

func TestDiffEngineReconstructs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 300; n++ {
		gen := func() []string {
			l := make([]string, rng.IntN(40))
			for i := range l {
				l[i] = string(rune('a'+rng.IntN(5))) + "\n"
			}
			return l
		}
		a, b := gen(), gen()
		if n%3 == 0 { // large enough for the patience path
			for i := 0; i < 3000; i++ {
				a = append(a, strconv.Itoa(i)+"\n")
				b = append(b, strconv.Itoa(i+rng.IntN(2))+"\n")
			}
		}
		var got []string
		same := 0
		i, j := 0, 0
		for _, op := range diffOpCodes(a, b) {
			if op.I1 != i || op.J1 != j {
				t.Fatalf("ops not contiguous at %d,%d: %+v", i, j, op)
			}
			if op.Tag == 'e' {
				for k := 0; k < op.I2-op.I1; k++ {
					if a[op.I1+k] != b[op.J1+k] {
						t.Fatalf("equal op on different lines")
					}
				}
				same += op.I2 - op.I1
			}
			got = append(got, b[op.J1:op.J2]...)
			i, j = op.I2, op.J2
		}
		if i != len(a) || j != len(b) || strings.Join(got, "") != strings.Join(b, "") {
			t.Fatalf("script does not rebuild b")
		}
		if len(a)*len(b) <= maxLCSCells { // exact: compare with a plain LCS length
			if want := lcsLen(a, b); same != want {
				t.Fatalf("LCS %d, want %d", same, want)
			}
		}
	}
}

func lcsLen(a, b []string) int {
	prev := make([]int, len(b)+1)
	for i := range a {
		cur := make([]int, len(b)+1)
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev = cur
	}
	return prev[len(b)]
}
