package session

import (
	"encoding/binary"
	"encoding/hex"
	"hash"

	"github.com/pierrec/lz4/v4"
	"github.com/zeebo/blake3"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// ChunkSize is the size of a content chunk; content above it is chunked.
const ChunkSize = 1 << 20

const (
	chunkRaw byte = 0
	chunkLZ4 byte = 1
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
	if refs == 0 {
		b.Set(chunkKey(ref.Hash), stored)
	}
	b.Set(chunkRefKey(ref.Hash), refBytes(refs+1))
	return ref, b.Commit()
}

// releaseChunksLocked drops one reference on each chunk, deleting chunks
// nobody holds any more.
func (m *Manager) releaseChunksLocked(b interface {
	Set(k, v []byte)
	Delete(k []byte)
}, chunks []chunkRef) error {
	seen := map[string]int64{}
	for _, c := range chunks {
		refs, ok := seen[c.Hash]
		if !ok {
			var err error
			if refs, err = m.chunkRefsLocked(c.Hash); err != nil {
				return err
			}
		}
		refs--
		seen[c.Hash] = refs
	}
	for h, refs := range seen {
		if refs <= 0 {
			b.Delete(chunkKey(h))
			b.Delete(chunkRefKey(h))
		} else {
			b.Set(chunkRefKey(h), refBytes(refs))
		}
	}
	return nil
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
