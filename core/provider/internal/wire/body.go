package wire

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
)

// Body is the body of a streamed answer. Read maps failures to error
// kinds: the caller's context (cancelled, timeout), no data within the
// timeout (timeout), Close (closed) and anything else, such as a cut
// connection, to a provider_error "stream ended early". Read belongs to one
// goroutine; Close may be called from any goroutine, any number of times,
// and unblocks a pending Read.
type Body struct {
	c      *Client
	rc     io.ReadCloser
	cause  func() error
	cancel context.CancelCauseFunc
	timer  *time.Timer
	n      int64
	closed atomic.Bool
}

// Read reads from the answer, restarting the idle timer on data.
func (b *Body) Read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, errs.ErrClosed
	}
	n, err := b.rc.Read(p)
	if n > 0 {
		b.timer.Reset(b.c.timeout)
		b.n += int64(n)
		if b.n > b.c.maxBody {
			return 0, b.c.Errorf("response larger than %d bytes", b.c.maxBody)
		}
	}
	if err != nil && err != io.EOF {
		err = b.fail(err)
	}
	return n, err
}

func (b *Body) fail(err error) error {
	if b.closed.Load() {
		return errs.ErrClosed
	}
	cause := b.cause()
	switch {
	case errors.Is(cause, errTimedOut):
		return errs.New(errs.KindTimeout, "%s: no stream data within %s", b.c.name, b.c.timeout).With("provider", b.c.name)
	case errors.Is(cause, context.DeadlineExceeded):
		return errs.Wrap(errs.KindTimeout, cause, "%s: deadline exceeded", b.c.name).With("provider", b.c.name)
	case cause != nil:
		return errs.Wrap(errs.KindCancelled, cause, "%s: stream cancelled", b.c.name).With("provider", b.c.name)
	}
	return b.c.Errorf("stream ended early: %v", err)
}

// EndedEarly is the error of a stream whose body ended cleanly before the
// protocol's last event.
func (b *Body) EndedEarly() error {
	if b.closed.Load() {
		return errs.ErrClosed
	}
	return b.c.Errorf("stream ended early")
}

// Malformed is the error of a stream chunk (numbered from 1) that does not
// parse.
func (b *Body) Malformed(chunk int, err error) error {
	return b.c.Errorf("malformed stream chunk %d: %v", chunk, err)
}

// Closed reports whether Close was called.
func (b *Body) Closed() bool { return b.closed.Load() }

// Close cancels the request and closes the body. It is idempotent and safe
// to call from any goroutine.
func (b *Body) Close() error {
	if !b.closed.CompareAndSwap(false, true) {
		return nil
	}
	b.timer.Stop()
	b.cancel(errClosed)
	b.rc.Close()
	return nil
}
