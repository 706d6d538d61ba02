package builtin

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// evRegistry registers the built-ins plus email_sender and video_processor,
// whether or not Register lists them yet.
func evRegistry(t *testing.T, p *tool.Policy) *tool.Registry {
	t.Helper()
	if p == nil {
		p = tool.DefaultPolicy()
	}
	r := newRegistry(t, p)
	for _, tl := range []*tool.Tool{emailSenderTool(), videoProcessorTool()} {
		if _, ok := r.Get(tl.Name); !ok {
			if err := r.Register(tl); err != nil {
				t.Fatal(err)
			}
		}
	}
	return r
}

func evAllowLoopback(t *testing.T) *tool.Registry {
	p := tool.DefaultPolicy()
	p.AllowHosts = []string{"127.0.0.1"}
	return evRegistry(t, p)
}

// evSMTP is a minimal SMTP server on 127.0.0.1 that records what it gets.
type evSMTP struct {
	ln       net.Listener
	mu       sync.Mutex
	from     string
	rcpts    []string
	data     string
	auth     string
	silent   bool // never greets (timeouts)
	rejectTo string
	tlsCfg   *tls.Config // offers STARTTLS when set
	tlsUsed  bool
}

func evStartSMTP(t *testing.T) *evSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &evSMTP{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *evSMTP) port() int64 { return int64(s.ln.Addr().(*net.TCPAddr).Port) }

func (s *evSMTP) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	s.mu.Lock()
	silent, rejectTo, tlsCfg := s.silent, s.rejectTo, s.tlsCfg
	s.mu.Unlock()
	if silent {
		_, _ = io.Copy(io.Discard, conn)
		return
	}
	r := bufio.NewReader(conn)
	say := func(l string) { _, _ = conn.Write([]byte(l + "\r\n")) } // conn is replaced after STARTTLS
	say("220 test.local ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmd := strings.ToUpper(line)
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-test.local")
			if tlsCfg != nil {
				say("250-STARTTLS")
			}
			say("250-AUTH PLAIN")
			say("250 8BITMIME")
		case cmd == "STARTTLS" && tlsCfg != nil:
			say("220 go ahead")
			tc := tls.Server(conn, tlsCfg)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, r, tlsCfg = tc, bufio.NewReader(tc), nil
			s.mu.Lock()
			s.tlsUsed = true
			s.mu.Unlock()
		case strings.HasPrefix(cmd, "AUTH PLAIN"):
			s.mu.Lock()
			s.auth = strings.TrimSpace(line[len("AUTH PLAIN"):])
			s.mu.Unlock()
			say("235 ok")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			s.mu.Lock()
			s.from = line[len("MAIL FROM:"):]
			s.mu.Unlock()
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			to := line[len("RCPT TO:"):]
			if rejectTo != "" && strings.Contains(to, rejectTo) {
				say("550 5.1.1 no such user")
				continue
			}
			s.mu.Lock()
			s.rcpts = append(s.rcpts, to)
			s.mu.Unlock()
			say("250 ok")
		case cmd == "DATA":
			say("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			s.mu.Lock()
			s.data = b.String()
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		case cmd == "RSET" || cmd == "NOOP":
			say("250 ok")
		default:
			say("502 not implemented")
		}
	}
}

func TestEmailSenderSMTP(t *testing.T) {
	srv := evStartSMTP(t)
	r := evAllowLoopback(t)
	base := value.Map{"smtp_host": "127.0.0.1", "smtp_port": srv.port(), "from": "Ann <ann@example.com>",
		"to": value.List{"bob@example.com"}, "cc": "carol@example.com", "subject": "Héllo there", "body": "line one\n.line two\n"}
	m := wMap(t, invoke(t, r, "email_sender", base))
	if m["sent"] != true || m["recipients"] != int64(2) || m["tls"] != false {
		t.Fatalf("%v", m)
	}
	srv.mu.Lock()
	from, rcpts, data := srv.from, srv.rcpts, srv.data
	srv.mu.Unlock()
	if !strings.HasPrefix(from, "<ann@example.com>") || len(rcpts) != 2 || rcpts[0] != "<bob@example.com>" || rcpts[1] != "<carol@example.com>" {
		t.Fatalf("from %q rcpts %q", from, rcpts)
	}
	msg, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subj != "Héllo there" || msg.Header.Get("To") != "<bob@example.com>" || msg.Header.Get("Cc") != "<carol@example.com>" ||
		!strings.Contains(msg.Header.Get("From"), "ann@example.com") || msg.Header.Get("Message-ID") != m["message_id"] {
		t.Fatalf("headers %v", msg.Header)
	}
	body, _ := io.ReadAll(msg.Body)
	if !strings.Contains(string(body), "line one\r\n.line two") {
		t.Fatalf("body %q", body)
	}

	// html: multipart/alternative with both parts; PLAIN auth to loopback
	p := value.Map{}
	for k, v := range base {
		p[k] = v
	}
	p["html"], p["username"], p["password"] = "<p>Hi <b>Bob</b></p>", "ann", "secret"
	wMap(t, invoke(t, r, "email-sender", p))
	srv.mu.Lock()
	data, auth := srv.data, srv.auth
	srv.mu.Unlock()
	if auth == "" {
		t.Fatal("no AUTH PLAIN")
	}
	msg, err = mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q %v", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	var htmlBody string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(part) // NextPart decodes quoted-printable
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		types = append(types, ct)
		if ct == "text/html" {
			htmlBody = string(b)
		}
	}
	if strings.Join(types, ",") != "text/plain,text/html" || htmlBody != "<p>Hi <b>Bob</b></p>" {
		t.Fatalf("parts %v html %q", types, htmlBody)
	}
}

