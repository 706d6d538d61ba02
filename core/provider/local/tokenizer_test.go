package local

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	e := testEngine(t)
	for _, text := range []string{
		"Once upon a time, there was a little girl named Lily.",
		"Lily's mom said, \"Hello!\"\nThe end.",
		"héllo wörld ✓ 日本",
		"  two leading spaces",
		"x",
	} {
		toks := e.tok.encode(nil, text, true, false)
		if toks[0] != tokenBOS {
			t.Fatalf("%q: first token %d, want BOS", text, toks[0])
		}
		if got := e.tok.decode(toks[1:]); got != text {
			t.Errorf("round trip of %q gave %q (tokens %v)", text, got, toks)
		}
	}
}

func TestEncodeDetails(t *testing.T) {
	e := testEngine(t)
	if got := e.tok.encode(nil, "", true, false); len(got) != 1 || got[0] != tokenBOS {
		t.Errorf("empty prompt encodes to %v, want [BOS]", got)
	}
	if got := e.tok.encode(nil, "", true, true); len(got) != 2 || got[1] != tokenEOS {
		t.Errorf("empty prompt with eos encodes to %v, want [BOS EOS]", got)
	}
	// The dummy prefix: "a" becomes " a" (a single merged token when the
	// vocabulary has it).
	toks := e.tok.encode(nil, "a", false, false)
	if e.tok.pieces[toks[0]][0] != ' ' {
		t.Errorf("first piece of \"a\" is %q, want a leading space", e.tok.pieces[toks[0]])
	}
	// Byte fallback: a character outside the 512-token vocabulary becomes
	// its UTF-8 bytes' <0xXX> tokens.
	toks = e.tok.encode(nil, "✓", false, false)
	var pieces []string
	for _, id := range toks {
		pieces = append(pieces, e.tok.pieces[id])
	}
	want := []string{" ", "<0xE2>", "<0x9C>", "<0x93>"}
	if len(pieces) != len(want) {
		t.Fatalf("pieces of \"✓\" = %q, want %q", pieces, want)
	}
	for i := range want {
		if pieces[i] != want[i] {
			t.Fatalf("pieces of \"✓\" = %q, want %q", pieces, want)
		}
	}
	// Merges prefer the highest score: the encoding of a common word is a
	// single token.
	if toks := e.tok.encode(nil, "Once", false, false); len(toks) != 1 {
		t.Errorf("\"Once\" encodes to %d tokens %v, want 1", len(toks), toks)
	}
}

// tokFile builds a llama2.c tokenizer file.
func tokFile(pieces []string) []byte {
	out := binary.LittleEndian.AppendUint32(nil, 16)
	for i, p := range pieces {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(float32(i)))
		out = binary.LittleEndian.AppendUint32(out, uint32(len(p)))
		out = append(out, p...)
	}
	return out
}

func TestParseTokenizerErrors(t *testing.T) {
	good := tokFile([]string{"<unk>", "<s>", "</s>", "a", "b", "ab"})
	if _, err := parseTokenizer(good, 6); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		data []byte
		n    int
	}{
		"empty":          {nil, 6},
		"truncated":      {good[:len(good)-1], 6},
		"too many":       {good, 5},
		"too few":        {good, 7},
		"bad max length": {append([]byte{0, 0, 0, 0}, good[4:]...), 6},
	} {
		_, err := parseTokenizer(c.data, c.n)
		if !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Errorf("%s: err = %v, want invalid_argument", name, err)
		}
	}
}

func TestTinyTokenizerMerges(t *testing.T) {
	tk, err := parseTokenizer(tokFile([]string{"<unk>", "<s>", "</s>", " ", "a", "b", "ab", " ab"}), 8)
	if err != nil {
		t.Fatal(err)
	}
	got := tk.encode(nil, "ab", true, false)
	if len(got) != 2 || got[1] != 7 {
		t.Errorf("encode(\"ab\") = %v, want [1 7]", got)
	}
	if s := tk.decode(got[1:]); s != "ab" {
		t.Errorf("decode = %q, want \"ab\" (leading space dropped after BOS)", s)
	}
	// No byte tokens: an unknown character becomes <unk>.
	if got := tk.encode(nil, "z", false, false); len(got) != 2 || got[1] != tokenUnk {
		t.Errorf("encode(\"z\") = %v, want [3 0]", got)
	}
}
