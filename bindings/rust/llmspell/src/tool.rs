//! Tools: call the engine's tools, list them, and register tools written
//! in Rust (`llmspell_tool_*`).

use std::ffi::{c_char, c_void, CString};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::sync::Arc;

use llmspell_sys as sys;
use serde_json::{Map, Value};

use crate::engine::Engine;
use crate::error::{try_call, Error, ErrorCode};
use crate::ffi::{c_name, no_nul, parse_json, OwnedBuf};
use crate::panic::{drop_quietly, panic_message, PanicSlot};

impl Engine {
    /// tools returns the engine's tool registry. The [`Tools`] borrows the
    /// engine and is `Copy`.
    pub fn tools(&self) -> Tools<'_> {
        Tools { engine: self }
    }
}

/// Tools is the tool registry of an [`Engine`]: the built-in tools
/// (`calculator`, `base64_encoder`, `hash_calculator`, `uuid_generator`,
/// `text_manipulator`, ...) and the tools registered by spells (their
/// `Tool.register`) and by hosts ([`Tools::register`]), all alike to
/// callers. Spells call a Rust tool with `Tool.invoke(name, params)`.
///
/// Every call validates the parameters against the tool's JSON Schema,
/// enforces the engine's tool policy (the `tools` config section:
/// `file_roots`, `allow_hosts`, `executables`, `max_level`, `timeout_ms`,
/// `max_output_bytes`), runs the `BeforeToolExecution`,
/// `AfterToolExecution` and `ToolError` hooks and publishes
/// `tool.execution.*` events.
///
/// Every method may be called from any thread, concurrently.
#[derive(Debug, Clone, Copy)]
pub struct Tools<'e> {
    engine: &'e Engine,
}

impl<'e> Tools<'e> {
    /// invoke calls the tool `name` (or an alias) with `params`, a JSON
    /// object (`Value::Null` for `{}`), and returns its [`Envelope`]. Wraps
    /// `llmspell_tool_invoke`.
    ///
    /// A tool that ran and failed is `Ok` with `success == false` and the
    /// envelope's `error` (use [`Envelope::into_result`] to make it an
    /// `Err`). A Rust tool runs on the calling thread.
    ///
    /// Errors: [`ErrorCode::NotFound`] (no such tool),
    /// [`ErrorCode::InvalidArgument`] (the parameters do not match the
    /// schema: the message names the field; not an object; a NUL byte in
    /// the name), [`ErrorCode::Denied`] (the policy refused),
    /// [`ErrorCode::Cancelled`] (a hook cancelled), [`ErrorCode::Timeout`]
    /// (the tool took longer than `tools.timeout_ms`).
    pub fn invoke(&self, name: &str, params: &Value) -> Result<Envelope, Error> {
        let name = c_name(name, "tool name")?;
        let params = match params {
            Value::Null => None,
            p => Some(p.to_string()),
        };
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; name is NUL-terminated; params
        // is a live buffer or NULL/0; out's pointers are valid
        // out-parameters.
        try_call!(llmspell_tool_invoke(
            self.engine.as_ptr(),
            name.as_ptr(),
            params.as_ref().map_or(ptr::null(), |p| p.as_ptr().cast()),
            params.as_ref().map_or(0, String::len),
            out.out(),
            out.len_out(),
        ))?;
        Envelope::from_json(&out.string())
    }

    /// list describes the tools, sorted by name, in the shape of
    /// `opts.format`: [`ToolFormat::Info`] gives `{"name","description",
    /// "category","security_level","version","tags","language","schema"}`
    /// (Rust tools have language `"rust"`), [`ToolFormat::OpenAI`]
    /// `{"type":"function","function":{"name","description","parameters"}}`
    /// and [`ToolFormat::Anthropic`] `{"name","description","input_schema"}`.
    /// Wraps `llmspell_tool_list`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (a NUL byte in a filter).
    pub fn list(&self, opts: &ListOptions) -> Result<Vec<Value>, Error> {
        let options = opts.to_json()?;
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; options is a live buffer; out's
        // pointers are valid out-parameters.
        try_call!(llmspell_tool_list(
            self.engine.as_ptr(),
            options.as_ptr().cast(),
            options.len(),
            out.out(),
            out.len_out(),
        ))?;
        out.json_list("llmspell_tool_list")
    }

