//! Sessions (`llmspell_session_*`).

use std::fmt;

use serde_json::{json, Map, Value};

use crate::engine::Engine;
use crate::error::{try_call, Error, ErrorCode};
use crate::ffi::{c_name, c_opt_name, no_nul, opt_ptr, opt_str, OwnedBuf};

impl Engine {
    /// sessions returns the engine's sessions. The [`Sessions`] borrows the
    /// engine and is `Copy`.
    pub fn sessions(&self) -> Sessions<'_> {
        Sessions { engine: self }
    }
}

/// Sessions group work and hold artifacts (see
/// [`Engine::artifacts`](crate::Engine::artifacts)).
///
/// A session record is a JSON object `{"id","name","description","tags",
/// "parent","status","created_at","updated_at","metadata",
/// "artifact_count","artifact_bytes"}` plus `"fail_reason"` for a failed
/// session. Status moves: active → suspended, completed, failed;
/// suspended → active, completed, failed; completed → archived;
/// failed → archived. Any other move is [`ErrorCode::Conflict`].
///
/// Session ids are strings; one with a NUL byte is rejected with
/// [`ErrorCode::InvalidArgument`] before the library is called. Every method
/// may be called from any thread; transitions are serialized.
#[derive(Debug, Clone, Copy)]
pub struct Sessions<'e> {
    engine: &'e Engine,
}

impl<'e> Sessions<'e> {
    /// create creates an active session and returns its id. Wraps
    /// `llmspell_session_create`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (metadata not an object);
    /// [`ErrorCode::NotFound`] (unknown parent); [`ErrorCode::Storage`].
    pub fn create(&self, opts: &SessionOptions) -> Result<String, Error> {
        let options = opts.to_json()?.to_string();
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; options is a live buffer; out is
        // a valid out-parameter (the id comes back NUL-terminated, without a
        // length).
        try_call!(llmspell_session_create(
            self.engine.as_ptr(),
            options.as_ptr().cast(),
            options.len(),
            out.out(),
        ))?;
        Ok(out.c_string())
    }

    /// get returns the record of session `id`. Wraps
    /// `llmspell_session_get`.
    ///
    /// Errors: [`ErrorCode::NotFound`].
    pub fn get(&self, id: &str) -> Result<Value, Error> {
        let id = c_name(id, "session id")?;
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live; id is NUL-terminated; out's pointers
        // are valid out-parameters.
        try_call!(llmspell_session_get(
            self.engine.as_ptr(),
            id.as_ptr(),
            out.out(),
            out.len_out(),
        ))?;
        out.json("llmspell_session_get")
    }

    /// list returns the records of the sessions matching `query`, oldest
    /// first. The query is a JSON object `{"tags":[...] (all must match),
    /// "status","parent","limit","created_after","created_before"}` (times
    /// in RFC 3339); `Value::Null` or `{}` lists every session. Wraps
    /// `llmspell_session_list`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (unknown key, bad value).
    pub fn list(&self, query: &Value) -> Result<Vec<Value>, Error> {
        let query = (!query.is_null()).then(|| query.to_string());
        let (q_ptr, q_len) = opt_str(query.as_deref());
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live; the query is a live buffer or NULL/0;
        // out's pointers are valid out-parameters.
        try_call!(llmspell_session_list(
            self.engine.as_ptr(),
            q_ptr,
            q_len,
            out.out(),
            out.len_out(),
        ))?;
        out.json_list("llmspell_session_list")
    }

    /// transition moves session `id` to `status`; `reason` is kept for
    /// [`Status::Failed`] (as the record's `"fail_reason"`). Wraps
    /// `llmspell_session_transition`.
    ///
    /// Errors: [`ErrorCode::Conflict`] (not allowed from the current
    /// status); [`ErrorCode::NotFound`].
    pub fn transition(&self, id: &str, status: Status, reason: Option<&str>) -> Result<(), Error> {
        self.transition_named(id, status.name(), reason)
    }

    /// transition_named is [`Sessions::transition`] with the status given
    /// by name; an unknown name is [`ErrorCode::InvalidArgument`] from the
    /// library.
    pub fn transition_named(
        &self,
        id: &str,
        status: &str,
        reason: Option<&str>,
    ) -> Result<(), Error> {
        let id = c_name(id, "session id")?;
        let status = c_name(status, "status")?;
        let reason = c_opt_name(reason, "reason")?;
        // SAFETY: the engine is live; id and status are NUL-terminated;
        // reason is NULL or NUL-terminated.
        try_call!(llmspell_session_transition(
            self.engine.as_ptr(),
            id.as_ptr(),
            status.as_ptr(),
            opt_ptr(&reason),
        ))
    }

