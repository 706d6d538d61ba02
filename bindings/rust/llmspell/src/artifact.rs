//! Artifacts: binary content stored in sessions, whole or streamed
//! (`llmspell_artifact_*`).

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::path::Path;
use std::ptr::{self, NonNull};

use llmspell_sys as sys;
use serde_json::{json, Map, Value};

use crate::engine::Engine;
use crate::error::{try_call, Error, ErrorCode};
use crate::ffi::{c_name, opt_str, OwnedBuf};

impl Engine {
    /// artifacts returns the engine's artifacts. The [`Artifacts`] borrows
    /// the engine and is `Copy`.
    pub fn artifacts(&self) -> Artifacts<'_> {
        Artifacts { engine: self }
    }
}

/// Artifacts are binary content stored in a session (see
/// [`Engine::sessions`](crate::Engine::sessions)), named by (session id,
/// sequence number). Content is content-addressed by BLAKE3, deduplicated,
/// LZ4-compressed when that saves space, chunked at 1 MiB and verified on
/// every read. Storing a name again makes a new version.
///
/// An artifact record is a JSON object `{"session_id","sequence","name",
/// "type","mime_type","tags","metadata","content_hash","size",
/// "stored_size","compressed","version","previous","created_at"}`.
///
/// Every method may be called from any thread. Large content goes through
/// an [`ArtifactWriter`] (`std::io::Write`) and an [`ArtifactReader`]
/// (`std::io::Read`), which hold one chunk in memory at a time.
#[derive(Debug, Clone, Copy)]
pub struct Artifacts<'e> {
    engine: &'e Engine,
}

impl<'e> Artifacts<'e> {
    /// store stores `data` as a new artifact of `session` in one call and
    /// returns its record. `opts` needs a type and a name. Wraps
    /// `llmspell_artifact_store`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (bad type, no name);
    /// [`ErrorCode::NotFound`] (no session); [`ErrorCode::Conflict`]
    /// (archived session); [`ErrorCode::Limit`] (the session's artifact
    /// count or byte limit); [`ErrorCode::Storage`].
    pub fn store(&self, session: &str, opts: &StoreOptions, data: &[u8]) -> Result<Value, Error> {
        let session = c_name(session, "session id")?;
        let options = opts.to_json().to_string();
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; session is NUL-terminated;
        // options and data are live buffers (data is not read when empty);
        // out's pointers are valid out-parameters.
        try_call!(llmspell_artifact_store(
            self.engine.as_ptr(),
            session.as_ptr(),
            options.as_ptr().cast(),
            options.len(),
            data.as_ptr().cast(),
            data.len(),
            out.out(),
            out.len_out(),
        ))?;
        out.json("llmspell_artifact_store")
    }

