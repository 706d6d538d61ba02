package session

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash"

	"github.com/pierrec/lz4/v4"
	"github.com/zeebo/blake3"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/value"
)

// ChunkSize is the size of a content chunk; content above it is chunked.
const ChunkSize = 1 << 20

const (
	chunkRaw  byte = 0
	chunkLZ4  byte = 1
	chunkFile byte = 2 // the kv value is this byte alone; the blob file holds the raw or lz4 form
)

// chunkRef describes one stored chunk of a content record.
type chunkRef struct {
	Hash       string
	Size       int64 // uncompressed
	Stored     int64 // bytes on disk, with the flag byte
	Compressed bool
}

// blobRecord is a content record: the chunks of one content hash.
type blobRecord struct {
	Hash   string
	Size   int64
	Stored int64
	Chunks []chunkRef
	Refs   int64
}

func (b *blobRecord) encode() ([]byte, error) {
	chunks := make(value.List, len(b.Chunks))
	for i, c := range b.Chunks {
		chunks[i] = value.Map{"hash": c.Hash, "size": c.Size, "stored": c.Stored, "compressed": c.Compressed}
	}
	return value.Encode(value.Map{"hash": b.Hash, "size": b.Size, "stored": b.Stored, "chunks": chunks, "refs": b.Refs})
}

func decodeBlob(raw []byte) (*blobRecord, error) {
	v, err := value.Decode(raw)
	if err != nil {
		return nil, errs.Wrap(errs.KindStorage, err, "content record")
	}
	m, _ := v.(value.Map)
	b := &blobRecord{}
	b.Hash, _ = m["hash"].(string)
	b.Size, _ = m["size"].(int64)
	b.Stored, _ = m["stored"].(int64)
	b.Refs, _ = m["refs"].(int64)
	list, _ := m["chunks"].(value.List)
	for _, e := range list {
		cm, _ := e.(value.Map)
		c := chunkRef{}
		c.Hash, _ = cm["hash"].(string)
		c.Size, _ = cm["size"].(int64)
		c.Stored, _ = cm["stored"].(int64)
		c.Compressed, _ = cm["compressed"].(bool)
		b.Chunks = append(b.Chunks, c)
	}
	return b, nil
}

func blobKey(hash string) []byte     { return []byte("blob/" + hash) }
func chunkKey(hash string) []byte    { return []byte("chunk/" + hash) }
func chunkRefKey(hash string) []byte { return []byte("chunkref/" + hash) }

func (m *Manager) getBlobLocked(hash string) (*blobRecord, error) {
	raw, err := m.kv.Get(blobKey(hash))
	if err != nil {
		return nil, err
	}
	return decodeBlob(raw)
}

