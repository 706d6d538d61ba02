package local

import (
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/value"
)

// testTools are the tools offered in the tool-call tests.
func testTools() []provider.ToolSpec {
	return []provider.ToolSpec{
		{Name: "uuid_generator", Description: "make a UUID", Schema: value.Map{"type": "object", "properties": value.Map{}}},
		{Name: "calculator", Description: "evaluate arithmetic", Schema: value.Map{
			"type":       "object",
			"properties": value.Map{"expression": value.Map{"type": "string"}},
			"required":   value.List{"expression"},
		}},
		{Name: "weather", Description: "forecast", Schema: value.Map{
			"type": "object",
			"properties": value.Map{
				"city":   value.Map{"type": "string", "maxLength": int64(12)},
				"days":   value.Map{"type": "integer"},
				"unit":   value.Map{"enum": value.List{"celsius", "fahrenheit"}},
				"hourly": value.Map{"type": "boolean"},
				"lat":    value.Map{"type": "number"},
				"tags":   value.Map{"type": "array"}, // optional and unsupported: never generated
			},
			"required": value.List{"city", "days"},
		}},
	}
}

func TestGrammarAcceptsAndRejects(t *testing.T) {
	g, err := buildGrammar(testTools())
	if err != nil {
		t.Fatal(err)
	}
	accept := []string{
		`{"name":"uuid_generator","arguments":{}}`,
		`{"name":"calculator","arguments":{"expression":"2+2"}}`,
		`{"name":"calculator","arguments":{"expression":""}}`,
		`{"name":"weather","arguments":{"city":"Paris","days":3}}`,
		`{"name":"weather","arguments":{"city":"Oslo","days":-10,"hourly":true,"lat":-0.5,"unit":"celsius"}}`,
		`{"name":"weather","arguments":{"city":"Oslo","days":0,"unit":"fahrenheit"}}`,
		`{"name":"weather","arguments":{"city":"Oslo","days":123456789,"lat":12}}`,
	}
	for _, s := range accept {
		st, ok := g.advance(g.initial(), s)
		if !ok || !g.accepted(st) {
			t.Errorf("rejected valid call %s (ok %v)", s, ok)
		}
		if _, err := value.DecodeString(s); err != nil {
			t.Errorf("test case %s is not JSON: %v", s, err)
		}
	}
	reject := []string{
		`{"name":"nope","arguments":{}}`,
		`{"name":"calculator","arguments":{}}`,                                               // required missing
		`{"name":"calculator","arguments":{"expression":2}}`,                                 // wrong type
		`{"name":"calculator","arguments":{"expression":"a\"b"}}`,                            // no escapes
		`{"name":"calculator","arguments":{"expression":"` + strings.Repeat("x", 33) + `"}}`, // too long
		`{"name":"weather","arguments":{"days":3,"city":"Paris"}}`,                           // order is fixed
		`{"name":"weather","arguments":{"city":"Paris toooo long","days":1}}`,
		`{"name":"weather","arguments":{"city":"P","days":01}}`,
		`{"name":"weather","arguments":{"city":"P","days":1.5}}`,
		`{"name":"weather","arguments":{"city":"P","days":1,"unit":"kelvin"}}`,
		`{"name":"weather","arguments":{"city":"P","days":1,"tags":[]}}`,
		`{"name":"weather","arguments":{"city":"P","days":1,"lat":1.}}`,
		`{"name":"weather","arguments":{"city":"P","days":1}} `, // nothing after the end
		` {"name":"uuid_generator","arguments":{}}`,
	}
	for _, s := range reject {
		if st, ok := g.advance(g.initial(), s); ok && g.accepted(st) {
			t.Errorf("accepted invalid call %s", s)
		}
	}
	// A valid prefix is accepted but not complete.
	st, ok := g.advance(g.initial(), `{"name":"weather","arguments":{"city":"P","days":12`)
	if !ok || g.accepted(st) || g.tools[g.tool(st)] != "weather" {
		t.Errorf("prefix: ok %v accepted %v tool %d", ok, g.accepted(st), g.tool(st))
	}
}

func TestGrammarErrors(t *testing.T) {
	for name, tools := range map[string][]provider.ToolSpec{
		"none":      nil,
		"duplicate": {{Name: "a"}, {Name: "a"}},
		"unnamed":   {{Name: ""}},
		"required array": {{Name: "a", Schema: value.Map{
			"properties": value.Map{"xs": value.Map{"type": "array"}}, "required": value.List{"xs"}}}},
	} {
		if _, err := buildGrammar(tools); !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Errorf("%s: err = %v, want invalid_argument", name, err)
		}
	}
}

// TestGrammarAlwaysEnds walks the grammar taking a pseudo-random allowed
// byte at each step: it must reach the end within maxBytes.
func TestGrammarAlwaysEnds(t *testing.T) {
	g, err := buildGrammar(testTools())
	if err != nil {
		t.Fatal(err)
	}
	for seed := 0; seed < 200; seed++ {
		st := g.initial()
		var out []byte
		r := uint32(seed*2654435761 + 1)
		for !g.accepted(st) {
			if len(out) > g.maxBytes {
				t.Fatalf("seed %d: %q is longer than maxBytes %d", seed, out, g.maxBytes)
			}
			var allowed []byte
			for c := 0x20; c < 0x7f; c++ {
				if _, ok := g.step(st, byte(c)); ok {
					allowed = append(allowed, byte(c))
				}
			}
			if len(allowed) == 0 {
				t.Fatalf("seed %d: dead end after %q", seed, out)
			}
			r = r*1664525 + 1013904223
			c := allowed[int(r>>8)%len(allowed)]
			st, _ = g.step(st, c)
			out = append(out, c)
		}
		if _, err := value.Decode(out); err != nil {
			t.Fatalf("seed %d: %q is not JSON: %v", seed, out, err)
		}
	}
}

func TestGrammarForced(t *testing.T) {
	g, err := buildGrammar(testTools())
	if err != nil {
		t.Fatal(err)
	}
	st := g.initial()
	if f := g.forced(st); f != "" {
		t.Errorf("start forced %q, want nothing (three tools)", f)
	}
	st, _ = g.advance(st, `{"name":"c`)
	if f := g.forced(st); f != `alculator","arguments":{` {
		t.Errorf("after c: forced %q", f)
	}
	st, _ = g.advance(st, `alculator","arguments":{`)
	if f := g.forced(st); f != `"expression":` {
		t.Errorf("required key: forced %q", f)
	}
	st, _ = g.advance(st, `"expression":"1+1"`)
	if f := g.forced(st); f != "}}" {
		t.Errorf("end: forced %q", f)
	}
}
