//! State: persistent key-value state in scopes, atomic transactions and
//! schema migrations (`llmspell_state_*`).

use serde_json::{json, Map, Value};

use crate::engine::Engine;
use crate::error::{try_call, Error, ErrorCode};
use crate::ffi::{c_name, c_opt_name, no_nul, opt_ptr, opt_str, OwnedBuf};

impl Engine {
    /// state returns the engine's key-value state. The [`State`] borrows
    /// the engine and is `Copy`; get a new one whenever convenient.
    pub fn state(&self) -> State<'_> {
        State { engine: self }
    }
}

/// State is the persistent key-value state of an [`Engine`], the same store
/// that spells use through their `State` global.
///
/// Values are JSON, stored under a key in a scope: `None` (or `Some("")`)
/// and `Some("global")` name the global scope; the others are
/// `"agent:<id>"`, `"workflow:<id>"`, `"session:<id>"`, `"tool:<id>"`,
/// `"user:<id>"` and `"custom:<id>"`. Scopes never see each other's keys.
/// A key is 1..256 bytes, without `".."`, CR or LF, not starting with `"__"`
/// or `"$$"`; a scope or key with a NUL byte is rejected with
/// [`ErrorCode::InvalidArgument`] before the library is called. Values are
/// at most `state.max_value_bytes` (default 10 MiB) once encoded.
///
/// Every method may be called from any thread, concurrently; writers are
/// serialized by the library and readers never block. Durability follows
/// the engine's `state.durability` config (`"batched"` by default, synced
/// within `state.batch_window_ms`; `"sync"`: on disk when the call returns).
#[derive(Debug, Clone, Copy)]
pub struct State<'e> {
    engine: &'e Engine,
}

impl<'e> State<'e> {
    /// set stores `value` under `key` in `scope`. Storing `Value::Null`
    /// deletes the key. Wraps `llmspell_state_set`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (bad scope or key, value too
    /// large); [`ErrorCode::Storage`].
    pub fn set(&self, scope: Option<&str>, key: &str, value: &Value) -> Result<(), Error> {
        let scope = c_opt_name(scope, "scope")?;
        let key = c_name(key, "key")?;
        let json = value.to_string();
        // SAFETY: the engine is live for 'e; scope is NULL or NUL-terminated,
        // key is NUL-terminated, json/len is a live buffer.
        try_call!(llmspell_state_set(
            self.engine.as_ptr(),
            opt_ptr(&scope),
            key.as_ptr(),
            json.as_ptr().cast(),
            json.len(),
        ))
    }

    /// get returns the value of `key` in `scope`, or `None` when it is not
    /// set. Wraps `llmspell_state_get`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (bad scope or key);
    /// [`ErrorCode::Storage`].
    pub fn get(&self, scope: Option<&str>, key: &str) -> Result<Option<Value>, Error> {
        let scope = c_opt_name(scope, "scope")?;
        let key = c_name(key, "key")?;
        let mut out = OwnedBuf::new();
        // SAFETY: as in `set`; out's pointers are valid out-parameters.
        try_call!(llmspell_state_get(
            self.engine.as_ptr(),
            opt_ptr(&scope),
            key.as_ptr(),
            out.out(),
            out.len_out(),
        ))?;
        if out.is_null() {
            return Ok(None);
        }
        out.json("llmspell_state_get").map(Some)
    }

    /// delete removes `key` from `scope` and reports whether it was set
    /// (deleting a missing key is not an error). Wraps
    /// `llmspell_state_delete`.
    pub fn delete(&self, scope: Option<&str>, key: &str) -> Result<bool, Error> {
        let scope = c_opt_name(scope, "scope")?;
        let key = c_name(key, "key")?;
        let mut existed: i32 = 0;
        // SAFETY: as in `set`; existed is a valid out-parameter.
        try_call!(llmspell_state_delete(
            self.engine.as_ptr(),
            opt_ptr(&scope),
            key.as_ptr(),
            &mut existed,
        ))?;
        Ok(existed != 0)
    }