    /// register registers `f` as the tool described by `spec`, callable by
    /// [`Tools::invoke`], by spells (`Tool.invoke`) and by the engine's
    /// agents and workflows. Wraps `llmspell_tool_register`.
    ///
    /// `f` gets the parameters, already validated against
    /// `spec.parameters`, and answers `Ok(result)` (any JSON value: the
    /// envelope's `result`) or `Err(message)` (an envelope with success
    /// false and error `{"kind":"tool_error","message"}`). It runs
    /// synchronously on the thread that invoked the tool (a Rust caller's
    /// thread, a spell's thread), on several threads at once when several
    /// callers invoke it, hence `Send + Sync`. It may call into the engine.
    /// The library cannot interrupt it: a call that overruns
    /// `tools.timeout_ms` runs to its end, and then the caller gets
    /// [`ErrorCode::Timeout`].
    ///
    /// The tool stays registered until the returned [`ToolHandle`] is
    /// dropped or [unregistered](ToolHandle::unregister) (or
    /// [detached](ToolHandle::detach): then until the engine closes or
    /// [`Tools::unregister`] removes it); `f` is dropped after its last
    /// call.
    ///
    /// Panics: a panic in `f` is caught on the thread that ran it (never
    /// unwinding into the library) and printed there by the panic hook; the
    /// caller gets an envelope with success false and the message
    /// `"panicked: <panic message>"`, and the tool stays registered. The
    /// first such panic is saved and resumed by [`ToolHandle::unregister`]
    /// or the handle's drop (a drop during unwinding discards it instead).
    ///
    /// Errors: [`ErrorCode::Conflict`] (the name is taken, also by a
    /// built-in tool or a spell's tool), [`ErrorCode::InvalidArgument`]
    /// (a name that is not 1-64 letters, digits, `_`, `-` or `.`; a
    /// parameter schema that is not an object schema).
    pub fn register<F>(&self, spec: &ToolSpec, f: F) -> Result<ToolHandle<'e>, Error>
    where
        F: Fn(&Value) -> Result<Value, String> + Send + Sync + 'static,
    {
        let json = spec.to_json()?;
        let slot = Arc::new(PanicSlot::new());
        let data = Box::new(ToolData {
            f,
            slot: Arc::clone(&slot),
        });
        let user_data = Box::into_raw(data).cast::<c_void>();
        // SAFETY: the engine is live for 'e; json is a live buffer; the
        // trampolines are instantiated for F and user_data is a
        // Box<ToolData<F>> that the library owns until it calls tool_free.
        let r = try_call!(llmspell_tool_register(
            self.engine.as_ptr(),
            json.as_ptr().cast(),
            json.len(),
            Some(tool_call::<F>),
            user_data,
            Some(tool_free::<F>),
        ));
        if let Err(e) = r {
            // "On failure user_data_free is not called."
            // SAFETY: user_data came from Box::into_raw above and the library
            // did not take it.
            drop(unsafe { Box::from_raw(user_data.cast::<ToolData<F>>()) });
            return Err(e);
        }
        Ok(ToolHandle {
            engine: self.engine,
            name: spec.name.clone(),
            slot,
            registered: true,
        })
    }

