package wire

import (
	"bufio"
	"bytes"
	"io"
)

// SSE reads server-sent events (the text/event-stream format of the HTML
// standard): lines end in LF, CRLF or CR; lines starting with ':' are
// comments; "data" lines of one event are joined with LF; "event" sets the
// event type; other fields are ignored; a blank line ends an event; an
// event without data is not dispatched, and an unfinished event at the end
// of the stream is dropped.
type SSE struct {
	sc     *bufio.Scanner
	skipLF bool
	data   []byte
	event  []byte
}

// NewSSE returns a reader of r whose lines may be up to max bytes.
func NewSSE(r io.Reader, max int) *SSE {
	s := &SSE{sc: bufio.NewScanner(r)}
	s.sc.Buffer(make([]byte, 0, 4096), max)
	s.sc.Split(s.split)
	return s
}

// Next returns the next event's type (empty when it has none) and data.
// Both are valid until the next call. It returns io.EOF at the end of the
// stream and the reader's error (or bufio.ErrTooLong) on failure.
func (s *SSE) Next() (event, data []byte, err error) {
	s.data = s.data[:0]
	s.event = s.event[:0]
	has := false
	for s.sc.Scan() {
		line := s.sc.Bytes()
		if len(line) == 0 {
			if !has {
				s.event = s.event[:0]
				continue
			}
			return s.event, s.data[:len(s.data)-1], nil
		}
		if line[0] == ':' {
			continue
		}
		field, val := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, val = line[:i], line[i+1:]
			if len(val) > 0 && val[0] == ' ' {
				val = val[1:]
			}
		}
		switch string(field) {
		case "data":
			s.data = append(s.data, val...)
			s.data = append(s.data, '\n')
			has = true
		case "event":
			s.event = append(s.event[:0], val...)
		}
	}
	if err := s.sc.Err(); err != nil {
		return nil, nil, err
	}
	return nil, nil, io.EOF
}

// split cuts lines at LF, CRLF or CR without waiting for the byte after a
// CR (a LF arriving later is skipped).
func (s *SSE) split(data []byte, atEOF bool) (int, []byte, error) {
	start := 0
	if s.skipLF && len(data) > 0 {
		s.skipLF = false
		if data[0] == '\n' {
			start = 1
		}
	}
	rest := data[start:]
	end := bytes.IndexByte(rest, '\n')
	scan := rest
	if end >= 0 {
		scan = rest[:end]
	}
	if cr := bytes.IndexByte(scan, '\r'); cr >= 0 {
		if cr+1 < len(rest) {
			if rest[cr+1] == '\n' {
				return start + cr + 2, rest[:cr], nil
			}
			return start + cr + 1, rest[:cr], nil
		}
		s.skipLF = true
		return start + cr + 1, rest[:cr], nil
	}
	if end >= 0 {
		return start + end + 1, rest[:end], nil
	}
	if atEOF && len(rest) > 0 {
		return len(data), rest, nil
	}
	return start, nil, nil
}

// NDJSON reads newline-delimited JSON: one document a line, blank lines
// skipped. A last line without a newline counts only when the stream ended
// cleanly; after a read error it is dropped, so a cut line is reported as
// the read error rather than as malformed JSON.
type NDJSON struct {
	r   *bufio.Reader
	max int
	buf []byte
}

// NewNDJSON returns a reader of r whose lines may be up to max bytes.
func NewNDJSON(r io.Reader, max int) *NDJSON {
	return &NDJSON{r: bufio.NewReaderSize(r, 16<<10), max: max}
}

// Next returns the next non-blank line, valid until the next call, io.EOF
// at the end, bufio.ErrTooLong for a line over the bound, or the reader's
// error.
func (n *NDJSON) Next() ([]byte, error) {
	for {
		line, err := n.line()
		if err != nil {
			return nil, err
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			return line, nil
		}
	}
}

func (n *NDJSON) line() ([]byte, error) {
	n.buf = n.buf[:0]
	for {
		frag, err := n.r.ReadSlice('\n')
		switch {
		case err == nil && len(n.buf) == 0:
			return frag, nil
		case err == nil:
			return append(n.buf, frag...), nil
		case err == bufio.ErrBufferFull:
			n.buf = append(n.buf, frag...)
			if len(n.buf) > n.max {
				return nil, bufio.ErrTooLong
			}
		case err == io.EOF && len(n.buf)+len(frag) > 0:
			n.buf = append(n.buf, frag...)
			return n.buf, nil
		default:
			return nil, err
		}
	}
}