    /// exists reports whether `key` is set in `scope`. Wraps
    /// `llmspell_state_exists`.
    pub fn exists(&self, scope: Option<&str>, key: &str) -> Result<bool, Error> {
        let scope = c_opt_name(scope, "scope")?;
        let key = c_name(key, "key")?;
        let mut exists: i32 = 0;
        // SAFETY: as in `set`; exists is a valid out-parameter.
        try_call!(llmspell_state_exists(
            self.engine.as_ptr(),
            opt_ptr(&scope),
            key.as_ptr(),
            &mut exists,
        ))?;
        Ok(exists != 0)
    }

    /// keys returns the keys of `scope` that start with `prefix` (all keys
    /// for `None`), in byte order, at most `limit` of them (0: no limit).
    /// The list is a consistent snapshot. Wraps `llmspell_state_list`.
    pub fn keys(
        &self,
        scope: Option<&str>,
        prefix: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, Error> {
        let scope = c_opt_name(scope, "scope")?;
        let prefix = c_opt_name(prefix, "prefix")?;
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live; scope and prefix are NULL or
        // NUL-terminated; out's pointers are valid out-parameters.
        try_call!(llmspell_state_list(
            self.engine.as_ptr(),
            opt_ptr(&scope),
            opt_ptr(&prefix),
            limit,
            out.out(),
            out.len_out(),
        ))?;
        out.json_list("llmspell_state_list")?
            .into_iter()
            .map(|k| match k {
                Value::String(s) => Ok(s),
                other => Err(Error::new(
                    ErrorCode::Internal,
                    format!("llmspell_state_list returned the key {other}"),
                )),
            })
            .collect()
    }

    /// compare_and_set sets `key` to `new` only if its current value equals
    /// `expected`, atomically against every other write, and reports
    /// whether it wrote. Equality is JSON equality (1 equals 1.0; object key
    /// order does not matter). `expected: None` means "only if absent";
    /// `new: None` deletes. Wraps `llmspell_state_compare_and_set`.
    ///
    /// A value that differs is `Ok(false)`, not an error.
    pub fn compare_and_set(
        &self,
        scope: Option<&str>,
        key: &str,
        expected: Option<&Value>,
        new: Option<&Value>,
    ) -> Result<bool, Error> {
        let scope = c_opt_name(scope, "scope")?;
        let key = c_name(key, "key")?;
        let expected = expected.map(Value::to_string);
        let new = new.map(Value::to_string);
        let (exp_ptr, exp_len) = opt_str(expected.as_deref());
        let (new_ptr, new_len) = opt_str(new.as_deref());
        let mut swapped: i32 = 0;
        // SAFETY: as in `set`; both JSON inputs are live buffers or NULL/0;
        // swapped is a valid out-parameter.
        try_call!(llmspell_state_compare_and_set(
            self.engine.as_ptr(),
            opt_ptr(&scope),
            key.as_ptr(),
            exp_ptr,
            exp_len,
            new_ptr,
            new_len,
            &mut swapped,
        ))?;
        Ok(swapped != 0)
    }

    /// transaction applies `ops` atomically: all of them or none, and other
    /// readers see all or none of the writes. Any invalid op fails the whole
    /// call before anything is written (the message names the op's index).
    /// Wraps `llmspell_state_transaction`.
    pub fn transaction(&self, ops: &[Op]) -> Result<(), Error> {
        let mut list = Vec::with_capacity(ops.len());
        for (i, op) in ops.iter().enumerate() {
            list.push(op.to_json(i)?);
        }
        let json = Value::Array(list).to_string();
        // SAFETY: the engine is live; json/len is a live buffer.
        try_call!(llmspell_state_transaction(
            self.engine.as_ptr(),
            json.as_ptr().cast(),
            json.len(),
        ))
    }

    /// transaction_with runs `f` with a [`Tx`] that buffers writes, then
    /// applies them atomically with [`State::transaction`] and returns
    /// what `f` returned. When `f` returns an error (or panics) nothing is
    /// written.
    ///
    /// The buffer holds writes only: reads inside `f` go to the store and do
    /// not see the buffered writes. For a read-modify-write that must not
    /// lose concurrent updates, use [`State::compare_and_set`].
    ///
    /// ```no_run
    /// # fn main() -> Result<(), llmspell::Error> {
    /// # let engine = llmspell::Engine::with_defaults()?;
    /// use serde_json::json;
    /// engine.state().transaction_with(|tx| {
    ///     tx.set(Some("agent:a"), "model", json!("local/x"));
    ///     tx.delete(None, "draft");
    ///     Ok(())
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn transaction_with<R, F>(&self, f: F) -> Result<R, Error>
    where
        F: FnOnce(&mut Tx) -> Result<R, Error>,
    {
        let mut tx = Tx { ops: Vec::new() };
        let r = f(&mut tx)?;
        self.transaction(&tx.ops)?;
        Ok(r)
    }

    /// register_schema records a schema version of state values and the
    /// transforms from the previous registered version, e.g.
    /// `{"version":"1.1.0","scopes":["user:*"],"migrations":[{"op":"rename",
    /// "from":"name","to":"full_name"}]}` (ops: rename, copy, default,
    /// remove, convert; "custom" needs a script function and exists only in
    /// spells). Wraps `llmspell_state_register_schema`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (bad version, unknown op,
    /// missing field, bad scope pattern); [`ErrorCode::Storage`].
    pub fn register_schema(&self, schema: &Value) -> Result<(), Error> {
        let json = schema.to_string();
        // SAFETY: the engine is live; json/len is a live buffer.
        try_call!(llmspell_state_register_schema(
            self.engine.as_ptr(),
            json.as_ptr().cast(),
            json.len(),
        ))
    }

    /// migrate brings every matching state value to schema version
    /// `target`, chaining the registered versions in between, in atomic
    /// batches that record progress (an interrupted migration resumes when
    /// run again). Unless `opts` turn it off (or ask for a dry run) a backup
    /// is taken first; its id is the report's `"backup_id"`. Writers wait
    /// while it runs. Returns the report `{"from","to","steps",
    /// "items_migrated","items_scanned","duration_ms","warnings","dry_run",
    /// "resumed","backup_id"}`. Wraps `llmspell_state_migrate`.
    ///
    /// Errors: [`ErrorCode::NotFound`] (target not registered);
    /// [`ErrorCode::InvalidArgument`] (downgrade, bad version);
    /// [`ErrorCode::Conflict`] (another migration is under way);
    /// [`ErrorCode::Storage`].
    pub fn migrate(&self, target: &str, opts: &MigrateOptions) -> Result<Value, Error> {
        let target = c_name(target, "target")?;
        let options = opts.to_json().to_string();
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live; target is NUL-terminated; options is a
        // live buffer; out's pointers are valid out-parameters.
        try_call!(llmspell_state_migrate(
            self.engine.as_ptr(),
            target.as_ptr(),
            options.as_ptr().cast(),
            options.len(),
            out.out(),
            out.len_out(),
        ))?;
        out.json("llmspell_state_migrate")
    }

    /// migration_status describes the schema state: `{"current": version
    /// or null, "in_progress", "versions": [...]}` plus `"from"`, `"to"` and
    /// `"items_migrated"` while a migration is under way. Wraps
    /// `llmspell_state_migration_status`.
    pub fn migration_status(&self) -> Result<Value, Error> {
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live; out's pointers are valid out-parameters.
        try_call!(llmspell_state_migration_status(
            self.engine.as_ptr(),
            out.out(),
            out.len_out(),
        ))?;
        out.json("llmspell_state_migration_status")
    }
}

/// Op is one write of a [`State::transaction`].
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Set stores `value` under `key` in `scope` (`None`: global);
    /// `Value::Null` deletes.
    Set {
        /// scope is the scope; `None` for global.
        scope: Option<String>,
        /// key is the key.
        key: String,
        /// value is the new value.
        value: Value,
    },
    /// Delete removes `key` from `scope` (`None`: global); a missing key is
    /// not an error.
    Delete {
        /// scope is the scope; `None` for global.
        scope: Option<String>,
        /// key is the key.
        key: String,
    },
}

