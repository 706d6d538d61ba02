// Package backup owns backups of the engine's key-value store: full and
// incremental, compressed (zstd) and checksummed (BLAKE3), with listing,
// validation, restore into a fresh folder, and retention by count and age.
// It never touches the live store except to snapshot it; swapping a
// restored store in is the engine's job (engine.RestoreBackup).
//
// # Format
//
// A backup is a folder <dir>/<id> (id: UTC time to the millisecond plus a
// random suffix, so ids sort by time):
//
//	manifest.json          id, created_at, kind, parent, layout, files
//	                       [{name, size, blake3, stored_in}], sizes, key_count
//	manifest.json.blake3   hex BLAKE3 of manifest.json
//	blobs/<blake3>.zst     the zstd-compressed content of a file
//
// The snapshot is a pebble checkpoint (layout "pebble-checkpoint", for
// stores that implement kv.Checkpointer) or one dump file of every key
// (layout "kv-dump", for memory). Blobs are named by the BLAKE3 of their
// uncompressed content. A full backup holds the blob of every file; an
// incremental one names the newest backup as parent and holds only blobs
// its parent's files lack (pebble sstables are immutable, so most are
// shared); stored_in says which backup holds each blob, and restore reads
// them along the chain. A backup is built under ".tmp-<id>" and renamed
// into place when complete.
//
// A Manager is safe for concurrent use; see Manager for the locking rules.
package backup
