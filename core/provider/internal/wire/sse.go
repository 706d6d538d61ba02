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
// skipped.
type NDJSON struct {
	sc *bufio.Scanner
}

// NewNDJSON returns a reader of r whose lines may be up to max bytes.
func NewNDJSON(r io.Reader, max int) *NDJSON {
	n := &NDJSON{sc: bufio.NewScanner(r)}
	n.sc.Buffer(make([]byte, 0, 4096), max)
	return n
}

// Next returns the next non-blank line, valid until the next call, io.EOF
// at the end, or the reader's error.
func (n *NDJSON) Next() ([]byte, error) {
	for n.sc.Scan() {
		line := bytes.TrimSpace(n.sc.Bytes())
		if len(line) > 0 {
			return line, nil
		}
	}
	if err := n.sc.Err(); err != nil {
		return nil, err
	}
	return nil, io.EOF
}