    /// store_file stores the content of the file at `path`, streaming it
    /// (the host is trusted with the path), and returns the record. The
    /// name defaults to the file's base name. Wraps
    /// `llmspell_artifact_store_file`.
    ///
    /// Errors: as [`Artifacts::store`]; [`ErrorCode::NotFound`] for a
    /// missing file; [`ErrorCode::InvalidArgument`] for a path that is not
    /// UTF-8 or contains a NUL byte.
    pub fn store_file(
        &self,
        session: &str,
        path: &Path,
        opts: &StoreOptions,
    ) -> Result<Value, Error> {
        let session = c_name(session, "session id")?;
        let path = path.to_str().ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("path {} is not valid UTF-8", path.display()),
            )
        })?;
        let path = c_name(path, "path")?;
        let options = opts.to_json().to_string();
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live; session and path are NUL-terminated;
        // options is a live buffer; out's pointers are valid out-parameters.
        try_call!(llmspell_artifact_store_file(
            self.engine.as_ptr(),
            session.as_ptr(),
            path.as_ptr(),
            options.as_ptr().cast(),
            options.len(),
            out.out(),
            out.len_out(),
        ))?;
        out.json("llmspell_artifact_store_file")
    }

    /// get returns the record and the whole content of artifact
    /// `sequence` of `session`. Use [`Artifacts::reader`] for large
    /// content. Wraps `llmspell_artifact_get`.
    ///
    /// Errors: [`ErrorCode::NotFound`]; [`ErrorCode::Storage`] (also when
    /// the content does not match its hash; no data is returned then).
    pub fn get(&self, session: &str, sequence: u64) -> Result<(Value, Vec<u8>), Error> {
        let session = c_name(session, "session id")?;
        let mut record = OwnedBuf::new();
        let mut data = OwnedBuf::new();
        // SAFETY: the engine is live; session is NUL-terminated; the four
        // out-parameters point into the two OwnedBufs.
        try_call!(llmspell_artifact_get(
            self.engine.as_ptr(),
            session.as_ptr(),
            sequence,
            record.out(),
            record.len_out(),
            data.out_void(),
            data.len_out(),
        ))?;
        Ok((record.json("llmspell_artifact_get")?, data.bytes()))
    }

    /// query returns the records of the artifacts matching `query`, a JSON
    /// object `{"session_id","type","name_pattern" (glob),"tags":[...],
    /// "min_size","max_size","limit","created_after","created_before"}`;
    /// `Value::Null` or `{}` returns every artifact. Wraps
    /// `llmspell_artifact_query`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (unknown key, bad value).
    pub fn query(&self, query: &Value) -> Result<Vec<Value>, Error> {
        let query = (!query.is_null()).then(|| query.to_string());
        let (q_ptr, q_len) = opt_str(query.as_deref());
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live; the query is a live buffer or NULL/0;
        // out's pointers are valid out-parameters.
        try_call!(llmspell_artifact_query(
            self.engine.as_ptr(),
            q_ptr,
            q_len,
            out.out(),
            out.len_out(),
        ))?;
        out.json_list("llmspell_artifact_query")
    }

    /// delete deletes artifact `sequence` of `session`; its content goes
    /// when no other artifact refers to it. Wraps
    /// `llmspell_artifact_delete`.
    ///
    /// Errors: [`ErrorCode::NotFound`].
    pub fn delete(&self, session: &str, sequence: u64) -> Result<(), Error> {
        let session = c_name(session, "session id")?;
        // SAFETY: the engine is live; session is NUL-terminated.
        try_call!(llmspell_artifact_delete(
            self.engine.as_ptr(),
            session.as_ptr(),
            sequence,
        ))
    }

    /// writer starts streaming a new artifact into `session`: write the
    /// content through [`std::io::Write`], then call
    /// [`ArtifactWriter::commit`]. Dropping the writer without committing
    /// discards the content. `opts` needs a type and a name. Wraps
    /// `llmspell_artifact_writer_new`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`]; [`ErrorCode::NotFound`] (no
    /// session); [`ErrorCode::Conflict`] (archived session).
    pub fn writer(&self, session: &str, opts: &StoreOptions) -> Result<ArtifactWriter<'e>, Error> {
        let session = c_name(session, "session id")?;
        let options = opts.to_json().to_string();
        let mut out: *mut sys::llmspell_artifact_writer = ptr::null_mut();
        // SAFETY: the engine is live; session is NUL-terminated; options is a
        // live buffer; out is a valid out-parameter.
        try_call!(llmspell_artifact_writer_new(
            self.engine.as_ptr(),
            session.as_ptr(),
            options.as_ptr().cast(),
            options.len(),
            &mut out,
        ))?;
        match NonNull::new(out) {
            Some(raw) => Ok(ArtifactWriter {
                raw,
                _engine: PhantomData,
            }),
            None => Err(Error::new(
                ErrorCode::Internal,
                "llmspell_artifact_writer_new returned OK and no writer",
            )),
        }
    }

    /// reader opens artifact `sequence` of `session` for streaming through
    /// [`std::io::Read`]. Every chunk is verified before any of its bytes
    /// are returned, and the whole content hash before the end is
    /// reported; a failure is an `io::Error` wrapping an [`Error`] with
    /// [`ErrorCode::Storage`]. Wraps `llmspell_artifact_reader_open`.
    ///
    /// Errors: [`ErrorCode::NotFound`]; [`ErrorCode::Storage`].
    pub fn reader(&self, session: &str, sequence: u64) -> Result<ArtifactReader<'e>, Error> {
        let session = c_name(session, "session id")?;
        let mut out: *mut sys::llmspell_artifact_reader = ptr::null_mut();
        let mut record = OwnedBuf::new();
        // SAFETY: the engine is live; session is NUL-terminated; out and
        // record's pointers are valid out-parameters.
        try_call!(llmspell_artifact_reader_open(
            self.engine.as_ptr(),
            session.as_ptr(),
            sequence,
            &mut out,
            record.out(),
            record.len_out(),
        ))?;
        let Some(raw) = NonNull::new(out) else {
            return Err(Error::new(
                ErrorCode::Internal,
                "llmspell_artifact_reader_open returned OK and no reader",
            ));
        };
        // Own the handle first, so that it is freed if the record is bad.
        let mut reader = ArtifactReader {
            raw,
            record: Value::Null,
            _engine: PhantomData,
        };
        reader.record = record.json("llmspell_artifact_reader_open")?;
        Ok(reader)
    }
}