impl Op {
    /// set builds an [`Op::Set`].
    pub fn set(scope: Option<&str>, key: impl Into<String>, value: impl Into<Value>) -> Op {
        Op::Set {
            scope: scope.map(str::to_owned),
            key: key.into(),
            value: value.into(),
        }
    }

    /// delete builds an [`Op::Delete`].
    pub fn delete(scope: Option<&str>, key: impl Into<String>) -> Op {
        Op::Delete {
            scope: scope.map(str::to_owned),
            key: key.into(),
        }
    }

    /// to_json encodes the op as the C ABI expects, checking names for NUL
    /// bytes as the other state calls do.
    fn to_json(&self, index: usize) -> Result<Value, Error> {
        let (op, scope, key, value) = match self {
            Op::Set { scope, key, value } => ("set", scope, key, Some(value)),
            Op::Delete { scope, key } => ("delete", scope, key, None),
        };
        let mut m = Map::new();
        m.insert("op".into(), json!(op));
        if let Some(s) = scope {
            no_nul(s, &format!("ops[{index}].scope"))?;
            m.insert("scope".into(), json!(s));
        }
        no_nul(key, &format!("ops[{index}].key"))?;
        m.insert("key".into(), json!(key));
        if let Some(v) = value {
            m.insert("value".into(), v.clone());
        }
        Ok(Value::Object(m))
    }
}

