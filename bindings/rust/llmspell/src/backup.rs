//! Backups of the whole engine store (`llmspell_backup_*`).

use serde_json::{json, Map, Value};

use crate::engine::Engine;
use crate::error::{try_call, Error};
use crate::ffi::{c_name, OwnedBuf};

impl Engine {
    /// backups returns the engine's backups. The [`Backups`] borrows the
    /// engine and is `Copy`.
    pub fn backups(&self) -> Backups<'_> {
        Backups { engine: self }
    }
}

/// Backups are snapshots of the whole engine store (state, sessions,
/// artifacts), taken from pebble checkpoints, compressed, checksummed with
/// BLAKE3 and kept in the backup folder (config `backup.dir`, default
/// `<data_dir>.backups`), pruned by `backup.max_count` and
/// `backup.max_age_days`. A backup id may be `"latest"`.
///
/// A summary is a JSON object `{"id","created_at","kind":"full"|
/// "incremental","parent","layout","label","file_count","total_bytes",
/// "stored_bytes","key_count"}` (what the library returns; the header's
/// comment says "files" and "duration_ms").
///
/// Every method may be called from any thread; writes to the store go on
/// during a backup, and restores run one at a time.
#[derive(Debug, Clone, Copy)]
pub struct Backups<'e> {
    engine: &'e Engine,
}

impl<'e> Backups<'e> {
    /// create takes a backup, full or `incremental` (on top of the latest),
    /// with an optional label, and returns its summary. Wraps
    /// `llmspell_backup_create`.
    ///
    /// Errors: [`ErrorCode::Storage`](crate::ErrorCode::Storage), for
    /// instance with an in-memory store.
    pub fn create(&self, incremental: bool, label: Option<&str>) -> Result<Value, Error> {
        let mut m = Map::new();
        m.insert("incremental".into(), json!(incremental));
        if let Some(l) = label {
            m.insert("label".into(), json!(l));
        }
        let options = Value::Object(m).to_string();
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; options is a live buffer; out's
        // pointers are valid out-parameters.
        try_call!(llmspell_backup_create(
            self.engine.as_ptr(),
            options.as_ptr().cast(),
            options.len(),
            out.out(),
            out.len_out(),
        ))?;
        out.json("llmspell_backup_create")
    }

    /// list returns the backup summaries, newest first. Wraps
    /// `llmspell_backup_list`.
    pub fn list(&self) -> Result<Vec<Value>, Error> {
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live; out's pointers are valid out-parameters.
        try_call!(llmspell_backup_list(
            self.engine.as_ptr(),
            out.out(),
            out.len_out(),
        ))?;
        out.json_list("llmspell_backup_list")
    }

    /// validate re-hashes every file of backup `id` (and of the backups it
    /// builds on) and returns `{"id","valid":true,...}`. Wraps
    /// `llmspell_backup_validate`.
    ///
    /// Errors: [`ErrorCode::Storage`](crate::ErrorCode::Storage) when
    /// corrupt (the message and details name the file);
    /// [`ErrorCode::NotFound`](crate::ErrorCode::NotFound).
    pub fn validate(&self, id: &str) -> Result<Value, Error> {
        let id = c_name(id, "backup id")?;
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; id is NUL-terminated; out's
        // pointers are valid out-parameters.
        try_call!(llmspell_backup_validate(
            self.engine.as_ptr(),
            id.as_ptr(),
            out.out(),
            out.len_out(),
        ))?;
        out.json("llmspell_backup_validate")
    }

    /// restore replaces the engine's whole store with backup `id` while the
    /// engine stays open: the backup is restored into a fresh folder and
    /// checked there, then swapped in atomically; a failed restore leaves
    /// the store as it was. Calls that arrive during the swap wait for it.
    /// Returns `{"id","key_count","files","bytes","duration_ms"}`. Wraps
    /// `llmspell_backup_restore`.
    ///
    /// Errors: [`ErrorCode::NotFound`](crate::ErrorCode::NotFound);
    /// [`ErrorCode::Storage`](crate::ErrorCode::Storage) (corrupt backup,
    /// I/O).
    pub fn restore(&self, id: &str) -> Result<Value, Error> {
        let id = c_name(id, "backup id")?;
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; id is NUL-terminated; out's
        // pointers are valid out-parameters.
        try_call!(llmspell_backup_restore(
            self.engine.as_ptr(),
            id.as_ptr(),
            out.out(),
            out.len_out(),
        ))?;
        out.json("llmspell_backup_restore")
    }

    /// cleanup prunes backups: keeps the newest `max_count`, drops those
    /// older than `max_age_days`, never drops one a kept backup builds on.
    /// Returns `{"kept":[...],"removed":[...]}`. Wraps
    /// `llmspell_backup_cleanup`.
    pub fn cleanup(&self, opts: &CleanupOptions) -> Result<Value, Error> {
        let options = opts.to_json().to_string();
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live; options is a live buffer; out's
        // pointers are valid out-parameters.
        try_call!(llmspell_backup_cleanup(
            self.engine.as_ptr(),
            options.as_ptr().cast(),
            options.len(),
            out.out(),
            out.len_out(),
        ))?;
        out.json("llmspell_backup_cleanup")
    }
}

/// CleanupOptions are the settings of [`Backups::cleanup`]; `None` keeps
/// the engine config's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanupOptions {
    /// dry_run reports what would be removed without removing it. Default:
    /// false.
    pub dry_run: bool,
    /// max_count is the number of newest backups to keep; negative: no
    /// limit. Default: None (config `backup.max_count`).
    pub max_count: Option<i64>,
    /// max_age_days drops backups older than this many days; negative: no
    /// limit. Default: None (config `backup.max_age_days`).
    pub max_age_days: Option<i64>,
}

impl CleanupOptions {
    /// new returns the default options (the config's limits).
    pub fn new() -> CleanupOptions {
        CleanupOptions::default()
    }

    /// dry_run sets [`CleanupOptions::dry_run`].
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.dry_run = yes;
        self
    }

    /// max_count sets [`CleanupOptions::max_count`].
    pub fn max_count(mut self, n: i64) -> Self {
        self.max_count = Some(n);
        self
    }

    /// max_age_days sets [`CleanupOptions::max_age_days`].
    pub fn max_age_days(mut self, n: i64) -> Self {
        self.max_age_days = Some(n);
        self
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("dry_run".into(), json!(self.dry_run));
        if let Some(n) = self.max_count {
            m.insert("max_count".into(), json!(n));
        }
        if let Some(n) = self.max_age_days {
            m.insert("max_age_days".into(), json!(n));
        }
        Value::Object(m)
    }
}
