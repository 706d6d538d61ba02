package builtin

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

const emailName = "email_sender"

// emailMsg is one validated message.
type emailMsg struct {
	from          string   // bare address
	fromHeader    string   // as given (may carry a display name)
	to, cc, bcc   []string // bare addresses
	toHdr, ccHdr  []string
	subject, text string
	html          string
}

func emailSenderTool() *tool.Tool {
	addrList := value.Map{"type": value.List{"string", "array"}, "description": "one address or a list", "items": value.Map{"type": "string"}, "maxItems": int64(100)}
	return &tool.Tool{
		Name: emailName, Category: "communication", Level: tool.Privileged, Tags: []string{"email", "network"},
		Aliases:     []string{"email-sender"},
		Description: "Send an email through SMTP (STARTTLS when offered), SendGrid or Amazon SES; text and optional HTML as multipart/alternative.",
		Schema: obj(value.Map{
			"operation":             enum("send (default)", "send"),
			"provider":              enum("smtp (default), sendgrid or ses", "smtp", "sendgrid", "ses"),
			"from":                  str("sender address"),
			"to":                    addrList,
			"cc":                    addrList,
			"bcc":                   addrList,
			"subject":               value.Map{"type": "string", "description": "subject line", "maxLength": int64(998)},
			"body":                  value.Map{"type": "string", "description": "plain-text body", "maxLength": int64(10 << 20)},
			"html":                  value.Map{"type": "string", "description": "HTML body (sent as multipart/alternative with the text)", "maxLength": int64(10 << 20)},
			"smtp_host":             str("SMTP server host (smtp; default localhost)"),
			"smtp_port":             fIntSchema("SMTP server port (default 587)", 1, 65535),
			"username":              str("SMTP user (PLAIN auth, only over TLS or to loopback)"),
			"password":              str("SMTP password"),
			"require_tls":           boolean("fail unless the SMTP server offers STARTTLS (default false)"),
			"api_key":               str("SendGrid API key (default $SENDGRID_API_KEY)"),
			"access_key_id":         str("SES access key id (default $AWS_ACCESS_KEY_ID)"),
			"secret_access_key":     str("SES secret key (default $AWS_SECRET_ACCESS_KEY)"),
			"region":                str("SES region (default $AWS_REGION or us-east-1)"),
			"base_url":              str("provider API base URL (sendgrid, ses; tests point it at loopback)"),
			"timeout_ms":            fIntSchema("give up after this long (default 30000)", 1, 600000),
			"insecure_skip_verify":  boolean("do not verify the SMTP server's TLS certificate (default false)"),
			"message_id_domain":     str("domain of the generated Message-ID (default the sender's)"),
			"reply_to":              str("Reply-To address"),
			"smtp_helo_name":        str("name sent in EHLO (default localhost)"),
			"sendgrid_sandbox_mode": boolean("SendGrid sandbox mode: validate without delivering"),
		}, "from", "to"),
		Fn: emailSend,
	}
}

// eNoBreak refuses CR and LF in a header field (header injection).
func eNoBreak(field, s string) error {
	if strings.ContainsAny(s, "\r\n\x00") {
		return errs.New(errs.KindInvalidArgument, "%s: %s contains a line break or NUL (header injection refused)", emailName, field).With("field", field)
	}
	return nil
}

func eAddrs(c *tool.Call, field string) (bare, hdr []string, err error) {
	for _, a := range fStrs(c, field) {
		if err := eNoBreak(field, a); err != nil {
			return nil, nil, err
		}
		p, perr := mail.ParseAddress(a)
		if perr != nil {
			return nil, nil, errs.New(errs.KindInvalidArgument, "%s: %s address %q: %v", emailName, field, a, perr).With("field", field)
		}
		bare = append(bare, p.Address)
		hdr = append(hdr, p.String())
	}
	return bare, hdr, nil
}

