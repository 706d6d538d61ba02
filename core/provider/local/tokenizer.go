package local

import (
	"encoding/binary"
	"math"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/llmspell/llmspell-go/core/errs"
)

// The special tokens of the Llama 2 SentencePiece vocabulary.
const (
	tokenUnk = 0
	tokenBOS = 1
	tokenEOS = 2
)

// tokenizer is a SentencePiece-style BPE vocabulary. It is read-only after
// loading and safe for concurrent use.
type tokenizer struct {
	pieces []string       // the raw piece of each token ("<0x0A>", " the")
	scores []float32      // merge priority: higher merges first
	ids    map[string]int // piece → token id
	// text is what each token decodes to: the piece, or the single byte
	// of a <0xXX> byte-fallback token.
	text []string
	// byteID maps a byte to its <0xXX> token (-1 when the vocabulary has
	// none).
	byteID [256]int
	// spaceID is the token of " " (the dummy prefix), -1 when absent.
	spaceID int
}

// loadTokenizer reads a llama2.c tokenizer file holding exactly vocabSize
// tokens.
func loadTokenizer(path string, vocabSize int) (*tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, errs.Wrap(errs.KindNotFound, err, "read tokenizer %s", path)
		}
		return nil, errs.Wrap(errs.KindInvalidArgument, err, "read tokenizer %s", path)
	}
	t, err := parseTokenizer(data, vocabSize)
	if err != nil {
		return nil, errs.Wrap(errs.KindInvalidArgument, err, "tokenizer %s", path)
	}
	return t, nil
}

// parseTokenizer parses the llama2.c tokenizer format: int32
// max_token_length, then per token a float32 score, an int32 length and
// the piece's bytes.
func parseTokenizer(data []byte, vocabSize int) (*tokenizer, error) {
	if len(data) < 4 {
		return nil, errs.New(errs.KindInvalidArgument, "file of %d bytes is too short for a llama2.c tokenizer", len(data))
	}
	maxLen := int(int32(binary.LittleEndian.Uint32(data)))
	if maxLen <= 0 || maxLen > 1<<16 {
		return nil, errs.New(errs.KindInvalidArgument, "max_token_length %d is out of range: not a llama2.c tokenizer", maxLen)
	}
	t := &tokenizer{
		pieces:  make([]string, vocabSize),
		scores:  make([]float32, vocabSize),
		ids:     make(map[string]int, vocabSize),
		text:    make([]string, vocabSize),
		spaceID: -1,
	}
	off := 4
	for i := 0; i < vocabSize; i++ {
		if len(data)-off < 8 {
			return nil, errs.New(errs.KindInvalidArgument, "truncated at token %d of %d (the model's vocab_size)", i, vocabSize)
		}
		t.scores[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[off:]))
		n := int(int32(binary.LittleEndian.Uint32(data[off+4:])))
		off += 8
		if n < 0 || n > maxLen {
			return nil, errs.New(errs.KindInvalidArgument, "token %d has length %d outside 0..max_token_length %d", i, n, maxLen)
		}
		if len(data)-off < n {
			return nil, errs.New(errs.KindInvalidArgument, "truncated in token %d of %d (the model's vocab_size)", i, vocabSize)
		}
		t.pieces[i] = string(data[off : off+n])
		off += n
	}
	if off != len(data) {
		return nil, errs.New(errs.KindInvalidArgument, "%d bytes left after %d tokens: the tokenizer does not match the model's vocab_size", len(data)-off, vocabSize)
	}
	for b := range t.byteID {
		t.byteID[b] = -1
	}
	for i := vocabSize - 1; i >= 0; i-- { // the first of duplicate pieces wins
		p := t.pieces[i]
		t.ids[p] = i
		t.text[i] = p
		if b, ok := parseByteToken(p); ok {
			t.text[i] = string([]byte{b})
			t.byteID[b] = i
		}
	}
	if id, ok := t.ids[" "]; ok {
		t.spaceID = id
	}
	return t, nil
}

