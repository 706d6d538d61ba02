//! Hooks: Rust functions that run at the engine's hook points and change
//! what happens there (`llmspell_hook_*`).

use std::ffi::{c_char, c_void};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use llmspell_sys as sys;
use serde_json::{json, Map, Value};

use crate::engine::Engine;
use crate::error::{try_call, Error, ErrorCode};
use crate::ffi::{c_name, c_opt_name, no_nul, opt_ptr, parse_json, OwnedBuf};
use crate::panic::{drop_quietly, PanicSlot};

impl Engine {
    /// hooks returns the engine's hook registry. The [`Hooks`] borrows the
    /// engine and is `Copy`.
    pub fn hooks(&self) -> Hooks<'_> {
        Hooks { engine: self }
    }
}

/// Priorities by name, as spells spell them; lower runs first.
pub mod priority {
    /// "highest": -100.
    pub const HIGHEST: i32 = -100;
    /// "high": -50.
    pub const HIGH: i32 = -50;
    /// "normal": 0.
    pub const NORMAL: i32 = 0;
    /// "low": 50.
    pub const LOW: i32 = 50;
    /// "lowest": 100.
    pub const LOWEST: i32 = 100;
}

/// Hooks is the hook registry of an [`Engine`], shared with spells (their
/// `Hook` global): hooks of every language run at a point in priority
/// order, lower first.
///
/// Points: `BeforeAgentInit`, `AfterAgentInit`, `BeforeAgentExecution`,
/// `AfterAgentExecution`, `AgentError`, `BeforeToolExecution`,
/// `AfterToolExecution`, `ToolError`, `BeforeWorkflowStart`,
/// `BeforeWorkflowStage`, `AfterWorkflowStage`, `AfterWorkflowComplete`,
/// `WorkflowError`, `BeforeStateWrite`, `AfterStateWrite`,
/// `BeforeStateRead`, `AfterStateRead`, `SessionStart`, `SessionEnd`,
/// `SessionSave`, `SessionRestore`, `BeforeEventEmit`, `AfterEventEmit`,
/// `SystemStartup`, `SystemShutdown`, `BeforeModelCall`, `AfterModelCall`,
/// `SecurityViolation`, and `custom:<name>`; the spellings
/// `before_state_write` and `state:before_write` are accepted too.
///
/// Each hook runs under a circuit breaker of the library: 3 failures in
/// 30 s, or 2 calls slower than 50 ms, open it for 15 s (the hook is then
/// skipped; `hook.breaker.*` events announce it). Keep hooks fast.
#[derive(Debug, Clone, Copy)]
pub struct Hooks<'e> {
    engine: &'e Engine,
}

impl<'e> Hooks<'e> {
    /// register registers `f` at `point` with a priority (lower runs first;
    /// see [`priority`]). Same as [`Hooks::register_with`] with only the
    /// priority set.
    pub fn register<F>(&self, point: &str, priority: i32, f: F) -> Result<HookHandle<'e>, Error>
    where
        F: Fn(&HookContext) -> HookResult + Send + Sync + 'static,
    {
        self.register_with(point, &HookOptions::new().priority(priority), f)
    }