/// Tx buffers the writes of [`State::transaction_with`]; they are applied
/// together when the closure returns `Ok`, and dropped otherwise.
#[derive(Debug)]
pub struct Tx {
    ops: Vec<Op>,
}

impl Tx {
    /// set buffers a write of `value` under `key` in `scope` (`None`:
    /// global); `Value::Null` deletes. Checked when the transaction is
    /// applied.
    pub fn set(
        &mut self,
        scope: Option<&str>,
        key: impl Into<String>,
        value: impl Into<Value>,
    ) -> &mut Tx {
        self.ops.push(Op::set(scope, key, value));
        self
    }

    /// delete buffers the removal of `key` from `scope` (`None`: global).
    pub fn delete(&mut self, scope: Option<&str>, key: impl Into<String>) -> &mut Tx {
        self.ops.push(Op::delete(scope, key));
        self
    }

    /// push buffers any [`Op`].
    pub fn push(&mut self, op: Op) -> &mut Tx {
        self.ops.push(op);
        self
    }

    /// ops returns the writes buffered so far, in order.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }
}

/// MigrateOptions are the settings of [`State::migrate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrateOptions {
    /// dry_run computes the report without writing (and without a backup).
    /// Default: false.
    pub dry_run: bool,
    /// batch_size is the number of values migrated per atomic batch.
    /// Default: None (the library's, 500).
    pub batch_size: Option<u32>,
    /// backup takes a backup of the store before writing. Default: true.
    pub backup: bool,
}

impl Default for MigrateOptions {
    fn default() -> MigrateOptions {
        MigrateOptions {
            dry_run: false,
            batch_size: None,
            backup: true,
        }
    }
}

impl MigrateOptions {
    /// new returns the default options: a real run, after a backup.
    pub fn new() -> MigrateOptions {
        MigrateOptions::default()
    }

    /// dry_run sets [`MigrateOptions::dry_run`].
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.dry_run = yes;
        self
    }

    /// batch_size sets [`MigrateOptions::batch_size`].
    pub fn batch_size(mut self, n: u32) -> Self {
        self.batch_size = Some(n);
        self
    }

    /// backup sets [`MigrateOptions::backup`].
    pub fn backup(mut self, yes: bool) -> Self {
        self.backup = yes;
        self
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("dry_run".into(), json!(self.dry_run));
        m.insert("backup".into(), json!(self.backup));
        if let Some(n) = self.batch_size {
            m.insert("batch_size".into(), json!(n));
        }
        Value::Object(m)
    }
}
