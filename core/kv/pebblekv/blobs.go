package pebblekv

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/llmspell/llmspell-go/core/errs"
)

// Blob files (kv.BlobStore).
//
// Blobs live beside pebble in the data folder:
//
//	<dir>/blobs/<first 2 hex of name>/<name>
//
// PutBlob writes "<shard>/.tmp-*", then renames it to the final name, so a
// half-written file is never visible under a blob's name; Open removes
// leftover temporary files. With Options.Sync the file and its folder are
// fsynced before PutBlob returns. Otherwise the file is recorded as
// pending, and Sync fsyncs every pending file and folder before it syncs
// the write-ahead log: a key written after PutBlob never reaches disk
// before the blob it points at. DeleteBlob without Options.Sync removes the
// file only after the next Sync made the writes before it durable, so a
// crash never leaves a durable key pointing at a removed file. Checkpoint
// hard-links (or copies) the blob files into the checkpoint, holding blob
// removals off meanwhile.

const blobsDir = "blobs"

// validBlobName reports whether name is lower-case hex of 3+ characters.
func validBlobName(name string) bool {
	if len(name) < 3 || len(name) > 128 {
		return false
	}
	for _, c := range name {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (s *Store) blobPath(name string) (string, error) {
	if !validBlobName(name) {
		return "", errs.New(errs.KindInvalidArgument, "storage: bad blob name %q", name)
	}
	return filepath.Join(s.dir, blobsDir, name[:2], name), nil
}

// PutBlob implements kv.BlobStore.
func (s *Store) PutBlob(name string, data []byte) error {
	done, err := s.guard()
	if err != nil {
		return err
	}
	defer done()
	if s.readOnly {
		return errs.New(errs.KindStorage, "storage: store is read-only")
	}
	final, err := s.blobPath(name)
	if err != nil {
		return err
	}
	shard := filepath.Dir(final)
	root := filepath.Dir(shard)
	var created []string // folders made here, whose entries in their parents need a sync
	for _, d := range []string{root, shard} {
		if err := os.Mkdir(d, 0o700); err == nil {
			created = append(created, filepath.Dir(d))
		} else if !errors.Is(err, fs.ErrExist) {
			return errs.Wrap(errs.KindStorage, err, "storage: blob folder %s", d)
		}
	}
	f, err := os.CreateTemp(shard, ".tmp-*")
	if err != nil {
		return errs.Wrap(errs.KindStorage, err, "storage: write blob %s", name)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil && s.syncWrites {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return errs.Wrap(errs.KindStorage, err, "storage: write blob %s", name)
	}

	s.blobMu.Lock()
	defer s.blobMu.Unlock()
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return errs.Wrap(errs.KindStorage, err, "storage: write blob %s", name)
	}
	delete(s.pendingDel, name)
	if s.syncWrites {
		for _, d := range append(created, shard) {
			if err := syncDir(d); err != nil {
				return err
			}
		}
		return nil
	}
	s.pendingFiles[final] = struct{}{}
	s.pendingDirs[shard] = struct{}{}
	for _, d := range created {
		s.pendingDirs[d] = struct{}{}
	}
	return nil
}

// GetBlob implements kv.BlobStore.
func (s *Store) GetBlob(name string) ([]byte, error) {
	done, err := s.guard()
	if err != nil {
		return nil, err
	}
	defer done()
	path, err := s.blobPath(name)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errs.New(errs.KindNotFound, "storage: blob file %s is missing", path).With("path", path)
	}
	if err != nil {
		return nil, errs.Wrap(errs.KindStorage, err, "storage: read blob %s", path)
	}
	return data, nil
}

// DeleteBlob implements kv.BlobStore.
func (s *Store) DeleteBlob(name string) error {
	done, err := s.guard()
	if err != nil {
		return err
	}
	defer done()
	if s.readOnly {
		return errs.New(errs.KindStorage, "storage: store is read-only")
	}
	path, err := s.blobPath(name)
	if err != nil {
		return err
	}
	s.blobMu.Lock()
	defer s.blobMu.Unlock()
	if !s.syncWrites {
		s.delSeq++
		s.pendingDel[name] = s.delSeq
		return nil
	}
	delete(s.pendingFiles, path)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errs.Wrap(errs.KindStorage, err, "storage: delete blob %s", path)
	}
	return nil
}

