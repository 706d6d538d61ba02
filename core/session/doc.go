// Package session owns sessions and their artifacts: named, tagged units of
// work with a checked lifecycle, and the binary outputs stored in them.
//
// # Sessions
//
// Status moves only along these edges; any other move is a conflict error:
//
//	active    -> suspended, completed, failed
//	suspended -> active, completed, failed
//	completed -> archived
//	failed    -> archived
//
// # Artifacts and content
//
// Artifact content is content-addressed by BLAKE3 and shared: storing the
// same bytes twice, in any session, keeps one copy. Content is cut into
// chunks of ChunkSize bytes; each chunk is stored under its own BLAKE3 hash,
// LZ4-compressed when the content is above the compression threshold and
// compression actually saves space. Every chunk is hashed again when read,
// so a corrupted chunk is an integrity error and is never returned as data;
// the whole-content hash is checked at the end of a read.
//
// # Storage layout (kv keys)
//
//	session/meta/<id>                 JSON session record
//	artifact/<session>/<seq:016x>     JSON artifact record
//	artifact-name/<session>\x00<name> latest sequence of that name
//	blob/<hash>                       JSON content record {size, chunks, refs}
//	chunk/<hash>                      1 flag byte (0 raw, 1 lz4) + data,
//	                                  or the byte 2 alone: in a blob file
//	chunkref/<hash>                   reference count of the chunk
//
// On a store that keeps files (kv.BlobStore: pebble), a chunk whose stored
// form is Options.BlobThreshold bytes or more lives in the blob file
// <hash> (<data_dir>/blobs/<first 2 hex>/<hash>), holding the flag byte and
// data; it is written before the records that refer to it and removed
// after the commit that drops its last reference.
//
// A chunk's count holds one reference per content record using it plus one
// per writer still writing it; a content record's refs count the artifacts
// pointing at it. Deleting the last reference deletes the data.
//
// A Manager is safe for concurrent use; writes that change reference counts
// are serialized by its mutex. Writers and Readers belong to one goroutine.
package session