    /// unregister removes the host tool `name` (a [`ToolHandle`] does this
    /// itself; this is for [detached](ToolHandle::detach) tools and tools
    /// registered through the raw API). No call of it starts after this
    /// returns, and calls in progress on other threads have finished (a call
    /// in progress on this thread, when a tool unregisters itself, finishes
    /// after). Wraps `llmspell_tool_unregister`.
    ///
    /// Errors: [`ErrorCode::NotFound`] (no host tool of that name; built-in
    /// tools and spells' tools cannot be removed).
    pub fn unregister(&self, name: &str) -> Result<(), Error> {
        let name = c_name(name, "tool name")?;
        // SAFETY: the engine is live for 'e; name is NUL-terminated.
        try_call!(llmspell_tool_unregister(
            self.engine.as_ptr(),
            name.as_ptr()
        ))
    }
}

/// Envelope is the result of a tool call: `{"operation","success",
/// "result"?,"error"?:{"kind","message"},"metadata"}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Envelope {
    /// operation is the `operation` parameter of the call, `""` when it had
    /// none.
    pub operation: String,
    /// success tells whether the tool did its work.
    pub success: bool,
    /// result is the tool's result data when it succeeded (it may be
    /// `Some(Value::Null)`).
    pub result: Option<Value>,
    /// error says why the tool failed, when it did.
    pub error: Option<ToolError>,
    /// metadata is a JSON object: `{"tool": <name>, "duration_ms": ...}`.
    pub metadata: Value,
}

/// ToolError is the `error` of a failed tool call's [`Envelope`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    /// kind is an error kind name: `"tool_error"` for most failures (and for
    /// every `Err` of a Rust tool), `"limit_exceeded"` for a result over
    /// `tools.max_output_bytes`, ...
    pub kind: String,
    /// message says what went wrong (without the kind in front).
    pub message: String,
}

impl ToolError {
    /// code is the [`ErrorCode`] of `kind` ([`ErrorCode::Tool`] for a kind
    /// this crate does not know).
    pub fn code(&self) -> ErrorCode {
        ErrorCode::from_name(&self.kind).unwrap_or(ErrorCode::Tool)
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl Envelope {
    /// from_json parses an envelope as the library writes it.
    pub fn from_json(json: &str) -> Result<Envelope, Error> {
        let bad = |what: &str| {
            Error::new(
                ErrorCode::Internal,
                format!("tool envelope has no valid {what}: {json}"),
            )
        };
        let Value::Object(mut m) = parse_json(json, "llmspell_tool_invoke")? else {
            return Err(bad("object"));
        };
        let operation = match m.remove("operation") {
            Some(Value::String(s)) => s,
            None | Some(Value::Null) => String::new(),
            _ => return Err(bad("operation")),
        };
        let Some(Value::Bool(success)) = m.remove("success") else {
            return Err(bad("success"));
        };
        let error = match m.remove("error") {
            None | Some(Value::Null) => None,
            Some(Value::Object(mut e)) => {
                let mut field = |k: &str| match e.remove(k) {
                    Some(Value::String(s)) => Ok(s),
                    _ => Err(bad("error")),
                };
                Some(ToolError {
                    kind: field("kind")?,
                    message: field("message")?,
                })
            }
            Some(_) => return Err(bad("error")),
        };
        Ok(Envelope {
            operation,
            success,
            result: m.remove("result"),
            error,
            metadata: m.remove("metadata").unwrap_or(Value::Object(Map::new())),
        })
    }

    /// into_result gives the result data of a successful call
    /// (`Value::Null` if it had none), or an [`Error`] with the code of the
    /// envelope's error kind ([`ErrorCode::Tool`] for a tool's own failure)
    /// and its message.
    pub fn into_result(self) -> Result<Value, Error> {
        if self.success {
            return Ok(self.result.unwrap_or(Value::Null));
        }
        match self.error {
            Some(e) => Err(Error::new(e.code(), e.message)),
            None => Err(Error::new(ErrorCode::Tool, "the tool failed")),
        }
    }
}

/// SecurityLevel is a tool's security level; the engine runs tools up to
/// its `tools.max_level` and refuses the others ([`ErrorCode::Denied`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecurityLevel {
    /// Pure computation (the default).
    #[default]
    Safe,
    /// Touches files, the network or the environment under the policy.
    Restricted,
    /// Can change the outside world.
    Privileged,
}

impl SecurityLevel {
    /// name is the library's name: "safe", "restricted" or "privileged".
    pub fn name(self) -> &'static str {
        match self {
            SecurityLevel::Safe => "safe",
            SecurityLevel::Restricted => "restricted",
            SecurityLevel::Privileged => "privileged",
        }
    }
}

