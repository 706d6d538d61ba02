package wire

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
)

func TestSSEFraming(t *testing.T) {
	in := ": comment\n\n" +
		"event: a\ndata: one\n\n" +
		"data:two\r\ndata:  three\r\n\r\n" + // no space after colon; a second space is kept
		"event: skipped\n\n" + // no data: not dispatched, type reset
		"data\rdata: x\r\r" + // bare field name = empty value; CR line ends
		"id: 9\nretry: 5\nfoo: bar\ndata: {\"k\":1}\n\n" +
		"data: unfinished"
	for _, n := range []int{1, 2, 3, 1000} {
		s := NewSSE(iotest.OneByteReader(strings.NewReader(in)), 1<<20)
		if n > 1 {
			s = NewSSE(&chunked{s: in, n: n}, 1<<20)
		}
		var got []string
		for {
			ev, data, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(ev)+"="+string(data))
		}
		want := "a=one|=two\n three|=\nx|={\"k\":1}"
		if strings.Join(got, "|") != want {
			t.Fatalf("pieces of %d: got %q, want %q", n, strings.Join(got, "|"), want)
		}
	}
}

// chunked returns s in reads of n bytes.
type chunked struct {
	s string
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[k:]
	return k, nil
}

func TestSSELineTooLong(t *testing.T) {
	s := NewSSE(strings.NewReader("data: "+strings.Repeat("x", 10000)+"\n\n"), 5000)
	if _, _, err := s.Next(); !errors.Is(err, bufio.ErrTooLong) {
		t.Fatalf("err %v", err)
	}
}

func TestNDJSON(t *testing.T) {
	n := NewNDJSON(&chunked{s: "{\"a\":1}\n\n  \r\n{\"b\":2}\r\n{\"c\":3}", n: 3}, 1<<20)
	var got []string
	for {
		l, err := n.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(l))
	}
	if strings.Join(got, "|") != `{"a":1}|{"b":2}|{"c":3}` {
		t.Fatalf("got %q", got)
	}
	cut := NewNDJSON(io.MultiReader(strings.NewReader("{\"a\":1}\n{\"b\""), iotest.ErrReader(io.ErrUnexpectedEOF)), 1<<20)
	if l, err := cut.Next(); err != nil || string(l) != `{"a":1}` {
		t.Fatalf("first %q %v", l, err)
	}
	if _, err := cut.Next(); err != io.ErrUnexpectedEOF {
		t.Fatalf("cut line: %v", err)
	}
	long := NewNDJSON(strings.NewReader(strings.Repeat("x", 40000)+"\n"), 20000)
	if _, err := long.Next(); !errors.Is(err, bufio.ErrTooLong) {
		t.Fatalf("long line: %v", err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":     0,
		"1":    time.Second,
		" 7 ":  7 * time.Second,
		"3600": MaxRetryAfter,
		"-1":   0,
		"soon": 0,
		now.Add(10 * time.Second).Format(http.TimeFormat): 10 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
		now.Add(time.Hour).Format(http.TimeFormat):        MaxRetryAfter,
	} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	c := NewClient(&provider.Config{RetryBaseDelay: 100 * time.Millisecond}, "x", nil)
	for try := 0; try < 12; try++ {
		full := min(100*time.Millisecond<<try, maxBackoff)
		for i := 0; i < 50; i++ {
			if d := c.delay(try, 0); d < full/2 || d > full {
				t.Fatalf("try %d: delay %v outside [%v, %v]", try, d, full/2, full)
			}
		}
	}
	if d := c.delay(0, 3*time.Second); d != 3*time.Second {
		t.Fatalf("Retry-After delay %v", d)
	}
}

func TestDefaults(t *testing.T) {
	c := NewClient(&provider.Config{Name: "groq", Headers: map[string]string{"X-A": "b"}}, "openai", nil)
	if c.timeout != DefaultTimeout || c.retries != DefaultMaxRetries || c.base != DefaultRetryBaseDelay || c.Name() != "groq" ||
		c.header.Get("X-A") != "b" || c.header.Get("Content-Type") != "application/json" {
		t.Fatalf("client %+v", c)
	}
	if c := NewClient(&provider.Config{MaxRetries: -1}, "x", nil); c.retries != 0 {
		t.Fatalf("retries %d", c.retries)
	}
}

func TestErrorMessage(t *testing.T) {
	for body, want := range map[string]string{
		`{"error":{"message":"bad key","type":"auth"}}`:                         "bad key",
		`{"type":"error","error":{"type":"overloaded_error","message":"busy"}}`: "busy",
		`{"error":"model not found"}`:                                           "model not found",
		`{"message":"plain"}`:                                                   "plain",
		"  <html>502</html>\n":                                                  "<html>502</html>",
		strings.Repeat("é", 200):                                                strings.Repeat("é", 150),
	} {
		if got := ErrorMessage([]byte(body)); got != want {
			t.Errorf("ErrorMessage(%.40q) = %.40q, want %.40q", body, got, want)
		}
	}
}

func TestErrorfRedactsKey(t *testing.T) {
	c := NewClient(&provider.Config{APIKey: "sk-abc123"}, "openai", nil)
	err := c.Errorf("failed with %s", "Bearer sk-abc123")
	e := errs.As(err)
	if e.Kind != errs.KindProvider || strings.Contains(err.Error(), "sk-abc123") || e.Details["provider"] != "openai" {
		t.Fatalf("error %v %v", err, e.Details)
	}
}

func TestBodyLimits(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 5000))
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := NewClient(&provider.Config{HTTPClient: &http.Client{Transport: tr}}, "x", nil)
	c.maxBody = 1000
	if _, err := c.Post(context.Background(), srv.URL, nil); !errs.IsKind(err, errs.KindProvider) || !strings.Contains(err.Error(), "larger than 1000") {
		t.Fatalf("post: %v", err)
	}
	b, err := c.Open(context.Background(), srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := io.ReadAll(b); !errs.IsKind(err, errs.KindProvider) || !strings.Contains(err.Error(), "larger than 1000") {
		t.Fatalf("stream: %v", err)
	}
}