    /// register_with registers `f` at `point`. Wraps
    /// `llmspell_hook_register`.
    ///
    /// `f` runs synchronously on whatever thread hits the point: the thread
    /// of a Rust call such as [`State::set`](crate::State::set), a spell's
    /// thread, a library thread; several at once when several threads hit
    /// the point, hence `Send + Sync`. Its [`HookResult`] takes effect (see
    /// there). It may call into the engine.
    ///
    /// The hook stays registered until the returned [`HookHandle`] is
    /// dropped or [unregistered](HookHandle::unregister) (or
    /// [detached](HookHandle::detach): then until the engine closes);
    /// `f` is dropped after its last call.
    ///
    /// Panics: a panic in `f` is caught on the thread that ran it (never
    /// unwinding into the library) and printed there by the panic hook; the
    /// call is reported to the library as failed (it counts toward the
    /// hook's circuit breaker: 3 failures in 30 s switch the hook off for
    /// 15 s), the operation goes on as if the hook had not run, and `f`
    /// stays registered. The first such panic is saved and resumed
    /// by [`HookHandle::unregister`] or the handle's drop (a drop during
    /// unwinding discards it instead).
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (unknown point, bad options).
    pub fn register_with<F>(
        &self,
        point: &str,
        opts: &HookOptions,
        f: F,
    ) -> Result<HookHandle<'e>, Error>
    where
        F: Fn(&HookContext) -> HookResult + Send + Sync + 'static,
    {
        let point = c_name(point, "hook point")?;
        let options = opts.to_json()?;
        let slot = Arc::new(PanicSlot::new());
        let data = Box::new(HookData {
            f,
            slot: Arc::clone(&slot),
        });
        let user_data = Box::into_raw(data).cast::<c_void>();
        let mut id: u64 = 0;
        // SAFETY: the engine is live for 'e; point is NUL-terminated;
        // options is a live buffer; the trampolines are instantiated for F
        // and user_data is a Box<HookData<F>> that the library owns until it
        // calls hook_free; id is a valid out-parameter.
        let r = try_call!(llmspell_hook_register(
            self.engine.as_ptr(),
            point.as_ptr(),
            opts.priority,
            options.as_ptr().cast(),
            options.len(),
            Some(hook_call::<F>),
            user_data,
            Some(hook_free::<F>),
            &mut id,
        ));
        if let Err(e) = r {
            // "On failure user_data_free is not called."
            // SAFETY: user_data came from Box::into_raw above and the library
            // did not take it.
            drop(unsafe { Box::from_raw(user_data.cast::<HookData<F>>()) });
            return Err(e);
        }
        Ok(HookHandle {
            engine: self.engine,
            id,
            slot,
            registered: true,
        })
    }

    /// unregister removes the hook with this id, whatever language
    /// registered it (a [`HookHandle`] does this itself; this is for
    /// [detached](HookHandle::detach) hooks). No call of it starts after
    /// this returns, and calls in progress on other threads have finished.
    /// Wraps `llmspell_hook_unregister`.
    ///
    /// Errors: [`ErrorCode::NotFound`] (no such hook).
    pub fn unregister(&self, id: u64) -> Result<(), Error> {
        // SAFETY: the engine is live for 'e.
        try_call!(llmspell_hook_unregister(self.engine.as_ptr(), id))
    }

    /// list describes the registered hooks of every language, at `point` or
    /// at every point, in execution order per point: `[{"id","name",
    /// "point","priority","language","breaker","calls","failures","slow",
    /// "skipped"}]` (Rust hooks have language `"rust"`). Wraps
    /// `llmspell_hook_list`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (unknown point).
    pub fn list(&self, point: Option<&str>) -> Result<Vec<Value>, Error> {
        let point = c_opt_name(point, "hook point")?;
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; point is NULL or
        // NUL-terminated; out's pointers are valid out-parameters.
        try_call!(llmspell_hook_list(
            self.engine.as_ptr(),
            opt_ptr(&point),
            out.out(),
            out.len_out(),
        ))?;
        out.json_list("llmspell_hook_list")
    }

    /// metrics returns the built-in hook metrics: `{"counts":{"<point>":n},
    /// "latency":{"<point>":{"count","mean_ms","errors","buckets":
    /// [{"le_ms","count"}]}}}`. counts has the calls of each point the
    /// metrics hook watches (state writes, sessions, system, model and tool
    /// calls); latency times the operations run through hooks (tool and
    /// model calls) under their before point; the last bucket's `le_ms` is
    /// `"inf"`. It needs the engine config `{"hooks":{"metrics":true}}`.
    /// Wraps `llmspell_hook_metrics`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (metrics are off).
    pub fn metrics(&self) -> Result<Value, Error> {
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; out's pointers are valid
        // out-parameters.
        try_call!(llmspell_hook_metrics(
            self.engine.as_ptr(),
            out.out(),
            out.len_out()
        ))?;
        out.json("llmspell_hook_metrics")
    }

    /// records returns the stored hook calls, oldest first: `[{"hook_id",
    /// "hook","point","component":{"type","name"},"input","result","error",
    /// "duration_us","correlation_id","at"}]`. Every hook call is recorded,
    /// the built-in hooks' too; `result` is the answer's type
    /// (`"continue"`, `"modified"`, ...), `error` the failure's message or
    /// `null`, `at` an RFC 3339 time. It needs the engine config
    /// `{"hooks":{"record":true}}`. Wraps `llmspell_hook_records`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (a NUL byte in the
    /// correlation id, or recording is off).
    pub fn records(&self, query: &HookRecordQuery) -> Result<Vec<Value>, Error> {
        let json = query.to_json()?;
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; json is a live buffer; out's
        // pointers are valid out-parameters.
        try_call!(llmspell_hook_records(
            self.engine.as_ptr(),
            json.as_ptr().cast(),
            json.len(),
            out.out(),
            out.len_out(),
        ))?;
        out.json_list("llmspell_hook_records")
    }
}