impl fmt::Display for SecurityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for SecurityLevel {
    type Err = Error;

    /// from_str accepts "safe", "restricted" and "privileged".
    fn from_str(s: &str) -> Result<SecurityLevel, Error> {
        match s {
            "safe" => Ok(SecurityLevel::Safe),
            "restricted" => Ok(SecurityLevel::Restricted),
            "privileged" => Ok(SecurityLevel::Privileged),
            other => Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("unknown security level {other:?} (safe, restricted, privileged)"),
            )),
        }
    }
}

/// ToolSpec describes a tool for [`Tools::register`].
///
/// ```
/// use llmspell::{SecurityLevel, ToolSpec};
/// use serde_json::json;
///
/// let spec = ToolSpec::new("word_count")
///     .description("counts the words of a text")
///     .category("text")
///     .tag("demo")
///     .parameters(json!({
///         "type": "object",
///         "properties": {"input": {"type": "string"}},
///         "required": ["input"]
///     }));
/// assert_eq!(spec.security_level, SecurityLevel::Safe);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolSpec {
    /// name is the tool's name: 1-64 letters, digits, `_`, `-` or `.`,
    /// unique in the engine.
    pub name: String,
    /// description tells callers (and models) what the tool does.
    pub description: String,
    /// category groups tools in [`Tools::list`]. Default (None): `"custom"`.
    pub category: Option<String>,
    /// security_level is checked against `tools.max_level`. Default: safe.
    pub security_level: SecurityLevel,
    /// version is the tool's version. Default (None): `"1.0.0"`.
    pub version: Option<String>,
    /// tags label the tool ([`ListOptions::tag`] filters on them).
    pub tags: Vec<String>,
    /// parameters is the JSON Schema of the parameters, an object schema
    /// (`{"type":"object","properties":{...},"required":[...]}`).
    /// Default (`Value::Null`): an object with any properties.
    pub parameters: Value,
}

impl ToolSpec {
    /// new describes a tool named `name`, with every other field at its
    /// default.
    pub fn new(name: impl Into<String>) -> ToolSpec {
        ToolSpec {
            name: name.into(),
            ..ToolSpec::default()
        }
    }

    /// description sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// category sets the category.
    pub fn category(mut self, category: impl Into<String>) -> Self {
        self.category = Some(category.into());
        self
    }

    /// security_level sets the security level.
    pub fn security_level(mut self, level: SecurityLevel) -> Self {
        self.security_level = level;
        self
    }

    /// version sets the version.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// tag adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// parameters sets the JSON Schema of the parameters.
    pub fn parameters(mut self, schema: Value) -> Self {
        self.parameters = schema;
        self
    }

    /// to_json is the spec object of `llmspell_tool_register`.
    fn to_json(&self) -> Result<String, Error> {
        no_nul(&self.name, "tool name")?;
        let mut m = Map::new();
        m.insert("name".into(), Value::from(self.name.as_str()));
        m.insert("description".into(), Value::from(self.description.as_str()));
        if let Some(c) = &self.category {
            m.insert("category".into(), Value::from(c.as_str()));
        }
        m.insert(
            "security_level".into(),
            Value::from(self.security_level.name()),
        );
        if let Some(v) = &self.version {
            m.insert("version".into(), Value::from(v.as_str()));
        }
        if !self.tags.is_empty() {
            m.insert("tags".into(), Value::from(self.tags.clone()));
        }
        if !self.parameters.is_null() {
            m.insert("parameters".into(), self.parameters.clone());
        }
        // Listings show which host wrote the tool.
        m.insert("language".into(), Value::from("rust"));
        Ok(Value::Object(m).to_string())
    }
}