func TestEmailSenderRefusals(t *testing.T) {
	srv := evStartSMTP(t)
	base := func(extra value.Map) value.Map {
		p := value.Map{"smtp_host": "127.0.0.1", "smtp_port": srv.port(), "from": "ann@example.com", "to": "bob@example.com", "subject": "s", "body": "b"}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}
	// loopback without AllowHosts: denied, nothing delivered
	for _, host := range []string{"127.0.0.1", "localhost", "::1", "169.254.169.254", "10.0.0.1"} {
		if _, err := evRegistry(t, nil).Invoke(ctx, "email_sender", base(value.Map{"smtp_host": host, "timeout_ms": int64(2000)})); !errs.IsKind(err, errs.KindDenied) {
			t.Errorf("%s: want denied, got %v", host, err)
		}
	}
	srv.mu.Lock()
	if srv.data != "" {
		t.Fatal("a message was delivered without AllowHosts")
	}
	srv.mu.Unlock()
	r := evAllowLoopback(t)
	// header injection in every header field
	for _, p := range []value.Map{
		{"subject": "hi\r\nBcc: eve@example.com"},
		{"subject": "hi\nX-Evil: 1"},
		{"from": "ann@example.com\r\nBcc: eve@example.com"},
		{"to": "bob@example.com\nBcc: eve@example.com"},
		{"to": value.List{"bob@example.com", "x@example.com\rBcc: eve@example.com"}},
		{"cc": "carol@example.com\r\n"},
		{"reply_to": "r@example.com\r\nX: y"},
	} {
		if _, err := r.Invoke(ctx, "email_sender", base(p)); !errs.IsKind(err, errs.KindInvalidArgument) || !strings.Contains(err.Error(), "injection") {
			t.Errorf("%v: want invalid_argument (injection), got %v", p, err)
		}
	}
	// malformed addresses, no recipients
	for _, p := range []value.Map{{"from": "not an address"}, {"to": "@@"}, {"to": value.List{}}} {
		if _, err := r.Invoke(ctx, "email_sender", base(p)); !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Errorf("%v: want invalid_argument, got %v", p, err)
		}
	}
	// a 550 from the server is a tool error naming the reply
	srv.mu.Lock()
	srv.rejectTo = "nobody@"
	srv.mu.Unlock()
	wFailKind(t, invoke(t, r, "email_sender", base(value.Map{"to": "nobody@example.com"})), errs.KindTool, "550")
	// nothing listening: tool error
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := int64(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	wFailKind(t, invoke(t, r, "email_sender", base(value.Map{"smtp_port": closed})), errs.KindTool, "connect")
	// a server that never greets: timeout, about on time
	silent := evStartSMTP(t)
	silent.mu.Lock()
	silent.silent = true
	silent.mu.Unlock()
	start := time.Now()
	_, err := r.Invoke(ctx, "email_sender", base(value.Map{"smtp_port": silent.port(), "timeout_ms": int64(300)}))
	if !errs.IsKind(err, errs.KindTimeout) || time.Since(start) > 3*time.Second {
		t.Fatalf("want timeout after ~300ms, got %v after %s", err, time.Since(start))
	}
	// require_tls against a server without STARTTLS
	wFailKind(t, invoke(t, r, "email_sender", base(value.Map{"require_tls": true})), errs.KindTool, "STARTTLS")
	// unknown provider is a schema error
	if _, err := r.Invoke(ctx, "email_sender", base(value.Map{"provider": "pigeon"})); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatalf("provider: %v", err)
	}
}