/// HookRecordQuery selects stored hook calls for [`Hooks::records`]. Every
/// field is optional; the default selects every record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookRecordQuery {
    /// correlation_id keeps the calls of one correlation. Default: any.
    pub correlation_id: Option<String>,
    /// limit bounds the number of records returned. Default: no limit.
    pub limit: Option<u64>,
}

impl HookRecordQuery {
    /// new returns the query for every record.
    pub fn new() -> HookRecordQuery {
        HookRecordQuery::default()
    }

    /// correlation_id keeps one correlation's calls.
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// limit bounds the number of records.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    fn to_json(&self) -> Result<String, Error> {
        let mut m = Map::new();
        if let Some(id) = &self.correlation_id {
            no_nul(id, "correlation_id")?;
            m.insert("correlation_id".into(), Value::from(id.as_str()));
        }
        if let Some(n) = self.limit {
            m.insert("limit".into(), Value::from(n));
        }
        Ok(Value::Object(m).to_string())
    }
}

/// HookOptions configure a hook registration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookOptions {
    /// priority orders the hooks of a point, lower first (see
    /// [`priority`]). Default: 0 (normal).
    pub priority: i32,
    /// name labels the hook in [`Hooks::list`]. Default: `"hook-<id>"`.
    pub name: Option<String>,
    /// component limits the hook to one component type (`"state"`,
    /// `"session"`, `"agent"`, ...). Default: every component.
    pub component: Option<String>,
}

impl HookOptions {
    /// new returns the default options.
    pub fn new() -> HookOptions {
        HookOptions::default()
    }

    /// priority sets the priority.
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// name sets the name shown by [`Hooks::list`].
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// component limits the hook to one component type.
    pub fn component(mut self, component: impl Into<String>) -> Self {
        self.component = Some(component.into());
        self
    }

    fn to_json(&self) -> Result<String, Error> {
        let mut m = Map::new();
        if let Some(n) = &self.name {
            no_nul(n, "hook name")?;
            m.insert("name".into(), Value::from(n.as_str()));
        }
        if let Some(c) = &self.component {
            no_nul(c, "component")?;
            m.insert("component".into(), Value::from(c.as_str()));
        }
        // Listings and records show which host wrote the hook.
        m.insert("language".into(), Value::from("rust"));
        Ok(Value::Object(m).to_string())
    }
}

/// HookContext is what a hook receives: the point, the component that hit
/// it, the point's data, metadata and correlation id.
///
/// The data depends on the point: for `BeforeStateWrite` and
/// `AfterStateWrite` it is `{"scope","key","value"}`, for `BeforeStateRead`
/// `{"scope","key"}`, for the session points the session record, for
/// `BeforeEventEmit` the event data.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct HookContext {
    /// point is the point's canonical name, e.g. `"BeforeStateWrite"`.
    pub point: String,
    /// component_type is the kind of component, e.g. `"state"`.
    pub component_type: String,
    /// component_name names the component, e.g. the state scope
    /// (`"global"`, `"agent:a"`) or the session id.
    pub component_name: String,
    /// data is the point's data.
    pub data: Value,
    /// metadata is a JSON object, often empty.
    pub metadata: Map<String, Value>,
    /// correlation_id links the call to related events, when there is one.
    pub correlation_id: Option<String>,
}

