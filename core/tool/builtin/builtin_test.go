package builtin

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

var ctx = context.Background()

func newRegistry(t *testing.T, p *tool.Policy) *tool.Registry {
	r := tool.New(p, nil, nil)
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	return r
}

func invoke(t *testing.T, r *tool.Registry, name string, params value.Map) *tool.Envelope {
	t.Helper()
	env, err := r.Invoke(ctx, name, params)
	if err != nil {
		t.Fatalf("%s %v: %v", name, params, err)
	}
	return env
}

func result(t *testing.T, env *tool.Envelope, key string) value.Value {
	t.Helper()
	if !env.Success {
		t.Fatalf("tool failed: %v", env.Error)
	}
	return env.Result.(value.Map)[key]
}

func TestCalculator(t *testing.T) {
	r := newRegistry(t, nil)
	for expr, want := range map[string]float64{
		"1 + 2 * 3": 7, "(1 + 2) * 3": 9, "2 ^ 10": 1024, "2 ** 3 ** 2": 512, "-3 + 5": 2, "10 % 4": 2,
		"sqrt(16) + abs(-2)": 6, "max(1, 5, 3) - min(4, 2)": 3, "round(2.5) + floor(1.9) + ceil(1.1)": 6,
		"1 < 2 && 3 >= 3": 1, "not (1 == 1) or 0": 0, "!0": 1, "1 != 2": 1, "pow(2, 0.5) * pow(2, 0.5)": 2.0000000000000004,
		"x * y + order": 17, "1e3 / 4": 250, "ln(e)": 1,
	} {
		v := result(t, invoke(t, r, "calculator", value.Map{"input": expr, "variables": value.Map{"x": int64(3), "y": 4.0, "order": int64(5)}}), "result")
		got, _ := v.(float64)
		if n, ok := v.(int64); ok {
			got = float64(n)
		}
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", expr, v, want)
		}
	}
	for expr, msg := range map[string]string{
		"1 / 0": "division by zero", "5 % 0": "modulo by zero", "10 ^ 400": "overflows", "sqrt(-1)": "not a number",
		"foo(1)": "unknown function", "x + 1": "unknown variable", "(1 + 2": "missing ')'", "1 +": "unexpected end",
		"2 $ 3": "unexpected", strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300): "deeper",
		strings.Repeat("-", 500) + "1": "deeper", "pow(1)": "takes 2",
	} {
		env := invoke(t, r, "calculator", value.Map{"input": expr})
		if env.Success || env.Error.Kind != errs.KindTool || !strings.Contains(env.Error.Message, msg) {
			t.Errorf("%.30s: %+v, want tool error with %q", expr, env.Error, msg)
		}
	}
	if _, err := r.Invoke(ctx, "calculator", value.Map{"input": strings.Repeat("1+", 6000) + "1"}); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatalf("huge input: %v", err)
	}
	v := invoke(t, r, "calculator", value.Map{"operation": "validate", "input": "1 +"})
	if result(t, v, "valid") != false {
		t.Fatal("validate")
	}
}

func FuzzCalculator(f *testing.F) {
	for _, s := range []string{"1+2*3", "sqrt(2)^2", "max(1,2,3)", "(((1)))", "1/0", "not 1 and 0 or 1", "2**3**2", "1e308*10", "-(-(-1))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		v, err := Evaluate(expr, map[string]float64{"x": 1})
		if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Fatalf("%q gave %v without an error", expr, v)
		}
		if err != nil && !errs.IsKind(err, errs.KindTool) {
			t.Fatalf("%q: error of kind %v", expr, errs.KindOf(err))
		}
	})
}