func (m *Manager) chunkRefsLocked(hash string) (int64, error) {
	raw, err := m.kv.Get(chunkRefKey(hash))
	if errs.IsKind(err, errs.KindNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(raw) != 8 {
		return 0, errs.New(errs.KindStorage, "chunk reference count of %s is corrupt", hash)
	}
	return int64(binary.BigEndian.Uint64(raw)), nil
}

func refBytes(n int64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	return b[:]
}

// putChunk stores one chunk (compressing when asked and worthwhile) and
// takes a reference on it for the writer. Data is written only when no one
// holds the chunk yet: equal chunks are stored once.
func (m *Manager) putChunk(data []byte, compress bool) (chunkRef, error) {
	sum := blake3.Sum256(data)
	ref := chunkRef{Hash: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	stored := make([]byte, 0, len(data)+1)
	stored = append(stored, chunkRaw)
	stored = append(stored, data...)
	if compress {
		buf := make([]byte, lz4.CompressBlockBound(len(data))+1)
		n, err := lz4.CompressBlock(data, buf[1:], nil)
		if err == nil && n > 0 && n+1 < len(stored) {
			buf[0] = chunkLZ4
			stored = buf[:n+1]
			ref.Compressed = true
		}
	}
	ref.Stored = int64(len(stored))
	m.mu.Lock()
	defer m.mu.Unlock()
	refs, err := m.chunkRefsLocked(ref.Hash)
	if err != nil {
		return ref, err
	}
	b := m.kv.NewBatch()
	inFile := false
	if refs == 0 {
		if inFile, err = m.putBlobFile(ref.Hash, stored); err != nil {
			b.Discard()
			return ref, err
		}
		if inFile {
			b.Set(chunkKey(ref.Hash), []byte{chunkFile})
		} else {
			b.Set(chunkKey(ref.Hash), stored)
		}
	}
	b.Set(chunkRefKey(ref.Hash), refBytes(refs+1))
	if err := b.Commit(); err != nil {
		if inFile {
			m.dropBlobFiles([]string{ref.Hash})
		}
		return ref, err
	}
	return ref, nil
}

// putBlobFile stores a chunk's stored form as a file beside the kv store
// when it is large enough and the store keeps files; it reports whether it
// did. The caller holds m.mu.
func (m *Manager) putBlobFile(hash string, stored []byte) (bool, error) {
	bs, ok := m.kv.(kv.BlobStore)
	if !ok || m.opts.BlobThreshold < 0 || len(stored) < m.opts.BlobThreshold {
		return false, nil
	}
	err := bs.PutBlob(hash, stored)
	if errors.Is(err, kv.ErrNoBlobs) {
		return false, nil
	}
	return err == nil, err
}

// dropBlobFiles removes the files of chunks whose records are gone (after
// the commit that removed them); chunks kept in kv have none. A file left
// behind by a failure is unreferenced and harmless. The caller holds m.mu.
func (m *Manager) dropBlobFiles(hashes []string) {
	bs, ok := m.kv.(kv.BlobStore)
	if !ok {
		return
	}
	for _, h := range hashes {
		_ = bs.DeleteBlob(h)
	}
}

// releaseChunksLocked drops one reference on each chunk, deleting chunks
// nobody holds any more. It returns the freed chunks that live in blob
// files: pass them to dropBlobFiles once b is committed.
func (m *Manager) releaseChunksLocked(b interface {
	Set(k, v []byte)
	Delete(k []byte)
}, chunks []chunkRef) ([]string, error) {
	seen := map[string]int64{}
	for _, c := range chunks {
		refs, ok := seen[c.Hash]
		if !ok {
			var err error
			if refs, err = m.chunkRefsLocked(c.Hash); err != nil {
				return nil, err
			}
		}
		refs--
		seen[c.Hash] = refs
	}
	var files []string
	for h, refs := range seen {
		if refs <= 0 {
			if raw, err := m.kv.Get(chunkKey(h)); err == nil && len(raw) == 1 && raw[0] == chunkFile {
				files = append(files, h)
			}
			b.Delete(chunkKey(h))
			b.Delete(chunkRefKey(h))
		} else {
			b.Set(chunkRefKey(h), refBytes(refs))
		}
	}
	return files, nil
}

// readChunk loads, decompresses and verifies one chunk.
func (m *Manager) readChunk(c chunkRef) ([]byte, error) {
	raw, err := m.kv.Get(chunkKey(c.Hash))
	if errs.IsKind(err, errs.KindNotFound) {
		return nil, errs.New(errs.KindStorage, "integrity check failed: chunk %s is missing", c.Hash).With("integrity", true)
	}
	if err != nil {
		return nil, err
	}
	if len(raw) == 1 && raw[0] == chunkFile {
		bs, ok := m.kv.(kv.BlobStore)
		if !ok {
			return nil, errs.New(errs.KindStorage, "integrity check failed: chunk %s lives in a blob file, and this store keeps none", c.Hash).With("integrity", true)
		}
		if raw, err = bs.GetBlob(c.Hash); errs.IsKind(err, errs.KindNotFound) {
			return nil, errs.New(errs.KindStorage, "integrity check failed: chunk %s is missing: %s", c.Hash, errs.As(err).Message).With("integrity", true)
		} else if err != nil {
			return nil, err
		}
	}
	if len(raw) == 0 {
		return nil, integrityError(c.Hash)
	}
	var data []byte
	switch raw[0] {
	case chunkRaw:
		data = raw[1:]
	case chunkLZ4:
		data = make([]byte, c.Size)
		n, err := lz4.UncompressBlock(raw[1:], data)
		if err != nil || int64(n) != c.Size {
			return nil, integrityError(c.Hash)
		}
	default:
		return nil, integrityError(c.Hash)
	}
	sum := blake3.Sum256(data)
	if hex.EncodeToString(sum[:]) != c.Hash {
		return nil, integrityError(c.Hash)
	}
	return data, nil
}

func integrityError(hash string) error {
	return errs.New(errs.KindStorage, "integrity check failed: chunk %s does not match its hash", hash).With("integrity", true)
}

// newContentHash returns the running whole-content hash.
func newContentHash() hash.Hash { return blake3.New() }