/// ToolFormat is the shape of [`Tools::list`]'s entries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ToolFormat {
    /// `{"name","description","category","security_level","version","tags",
    /// "language","schema"}` (the default).
    #[default]
    Info,
    /// OpenAI's function-calling shape: `{"type":"function","function":
    /// {"name","description","parameters"}}`.
    OpenAI,
    /// Anthropic's tool shape: `{"name","description","input_schema"}`.
    Anthropic,
}

impl ToolFormat {
    /// name is the library's name: "info", "openai" or "anthropic".
    pub fn name(self) -> &'static str {
        match self {
            ToolFormat::Info => "info",
            ToolFormat::OpenAI => "openai",
            ToolFormat::Anthropic => "anthropic",
        }
    }
}

/// ListOptions filter and shape [`Tools::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// category keeps only the tools of this category (`"utility"`,
    /// `"custom"`, ...). Default: every category.
    pub category: Option<String>,
    /// tag keeps only the tools with this tag. Default: any.
    pub tag: Option<String>,
    /// format is the shape of the entries. Default: [`ToolFormat::Info`].
    pub format: ToolFormat,
}

impl ListOptions {
    /// new returns the default options: every tool, info shape.
    pub fn new() -> ListOptions {
        ListOptions::default()
    }

    /// category keeps only one category.
    pub fn category(mut self, category: impl Into<String>) -> Self {
        self.category = Some(category.into());
        self
    }

    /// tag keeps only the tools with this tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = Some(tag.into());
        self
    }

    /// format sets the shape of the entries.
    pub fn format(mut self, format: ToolFormat) -> Self {
        self.format = format;
        self
    }

    fn to_json(&self) -> Result<String, Error> {
        let mut m = Map::new();
        if let Some(c) = &self.category {
            no_nul(c, "category")?;
            m.insert("category".into(), Value::from(c.as_str()));
        }
        if let Some(t) = &self.tag {
            no_nul(t, "tag")?;
            m.insert("tag".into(), Value::from(t.as_str()));
        }
        m.insert("format".into(), Value::from(self.format.name()));
        Ok(Value::Object(m).to_string())
    }
}

/// ToolHandle is a registered Rust tool. Dropping it unregisters the tool
/// (as [`ToolHandle::unregister`] does, ignoring errors); it borrows the
/// [`Engine`], so it cannot outlive it.
pub struct ToolHandle<'e> {
    engine: &'e Engine,
    name: String,
    slot: Arc<PanicSlot>,
    registered: bool,
}

// ToolHandle holds a &Engine (Send + Sync), a String and an Arc<PanicSlot>
// (a Mutex and an atomic), so Send and Sync are derived, and
// llmspell_tool_unregister is "Thread-safety: safe from any thread".

impl ToolHandle<'_> {
    /// name is the tool's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// unregister removes the tool: no call of it starts after this
    /// returns, calls in progress on other threads have finished, and its
    /// closure has been dropped (when the tool unregisters itself from
    /// inside a call, the closure is dropped after that call, on another
    /// thread). Wraps `llmspell_tool_unregister`.
    ///
    /// Errors: [`ErrorCode::NotFound`] when it was already removed (by
    /// [`Tools::unregister`]).
    ///
    /// Panics: with the first panic of the tool, if it panicked (after the
    /// tool was removed).
    pub fn unregister(mut self) -> Result<(), Error> {
        self.registered = false;
        let r = self.engine.tools().unregister(&self.name);
        self.slot.resume();
        r
    }

    /// detach gives the tool up to the engine: it stays registered until the
    /// engine closes (or [`Tools::unregister`] removes it), and a panic of
    /// it is only printed. Returns the name.
    pub fn detach(mut self) -> String {
        self.registered = false;
        std::mem::take(&mut self.name)
    }
}