func TestBase64HashUUIDText(t *testing.T) {
	r := newRegistry(t, nil)
	enc := result(t, invoke(t, r, "base64_encoder", value.Map{"input": "héllo?>"}), "output").(string)
	if dec := result(t, invoke(t, r, "base64_encoder", value.Map{"operation": "decode", "input": enc}), "output"); dec != "héllo?>" {
		t.Fatalf("base64 round trip: %v", dec)
	}
	if u := result(t, invoke(t, r, "base64_encoder", value.Map{"input": "??>", "variant": "url_safe"}), "output"); strings.ContainsAny(u.(string), "+/") {
		t.Fatalf("url_safe: %v", u)
	}
	if env := invoke(t, r, "base64_encoder", value.Map{"operation": "decode", "input": "!!!"}); env.Success {
		t.Fatal("bad base64 accepted")
	}
	h := result(t, invoke(t, r, "hash_calculator", value.Map{"input": "abc"}), "hash")
	if h != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("sha256: %v", h)
	}
	b3 := result(t, invoke(t, r, "hash_calculator", value.Map{"input": "abc", "algorithm": "blake3"}), "hash")
	if b3 != "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85" {
		t.Fatalf("blake3: %v", b3)
	}
	if v := result(t, invoke(t, r, "hash_calculator", value.Map{"operation": "verify", "input": "abc", "expected_hash": strings.ToUpper(h.(string))}), "valid"); v != true {
		t.Fatal("verify")
	}
	u5a := result(t, invoke(t, r, "uuid_generator", value.Map{"operation": "deterministic", "namespace": "dns", "name": "example.com"}), "uuid")
	if u5a != "cfbff0d1-9375-5685-968c-48ce8b15ae17" {
		t.Fatalf("v5: %v", u5a)
	}
	for _, v := range []string{"v1", "v4", "v7"} {
		u := result(t, invoke(t, r, "uuid_generator", value.Map{"version": v}), "uuid").(string)
		if val := result(t, invoke(t, r, "uuid_generator", value.Map{"operation": "validate", "input": u}), "version"); val != int64(v[1]-'0') {
			t.Fatalf("%s: %s has version %v", v, u, val)
		}
	}
	for op, want := range map[string]string{"snake_case": "hello_world_http_server", "camel_case": "helloWorldHttpServer", "pascal_case": "HelloWorldHttpServer"} {
		if got := result(t, invoke(t, r, "text_manipulator", value.Map{"operation": op, "input": "Hello worldHttp-server"}), "output"); got != want {
			t.Errorf("%s: %v", op, got)
		}
	}
	if got := result(t, invoke(t, r, "text_manipulator", value.Map{"operation": "word_wrap", "input": "aa bb cc dd", "options": value.Map{"width": int64(5)}}), "output"); got != "aa bb\ncc dd" {
		t.Fatalf("wrap: %q", got)
	}
	if env := invoke(t, r, "text_manipulator", value.Map{"operation": "substring", "input": "abc", "options": value.Map{"start": int64(2), "end": int64(9)}}); env.Success {
		t.Fatal("bad substring accepted")
	}
	if _, err := r.Invoke(ctx, "text_manipulator", value.Map{"operation": "explode", "input": "x"}); !errs.IsKind(err, errs.KindInvalidArgument) || !strings.Contains(err.Error(), "params.operation") {
		t.Fatalf("bad operation: %v", err)
	}
}

func TestHashFileUnderPolicy(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(root, "in.txt"), []byte("abc"), 0o600)
	os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("x"), 0o600)
	os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(root, "link.txt"))
	p := tool.DefaultPolicy()
	p.FileRoots = []string{root}
	r := newRegistry(t, p)
	if h := result(t, invoke(t, r, "hash_calculator", value.Map{"file": filepath.Join(root, "in.txt")}), "hash"); h != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("file hash %v", h)
	}
	for _, escape := range []string{filepath.Join(outside, "secret.txt"), filepath.Join(root, "..", filepath.Base(outside), "secret.txt"), filepath.Join(root, "link.txt"), "/etc/passwd"} {
		if _, err := r.Invoke(ctx, "hash_calculator", value.Map{"file": escape}); !errs.IsKind(err, errs.KindDenied) {
			t.Errorf("%s: %v", escape, err)
		}
	}
}
