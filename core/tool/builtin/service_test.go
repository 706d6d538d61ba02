package builtin

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

func TestServiceChecker(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/down":
			w.WriteHeader(503)
		case "/redirect-meta":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/redirect-v6":
			http.Redirect(w, r, "http://[::1]:1/", http.StatusFound)
		default:
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	tsrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tsrv.Close()
	p := tool.DefaultPolicy()
	p.AllowHosts = []string{"127.0.0.1"}
	r := newRegistry(t, p)
	check := func(params value.Map) value.Map {
		t.Helper()
		env := invoke(t, r, "service_checker", params)
		if !env.Success {
			t.Fatalf("%v: %v", params, env.Error)
		}
		return env.Result.(value.Map)
	}
	addr := strings.TrimPrefix(srv.URL, "http://")
	if m := check(value.Map{"target": addr, "check_type": "tcp"}); m["healthy"] != true {
		t.Fatalf("tcp %v", m)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	if m := check(value.Map{"target": closed, "check_type": "tcp", "timeout_ms": int64(1000)}); m["healthy"] != false || m["error"] == nil {
		t.Fatalf("closed port %v", m)
	}
	if m := check(value.Map{"target": srv.URL + "/", "check_type": "http"}); m["healthy"] != true || m["status_code"] != int64(200) {
		t.Fatalf("http %v", m)
	}
	if m := check(value.Map{"target": srv.URL + "/down", "check_type": "http"}); m["healthy"] != false || m["status_code"] != int64(503) {
		t.Fatalf("http down %v", m)
	}
	// the TLS test server's certificate is not trusted: unhealthy, not a crash
	if m := check(value.Map{"target": tsrv.URL, "check_type": "https"}); m["healthy"] != false {
		t.Fatalf("https %v", m)
	}
	if m := check(value.Map{"target": "localhost", "check_type": "dns"}); m["healthy"] != true || len(m["addresses"].(value.List)) == 0 {
		t.Fatalf("dns %v", m)
	}
	if m := check(value.Map{"target": "no-such-host.invalid", "check_type": "dns", "timeout_ms": int64(2000)}); m["healthy"] != false {
		t.Fatalf("dns invalid %v", m)
	}
	// SSRF: metadata, other loopback, IPv6 loopback, through redirects
	wantDenied(t, r, "service_checker", value.Map{"target": "169.254.169.254:80", "check_type": "tcp"})
	wantDenied(t, r, "service_checker", value.Map{"target": "[::1]:80", "check_type": "tcp"})
	wantDenied(t, r, "service_checker", value.Map{"target": "10.0.0.1:22", "check_type": "tcp"})
	wantDenied(t, r, "service_checker", value.Map{"target": "http://169.254.169.254/latest/meta-data/", "check_type": "http"})
	wantDenied(t, r, "service_checker", value.Map{"target": "http://[::1]:8080/", "check_type": "http"})
	wantDenied(t, r, "service_checker", value.Map{"target": srv.URL + "/redirect-meta", "check_type": "http"})
	wantDenied(t, r, "service_checker", value.Map{"target": srv.URL + "/redirect-v6", "check_type": "http"})
	strict := newRegistry(t, nil)
	wantDenied(t, strict, "service_checker", value.Map{"target": addr, "check_type": "tcp"})
	wantDenied(t, strict, "service_checker", value.Map{"target": srv.URL, "check_type": "http"})
	if _, err := r.Invoke(ctx, "service_checker", value.Map{"target": "no-port", "check_type": "tcp"}); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatal(err)
	}
	if _, err := r.Invoke(ctx, "service_checker", value.Map{"target": "ftp://x/", "check_type": "http"}); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatal(err)
	}
}
