package builtin

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

const people = "name,age,score,active,joined\nann,31,9.5,true,2024-01-02\nbob,25,7,false,2023-05-06\n\"cy, jr\",40,,yes,2022-12-31\ndee,25,8.25,no,2021-07-08\n"

func TestCSVAnalyze(t *testing.T) {
	r := jsonReg(t)
	env := invoke(t, r, "csv_analyzer", value.Map{"input": people})
	if result(t, env, "rows") != int64(4) || result(t, env, "columns") != int64(5) {
		t.Fatalf("analyze %v", env.Result)
	}
	stats := result(t, env, "column_stats").(value.List)
	types := []string{}
	for _, s := range stats {
		types = append(types, s.(value.Map)["type"].(string))
	}
	if strings.Join(types, ",") != "string,integer,number,boolean,date" {
		t.Fatalf("types %v", types)
	}
	age := stats[1].(value.Map)
	if age["min"] != int64(25) || age["max"] != int64(40) || age["mean"] != 30.25 || age["median"] != 28.0 || age["unique"] != int64(3) {
		t.Fatalf("age stats %v", age)
	}
	if stats[2].(value.Map)["nulls"] != int64(1) {
		t.Fatalf("score nulls %v", stats[2])
	}
}

func TestCSVConvertFilterTransformSample(t *testing.T) {
	r := jsonReg(t)
	rows := result(t, invoke(t, r, "csv_analyzer", value.Map{"operation": "convert", "input": people}), "rows").(value.List)
	if len(rows) != 4 || !value.Equal(rows[2], value.Map{"name": "cy, jr", "age": int64(40), "score": nil, "active": true, "joined": "2022-12-31"}) {
		t.Fatalf("convert %v", rows)
	}
	rows = result(t, invoke(t, r, "csv_analyzer", value.Map{"operation": "convert", "input": people, "infer_types": false}), "rows").(value.List)
	if rows[0].(value.Map)["age"] != "31" {
		t.Fatalf("no inference %v", rows[0])
	}
	names := func(env *tool.Envelope) string {
		var out []string
		for _, r := range result(t, env, "rows").(value.List) {
			out = append(out, r.(value.Map)["name"].(string))
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct {
		p    value.Map
		want string
	}{
		{value.Map{"column": "age", "operator": "gt", "value": int64(26)}, "ann cy, jr"},
		{value.Map{"column": "age", "value": "25"}, "bob dee"},
		{value.Map{"column": "name", "operator": "regex", "value": "^[ab]"}, "ann bob"},
		{value.Map{"column": "score", "operator": "empty"}, "cy, jr"},
		{value.Map{"column": "name", "operator": "in", "value": value.List{"dee", "ann"}}, "ann dee"},
		{value.Map{"conditions": value.List{value.Map{"column": "age", "operator": "lte", "value": int64(25)}, value.Map{"column": "score", "operator": "gt", "value": int64(7)}}}, "dee"},
		{value.Map{"match": "any", "conditions": value.List{value.Map{"column": "name", "value": "ann"}, value.Map{"column": "2", "value": int64(40)}}}, "ann cy, jr"},
	} {
		c.p["operation"], c.p["input"] = "filter", people
		if got := names(invoke(t, r, "csv_analyzer", c.p)); got != c.want {
			t.Errorf("filter %v: %q, want %q", c.p, got, c.want)
		}
	}
	env := invoke(t, r, "csv_analyzer", value.Map{"operation": "transform", "input": people, "sort_by": "age", "descending": true, "columns": value.List{"name", "age"}, "rename": value.Map{"age": "years"}, "format": "csv"})
	if got := result(t, env, "csv"); got != "name,years\n\"cy, jr\",40\nann,31\nbob,25\ndee,25\n" {
		t.Fatalf("transform %q", got)
	}
	if got := names(invoke(t, r, "csv_analyzer", value.Map{"operation": "sample", "input": people, "count": int64(2), "method": "last"})); got != "cy, jr dee" {
		t.Fatalf("sample last %q", got)
	}
	a := names(invoke(t, r, "csv_analyzer", value.Map{"operation": "sample", "input": people, "count": int64(2), "method": "random", "seed": int64(7)}))
	b := names(invoke(t, r, "csv_analyzer", value.Map{"operation": "sample", "input": people, "count": int64(2), "method": "random", "seed": int64(7)}))
	if a != b || len(strings.Fields(a)) < 2 {
		t.Fatalf("seeded samples differ: %q %q", a, b)
	}
	// Tabs, no header, ragged rows.
	env = invoke(t, r, "csv_analyzer", value.Map{"operation": "convert", "input": "1\t2\n3\t4\t5\n", "delimiter": "\\t", "has_header": false})
	if rows := result(t, env, "rows").(value.List); !value.Equal(rows[1], value.Map{"column_1": int64(3), "column_2": int64(4), "column_3": int64(5)}) {
		t.Fatalf("tsv %v", rows)
	}
}

func TestCSVFailures(t *testing.T) {
	dir := t.TempDir()
	p := tool.DefaultPolicy()
	p.FileRoots = []string{dir}
	r := tool.New(p, nil, nil)
	if err := r.Register(csvTool()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte(people), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := result(t, invoke(t, r, "csv_analyzer", value.Map{"file": filepath.Join(dir, "a.csv")}), "rows"); got != int64(4) {
		t.Fatalf("file rows %v", got)
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.csv"), []byte("a\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.csv"), filepath.Join(dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(dir, "..", filepath.Base(outside), "secret.csv"), filepath.Join(dir, "link.csv"), "/etc/passwd"} {
		if _, err := r.Invoke(ctx, "csv_analyzer", value.Map{"file": f}); !errs.IsKind(err, errs.KindDenied) {
			t.Errorf("%s: %v, want denied", f, err)
		}
	}
	wantFail(t, invoke(t, r, "csv_analyzer", value.Map{"input": "a,b\n\"unterminated,1\n"}), errs.KindTool, "bad CSV")
	wantFail(t, invoke(t, r, "csv_analyzer", value.Map{"operation": "filter", "input": people, "column": "nope", "value": "x"}), errs.KindTool, "no column")
	wantFail(t, invoke(t, r, "csv_analyzer", value.Map{"operation": "filter", "input": people, "column": "name", "operator": "regex", "value": "(["}), errs.KindTool, "invalid regex")
	wantFail(t, invoke(t, r, "csv_analyzer", value.Map{"operation": "filter", "input": people}), errs.KindTool, "needs column")
	wantFail(t, invoke(t, r, "csv_analyzer", value.Map{"input": people, "delimiter": "\""}), errs.KindTool, "bad delimiter")
	wantFail(t, invoke(t, r, "csv_analyzer", value.Map{}), errs.KindTool, "give input")
	wide := strings.Repeat("x,", maxCSVColumns+1) + "x\n"
	wantFail(t, invoke(t, r, "csv_analyzer", value.Map{"input": wide}), errs.KindLimit, "columns")
	// A large input is handled (about 4 MB, 100 000 rows).
	var b strings.Builder
	b.WriteString("id,v\n")
	for i := 0; i < 100000; i++ {
		b.WriteString("1234567,abcdefghijklmnopqrstuvwxyz\n")
	}
	if got := result(t, invoke(t, r, "csv_analyzer", value.Map{"input": b.String()}), "rows"); got != int64(100000) {
		t.Fatalf("large: %v", got)
	}
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{people, "a,b\n1,2\n", "\"q\"\"uote\",x\n", "a;b\n1;2", "", "\n\n", "a,a,\n1,2,3,4\n", "\"unterminated", "\ufeffh\n1\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tbl, err := ParseCSV(context.Background(), strings.NewReader(src), ',', true)
		if err != nil {
			if k := errs.KindOf(err); k != errs.KindTool && k != errs.KindLimit {
				t.Fatalf("%q: error kind %v", src, k)
			}
			return
		}
		res := tbl.analyze()
		if res["rows"] != int64(len(tbl.rows)) {
			t.Fatalf("rows %v != %d", res["rows"], len(tbl.rows))
		}
		if _, err := value.Encode(tbl.records(tbl.rows, true)); err != nil {
			t.Fatalf("records do not encode: %v", err)
		}
		if _, err := tbl.toCSV(tbl.rows, ','); err != nil {
			t.Fatalf("toCSV: %v", err)
		}
	})
}