// parseByteToken recognises a byte-fallback piece "<0xXX>".
func parseByteToken(p string) (byte, bool) {
	if len(p) != 6 || p[:3] != "<0x" || p[5] != '>' {
		return 0, false
	}
	var b byte
	for _, c := range []byte(p[3:5]) {
		switch {
		case c >= '0' && c <= '9':
			b = b<<4 | (c - '0')
		case c >= 'A' && c <= 'F':
			b = b<<4 | (c - 'A' + 10)
		case c >= 'a' && c <= 'f':
			b = b<<4 | (c - 'a' + 10)
		default:
			return 0, false
		}
	}
	return b, true
}

// encode appends the tokens of text to dst, with BOS first when bos is
// set and EOS last when eos is set. Like SentencePiece (and llama2.c), a
// non-empty text gets a dummy " " prefix; each UTF-8 character starts as
// its own token (or its bytes' <0xXX> tokens when it is not in the
// vocabulary), then the adjacent pair whose merge has the highest score is
// merged until no pair merges.
func (t *tokenizer) encode(dst []int, text string, bos, eos bool) []int {
	if bos {
		dst = append(dst, tokenBOS)
	}
	start := len(dst)
	if text != "" && t.spaceID >= 0 {
		dst = append(dst, t.spaceID)
	}
	for i := 0; i < len(text); {
		_, size := utf8.DecodeRuneInString(text[i:])
		ch := text[i : i+size]
		if id, ok := t.ids[ch]; ok {
			dst = append(dst, id)
		} else {
			for j := 0; j < size; j++ {
				if id := t.byteID[text[i+j]]; id >= 0 {
					dst = append(dst, id)
				} else {
					dst = append(dst, tokenUnk)
				}
			}
		}
		i += size
	}
	toks := dst[start:]
	buf := make([]byte, 0, 64)
	for {
		best, bestID := -1, -1
		var bestScore float32
		for i := 0; i+1 < len(toks); i++ {
			buf = append(append(buf[:0], t.pieces[toks[i]]...), t.pieces[toks[i+1]]...)
			id, ok := t.ids[string(buf)]
			if ok && (best < 0 || t.scores[id] > bestScore) {
				best, bestID, bestScore = i, id, t.scores[id]
			}
		}
		if best < 0 {
			break
		}
		toks[best] = bestID
		toks = append(toks[:best+1], toks[best+2:]...)
	}
	dst = dst[:start+len(toks)]
	if eos {
		dst = append(dst, tokenEOS)
	}
	return dst
}

// piece returns the text token decodes to when it follows prev: a leading
// space is dropped right after BOS (the dummy prefix), and byte-fallback
// tokens become their byte. It does not allocate.
func (t *tokenizer) piece(prev, token int) string {
	s := t.text[token]
	if prev == tokenBOS && len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	return s
}

// decode returns the text of a token sequence as llama2.c prints it; the
// first token is taken to follow BOS. Out-of-range tokens are skipped.
func (t *tokenizer) decode(tokens []int) string {
	var out []byte
	prev := tokenBOS
	for _, tok := range tokens {
		if tok < 0 || tok >= len(t.text) {
			continue
		}
		out = append(out, t.piece(prev, tok)...)
		prev = tok
	}
	return string(out)
}

// longestPrefix returns the token, following prev, with the longest
// non-empty text that is a prefix of s, or -1 when none is. It does not
// allocate.
func (t *tokenizer) longestPrefix(prev int, s string) int {
	best, bestLen := -1, 0
	for id := range t.text {
		if id == tokenUnk || id == tokenBOS || id == tokenEOS {
			continue
		}
		p := t.piece(prev, id)
		if len(p) > bestLen && strings.HasPrefix(s, p) {
			best, bestLen = id, len(p)
		}
	}
	return best
}
