package wiretest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/provider"
)

// NoLeaks fails t when, after its cleanups, more goroutines run than
// before it started. Call it first, so its check runs last.
func NoLeaks(t testing.TB) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				n := runtime.Stack(buf, true)
				t.Errorf("goroutines: %d before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:n])
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// Server starts a loopback HTTP server closed when t ends. The handler
// gets the request body read in advance, so the server notices at once
// when the client goes away (r.Context ends).
func Server(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Config returns a config for srv with key "sk-test-secret", a private
// transport whose idle connections close when t ends, a 5 s timeout and a
// 5 ms retry base delay.
func Config(t testing.TB, srv *httptest.Server) *provider.Config {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &provider.Config{
		Name: "", BaseURL: srv.URL, APIKey: "sk-test-secret", Timeout: 5 * time.Second,
		RetryBaseDelay: 5 * time.Millisecond, HTTPClient: &http.Client{Transport: tr},
	}
}

// Start writes the 200 headers of a stream with the content type and
// flushes them.
func Start(w http.ResponseWriter, contentType string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

// Write writes s and flushes it.
func Write(w http.ResponseWriter, s string) {
	io.WriteString(w, s)
	w.(http.Flusher).Flush()
}

// WriteSplit writes s in pieces of n bytes, flushing each, so reads see
// lines, UTF-8 characters and JSON tokens cut anywhere.
func WriteSplit(w http.ResponseWriter, s string, n int) {
	for len(s) > 0 {
		k := min(n, len(s))
		Write(w, s[:k])
		s = s[k:]
	}
}

// Cut flushes what was written and closes the connection without ending
// the response, as a dropped connection does.
func Cut(w http.ResponseWriter) {
	w.(http.Flusher).Flush()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// Body decodes a JSON request body into a generic map.
func Body(t testing.TB, r *http.Request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		t.Errorf("request body: %v", err)
	}
	return m
}

// SSE formats events as "data: <d>\n\n" each.
func SSE(data ...string) string {
	var b strings.Builder
	for _, d := range data {
		b.WriteString("data: ")
		b.WriteString(d)
		b.WriteString("\n\n")
	}
	return b.String()
}