/// StoreOptions describe an artifact to store: its type, name, MIME type,
/// tags and metadata.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreOptions {
    /// kind is the artifact type (the record's `"type"`): "agent_output",
    /// "tool_result", "user_input", "system_generated", "custom" or
    /// `"custom:<name>"`. Required.
    pub kind: String,
    /// name is the artifact's name; storing a name again makes a new
    /// version. Required except for [`Artifacts::store_file`], where it
    /// defaults to the file's base name.
    pub name: Option<String>,
    /// mime_type is the content's MIME type. Default: none.
    pub mime_type: Option<String>,
    /// tags label the artifact, for [`Artifacts::query`]. Default: none.
    pub tags: Vec<String>,
    /// metadata is a JSON object of free fields. Default: none.
    pub metadata: Option<Value>,
}

impl StoreOptions {
    /// new returns options with the artifact type `kind` and nothing else.
    pub fn new(kind: impl Into<String>) -> StoreOptions {
        StoreOptions {
            kind: kind.into(),
            ..StoreOptions::default()
        }
    }

    /// name sets [`StoreOptions::name`].
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// mime_type sets [`StoreOptions::mime_type`].
    pub fn mime_type(mut self, m: impl Into<String>) -> Self {
        self.mime_type = Some(m.into());
        self
    }

    /// tag adds one tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// tags replaces [`StoreOptions::tags`].
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// metadata sets [`StoreOptions::metadata`] (a JSON object).
    pub fn metadata(mut self, m: Value) -> Self {
        self.metadata = Some(m);
        self
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.kind));
        if let Some(n) = &self.name {
            m.insert("name".into(), json!(n));
        }
        if let Some(t) = &self.mime_type {
            m.insert("mime_type".into(), json!(t));
        }
        if !self.tags.is_empty() {
            m.insert("tags".into(), json!(self.tags));
        }
        if let Some(md) = &self.metadata {
            m.insert("metadata".into(), md.clone());
        }
        Value::Object(m)
    }
}

/// ArtifactWriter streams a new artifact into a session: write through
/// [`std::io::Write`], then [`ArtifactWriter::commit`]. The library buffers
/// one 1 MiB chunk; `flush` has nothing to do. Dropping an uncommitted
/// writer discards its content (`llmspell_artifact_writer_free`).
///
/// A write error is an `io::Error` whose inner error is the crate's
/// [`Error`] (`err.get_ref().and_then(|e| e.downcast_ref::<llmspell::Error>())`).
/// After [`ErrorCode::Limit`] (the session's byte limit) the writer is
/// discarded and every later call fails with [`ErrorCode::Closed`].
///
/// The C writer keeps its engine alive on its own, but the Rust type
/// borrows the [`Engine`] anyway, so a writer cannot outlive it.
pub struct ArtifactWriter<'e> {
    raw: NonNull<sys::llmspell_artifact_writer>,
    _engine: PhantomData<&'e Engine>,
}

// SAFETY: the header says of llmspell_artifact_writer_new: "Thread-safety:
// one writer must not be used from two threads at once; different writers
// are independent." Moving a writer to another thread is fine; using it from
// two threads at once needs `&mut` (Write) or ownership (commit), so the
// type is Send but deliberately not Sync (NonNull keeps it !Sync).
unsafe impl Send for ArtifactWriter<'_> {}