impl HookContext {
    /// from_json parses the context JSON that the library passes to hooks.
    pub fn from_json(json: &str) -> Result<HookContext, Error> {
        let v = parse_json(json, "hook context")?;
        let bad = |what: &str| {
            Error::new(
                ErrorCode::Internal,
                format!("hook context has no valid {what}: {json}"),
            )
        };
        let Value::Object(mut m) = v else {
            return Err(bad("object"));
        };
        let point = match m.remove("point") {
            Some(Value::String(s)) => s,
            _ => return Err(bad("point")),
        };
        let (component_type, component_name) = match m.remove("component") {
            Some(Value::Object(mut c)) => {
                let mut field = |k: &str| match c.remove(k) {
                    Some(Value::String(s)) => s,
                    _ => String::new(),
                };
                (field("type"), field("name"))
            }
            _ => return Err(bad("component")),
        };
        let metadata = match m.remove("metadata") {
            Some(Value::Object(md)) => md,
            None | Some(Value::Null) => Map::new(),
            _ => return Err(bad("metadata")),
        };
        let correlation_id = match m.remove("correlation_id") {
            Some(Value::String(s)) => Some(s),
            None | Some(Value::Null) => None,
            _ => return Err(bad("correlation_id")),
        };
        Ok(HookContext {
            point,
            component_type,
            component_name,
            data: m.remove("data").unwrap_or(Value::Null),
            metadata,
            correlation_id,
        })
    }
}

/// HookResult is a hook's answer; it has real effect on the operation at
/// the point.
#[derive(Debug, Clone, PartialEq)]
pub enum HookResult {
    /// Go on unchanged.
    Continue,
    /// Go on with this data instead of the context's: the next hook sees it
    /// and the operation uses it. For `BeforeStateWrite`, return the data
    /// object with a new `"value"` (`{"scope","key","value"}`); any other
    /// value (not an object with "value") becomes the value written.
    Modified(Value),
    /// Refuse the operation: it fails with [`ErrorCode::Cancelled`] and this
    /// reason in the message. Later hooks do not run.
    Cancel(String),
    /// The data is the operation's result and the operation is skipped (a
    /// `BeforeStateWrite` hook answering Replace means the write does not
    /// happen; a `BeforeStateRead` one answers the read). Later hooks do
    /// not run.
    Replace(Value),
    /// Retry the operation after `delay`, up to `max_attempts` times (where
    /// the point supports it).
    Retry {
        /// delay before the next attempt.
        delay: Duration,
        /// max_attempts bounds the attempts.
        max_attempts: u32,
    },
    /// The hook did nothing (same effect as Continue).
    Skipped,
    /// Send the operation to another target (where the point supports it).
    /// An empty target is a malformed answer: the call counts as a failure
    /// for the breaker and otherwise as Continue.
    Redirect(String),
    /// Serve the operation's result from the registry's cache for `ttl`,
    /// under `key` (None: a key derived from the point, component and data).
    Cache {
        /// key of the cached result.
        key: Option<String>,
        /// ttl is how long the result is served from the cache.
        ttl: Duration,
    },
}

impl HookResult {
    /// to_json is the result as the library's JSON object, e.g.
    /// `{"type":"cancel","reason":"..."}`.
    pub fn to_json(&self) -> Value {
        match self {
            HookResult::Continue => json!({"type": "continue"}),
            HookResult::Modified(data) => json!({"type": "modified", "data": data}),
            HookResult::Cancel(reason) => json!({"type": "cancel", "reason": reason}),
            HookResult::Replace(data) => json!({"type": "replace", "data": data}),
            HookResult::Retry {
                delay,
                max_attempts,
            } => json!({
                "type": "retry",
                "delay_ms": delay.as_secs_f64() * 1000.0,
                "max_attempts": max_attempts,
            }),
            HookResult::Skipped => json!({"type": "skipped"}),
            HookResult::Redirect(target) => json!({"type": "redirect", "target": target}),
            HookResult::Cache { key, ttl } => {
                let mut v = json!({"type": "cache", "ttl_s": ttl.as_secs_f64()});
                if let Some(k) = key {
                    v["key"] = Value::from(k.as_str());
                }
                v
            }
        }
    }
}

/// HookHandle is a registered Rust hook. Dropping it unregisters the hook
/// (as [`HookHandle::unregister`] does, ignoring errors); it borrows the
/// [`Engine`], so it cannot outlive it.
pub struct HookHandle<'e> {
    engine: &'e Engine,
    id: u64,
    slot: Arc<PanicSlot>,
    registered: bool,
}

// HookHandle holds a &Engine (Send + Sync), a u64 and an Arc<PanicSlot>
// (a Mutex and an atomic), so Send and Sync are derived, and
// llmspell_hook_unregister is "Thread-safety: safe from any thread".

