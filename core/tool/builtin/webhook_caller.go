package builtin

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

func webhookCallerTool() *tool.Tool {
	return &tool.Tool{
		Name: "webhook_caller", Category: "web", Level: tool.Restricted, Tags: []string{"network", "http", "webhook"},
		Aliases:     []string{"webhook-caller"},
		Description: "POST a JSON payload to a webhook, retrying transport failures and 429/5xx with exponential backoff; optionally signs the body with HMAC-SHA256.",
		Schema: obj(value.Map{
			"input":            str("webhook URL (http or https)"),
			"payload":          wAny("payload, sent as JSON (a string is sent as is)"),
			"method":           enum("HTTP method (default POST)", "POST", "PUT", "PATCH"),
			"headers":          wObj("extra headers"),
			"max_retries":      wInt("retries after the first attempt (default 3)", 0, 10),
			"backoff_ms":       wInt("first wait, doubled each retry (default 200)", 1, 60000),
			"timeout_ms":       wInt("timeout of one attempt in milliseconds", 1, 600000),
			"secret":           str("HMAC-SHA256 secret: sign the body"),
			"signature_header": str("header for the signature (default X-Signature-256; value sha256=<hex>)"),
			"operation":        str("ignored; the tool has one operation"),
		}, "input"),
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			const name = "webhook_caller"
			u, err := wURL(name, c.Str("input", ""))
			if err != nil {
				return nil, err
			}
			var body []byte
			switch p := c.Params["payload"].(type) {
			case nil:
				body = []byte("{}")
			case string:
				body = []byte(p)
			default:
				if body, err = value.Encode(p); err != nil {
					return nil, fail(name, "payload: %v", err)
				}
			}
			sig := ""
			if secret := c.Str("secret", ""); secret != "" {
				m := hmac.New(sha256.New, []byte(secret))
				m.Write(body)
				sig = "sha256=" + hex.EncodeToString(m.Sum(nil))
			}
			sigHeader := c.Str("signature_header", "X-Signature-256")
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			mk := func() (*http.Request, error) {
				req, err := http.NewRequest(c.Str("method", "POST"), u.String(), bytes.NewReader(body))
				if err != nil {
					return nil, err
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("User-Agent", "llmspell-webhook/0.1")
				req.Header.Set("X-Webhook-Timestamp", ts)
				if err := wHeaders(name, req, c.Params["headers"]); err != nil {
					return nil, err
				}
				if sig != "" {
					req.Header.Set(sigHeader, sig)
				}
				return req, nil
			}
			retries := int(wNum(c, "max_retries", 3))
			backoff := time.Duration(wNum(c, "backoff_ms", 200)) * time.Millisecond
			timeout := time.Duration(wNum(c, "timeout_ms", 0)) * time.Millisecond
			resp, attempts, err := wWithRetries(ctx, c, name, retries, backoff, timeout, mk)
			if err != nil {
				return nil, err
			}
			out := value.Map{"status": int64(resp.Status), "delivered": resp.Status >= 200 && resp.Status < 300,
				"attempts": int64(attempts), "elapsed_ms": float64(resp.Elapsed.Microseconds()) / 1000}
			if sig != "" {
				out["signature"] = sig
			}
			wBodyValue(resp, out)
			return out, nil
		},
	}
}
