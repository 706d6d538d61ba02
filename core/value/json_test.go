package value

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
)

func TestEncodeDeterministic(t *testing.T) {
	v := Map{"b": int64(1), "a": List{true, nil, 2.5, "x\n\"y\""}, "c": Map{}, "d": List{}}
	got, err := Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":[true,null,2.5,"x\n\"y\""],"b":1,"c":{},"d":[]}`
	if string(got) != want {
		t.Fatalf("got %s want %s", got, want)
	}
}

func TestEncodeSpecialFloats(t *testing.T) {
	got, _ := Encode(List{math.NaN(), math.Inf(1), math.Inf(-1), 3.0, 1e21, 1e-7, -0.5})
	if string(got) != `[null,null,null,3,1e+21,1e-07,-0.5]` {
		t.Fatalf("got %s", got)
	}
}

func TestEncodeRejectsNonValue(t *testing.T) {
	_, err := Encode(Map{"f": func() {}})
	if !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatalf("err = %v", err)
	}
}

func TestEncodeInvalidUTF8Replaced(t *testing.T) {
	got, _ := Encode("a\xffb")
	if string(got) != "\"a\ufffdb\"" {
		t.Fatalf("got %q", got)
	}
}

func TestEncodeBytesBase64(t *testing.T) {
	got, _ := Encode([]byte{0, 1, 2})
	if string(got) != `"AAEC"` {
		t.Fatalf("got %s", got)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	in := `{"a": [1, -2, 3.5, 1e3, "\u00e9\ud83d\ude00", true, false, null], "big": 12345678901234567890, "o": {"x": {}}}`
	v, err := DecodeString(in)
	if err != nil {
		t.Fatal(err)
	}
	m := v.(Map)
	a := m["a"].(List)
	if a[0] != int64(1) || a[1] != int64(-2) || a[2] != 3.5 || a[3] != 1000.0 || a[4] != "é😀" {
		t.Fatalf("decoded %#v", a)
	}
	if _, ok := m["big"].(float64); !ok {
		t.Fatalf("big should overflow to float, got %T", m["big"])
	}
	// Compare with encoding/json on the same text.
	var std any
	if err := json.Unmarshal([]byte(in), &std); err != nil {
		t.Fatal(err)
	}
	out, _ := Encode(v)
	var back any
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("re-encoded JSON invalid: %s", out)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := map[string]errs.Kind{
		``:           errs.KindInvalidArgument,
		`{`:          errs.KindInvalidArgument,
		`{"a":1,}`:   errs.KindInvalidArgument,
		`[1 2]`:      errs.KindInvalidArgument,
		`01`:         errs.KindInvalidArgument,
		`"abc`:       errs.KindInvalidArgument,
		"\"a\xffb\"": errs.KindInvalidArgument,
		`{"a":1} x`:  errs.KindInvalidArgument,
		`tru`:        errs.KindInvalidArgument,
		`"\q"`:       errs.KindInvalidArgument,
		"\"a\nb\"":   errs.KindInvalidArgument,
		`1.`:         errs.KindInvalidArgument,
		strings.Repeat("[", MaxDepth+2) + strings.Repeat("]", MaxDepth+2): errs.KindLimit,
	}
	for in, kind := range cases {
		if _, err := DecodeString(in); !errs.IsKind(err, kind) {
			t.Errorf("Decode(%.20q) err = %v, want %v", in, err, kind)
		}
	}
}

func TestGetPath(t *testing.T) {
	v := Map{"a": Map{"b": List{int64(1), Map{"c": "x"}}}}
	if got, ok := Get(v, "a.b.1.c"); !ok || got != "x" {
		t.Fatalf("got %v %v", got, ok)
	}
	if _, ok := Get(v, "a.z"); ok {
		t.Fatal("missing must be false")
	}
}

func TestEqualIntFloat(t *testing.T) {
	if !Equal(int64(2), 2.0) || Equal(int64(2), "2") {
		t.Fatal("Equal")
	}
	if !Equal(Map{"a": List{int64(1)}}, Map{"a": List{1.0}}) {
		t.Fatal("nested Equal")
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{}`, `[1,2]`, `"\u00e9"`, `{"a":[null,true,1.5e3]}`, `-0`, `"\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		if err != nil {
			return
		}
		out, err := Encode(v)
		if err != nil {
			t.Fatalf("encode of decoded value failed: %v", err)
		}
		v2, err := Decode(out)
		if err != nil {
			t.Fatalf("re-decode failed: %v (%s)", err, out)
		}
		if !Equal(v, v2) {
			t.Fatalf("round trip changed value: %s", out)
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON produced: %s", out)
		}
	})
}

func BenchmarkEncodeSmallMap(b *testing.B) {
	v := Map{"name": "x", "n": int64(3), "ok": true, "list": List{1.5, "a"}}
	b.ReportAllocs()
	buf := make([]byte, 0, 256)
	for i := 0; i < b.N; i++ {
		buf, _ = AppendJSON(buf[:0], v, nil)
	}
}

func BenchmarkDecodeSmallMap(b *testing.B) {
	data := []byte(`{"name":"x","n":3,"ok":true,"list":[1.5,"a"]}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTruthy(t *testing.T) {
	for _, c := range []struct {
		v    Value
		want bool
	}{
		{nil, false}, {false, false}, {true, true}, {int64(0), false}, {int64(-1), true}, {0.0, false},
		{math.NaN(), false}, {0.5, true}, {"", false}, {"0", true}, {[]byte{}, false}, {List{}, false},
		{List{nil}, true}, {Map{}, false}, {Map{"a": nil}, true},
	} {
		if got := Truthy(c.v); got != c.want {
			t.Errorf("Truthy(%#v) = %v", c.v, got)
		}
	}
}

func TestNumber(t *testing.T) {
	for _, c := range []struct {
		v  Value
		n  float64
		ok bool
	}{{int64(3), 3, true}, {2.5, 2.5, true}, {7, 7, true}, {"3", 0, false}, {nil, 0, false}, {true, 0, false}} {
		if n, ok := Number(c.v); n != c.n || ok != c.ok {
			t.Errorf("Number(%#v) = %v, %v", c.v, n, ok)
		}
	}
}