func eParse(c *tool.Call) (*emailMsg, error) {
	m := &emailMsg{subject: c.Str("subject", ""), text: c.Str("body", ""), html: c.Str("html", "")}
	for _, f := range []string{"from", "subject", "reply_to", "smtp_helo_name", "message_id_domain"} {
		if err := eNoBreak(f, c.Str(f, "")); err != nil {
			return nil, err
		}
	}
	from, err := mail.ParseAddress(c.Str("from", ""))
	if err != nil {
		return nil, errs.New(errs.KindInvalidArgument, "%s: from address %q: %v", emailName, c.Str("from", ""), err).With("field", "from")
	}
	m.from, m.fromHeader = from.Address, from.String()
	if m.to, m.toHdr, err = eAddrs(c, "to"); err != nil {
		return nil, err
	}
	if m.cc, m.ccHdr, err = eAddrs(c, "cc"); err != nil {
		return nil, err
	}
	if m.bcc, _, err = eAddrs(c, "bcc"); err != nil {
		return nil, err
	}
	if len(m.to) == 0 {
		return nil, errs.New(errs.KindInvalidArgument, "%s: to needs at least one address", emailName).With("field", "to")
	}
	if rt := c.Str("reply_to", ""); rt != "" {
		if _, err := mail.ParseAddress(rt); err != nil {
			return nil, errs.New(errs.KindInvalidArgument, "%s: reply_to %q: %v", emailName, rt, err).With("field", "reply_to")
		}
	}
	return m, nil
}

func eRandomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// eQP writes s quoted-printable (lines end CRLF as SMTP wants).
func eQP(w io.Writer, s string) error {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
	q := quotedprintable.NewWriter(w)
	if _, err := q.Write([]byte(s)); err != nil {
		return err
	}
	return q.Close()
}

// eBuild renders the RFC 5322 message; html makes it multipart/alternative.
func eBuild(c *tool.Call, m *emailMsg) ([]byte, string, error) {
	var b bytes.Buffer
	domain := c.Str("message_id_domain", "")
	if domain == "" {
		domain = m.from[strings.LastIndexByte(m.from, '@')+1:]
	}
	msgID := "<" + eRandomID() + "@" + domain + ">"
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", m.fromHeader)
	hdr("To", strings.Join(m.toHdr, ", "))
	if len(m.ccHdr) > 0 {
		hdr("Cc", strings.Join(m.ccHdr, ", "))
	}
	if rt := c.Str("reply_to", ""); rt != "" {
		hdr("Reply-To", rt)
	}
	hdr("Subject", mime.QEncoding.Encode("utf-8", m.subject))
	hdr("Date", time.Now().UTC().Format(time.RFC1123Z))
	hdr("Message-ID", msgID)
	hdr("MIME-Version", "1.0")
	if m.html == "" {
		hdr("Content-Type", "text/plain; charset=utf-8")
		hdr("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := eQP(&b, m.text); err != nil {
			return nil, "", err
		}
		return b.Bytes(), msgID, nil
	}
	mw := multipart.NewWriter(&b)
	hdr("Content-Type", "multipart/alternative; boundary=\""+mw.Boundary()+"\"")
	b.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", m.text}, {"text/html", m.html}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.typ + "; charset=utf-8"}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, "", err
		}
		if err := eQP(w, part.body); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), msgID, nil
}

func emailSend(ctx context.Context, c *tool.Call) (value.Value, error) {
	m, err := eParse(c)
	if err != nil {
		return nil, err
	}
	timeout := time.Duration(fInt(c, "timeout_ms", 30000)) * time.Millisecond
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch p := c.Str("provider", "smtp"); p {
	case "smtp":
		return eSMTP(ctx, c, m, timeout)
	case "sendgrid":
		return eSendGrid(ctx, c, m)
	case "ses":
		return eSES(ctx, c, m)
	default:
		return nil, errs.New(errs.KindInvalidArgument, "%s: unknown provider %q", emailName, p)
	}
}

// eNetErr turns a network failure into timeout, cancelled or tool_error.
func eNetErr(ctx context.Context, err error, what string, timeout time.Duration) error {
	if e, ok := err.(*errs.Error); ok {
		return e
	}
	var ne net.Error
	if ctx.Err() == context.DeadlineExceeded || (errors.As(err, &ne) && ne.Timeout()) {
		return errs.New(errs.KindTimeout, "%s: %s did not finish within %s", emailName, what, timeout)
	}
	if ctx.Err() != nil {
		return errs.New(errs.KindCancelled, "%s: %s cancelled", emailName, what)
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return fail(emailName, "%s: server replied %d %s", what, te.Code, te.Msg)
	}
	return fail(emailName, "%s: %v", what, err)
}