// syncBlobs fsyncs the blob files and folders written since the last
// sync. On failure they stay pending.
func (s *Store) syncBlobs() error {
	s.blobMu.Lock()
	files, dirs := s.pendingFiles, s.pendingDirs
	if len(files) == 0 && len(dirs) == 0 {
		s.blobMu.Unlock()
		return nil
	}
	s.pendingFiles, s.pendingDirs = map[string]struct{}{}, map[string]struct{}{}
	s.blobMu.Unlock()
	var err error
	for p := range files {
		if err = syncFile(p); err != nil {
			break
		}
	}
	if err == nil {
		for d := range dirs {
			if err = syncDir(d); err != nil {
				break
			}
		}
	}
	if err != nil {
		s.blobMu.Lock()
		for p := range files {
			s.pendingFiles[p] = struct{}{}
		}
		for d := range dirs {
			s.pendingDirs[d] = struct{}{}
		}
		s.blobMu.Unlock()
	}
	return err
}

// pendingDeletes returns the blobs waiting for removal, with their
// sequence numbers, before a sync of the write-ahead log.
func (s *Store) pendingDeletes() map[string]uint64 {
	s.blobMu.Lock()
	defer s.blobMu.Unlock()
	if len(s.pendingDel) == 0 {
		return nil
	}
	out := make(map[string]uint64, len(s.pendingDel))
	for k, v := range s.pendingDel {
		out[k] = v
	}
	return out
}

// removeDeleted removes the blobs of before (taken before a successful
// sync of the log) that were neither put again nor deleted again since.
func (s *Store) removeDeleted(before map[string]uint64) error {
	if len(before) == 0 {
		return nil
	}
	s.blobMu.Lock()
	defer s.blobMu.Unlock()
	var first error
	for name, seq := range before {
		if cur, ok := s.pendingDel[name]; !ok || cur != seq {
			continue
		}
		delete(s.pendingDel, name)
		path, _ := s.blobPath(name)
		delete(s.pendingFiles, path)
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) && first == nil {
			first = errs.Wrap(errs.KindStorage, err, "storage: delete blob %s", path)
		}
	}
	return first
}

// linkBlobs hard-links (or copies, across file systems) every blob file
// into dest/blobs. The caller holds blobMu.
func (s *Store) linkBlobs(dest string) error {
	root := filepath.Join(s.dir, blobsDir)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == root {
				return filepath.SkipDir
			}
			return err
		}
		rel, err := filepath.Rel(s.dir, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dest, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		if strings.HasPrefix(d.Name(), ".tmp-") || !d.Type().IsRegular() {
			return nil
		}
		if os.Link(path, target) == nil {
			return nil
		}
		return copyFile(path, target)
	})
	if err != nil {
		return errs.Wrap(errs.KindStorage, err, "storage: checkpoint blob files")
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncFile fsyncs a file; a file removed meanwhile needs nothing.
func syncFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return errs.Wrap(errs.KindStorage, err, "storage: sync %s", path)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return errs.Wrap(errs.KindStorage, err, "storage: sync %s", path)
	}
	return nil
}

// removeBlobTemps deletes temporary blob files left by a crash. The caller
// holds the folder's lock.
func removeBlobTemps(dir string) {
	shards, _ := os.ReadDir(filepath.Join(dir, blobsDir))
	for _, sh := range shards {
		if !sh.IsDir() {
			continue
		}
		p := filepath.Join(dir, blobsDir, sh.Name())
		files, _ := os.ReadDir(p)
		for _, f := range files {
			if strings.HasPrefix(f.Name(), ".tmp-") {
				os.Remove(filepath.Join(p, f.Name()))
			}
		}
	}
}
