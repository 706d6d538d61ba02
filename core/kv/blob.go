package kv

import "github.com/llmspell/llmspell-go/core/errs"

// BlobStore is implemented by stores that keep large values as files beside
// themselves (the pebble backend does, memory does not). A blob is named by
// its content hash (lower-case hex, at least 3 characters) and never
// changes once written: putting a name again replaces it with the same
// bytes. The store keeps no reference counts; its user does, in keys.
//
// Durability follows the store's: a blob is on disk no later than the
// writes that follow PutBlob (a store that syncs every write syncs the file
// before PutBlob returns; otherwise the next Sync syncs pending blob files
// before the write-ahead log). DeleteBlob likewise takes effect on disk no
// earlier than the writes before it, so a crash never leaves a durable key
// pointing at a removed file.
type BlobStore interface {
	// PutBlob writes data as the blob name, atomically: a reader sees the
	// whole blob or none (a temporary file renamed into place).
	PutBlob(name string, data []byte) error
	// GetBlob returns a blob's bytes, or a not_found error.
	GetBlob(name string) ([]byte, error)
	// DeleteBlob removes a blob; a missing blob is not an error.
	DeleteBlob(name string) error
}

// ErrNoBlobs is returned by Swappable's blob methods when the current store
// is not a BlobStore; the caller then keeps the value in keys. Test with
// errors.Is.
var ErrNoBlobs = errs.New(errs.KindInvalidArgument, "store cannot keep blob files")

// PutBlob implements BlobStore when the current store does, and returns
// ErrNoBlobs otherwise.
func (w *Swappable) PutBlob(name string, data []byte) error {
	g, err := w.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	if b, ok := g.s.(BlobStore); ok {
		return b.PutBlob(name, data)
	}
	return ErrNoBlobs
}

// GetBlob implements BlobStore when the current store does, and returns
// ErrNoBlobs otherwise.
func (w *Swappable) GetBlob(name string) ([]byte, error) {
	g, err := w.acquire()
	if err != nil {
		return nil, err
	}
	defer g.release()
	if b, ok := g.s.(BlobStore); ok {
		return b.GetBlob(name)
	}
	return nil, ErrNoBlobs
}

// DeleteBlob implements BlobStore when the current store does, and returns
// ErrNoBlobs otherwise.
func (w *Swappable) DeleteBlob(name string) error {
	g, err := w.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	if b, ok := g.s.(BlobStore); ok {
		return b.DeleteBlob(name)
	}
	return ErrNoBlobs
}