func eSMTP(ctx context.Context, c *tool.Call, m *emailMsg, timeout time.Duration) (value.Value, error) {
	host := c.Str("smtp_host", "localhost")
	if err := eNoBreak("smtp_host", host); err != nil {
		return nil, err
	}
	port := fInt(c, "smtp_port", 587)
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, eNetErr(ctx, err, "resolve "+host, timeout)
	}
	if len(ips) == 0 {
		return nil, fail(emailName, "resolve %s: no addresses", host)
	}
	loopback := true
	for _, ip := range ips {
		if err := c.Policy.CheckIP(host, ip.IP); err != nil {
			return nil, err
		}
		loopback = loopback && ip.IP.IsLoopback()
	}
	addr := net.JoinHostPort(ips[0].IP.String(), strconv.FormatInt(port, 10))
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, eNetErr(ctx, err, "connect to "+addr, timeout)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	wrap := func(what string, err error) error { return eNetErr(ctx, err, what, timeout) }
	cl, err := smtp.NewClient(conn, host)
	if err != nil {
		return nil, wrap("greeting", err)
	}
	defer cl.Close()
	if err := cl.Hello(c.Str("smtp_helo_name", "localhost")); err != nil {
		return nil, wrap("EHLO", err)
	}
	tlsOn := false
	if ok, _ := cl.Extension("STARTTLS"); ok {
		cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: fBool(c, "insecure_skip_verify", false)}
		if err := cl.StartTLS(cfg); err != nil {
			return nil, wrap("STARTTLS", err)
		}
		tlsOn = true
	} else if fBool(c, "require_tls", false) {
		return nil, fail(emailName, "%s does not offer STARTTLS and require_tls is set", host)
	}
	if user := c.Str("username", ""); user != "" {
		if !tlsOn && !loopback {
			return nil, errs.New(errs.KindDenied, "%s: refusing to send the password to %s without TLS (the server does not offer STARTTLS)", emailName, host)
		}
		if err := cl.Auth(ePlain{user: user, pass: c.Str("password", "")}); err != nil {
			return nil, wrap("AUTH", err)
		}
	}
	data, msgID, err := eBuild(c, m)
	if err != nil {
		return nil, fail(emailName, "build message: %v", err)
	}
	if err := cl.Mail(m.from); err != nil {
		return nil, wrap("MAIL FROM", err)
	}
	rcpts := append(append(append([]string{}, m.to...), m.cc...), m.bcc...)
	for _, r := range rcpts {
		if err := cl.Rcpt(r); err != nil {
			return nil, wrap("RCPT TO "+r, err)
		}
	}
	w, err := cl.Data()
	if err != nil {
		return nil, wrap("DATA", err)
	}
	if _, err := w.Write(data); err != nil {
		return nil, wrap("DATA", err)
	}
	if err := w.Close(); err != nil {
		return nil, wrap("end of DATA", err)
	}
	_ = cl.Quit()
	return value.Map{"provider": "smtp", "sent": true, "message_id": msgID, "recipients": int64(len(rcpts)),
		"server": net.JoinHostPort(host, strconv.FormatInt(port, 10)), "tls": tlsOn, "bytes": int64(len(data))}, nil
}

// ePlain is PLAIN auth that the caller has already allowed (TLS or loopback).
type ePlain struct {
	user, pass string
}

func (a ePlain) Start(_ *smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a ePlain) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge")
	}
	return nil, nil
}

// eHTTP posts JSON through the policy's client and checks the status.
func eHTTP(ctx context.Context, c *tool.Call, provider, url string, body []byte, hdr map[string]string) (value.Map, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, errs.New(errs.KindInvalidArgument, "%s: %s URL %q: %v", emailName, provider, url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Policy.HTTPClient().Do(req)
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, eNetErr(ctx, err, provider+" request", time.Duration(fInt(c, "timeout_ms", 30000))*time.Millisecond)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fail(emailName, "%s replied %s: %s", provider, resp.Status, strings.TrimSpace(string(rb)))
	}
	out := value.Map{"provider": provider, "sent": true, "status": int64(resp.StatusCode)}
	if id := resp.Header.Get("X-Message-Id"); id != "" {
		out["message_id"] = id
	}
	var js map[string]any
	if json.Unmarshal(rb, &js) == nil {
		if id, ok := js["MessageId"].(string); ok {
			out["message_id"] = id
		}
	}
	return out, nil
}