impl<'e> ArtifactWriter<'e> {
    /// commit finishes the artifact and returns its record. Wraps
    /// `llmspell_artifact_writer_commit` (the writer is then freed).
    ///
    /// Errors: [`ErrorCode::Limit`]; [`ErrorCode::Storage`];
    /// [`ErrorCode::Closed`] after a failed write.
    pub fn commit(self) -> Result<Value, Error> {
        let mut out = OwnedBuf::new();
        // SAFETY: self.raw is live until Drop (which runs right after this);
        // out's pointers are valid out-parameters.
        try_call!(llmspell_artifact_writer_commit(
            self.raw.as_ptr(),
            out.out(),
            out.len_out(),
        ))?;
        out.json("llmspell_artifact_writer_commit")
    }

    /// discard drops the writer and its content (the same as `drop`).
    pub fn discard(self) {}
}

impl io::Write for ArtifactWriter<'_> {
    /// write appends all of `buf` (`llmspell_artifact_writer_write`).
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // SAFETY: self.raw is live until Drop and used by one thread (&mut
        // self); buf is a live buffer.
        try_call!(llmspell_artifact_writer_write(
            self.raw.as_ptr(),
            buf.as_ptr().cast(),
            buf.len(),
        ))?;
        Ok(buf.len())
    }

    /// flush does nothing: content reaches the store at commit.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for ArtifactWriter<'_> {
    fn drop(&mut self) {
        // SAFETY: self.raw came from llmspell_artifact_writer_new and is freed
        // once; the type is neither Clone nor Copy.
        unsafe { sys::llmspell_artifact_writer_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for ArtifactWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArtifactWriter")
            .field("raw", &self.raw)
            .finish()
    }
}

/// ArtifactReader streams an artifact's content through [`std::io::Read`].
/// [`ArtifactReader::record`] is the artifact's record. Dropping it frees
/// the reader (`llmspell_artifact_reader_free`).
///
/// A read error is an `io::Error` whose inner error is the crate's
/// [`Error`], [`ErrorCode::Storage`] for an integrity failure (the bad
/// chunk's bytes are never returned).
///
/// The C reader keeps its engine alive on its own, but the Rust type borrows
/// the [`Engine`] anyway, so a reader cannot outlive it.
pub struct ArtifactReader<'e> {
    raw: NonNull<sys::llmspell_artifact_reader>,
    record: Value,
    _engine: PhantomData<&'e Engine>,
}

// SAFETY: the header says of llmspell_artifact_reader_open: "Thread-safety:
// one reader must not be used from two threads at once." Moving a reader to
// another thread is fine; reading needs `&mut self`, so the type is Send but
// deliberately not Sync (NonNull keeps it !Sync).
unsafe impl Send for ArtifactReader<'_> {}

impl ArtifactReader<'_> {
    /// record returns the artifact's record, read when the reader was
    /// opened.
    pub fn record(&self) -> &Value {
        &self.record
    }
}

impl io::Read for ArtifactReader<'_> {
    /// read copies up to `buf.len()` bytes (`llmspell_artifact_reader_read`,
    /// which fills the buffer unless the content ends first); 0 is the end.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut n = 0usize;
        // SAFETY: self.raw is live until Drop and used by one thread (&mut
        // self); buf is a live, writable buffer of buf.len() bytes; n is a
        // valid out-parameter.
        try_call!(llmspell_artifact_reader_read(
            self.raw.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut n,
        ))?;
        if n > buf.len() {
            return Err(Error::new(
                ErrorCode::Internal,
                format!(
                    "llmspell_artifact_reader_read reported {n} bytes for a {} byte buffer",
                    buf.len()
                ),
            )
            .into());
        }
        Ok(n)
    }
}

impl Drop for ArtifactReader<'_> {
    fn drop(&mut self) {
        // SAFETY: self.raw came from llmspell_artifact_reader_open and is
        // freed once; the type is neither Clone nor Copy.
        unsafe { sys::llmspell_artifact_reader_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for ArtifactReader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArtifactReader")
            .field("raw", &self.raw)
            .field("record", &self.record)
            .finish()
    }
}