func TestEmailSenderHTTPProviders(t *testing.T) {
	var mu sync.Mutex
	var got map[string]any
	var gotHdr http.Header
	var path string
	status := http.StatusAccepted
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		path, gotHdr, got = req.URL.Path, req.Header.Clone(), nil
		_ = json.NewDecoder(req.Body).Decode(&got)
		if status != http.StatusAccepted {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"errors":[{"message":"bad key"}]}`))
			return
		}
		if strings.HasPrefix(req.URL.Path, "/v2/") {
			_, _ = w.Write([]byte(`{"MessageId":"ses-123"}`))
			return
		}
		w.Header().Set("X-Message-Id", "sg-123")
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	r := evAllowLoopback(t)
	p := value.Map{"provider": "sendgrid", "base_url": srv.URL, "api_key": "SG.key", "from": "ann@example.com",
		"to": value.List{"bob@example.com"}, "cc": "carol@example.com", "subject": "s", "body": "text", "html": "<p>h</p>"}
	m := wMap(t, invoke(t, r, "email_sender", p))
	mu.Lock()
	if m["message_id"] != "sg-123" || path != "/v3/mail/send" || gotHdr.Get("Authorization") != "Bearer SG.key" {
		t.Fatalf("%v %s %v", m, path, gotHdr)
	}
	content := got["content"].([]any)
	pers := got["personalizations"].([]any)[0].(map[string]any)
	if len(content) != 2 || got["subject"] != "s" || pers["cc"] == nil || got["from"].(map[string]any)["email"] != "ann@example.com" {
		t.Fatalf("%v", got)
	}
	mu.Unlock()

	p["provider"], p["access_key_id"], p["secret_access_key"], p["region"] = "ses", "AKID", "SECRET", "eu-west-1"
	delete(p, "api_key")
	m = wMap(t, invoke(t, r, "email_sender", p))
	mu.Lock()
	auth := gotHdr.Get("Authorization")
	if m["message_id"] != "ses-123" || path != "/v2/email/outbound-emails" || !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKID/") ||
		!strings.Contains(auth, "/eu-west-1/ses/aws4_request") || gotHdr.Get("X-Amz-Date") == "" {
		t.Fatalf("%v %s %v", m, path, gotHdr)
	}
	simple := got["Content"].(map[string]any)["Simple"].(map[string]any)
	if simple["Body"].(map[string]any)["Html"] == nil || got["Destination"].(map[string]any)["CcAddresses"] == nil {
		t.Fatalf("%v", got)
	}
	status = http.StatusUnauthorized
	mu.Unlock()
	wFailKind(t, invoke(t, r, "email_sender", p), errs.KindTool, "401")
	// SSRF: the provider URL goes through the policy
	for _, u := range []string{srv.URL, "http://169.254.169.254/", "http://[::1]:1/"} {
		if _, err := evRegistry(t, nil).Invoke(ctx, "email_sender", value.Map{"provider": "sendgrid", "api_key": "k", "base_url": u,
			"from": "a@example.com", "to": "b@example.com"}); !errs.IsKind(err, errs.KindDenied) {
			t.Errorf("%s: want denied, got %v", u, err)
		}
	}
	// missing credentials
	if _, err := r.Invoke(ctx, "email_sender", value.Map{"provider": "ses", "base_url": srv.URL, "from": "a@example.com", "to": "b@example.com",
		"access_key_id": "", "secret_access_key": ""}); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatalf("ses without keys: %v", err)
	}
}

func TestEmailSigV4KnownVector(t *testing.T) {
	// deterministic: same inputs, same signature; a changed body changes it
	now := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	a := eSigV4("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "ses", "email.us-east-1.amazonaws.com", "/v2/email/outbound-emails", []byte("{}"), now)
	b := eSigV4("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "ses", "email.us-east-1.amazonaws.com", "/v2/email/outbound-emails", []byte("{}"), now)
	c := eSigV4("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "ses", "email.us-east-1.amazonaws.com", "/v2/email/outbound-emails", []byte("{ }"), now)
	if a["Authorization"] != b["Authorization"] || a["Authorization"] == c["Authorization"] || a["X-Amz-Date"] != "20150830T123600Z" {
		t.Fatalf("%v %v", a, c)
	}
}

func TestVideoProcessor(t *testing.T) {
	dir := t.TempDir()
	p := tool.DefaultPolicy()
	p.FileRoots = []string{dir}
	r := evRegistry(t, p)
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	pad := func(b []byte) []byte { return append(b, make([]byte, 64)...) }
	cases := []struct {
		name, format, mime string
		head               []byte
	}{
		{"a.mp4", "mp4", "video/mp4", pad([]byte("\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2mp41"))},
		{"a.mov", "mov", "video/quicktime", pad([]byte("\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  "))},
		{"a.mkv", "mkv", "video/x-matroska", pad([]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska"))},
		{"a.webm", "webm", "video/webm", pad([]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm"))},
		{"a.avi", "avi", "video/x-msvideo", pad([]byte("RIFF\x24\x00\x00\x00AVI LIST"))},
		{"a.flv", "flv", "video/x-flv", pad([]byte("FLV\x01\x05\x00\x00\x00\x09"))},
		{"a.wav", "unknown", "application/octet-stream", pad([]byte("RIFF\x24\x00\x00\x00WAVEfmt "))},
		{"a.txt", "unknown", "application/octet-stream", []byte("hello")},
		{"empty", "unknown", "application/octet-stream", nil},
	}
	for _, c := range cases {
		path := write(c.name, c.head)
		m := wMap(t, invoke(t, r, "video_processor", value.Map{"input": path}))
		if m["format"] != c.format || m["mime_type"] != c.mime || m["is_video"] != (c.format != "unknown") {
			t.Errorf("%s: %v", c.name, m)
		}
	}
	mp4 := filepath.Join(dir, "a.mp4")
	if m := wMap(t, invoke(t, r, "video-processor", value.Map{"operation": "detect", "input": mp4})); m["brand"] != "isom" {
		t.Fatalf("%v", m)
	}
	// metadata/thumbnail/extract_frame: without ffmpeg/ffprobe (or not
	// allowed) a clear tool error naming the program
	for op, prog := range map[string]string{"metadata": "ffprobe", "thumbnail": "ffmpeg", "extract_frame": "ffmpeg"} {
		wFailKind(t, invoke(t, r, "video_processor", value.Map{"operation": op, "input": mp4, "target_path": filepath.Join(dir, "f.png")}), errs.KindTool, "needs "+prog)
	}
	// missing file, folder
	wFailKind(t, invoke(t, r, "video_processor", value.Map{"input": filepath.Join(dir, "nope.mp4")}), errs.KindTool, "open")
	wFailKind(t, invoke(t, r, "video_processor", value.Map{"input": dir}), errs.KindTool, "folder")
	// path escapes: outside the roots, through .., through a symlink
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.mp4")
	if err := os.WriteFile(secret, []byte("\x00\x00\x00\x20ftypisom"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.mp4")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(dir, secret)
	for _, in := range []string{secret, filepath.Join(dir, rel), link, "/etc/passwd"} {
		if _, err := r.Invoke(ctx, "video_processor", value.Map{"input": in}); !errs.IsKind(err, errs.KindDenied) {
			t.Errorf("%s: want denied, got %v", in, err)
		}
	}
	// a target outside the roots is denied before anything runs (when
	// ffmpeg is present and allowed); without it the tool error comes first
	p2 := tool.DefaultPolicy()
	p2.FileRoots = []string{dir}
	p2.Executables = []string{"ffmpeg", "ffprobe"}
	r2 := evRegistry(t, p2)
	env, err := r2.Invoke(ctx, "video_processor", value.Map{"operation": "thumbnail", "input": mp4, "target_path": filepath.Join(outside, "x.png")})
	if err == nil && (env.Success || !strings.Contains(env.Error.Message, "not installed")) {
		t.Fatalf("thumbnail outside: %+v", env)
	} else if err != nil && !errs.IsKind(err, errs.KindDenied) {
		t.Fatalf("thumbnail outside: %v", err)
	}
}

func TestEmailSenderSTARTTLS(t *testing.T) {
	hs := httptest.NewTLSServer(http.NotFoundHandler())
	cert := hs.TLS.Certificates
	hs.Close()
	srv := evStartSMTP(t)
	srv.mu.Lock()
	srv.tlsCfg = &tls.Config{Certificates: cert, MinVersion: tls.VersionTLS12}
	srv.mu.Unlock()
	r := evAllowLoopback(t)
	p := value.Map{"smtp_host": "127.0.0.1", "smtp_port": srv.port(), "from": "ann@example.com", "to": "bob@example.com",
		"subject": "s", "body": "over tls", "username": "ann", "password": "pw"}
	// the test certificate is not trusted: a tool error, nothing sent
	wFailKind(t, invoke(t, r, "email_sender", p), errs.KindTool, "STARTTLS")
	p["insecure_skip_verify"] = true
	m := wMap(t, invoke(t, r, "email_sender", p))
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if m["tls"] != true || !srv.tlsUsed || srv.auth == "" || !strings.Contains(srv.data, "over tls") {
		t.Fatalf("%v tls=%v auth=%q", m, srv.tlsUsed, srv.auth)
	}
}

func TestEmailSenderCancel(t *testing.T) {
	silent := evStartSMTP(t)
	silent.mu.Lock()
	silent.silent = true
	silent.mu.Unlock()
	r := evAllowLoopback(t)
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	env, err := r.Invoke(cctx, "email_sender", value.Map{"smtp_host": "127.0.0.1", "smtp_port": silent.port(), "from": "a@example.com", "to": "b@example.com"})
	if err == nil && env.Success || time.Since(start) > 3*time.Second {
		t.Fatalf("cancel: %+v %v after %s", env, err, time.Since(start))
	}
}

// evFakeTools puts shell-script stand-ins for ffprobe and ffmpeg first on PATH.
func evFakeTools(t *testing.T, ffmpegBody string) {
	bin := t.TempDir()
	probe := "#!/bin/sh\ncat <<'EOF'\n" + `{"streams":[{"codec_type":"video","codec_name":"h264","width":1280,"height":720,"avg_frame_rate":"30000/1001"},` +
		`{"codec_type":"audio","codec_name":"aac","sample_rate":"48000","channels":2}],"format":{"format_name":"mov,mp4,m4a","duration":"12.5","bit_rate":"800000","size":"1250000"}}` + "\nEOF\n"
	if err := os.WriteFile(filepath.Join(bin, "ffprobe"), []byte(probe), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "ffmpeg"), []byte("#!/bin/sh\n"+ffmpegBody), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestVideoProcessorWithTools(t *testing.T) {
	dir := t.TempDir()
	// the stand-in ffmpeg writes "frame" to its last argument
	evFakeTools(t, `for a; do last="$a"; done; printf frame > "$last"`+"\n")
	mp4 := filepath.Join(dir, "a.mp4")
	if err := os.WriteFile(mp4, []byte("\x00\x00\x00\x20ftypisom\x00\x00\x02\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := tool.DefaultPolicy()
	p.FileRoots = []string{dir}
	// installed but not allowed: the error says so
	r := evRegistry(t, p)
	wFailKind(t, invoke(t, r, "video_processor", value.Map{"operation": "metadata", "input": mp4}), errs.KindTool, "tools.executables does not allow")
	p2 := tool.DefaultPolicy()
	p2.FileRoots = []string{dir}
	p2.Executables = []string{"ffmpeg", "ffprobe"}
	r = evRegistry(t, p2)
	m := wMap(t, invoke(t, r, "video_processor", value.Map{"operation": "metadata", "input": mp4}))
	if m["width"] != int64(1280) || m["height"] != int64(720) || m["video_codec"] != "h264" || m["audio_codec"] != "aac" ||
		m["duration_seconds"] != 12.5 || m["format"] != "mp4" || len(m["streams"].(value.List)) != 2 {
		t.Fatalf("%v", m)
	}
	if fps := m["fps"].(float64); fps < 29.9 || fps > 30 {
		t.Fatalf("fps %v", fps)
	}
	out := filepath.Join(dir, "thumb.png")
	m = wMap(t, invoke(t, r, "video_processor", value.Map{"operation": "thumbnail", "input": mp4, "target_path": out, "timestamp": 1.5}))
	if m["path"] != out || m["size"] != int64(5) || m["timestamp"] != 1.5 {
		t.Fatalf("%v", m)
	}
	// extract_frame needs a target inside the roots
	if _, err := r.Invoke(ctx, "video_processor", value.Map{"operation": "extract_frame", "input": mp4, "target_path": filepath.Join(t.TempDir(), "x.png")}); !errs.IsKind(err, errs.KindDenied) {
		t.Fatalf("target outside: %v", err)
	}
	if _, err := r.Invoke(ctx, "video_processor", value.Map{"operation": "extract_frame", "input": mp4}); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatalf("no target: %v", err)
	}
	// a hanging ffmpeg is killed at timeout_ms
	evFakeTools(t, "exec sleep 30\n")
	start := time.Now()
	if _, err := r.Invoke(ctx, "video_processor", value.Map{"operation": "extract_frame", "input": mp4, "target_path": out, "timeout_ms": int64(300)}); !errs.IsKind(err, errs.KindTimeout) || time.Since(start) > 5*time.Second {
		t.Fatalf("timeout: %v after %s", err, time.Since(start))
	}
	// a failing ffmpeg is a tool error with its stderr
	evFakeTools(t, "echo 'Invalid data found' >&2; exit 1\n")
	wFailKind(t, invoke(t, r, "video_processor", value.Map{"operation": "extract_frame", "input": mp4, "target_path": out}), errs.KindTool, "Invalid data found")
}