func eSendGrid(ctx context.Context, c *tool.Call, m *emailMsg) (value.Value, error) {
	key := c.Str("api_key", os.Getenv("SENDGRID_API_KEY"))
	if key == "" {
		return nil, errs.New(errs.KindInvalidArgument, "%s: sendgrid needs api_key (or $SENDGRID_API_KEY)", emailName)
	}
	list := func(a []string) []map[string]string {
		out := make([]map[string]string, len(a))
		for i, s := range a {
			out[i] = map[string]string{"email": s}
		}
		return out
	}
	pers := map[string]any{"to": list(m.to)}
	if len(m.cc) > 0 {
		pers["cc"] = list(m.cc)
	}
	if len(m.bcc) > 0 {
		pers["bcc"] = list(m.bcc)
	}
	content := []map[string]string{{"type": "text/plain", "value": m.text}}
	if m.html != "" {
		content = append(content, map[string]string{"type": "text/html", "value": m.html})
	}
	msg := map[string]any{"personalizations": []any{pers}, "from": map[string]string{"email": m.from}, "subject": m.subject, "content": content}
	if rt := c.Str("reply_to", ""); rt != "" {
		a, _ := mail.ParseAddress(rt)
		msg["reply_to"] = map[string]string{"email": a.Address}
	}
	if fBool(c, "sendgrid_sandbox_mode", false) {
		msg["mail_settings"] = map[string]any{"sandbox_mode": map[string]bool{"enable": true}}
	}
	body, _ := json.Marshal(msg)
	base := strings.TrimRight(c.Str("base_url", "https://api.sendgrid.com"), "/")
	return eHTTP(ctx, c, "sendgrid", base+"/v3/mail/send", body, map[string]string{"Authorization": "Bearer " + key})
}

func eSES(ctx context.Context, c *tool.Call, m *emailMsg) (value.Value, error) {
	id := c.Str("access_key_id", os.Getenv("AWS_ACCESS_KEY_ID"))
	secret := c.Str("secret_access_key", os.Getenv("AWS_SECRET_ACCESS_KEY"))
	if id == "" || secret == "" {
		return nil, errs.New(errs.KindInvalidArgument, "%s: ses needs access_key_id and secret_access_key (or $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY)", emailName)
	}
	region := c.Str("region", os.Getenv("AWS_REGION"))
	if region == "" {
		region = "us-east-1"
	}
	if err := eNoBreak("region", region); err != nil {
		return nil, err
	}
	bodyPart := map[string]any{"Text": map[string]string{"Data": m.text, "Charset": "UTF-8"}}
	if m.html != "" {
		bodyPart["Html"] = map[string]string{"Data": m.html, "Charset": "UTF-8"}
	}
	dest := map[string]any{"ToAddresses": m.to}
	if len(m.cc) > 0 {
		dest["CcAddresses"] = m.cc
	}
	if len(m.bcc) > 0 {
		dest["BccAddresses"] = m.bcc
	}
	msg := map[string]any{"FromEmailAddress": m.fromHeader, "Destination": dest,
		"Content": map[string]any{"Simple": map[string]any{"Subject": map[string]string{"Data": m.subject, "Charset": "UTF-8"}, "Body": bodyPart}}}
	if rt := c.Str("reply_to", ""); rt != "" {
		msg["ReplyToAddresses"] = []string{rt}
	}
	body, _ := json.Marshal(msg)
	base := strings.TrimRight(c.Str("base_url", "https://email."+region+".amazonaws.com"), "/")
	const path = "/v2/email/outbound-emails"
	req, err := http.NewRequest(http.MethodPost, base+path, nil)
	if err != nil {
		return nil, errs.New(errs.KindInvalidArgument, "%s: ses URL %q: %v", emailName, base, err)
	}
	hdr := eSigV4(id, secret, region, "ses", req.URL.Host, path, body, time.Now().UTC())
	return eHTTP(ctx, c, "ses", base+path, body, hdr)
}

// eSigV4 returns the headers of an AWS Signature Version 4 signed POST of
// a JSON body to host+path.
func eSigV4(id, secret, region, service, host, path string, body []byte, now time.Time) map[string]string {
	sum := func(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }
	mac := func(k []byte, s string) []byte { h := hmac.New(sha256.New, k); h.Write([]byte(s)); return h.Sum(nil) }
	amzDate := now.Format("20060102T150405Z")
	day := now.Format("20060102")
	payload := sum(body)
	signed := "content-type;host;x-amz-content-sha256;x-amz-date"
	canon := strings.Join([]string{"POST", path, "",
		"content-type:application/json", "host:" + host, "x-amz-content-sha256:" + payload, "x-amz-date:" + amzDate, "",
		signed, payload}, "\n")
	scope := day + "/" + region + "/" + service + "/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + sum([]byte(canon))
	k := mac(mac(mac(mac([]byte("AWS4"+secret), day), region), service), "aws4_request")
	sig := hex.EncodeToString(mac(k, toSign))
	return map[string]string{"X-Amz-Date": amzDate, "X-Amz-Content-Sha256": payload,
		"Authorization": fmt.Sprintf("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s", id, scope, signed, sig)}
}