    /// update_metadata merges the JSON object `fields` into the metadata of
    /// session `id`; a null field removes that key. Wraps
    /// `llmspell_session_update_metadata`.
    ///
    /// Errors: [`ErrorCode::NotFound`]; [`ErrorCode::InvalidArgument`]
    /// (`fields` not an object).
    pub fn update_metadata(&self, id: &str, fields: &Value) -> Result<(), Error> {
        let id = c_name(id, "session id")?;
        let fields = fields.to_string();
        // SAFETY: the engine is live; id is NUL-terminated; fields is a live
        // buffer.
        try_call!(llmspell_session_update_metadata(
            self.engine.as_ptr(),
            id.as_ptr(),
            fields.as_ptr().cast(),
            fields.len(),
        ))
    }

    /// delete deletes session `id` and all its artifacts (content shared
    /// with other artifacts stays). Wraps `llmspell_session_delete`.
    ///
    /// Errors: [`ErrorCode::NotFound`].
    pub fn delete(&self, id: &str) -> Result<(), Error> {
        let id = c_name(id, "session id")?;
        // SAFETY: the engine is live; id is NUL-terminated.
        try_call!(llmspell_session_delete(self.engine.as_ptr(), id.as_ptr()))
    }
}

/// SessionOptions are the settings of [`Sessions::create`]; every field is
/// optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionOptions {
    /// name is a display name. Default: none.
    pub name: Option<String>,
    /// description is free text. Default: none.
    pub description: Option<String>,
    /// tags label the session, for [`Sessions::list`]. Default: none.
    pub tags: Vec<String>,
    /// parent is the id of the parent session, which must exist. Default:
    /// none.
    pub parent: Option<String>,
    /// metadata is a JSON object of free fields. Default: none.
    pub metadata: Option<Value>,
}

impl SessionOptions {
    /// new returns empty options.
    pub fn new() -> SessionOptions {
        SessionOptions::default()
    }

    /// name sets [`SessionOptions::name`].
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// description sets [`SessionOptions::description`].
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    /// tag adds one tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// tags replaces [`SessionOptions::tags`].
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// parent sets [`SessionOptions::parent`].
    pub fn parent(mut self, id: impl Into<String>) -> Self {
        self.parent = Some(id.into());
        self
    }

    /// metadata sets [`SessionOptions::metadata`] (a JSON object).
    pub fn metadata(mut self, m: Value) -> Self {
        self.metadata = Some(m);
        self
    }

    fn to_json(&self) -> Result<Value, Error> {
        let mut m = Map::new();
        if let Some(n) = &self.name {
            m.insert("name".into(), json!(n));
        }
        if let Some(d) = &self.description {
            m.insert("description".into(), json!(d));
        }
        if !self.tags.is_empty() {
            m.insert("tags".into(), json!(self.tags));
        }
        if let Some(p) = &self.parent {
            no_nul(p, "parent session id")?;
            m.insert("parent".into(), json!(p));
        }
        if let Some(md) = &self.metadata {
            m.insert("metadata".into(), md.clone());
        }
        Ok(Value::Object(m))
    }
}

/// Status is the status of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Active: the status of a new session; a suspended one resumes to it.
    Active,
    /// Suspended: paused; can resume, complete or fail.
    Suspended,
    /// Completed: done; can only be archived.
    Completed,
    /// Failed: done, with a reason; can only be archived.
    Failed,
    /// Archived: final; artifacts can no longer be stored.
    Archived,
}

impl Status {
    /// name returns the status name of the C ABI and of session records:
    /// "active", "suspended", "completed", "failed" or "archived".
    pub fn name(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Archived => "archived",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Status {
    type Err = Error;

    /// from_str accepts the names returned by [`Status::name`].
    fn from_str(s: &str) -> Result<Status, Error> {
        Ok(match s {
            "active" => Status::Active,
            "suspended" => Status::Suspended,
            "completed" => Status::Completed,
            "failed" => Status::Failed,
            "archived" => Status::Archived,
            other => {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    format!("unknown session status {other:?}"),
                ))
            }
        })
    }
}
