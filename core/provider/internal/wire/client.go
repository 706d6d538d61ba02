package wire

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
)

// Defaults and bounds of a Client.
const (
	// DefaultTimeout bounds one attempt when Config.Timeout is 0.
	DefaultTimeout = 120 * time.Second
	// DefaultMaxRetries is used when Config.MaxRetries is 0.
	DefaultMaxRetries = 3
	// DefaultRetryBaseDelay is used when Config.RetryBaseDelay is 0.
	DefaultRetryBaseDelay = 500 * time.Millisecond
	// MaxRetryAfter caps the wait a Retry-After header may ask for.
	MaxRetryAfter = 60 * time.Second
	// MaxBody is the largest response body accepted, streamed or not.
	MaxBody = 32 << 20

	maxBackoff   = 30 * time.Second
	maxErrorBody = 64 << 10
)

// Causes given to the per-attempt context, so a failure can be told apart
// from the caller's own cancellation.
var (
	errTimedOut = errors.New("wire: attempt timed out")
	errClosed   = errors.New("wire: body closed")
)

// Client posts JSON to one provider. It is safe for concurrent use.
type Client struct {
	http    *http.Client
	name    string
	key     string
	header  http.Header
	timeout time.Duration
	retries int
	base    time.Duration
	maxBody int64
	now     func() time.Time
}

// NewClient returns a client for cfg. name is the provider name used in
// errors (cfg.Name when set); header holds the protocol's own headers
// (auth, versions), to which cfg.Headers are added. NewClient owns header.
func NewClient(cfg *provider.Config, name string, header http.Header) *Client {
	if cfg.Name != "" {
		name = cfg.Name
	}
	c := &Client{
		http: cfg.HTTPClient, name: name, key: cfg.APIKey, header: header,
		timeout: cfg.Timeout, retries: cfg.MaxRetries, base: cfg.RetryBaseDelay,
		maxBody: MaxBody, now: time.Now,
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.header == nil {
		c.header = http.Header{}
	}
	for k, v := range cfg.Headers {
		c.header.Set(k, v)
	}
	if c.header.Get("Content-Type") == "" {
		c.header.Set("Content-Type", "application/json")
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	switch {
	case c.retries == 0:
		c.retries = DefaultMaxRetries
	case c.retries < 0:
		c.retries = 0
	}
	if c.base <= 0 {
		c.base = DefaultRetryBaseDelay
	}
	return c
}

// Name returns the provider name used in errors.
func (c *Client) Name() string { return c.name }

// Errorf returns a provider_error whose message is prefixed with the
// provider name and redacted of the API key, with the "provider" detail.
func (c *Client) Errorf(format string, args ...any) error {
	e := errs.New(errs.KindProvider, format, args...)
	e.Message = c.redact(c.name + ": " + e.Message)
	return e.With("provider", c.name)
}

// redact removes the API key from s.
func (c *Client) redact(s string) string {
	if c.key == "" || !strings.Contains(s, c.key) {
		return s
	}
	return strings.ReplaceAll(s, c.key, "[redacted]")
}

// Post sends body to url and returns the whole body of a 2xx answer,
// retrying as the package doc says. Each attempt, body included, is
// bounded by the timeout.
func (c *Client) Post(ctx context.Context, url string, body []byte) ([]byte, error) {
	for try := 0; ; try++ {
		data, wait, err := c.postOnce(ctx, url, body)
		if err == nil {
			return data, nil
		}
		if wait < 0 || try >= c.retries {
			return nil, err
		}
		if err := c.sleep(ctx, c.delay(try, wait)); err != nil {
			return nil, err
		}
	}
}

// Open sends body to url and returns the streaming body of a 2xx answer.
// The timeout bounds the wait for the headers and then each wait for more
// data. The caller must Close the Body.
func (c *Client) Open(ctx context.Context, url string, body []byte) (*Body, error) {
	for try := 0; ; try++ {
		ex, wait, err := c.roundTrip(ctx, url, body)
		if err == nil {
			ex.timer.Reset(c.timeout)
			return &Body{c: c, rc: ex.resp.Body, cause: ex.cause, cancel: ex.cancel, timer: ex.timer}, nil
		}
		if wait < 0 || try >= c.retries {
			return nil, err
		}
		if err := c.sleep(ctx, c.delay(try, wait)); err != nil {
			return nil, err
		}
	}
}

// exchange is one attempt whose headers arrived with a 2xx status.
type exchange struct {
	resp   *http.Response
	cause  func() error
	cancel context.CancelCauseFunc
	timer  *time.Timer
}

func (ex *exchange) end() {
	ex.timer.Stop()
	ex.resp.Body.Close()
	ex.cancel(nil)
}

func (c *Client) postOnce(ctx context.Context, url string, body []byte) ([]byte, time.Duration, error) {
	ex, wait, err := c.roundTrip(ctx, url, body)
	if err != nil {
		return nil, wait, err
	}
	defer ex.end()
	var buf bytes.Buffer
	if n := ex.resp.ContentLength; n > 0 && n <= c.maxBody {
		buf.Grow(int(n))
	}
	if _, err := buf.ReadFrom(io.LimitReader(ex.resp.Body, c.maxBody+1)); err != nil {
		return nil, retryWait(ctx, ex.cause(), err), c.transportError(ctx, ex.cause(), err, "reading the response failed")
	}
	if int64(buf.Len()) > c.maxBody {
		return nil, -1, c.Errorf("response larger than %d bytes", c.maxBody)
	}
	return buf.Bytes(), 0, nil
}

// roundTrip makes one attempt. On failure it returns how long to wait
// before a retry: negative for no retry, 0 for the backoff, else the
// server's Retry-After.
func (c *Client) roundTrip(ctx context.Context, url string, body []byte) (*exchange, time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return nil, -1, c.ctxError(ctx)
	}
	actx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(c.timeout, func() { cancel(errTimedOut) })
	cause := func() error { return context.Cause(actx) }
	req, err := http.NewRequestWithContext(actx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		timer.Stop()
		cancel(nil)
		e := errs.New(errs.KindInvalidArgument, "%s", c.redact(c.name+": bad url: "+err.Error()))
		return nil, -1, e.With("provider", c.name)
	}
	req.Header = c.header.Clone()
	resp, err := c.http.Do(req)
	if err != nil {
		timer.Stop()
		e := c.transportError(ctx, cause(), err, "request failed")
		wait := retryWait(ctx, cause(), err)
		cancel(nil)
		return nil, wait, e
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		timer.Stop()
		cancel(nil)
		wait := time.Duration(-1)
		if retryableStatus(resp.StatusCode) {
			wait = retryAfter(resp.Header.Get("Retry-After"), c.now())
		}
		return nil, wait, c.statusError(resp.StatusCode, msg)
	}
	return &exchange{resp: resp, cause: cause, cancel: cancel, timer: timer}, 0, nil
}

// statusError is the provider_error of a non-2xx answer.
func (c *Client) statusError(status int, body []byte) error {
	msg := ErrorMessage(body)
	if msg == "" {
		msg = http.StatusText(status)
	}
	e := errs.New(errs.KindProvider, "%s", c.redact(c.name+": http "+strconv.Itoa(status)+": "+msg))
	return e.With("status", int64(status)).With("provider", c.name)
}

// ctxError maps the caller's context ending to cancelled or timeout.
func (c *Client) ctxError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errs.Wrap(errs.KindTimeout, ctx.Err(), "%s: deadline exceeded", c.name).With("provider", c.name)
	}
	return errs.Wrap(errs.KindCancelled, ctx.Err(), "%s: request cancelled", c.name).With("provider", c.name)
}

