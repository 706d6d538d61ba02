'use strict';
// artifact-streams.js: the streams behind artifacts.createWriteStream() and
// artifacts.createReadStream(). Their native calls run synchronously on the
// calling thread, one call per chunk: a write hands one chunk (at most the
// Writable's buffer, 64 KiB by default, or one write() call's Buffer) to the
// library, which buffers up to 1 MiB and stores a full 1 MiB chunk at once;
// a read fills one Buffer of highWaterMark bytes.

const { Writable, Readable } = require('node:stream');
const native = require('./native');

const DEFAULT_HWM = 64 * 1024;

/**
 * ArtifactWriteStream is a stream.Writable over one artifact writer
 * (llmspell_artifact_writer_*). Strings are written as UTF-8.
 *
 * How it ends, exactly:
 * - end(): the artifact is committed (llmspell_artifact_writer_commit);
 *   then 'commit' is emitted with the record, `record` is set, and
 *   'finish' follows. A failed commit (limit_exceeded, storage_error)
 *   emits 'error' instead and the content is discarded.
 * - destroy(err?) before the end: the content is discarded
 *   (llmspell_artifact_writer_free); nothing is stored.
 * - A failed write (limit_exceeded: the session byte limit) destroys the
 *   stream with that error; the content is discarded.
 * - A stream garbage-collected before its end is discarded too.
 *
 * The writer keeps its engine alive inside the library: the stream goes on
 * working after engine.close().
 */
class ArtifactWriteStream extends Writable {
  #handle;

  constructor(handle, highWaterMark) {
    super({ highWaterMark: highWaterMark === undefined ? DEFAULT_HWM : highWaterMark, decodeStrings: true });
    this.#handle = handle;
    /** record is the artifact record once committed, else null. */
    this.record = null;
  }

  _write(chunk, encoding, callback) {
    try {
      native.writerWrite(this.#handle, chunk);
    } catch (e) {
      callback(e);
      return;
    }
    callback();
  }

  _writev(chunks, callback) {
    try {
      for (const { chunk } of chunks) native.writerWrite(this.#handle, chunk);
    } catch (e) {
      callback(e);
      return;
    }
    callback();
  }

  _final(callback) {
    let record;
    try {
      record = JSON.parse(native.writerCommit(this.#handle));
    } catch (e) {
      callback(e);
      return;
    }
    native.writerFree(this.#handle);
    this.#handle = null;
    this.record = record;
    // _final may run inside end() when the writes were synchronous: emit
    // on the next tick so that a listener added right after end() hears
    // it, always before 'finish'.
    process.nextTick(() => {
      this.emit('commit', record);
      callback();
    });
  }

  _destroy(err, callback) {
    if (this.#handle !== null) {
      native.writerFree(this.#handle); // discards unless committed
      this.#handle = null;
    }
    callback(err);
  }
}

/**
 * ArtifactReadStream is a stream.Readable of Buffers over one artifact
 * reader (llmspell_artifact_reader_*). `record` is the artifact record.
 * Every chunk is verified by the library before its bytes are pushed, and
 * the whole content hash before the end; an integrity failure destroys
 * the stream with LlmspellError storage_error. The reader keeps its engine
 * alive inside the library: the stream goes on working after
 * engine.close().
 */
class ArtifactReadStream extends Readable {
  #handle;

  constructor(handle, record, highWaterMark) {
    super({ highWaterMark: highWaterMark === undefined ? DEFAULT_HWM : highWaterMark });
    this.#handle = handle;
    /** record is the artifact record. */
    this.record = record;
  }

  _read(size) {
    const buf = Buffer.allocUnsafe(size > 0 ? size : DEFAULT_HWM);
    let n;
    try {
      n = native.readerRead(this.#handle, buf);
    } catch (e) {
      this.destroy(e);
      return;
    }
    if (n === 0) {
      native.readerFree(this.#handle);
      this.#handle = null;
      this.push(null);
      return;
    }
    this.push(n === buf.length ? buf : buf.subarray(0, n));
  }

  _destroy(err, callback) {
    if (this.#handle !== null) {
      native.readerFree(this.#handle);
      this.#handle = null;
    }
    callback(err);
  }
}

module.exports = { ArtifactWriteStream, ArtifactReadStream };
