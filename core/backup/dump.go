package backup

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
)

// dumpMagic starts a kv-dump file.
const dumpMagic = "LLMSPELL-KVDUMP1"

// writeDump writes every key and value of s to path:
//
//	"LLMSPELL-KVDUMP1" { uvarint(len key) key uvarint(len value) value }
//
// in key order, and returns the number of keys. The Scan is one consistent
// snapshot on both backends.
func writeDump(ctx context.Context, s kv.Store, path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, errs.Wrap(errs.KindStorage, err, "backup: write %s", path)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(dumpMagic)
	var n int64
	var werr error
	var hdr [binary.MaxVarintLen64]byte
	put := func(b []byte) {
		w.Write(hdr[:binary.PutUvarint(hdr[:], uint64(len(b)))])
		w.Write(b)
	}
	err = s.Scan(nil, func(k, v []byte) bool {
		if n%1024 == 0 {
			if werr = ctxErr(ctx); werr != nil {
				return false
			}
		}
		put(k)
		put(v)
		n++
		return true
	})
	if err == nil {
		err = werr
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		return 0, wrapIO(err, "backup: dump the store")
	}
	return n, nil
}

// readDump calls fn for each record of a dump read from r.
func readDump(r io.Reader, fn func(k, v []byte) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	magic := make([]byte, len(dumpMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != dumpMagic {
		return errors.New("not a kv dump")
	}
	var k, v []byte
	read := func(buf []byte) ([]byte, error) {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return nil, err
		}
		if n > 1<<31 {
			return nil, errors.New("record too large")
		}
		if uint64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		_, err = io.ReadFull(br, buf)
		return buf, err
	}
	for {
		var err error
		if k, err = read(k); err == io.EOF {
			return nil
		} else if err != nil {
			return unexpected(err)
		}
		if v, err = read(v); err != nil {
			return unexpected(err)
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
