package builtin

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

func jsonReg(t *testing.T) *tool.Registry {
	r := tool.New(nil, nil, nil)
	for _, tl := range []*tool.Tool{jsonTool(), templateTool(), csvTool(), validationTool(), dateTimeTool(), diffTool()} {
		if err := r.Register(tl); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func wantFail(t *testing.T, env *tool.Envelope, kind errs.Kind, msg string) {
	t.Helper()
	if env.Success || env.Error == nil || env.Error.Kind != kind || !strings.Contains(env.Error.Message, msg) {
		t.Fatalf("want %s error containing %q, got success=%v %+v", kind, msg, env.Success, env.Error)
	}
}

func TestJSONQuery(t *testing.T) {
	r := jsonReg(t)
	doc := `{"users":[{"name":"ann","age":31},{"name":"bob","age":25}],"n":12345678901234}`
	got := result(t, invoke(t, r, "json_processor", value.Map{"input": doc, "query": "[.users[] | select(.age > 30) | .name]"}), "result")
	if !value.Equal(got, value.List{"ann"}) {
		t.Fatalf("got %v", got)
	}
	got = result(t, invoke(t, r, "json_processor", value.Map{"input": doc, "query": ".users | map(.age) | add"}), "result")
	if got != int64(56) {
		t.Fatalf("add: %#v", got)
	}
	got = result(t, invoke(t, r, "json_processor", value.Map{"input": doc, "query": ".n"}), "result")
	if got != int64(12345678901234) {
		t.Fatalf("big int: %#v", got)
	}
	// A value (not text) as input, several results.
	env := invoke(t, r, "json_processor", value.Map{"input": value.Map{"a": value.List{int64(1), int64(2), int64(3)}}, "query": ".a[] * 2"})
	if !value.Equal(result(t, env, "results"), value.List{int64(2), int64(4), int64(6)}) {
		t.Fatalf("results %v", env.Result)
	}
	// Default query is identity; $ENV is empty (no host environment leaks).
	if got := result(t, invoke(t, r, "json_processor", value.Map{"input": "[1]"}), "result"); !value.Equal(got, value.List{int64(1)}) {
		t.Fatalf("identity %v", got)
	}
	if got := result(t, invoke(t, r, "json_processor", value.Map{"input": "null", "query": "$ENV | length"}), "result"); got != int64(0) {
		t.Fatalf("$ENV leaks: %v", got)
	}
	wantFail(t, invoke(t, r, "json_processor", value.Map{"input": "{", "query": "."}), errs.KindTool, "not valid JSON")
	wantFail(t, invoke(t, r, "json_processor", value.Map{"input": "{}", "query": ".a |||"}), errs.KindTool, "bad query")
	wantFail(t, invoke(t, r, "json_processor", value.Map{"input": "{}", "query": "error(\"boom\")"}), errs.KindTool, "boom")
	wantFail(t, invoke(t, r, "json_processor", value.Map{"input": "1", "query": "range(1000000)"}), errs.KindLimit, "more than")
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	wantFail(t, invoke(t, r, "json_processor", value.Map{"input": deep}), errs.KindLimit, "deeper")
}

func TestJSONQueryTimeout(t *testing.T) {
	p := tool.DefaultPolicy()
	p.Timeout = 200 * time.Millisecond
	r := tool.New(p, nil, nil)
	if err := r.Register(jsonTool()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := r.Invoke(ctx, "json_processor", value.Map{"input": "0", "query": "def f: f; f"})
	if !errs.IsKind(err, errs.KindTimeout) || time.Since(start) > 5*time.Second {
		t.Fatalf("endless query: %v after %v", err, time.Since(start))
	}
}

func TestJSONLargeDocument(t *testing.T) {
	r := jsonReg(t)
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < 1<<20; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item %d","tags":["a","b"],"price":%d.5}`, i, i, i%100)
	}
	b.WriteString(`]}`)
	start := time.Now()
	got := result(t, invoke(t, r, "json_processor", value.Map{"input": b.String(), "query": "[.items[] | select(.price > 98)] | length"}), "result")
	if n, _ := got.(int64); n < 100 {
		t.Fatalf("count %v", got)
	}
	t.Logf("1 MB query in %v", time.Since(start))
}

func TestJSONValidate(t *testing.T) {
	r := jsonReg(t)
	schema := value.Map{"type": "object", "required": value.List{"name"}, "properties": value.Map{
		"name": value.Map{"type": "string", "minLength": int64(2)},
		"age":  value.Map{"type": "integer", "minimum": int64(0)},
		"tags": value.Map{"type": "array", "items": value.Map{"type": "string"}},
	}}
	env := invoke(t, r, "json_processor", value.Map{"operation": "validate", "input": `{"name":"ann","age":3,"tags":["x"]}`, "schema": schema})
	if result(t, env, "valid") != true {
		t.Fatalf("valid doc: %v", env.Result)
	}
	env = invoke(t, r, "json_processor", value.Map{"operation": "validate", "input": `{"name":"a","age":-1,"tags":[1]}`, "schema": schema})
	if result(t, env, "valid") != false {
		t.Fatal("invalid doc passed")
	}
	problems := result(t, env, "errors").(value.List)
	paths := []string{}
	for _, p := range problems {
		paths = append(paths, p.(value.Map)["path"].(string))
	}
	for _, want := range []string{"/name", "/age", "/tags/0"} {
		if !strings.Contains(strings.Join(paths, " "), want) {
			t.Errorf("errors %v miss %s", problems, want)
		}
	}
	// Schema as JSON text, and a $ref to a file or URL is refused.
	env = invoke(t, r, "json_processor", value.Map{"operation": "validate", "input": `5`, "schema": `{"type":"string"}`})
	if result(t, env, "valid") != false {
		t.Fatal("text schema")
	}
	wantFail(t, invoke(t, r, "json_processor", value.Map{"operation": "validate", "input": `5`, "schema": `{"$ref":"file:///etc/passwd"}`}), errs.KindTool, "not loaded")
	wantFail(t, invoke(t, r, "json_processor", value.Map{"operation": "validate", "input": `5`, "schema": `{"$ref":"http://169.254.169.254/x"}`}), errs.KindTool, "schema")
	wantFail(t, invoke(t, r, "json_processor", value.Map{"operation": "validate", "input": `5`, "schema": `{"type":12}`}), errs.KindTool, "schema")
}

func TestJSONStream(t *testing.T) {
	r := jsonReg(t)
	env := invoke(t, r, "json_processor", value.Map{"operation": "stream", "input": "{\"a\":1}\n\n{\"a\":2}\n{\"a\":3}\n", "query": "select(.a != 2) | .a"})
	if !value.Equal(result(t, env, "results"), value.List{int64(1), int64(3)}) || result(t, env, "lines") != int64(3) {
		t.Fatalf("stream %v", env.Result)
	}
	wantFail(t, invoke(t, r, "json_processor", value.Map{"operation": "stream", "input": "{\"a\":1}\n{oops}\n"}), errs.KindTool, "line 2")
	wantFail(t, invoke(t, r, "json_processor", value.Map{"operation": "stream", "input": value.Map{}}), errs.KindTool, "JSON lines")
}

// BenchmarkJSONProcessor1MB runs a filter over a 1 MB document through the
// registry (parse, convert, query, result).
func BenchmarkJSONProcessor1MB(b *testing.B) {
	r := tool.New(nil, nil, nil)
	if err := r.Register(jsonTool()); err != nil {
		b.Fatal(err)
	}
	var doc strings.Builder
	doc.WriteString(`{"items":[`)
	for i := 0; doc.Len() < 1<<20; i++ {
		if i > 0 {
			doc.WriteByte(',')
		}
		fmt.Fprintf(&doc, `{"id":%d,"name":"item %d","tags":["a","b"],"price":%d.5}`, i, i, i%100)
	}
	doc.WriteString(`]}`)
	params := value.Map{"input": doc.String(), "query": "[.items[] | select(.price > 98) | .id] | length"}
	b.SetBytes(int64(doc.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if env, err := r.Invoke(ctx, "json_processor", params); err != nil || !env.Success {
			b.Fatal(err, env.Error)
		}
	}
}
