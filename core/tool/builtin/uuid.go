package builtin

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// Namespaces of RFC 9562 for version 5 UUIDs.
var namespaces = map[string]string{
	"dns": "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "url": "6ba7b811-9dad-11d1-80b4-00c04fd430c8",
	"oid": "6ba7b812-9dad-11d1-80b4-00c04fd430c8", "x500": "6ba7b814-9dad-11d1-80b4-00c04fd430c8",
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func format(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func parseUUID(s string) ([16]byte, bool) {
	var b [16]byte
	if !uuidRE.MatchString(s) {
		return b, false
	}
	raw, _ := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	copy(b[:], raw)
	return b, true
}

func setVersion(b *[16]byte, v byte) {
	b[6] = b[6]&0x0f | v<<4
	b[8] = b[8]&0x3f | 0x80
}

func uuidTool() *tool.Tool {
	return &tool.Tool{
		Name: "uuid_generator", Category: "utility", Level: tool.Safe, Tags: []string{"id"},
		Description: "Generate UUIDs (v1, v4, v5, v7), component ids, deterministic ids, and validate UUIDs.",
		Schema: obj(value.Map{
			"operation": enum("what to do (default generate)", "generate", "component_id", "deterministic", "validate"),
			"version":   enum("UUID version for generate", "v1", "v4", "v5", "v7"),
			"namespace": str("v5/deterministic namespace: dns, url, oid, x500 or a UUID"),
			"name":      str("v5/deterministic name"),
			"input":     str("UUID to validate"),
			"format":    enum("output format", "hyphenated", "simple", "urn", "braced"),
			"prefix":    str("component_id prefix"),
		}),
		Fn: func(_ context.Context, c *tool.Call) (value.Value, error) {
			op := c.Str("operation", "generate")
			if op == "validate" {
				b, ok := parseUUID(c.Str("input", ""))
				res := value.Map{"valid": ok}
				if ok {
					res["version"] = int64(b[6] >> 4)
				}
				return res, nil
			}
			var b [16]byte
			version := c.Str("version", "v4")
			if op == "deterministic" {
				version = "v5"
			}
			switch version {
			case "v4":
				rand.Read(b[:])
				setVersion(&b, 4)
			case "v7":
				rand.Read(b[:])
				ms := uint64(time.Now().UnixMilli())
				b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
				setVersion(&b, 7)
			case "v1":
				// Time-based with a random node, as RFC 9562 allows.
				t := uint64(time.Now().UnixNano()/100) + 0x01b21dd213814000
				binary.BigEndian.PutUint32(b[0:4], uint32(t))
				binary.BigEndian.PutUint16(b[4:6], uint16(t>>32))
				binary.BigEndian.PutUint16(b[6:8], uint16(t>>48)&0x0fff)
				rand.Read(b[8:])
				b[10] |= 0x01
				setVersion(&b, 1)
			case "v5":
				ns := c.Str("namespace", "dns")
				if known, ok := namespaces[ns]; ok {
					ns = known
				}
				nsb, ok := parseUUID(ns)
				if !ok {
					return nil, fail("uuid_generator", "namespace %q is not dns, url, oid, x500 or a UUID", ns)
				}
				h := sha1.New()
				h.Write(nsb[:])
				h.Write([]byte(c.Str("name", "")))
				copy(b[:], h.Sum(nil))
				setVersion(&b, 5)
			}
			s := format(b)
			switch c.Str("format", "hyphenated") {
			case "simple":
				s = strings.ReplaceAll(s, "-", "")
			case "urn":
				s = "urn:uuid:" + s
			case "braced":
				s = "{" + s + "}"
			}
			if op == "component_id" {
				s = c.Str("prefix", "component") + "_" + strings.ReplaceAll(format(b), "-", "")[:12]
			}
			return value.Map{"uuid": s, "version": version}, nil
		},
	}
}