impl Drop for ToolHandle<'_> {
    fn drop(&mut self) {
        if self.registered {
            let _ = self.engine.tools().unregister(&self.name);
            self.slot.resume_in_drop();
        }
    }
}

impl fmt::Debug for ToolHandle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolHandle")
            .field("name", &self.name)
            .finish()
    }
}

/// ToolData is the user data of a Rust tool: the closure and the panic slot
/// it shares with the [`ToolHandle`].
struct ToolData<F> {
    f: F,
    slot: Arc<PanicSlot>,
}

/// reply_error fails the call with `message` (NUL bytes, which a C string
/// cannot hold, become U+FFFD).
///
/// # Safety
/// `reply` is the reply of the call in progress on this thread.
unsafe fn reply_error(reply: *mut sys::llmspell_tool_reply, message: &str) {
    let message = CString::new(message.replace('\0', "\u{FFFD}")).unwrap_or_default();
    // SAFETY: reply is valid during the call (caller's promise); message is
    // NUL-terminated. Nobody to report a failed status to.
    unsafe { sys::llmspell_tool_reply_error(reply, message.as_ptr()) };
}

/// tool_call is the llmspell_tool_fn trampoline. It never unwinds.
unsafe extern "C" fn tool_call<F>(
    user_data: *mut c_void,
    params: *const c_char,
    len: usize,
    reply: *mut sys::llmspell_tool_reply,
) where
    F: Fn(&Value) -> Result<Value, String> + Send + Sync + 'static,
{
    // SAFETY: user_data is the Box<ToolData<F>> of register, which the
    // library frees (tool_free) only after the last call has returned.
    let data = unsafe { &*user_data.cast::<ToolData<F>>().cast_const() };
    let bytes: &[u8] = if params.is_null() {
        b"{}"
    } else {
        // SAFETY: the library passes params_len readable bytes, borrowed
        // for the call.
        unsafe { std::slice::from_raw_parts(params.cast::<u8>(), len) }
    };
    let r = panic::catch_unwind(AssertUnwindSafe(|| -> Result<String, String> {
        let params: Value = serde_json::from_slice(bytes)
            .map_err(|e| format!("the library passed invalid parameters: {e}"))?;
        let result = (data.f)(&params)?;
        Ok(result.to_string())
    }));
    match r {
        Ok(Ok(json)) => {
            // SAFETY: reply is the call's reply, valid during this call, on
            // this thread; json is a live buffer.
            let st =
                unsafe { sys::llmspell_tool_reply_set(reply, json.as_ptr().cast(), json.len()) };
            if st != sys::LLMSPELL_OK {
                // Not expected: serde_json writes valid JSON.
                // SAFETY: as above.
                unsafe { reply_error(reply, "the result was refused by the library") };
            }
        }
        // SAFETY: as above.
        Ok(Err(message)) => unsafe { reply_error(reply, &message) },
        Err(p) => {
            let message = format!("panicked: {}", panic_message(&*p));
            // SAFETY: as above.
            unsafe { reply_error(reply, &message) };
            data.slot.save(p);
        }
    }
}

/// tool_free is the llmspell_free_fn of a Rust tool: it drops the closure.
/// It never unwinds.
unsafe extern "C" fn tool_free<F>(user_data: *mut c_void)
where
    F: Fn(&Value) -> Result<Value, String> + Send + Sync + 'static,
{
    // SAFETY: user_data is the Box<ToolData<F>> of register, and the
    // library calls user_data_free once, after the last call.
    let data = unsafe { Box::from_raw(user_data.cast::<ToolData<F>>()) };
    let slot = Arc::clone(&data.slot);
    if let Err(p) = panic::catch_unwind(AssertUnwindSafe(move || drop(data))) {
        slot.save(p);
    }
    // `slot` may be the last reference (a detached tool): drop it quietly.
    drop_quietly(slot);
}
