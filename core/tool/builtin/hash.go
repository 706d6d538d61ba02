package builtin

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"io"
	"os"
	"strings"

	"github.com/zeebo/blake3"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

func newHash(algo string) hash.Hash {
	switch algo {
	case "md5":
		return md5.New()
	case "sha1":
		return sha1.New()
	case "sha512":
		return sha512.New()
	case "blake3":
		return blake3.New()
	}
	return sha256.New()
}

func hashTool() *tool.Tool {
	return &tool.Tool{
		Name: "hash_calculator", Category: "utility", Level: tool.Restricted, Tags: []string{"crypto", "files"},
		Description: "Hash text or a file (md5, sha1, sha256, sha512, blake3) and verify a hash.",
		Schema: obj(value.Map{
			"operation":     enum("hash or verify", "hash", "verify"),
			"algorithm":     enum("hash algorithm (default sha256)", "md5", "sha1", "sha256", "sha512", "blake3"),
			"input":         str("text to hash"),
			"file":          str("file to hash (inside the allowed folders)"),
			"format":        enum("output format", "hex", "base64"),
			"expected_hash": str("hash to compare with (verify)"),
		}),
		Fn: func(_ context.Context, c *tool.Call) (value.Value, error) {
			algo := c.Str("algorithm", "sha256")
			h := newHash(algo)
			if f := c.Str("file", ""); f != "" {
				real, err := c.Policy.CheckPath(f)
				if err != nil {
					return nil, err
				}
				fh, err := os.Open(real)
				if err != nil {
					return nil, fail("hash_calculator", "open %s: %v", f, err)
				}
				defer fh.Close()
				if _, err := io.Copy(h, fh); err != nil {
					return nil, fail("hash_calculator", "read %s: %v", f, err)
				}
			} else if in, ok := c.Params["input"].(string); ok {
				h.Write([]byte(in))
			} else {
				return nil, fail("hash_calculator", "give input or file")
			}
			sum := h.Sum(nil)
			out := hex.EncodeToString(sum)
			if c.Str("format", "hex") == "base64" {
				out = base64.StdEncoding.EncodeToString(sum)
			}
			res := value.Map{"algorithm": algo, "hash": out}
			if c.Str("operation", "hash") == "verify" {
				want := strings.ToLower(strings.TrimSpace(c.Str("expected_hash", "")))
				res["valid"] = subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(out))) == 1
			}
			return res, nil
		},
	}
}