// transportError maps a failed request or read: the caller's context, the
// attempt timeout, or else a provider_error.
func (c *Client) transportError(ctx context.Context, cause, err error, what string) error {
	switch {
	case ctx.Err() != nil:
		return c.ctxError(ctx)
	case errors.Is(cause, errTimedOut):
		return errs.New(errs.KindTimeout, "%s: no response within %s", c.name, c.timeout).With("provider", c.name)
	}
	return c.Errorf("%s: %v", what, err)
}

// retryWait says whether a transport failure may be retried (0) or not (-1).
func retryWait(ctx context.Context, cause, err error) time.Duration {
	if ctx.Err() != nil || cause != nil {
		return -1
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return 0
	}
	return -1
}

func retryableStatus(status int) bool {
	switch status {
	case 429, 500, 502, 503, 504, 529:
		return true
	}
	return false
}

// retryAfter parses a Retry-After header (seconds or an HTTP date); 0
// means absent or unusable.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(h); err == nil && n >= 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	if d <= 0 {
		return 0
	}
	return min(d, MaxRetryAfter)
}

// delay is the wait before retry number try+1: the server's ask, or the
// exponential backoff with jitter (between half and all of it).
func (c *Client) delay(try int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return retryAfter
	}
	d := c.base
	for i := 0; i < try && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	half := d / 2
	return half + rand.N(half+1)
}

// sleep waits d or until ctx ends.
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return c.ctxError(ctx)
	}
}