impl HookHandle<'_> {
    /// id is the hook's id, as in [`Hooks::list`].
    pub fn id(&self) -> u64 {
        self.id
    }

    /// unregister removes the hook: no call of it starts after this returns,
    /// calls in progress on other threads have finished, and its closure has
    /// been dropped. Wraps `llmspell_hook_unregister`.
    ///
    /// Errors: [`ErrorCode::NotFound`] when it was already removed (by
    /// [`Hooks::unregister`] or a spell).
    ///
    /// Panics: with the first panic of the hook, if it panicked (after the
    /// hook was removed).
    pub fn unregister(mut self) -> Result<(), Error> {
        self.registered = false;
        let r = self.engine.hooks().unregister(self.id);
        self.slot.resume();
        r
    }

    /// detach gives the hook up to the engine: it stays registered until the
    /// engine closes (or [`Hooks::unregister`] removes it by id), and a
    /// panic of it is only printed. Returns the id.
    pub fn detach(mut self) -> u64 {
        self.registered = false;
        self.id
    }
}

impl Drop for HookHandle<'_> {
    fn drop(&mut self) {
        if self.registered {
            let _ = self.engine.hooks().unregister(self.id);
            self.slot.resume_in_drop();
        }
    }
}

impl fmt::Debug for HookHandle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookHandle").field("id", &self.id).finish()
    }
}

/// HookData is the user data of a Rust hook: the closure and the panic slot
/// it shares with the [`HookHandle`].
struct HookData<F> {
    f: F,
    slot: Arc<PanicSlot>,
}

/// hook_call is the llmspell_hook_fn trampoline. It never unwinds.
unsafe extern "C" fn hook_call<F>(
    user_data: *mut c_void,
    context: *const c_char,
    len: usize,
    reply: *mut sys::llmspell_hook_reply,
) where
    F: Fn(&HookContext) -> HookResult + Send + Sync + 'static,
{
    // SAFETY: user_data is the Box<HookData<F>> of register_with, which the
    // library frees (hook_free) only after the last call has returned.
    let data = unsafe { &*user_data.cast::<HookData<F>>().cast_const() };
    if context.is_null() {
        return;
    }
    // SAFETY: the library passes context_len readable bytes, borrowed for
    // the call.
    let bytes = unsafe { std::slice::from_raw_parts(context.cast::<u8>(), len) };
    let r = panic::catch_unwind(AssertUnwindSafe(|| {
        let ctx = match std::str::from_utf8(bytes)
            .map_err(|e| e.to_string())
            .and_then(|s| HookContext::from_json(s).map_err(|e| e.message))
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("llmspell: a Rust hook was not called: {e}");
                return None;
            }
        };
        match (data.f)(&ctx) {
            // No answer means continue.
            HookResult::Continue => None,
            other => Some(other.to_json().to_string()),
        }
    }));
    match r {
        Ok(Some(answer)) => {
            // SAFETY: reply is the call's reply, valid during this call, on
            // this thread; answer is a live buffer. A malformed answer
            // (Redirect("")) is reported to the breaker by the library
            // itself; there is nobody to return the status to.
            unsafe { sys::llmspell_hook_reply_set(reply, answer.as_ptr().cast(), answer.len()) };
        }
        Ok(None) => {}
        Err(p) => {
            // The library counts the failed call toward the hook's breaker.
            let msg = panic_message(p.as_ref());
            // SAFETY: as above; msg is a live buffer for the call.
            unsafe { sys::llmspell_hook_reply_fail(reply, msg.as_ptr().cast(), msg.len()) };
            data.slot.save(p);
        }
    }
}

/// panic_message is the text of a panic payload, for the hook's failure.
fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    let text = if let Some(s) = p.downcast_ref::<&str>() {
        s
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.as_str()
    } else {
        "the hook panicked"
    };
    format!("panic: {text}")
}

/// hook_free is the llmspell_free_fn of a Rust hook: it drops the closure.
/// It never unwinds.
unsafe extern "C" fn hook_free<F>(user_data: *mut c_void)
where
    F: Fn(&HookContext) -> HookResult + Send + Sync + 'static,
{
    // SAFETY: user_data is the Box<HookData<F>> of register_with, and the
    // library calls user_data_free once, after the last call.
    let data = unsafe { Box::from_raw(user_data.cast::<HookData<F>>()) };
    let slot = Arc::clone(&data.slot);
    if let Err(p) = panic::catch_unwind(AssertUnwindSafe(move || drop(data))) {
        slot.save(p);
    }
    // `slot` may be the last reference (a detached hook): drop it quietly.
    drop_quietly(slot);
}
