//! Engine, RunToken and the types of a run.

use std::ffi::{c_char, CString};
use std::fmt;
use std::ptr::{self, NonNull};
use std::time::Duration;

use llmspell_sys as sys;
use serde_json::Value;

use crate::error::{try_call, Error, ErrorCode};
use crate::ffi::{opt_str, OwnedBuf};

/// Lang is the language of a spell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Lua 5.1 (gopher-lua).
    Lua,
    /// JavaScript (goja).
    Js,
}

impl Lang {
    /// name returns the language name the C ABI expects: "lua" or "js".
    pub fn name(self) -> &'static str {
        match self {
            Lang::Lua => "lua",
            Lang::Js => "js",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Lang {
    type Err = Error;

    /// from_str accepts "lua", "js" and "javascript".
    fn from_str(s: &str) -> Result<Lang, Error> {
        match s {
            "lua" => Ok(Lang::Lua),
            "js" | "javascript" => Ok(Lang::Js),
            other => Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("unknown language {other:?}"),
            )),
        }
    }
}

/// RunOptions are the per-run settings of [`Engine::run`]. Every field is
/// optional; `RunOptions::default()` runs with the engine's defaults.
///
/// The lifetime is that of the borrowed [`RunToken`], if any.
#[derive(Debug, Clone, Default)]
pub struct RunOptions<'a> {
    /// name is the file name used in error messages. Default: chosen by the
    /// library.
    pub name: Option<String>,
    /// timeout is the wall-clock limit of the run, in whole milliseconds.
    /// Default: the engine's `script.timeout_ms`.
    pub timeout: Option<Duration>,
    /// max_output_bytes bounds the printed output; going over fails the run
    /// with [`ErrorCode::Limit`]. Default: the library's bound (1 MiB).
    pub max_output_bytes: Option<u64>,
    /// args is a JSON object or array, visible to the script as the global
    /// `ARGS`. Default: none.
    pub args: Option<Value>,
    /// token lets another thread cancel the run. Default: none.
    pub token: Option<&'a RunToken>,
}

impl<'a> RunOptions<'a> {
    /// new returns the default options.
    pub fn new() -> RunOptions<'a> {
        RunOptions::default()
    }

    /// name sets the file name used in error messages.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// timeout sets the wall-clock limit of the run.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// max_output_bytes bounds the printed output.
    pub fn max_output_bytes(mut self, n: u64) -> Self {
        self.max_output_bytes = Some(n);
        self
    }

    /// args sets the value of the script's `ARGS` global (object or array).
    pub fn args(mut self, args: Value) -> Self {
        self.args = Some(args);
        self
    }

    /// token attaches a run token, so the run can be cancelled.
    pub fn token(mut self, token: &'a RunToken) -> Self {
        self.token = Some(token);
        self
    }

    /// options_json encodes the options object of `llmspell_engine_run`;
    /// None when every option is the default.
    fn options_json(&self) -> Option<String> {
        let mut m = serde_json::Map::new();
        if let Some(n) = &self.name {
            m.insert("name".into(), Value::from(n.as_str()));
        }
        if let Some(t) = self.timeout {
            // Round up so that a sub-millisecond timeout is not "0 = default".
            let ms = t.as_nanos().div_ceil(1_000_000).min(u64::MAX as u128) as u64;
            m.insert("timeout_ms".into(), Value::from(ms));
        }
        if let Some(n) = self.max_output_bytes {
            m.insert("max_output_bytes".into(), Value::from(n));
        }
        if m.is_empty() {
            None
        } else {
            Some(Value::Object(m).to_string())
        }
    }
}

/// RunOutput is what a successful run gives back.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput {
    /// value is what the script returned from its top level, as JSON
    /// (`Value::Null` when it returned nothing).
    pub value: Value,
    /// output is the text the script printed.
    pub output: String,
}

/// Engine is one llmspell engine: its store, registries and script runtime
/// pools. Engines are fully isolated from each other.
///
/// An Engine is `Send + Sync`: share it with `&Engine` or `Arc<Engine>` and
/// run scripts from several threads at once. Dropping it frees the caller's
/// reference (`llmspell_engine_free`); runs in flight on other threads and
/// live [`RunToken`]s keep the underlying engine alive until they finish.
pub struct Engine {
    raw: NonNull<sys::llmspell_engine>,
}

// SAFETY: the header's Threading section says "Every function may be called
// from any thread, concurrently. Several scripts may run on one engine at once
// from several threads; each run gets its own script runtime." The handle is
// an opaque token that the library looks up under its own locking, and this
// type has no other state.
unsafe impl Send for Engine {}
// SAFETY: as for Send; every method takes &self and the C functions it calls
// are documented "Thread-safety: safe from any thread".
unsafe impl Sync for Engine {}

impl Engine {
    /// new creates an engine from a JSON config object with the same sections
    /// and keys as the TOML config file, e.g.
    /// `{"storage":{"data_dir":"/var/lib/app/llmspell"},"script":{"timeout_ms":5000}}`.
    /// `LLMSPELL_*` environment variables override it, defaults fill the
    /// rest; with no `data_dir` the store is in memory. Wraps
    /// `llmspell_engine_new`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] for malformed or non-object
    /// JSON, unknown keys or bad values; [`ErrorCode::Storage`] when the data
    /// folder is a file, unwritable or locked; [`ErrorCode::Internal`] when
    /// the loaded library's ABI version is not the one this crate was built
    /// for.
    pub fn new(config_json: &str) -> Result<Engine, Error> {
        Engine::create(Some(config_json))
    }

    /// with_defaults creates an engine with the default config (plus
    /// `LLMSPELL_*` environment variables): an in-memory store.
    pub fn with_defaults() -> Result<Engine, Error> {
        Engine::create(None)
    }

    /// as_ptr is the C handle, live as long as `self`.
    pub(crate) fn as_ptr(&self) -> *mut sys::llmspell_engine {
        self.raw.as_ptr()
    }

    fn create(config: Option<&str>) -> Result<Engine, Error> {
        check_abi()?;
        let (ptr, len) = match config {
            Some(c) => (c.as_ptr().cast::<c_char>(), c.len()),
            None => (ptr::null(), 0),
        };
        let mut out: *mut sys::llmspell_engine = ptr::null_mut();
        // SAFETY: ptr/len describe a live &str (or NULL/0); out is a valid
        // out-pointer.
        try_call!(llmspell_engine_new(ptr, len, &mut out))?;
        match NonNull::new(out) {
            Some(raw) => Ok(Engine { raw }),
            None => Err(Error::new(
                ErrorCode::Internal,
                "llmspell_engine_new returned OK and no engine",
            )),
        }
    }

    /// info describes the engine: `{"version", "abi_version", "languages",
    /// "storage": {"backend", "data_dir"}, "config": {...}}` with secrets
    /// redacted. Wraps `llmspell_engine_info`.
    pub fn info(&self) -> Result<Value, Error> {
        let mut out = OwnedBuf::new();
        // SAFETY: self.raw is live until Drop; out's pointers are valid
        // out-parameters.
        try_call!(llmspell_engine_info(
            self.raw.as_ptr(),
            out.out(),
            out.len_out()
        ))?;
        out.json("llmspell_engine_info")
    }

    /// ping checks that the engine is live and not poisoned; it does no other
    /// work (the bare cost of a call through the C ABI). Wraps
    /// `llmspell_engine_ping`.
    pub fn ping(&self) -> Result<(), Error> {
        // SAFETY: self.raw is live until Drop.
        try_call!(llmspell_engine_ping(self.raw.as_ptr()))
    }

    /// run_token creates a [`RunToken`] for this engine (same as
    /// [`RunToken::new`]).
    pub fn run_token(&self) -> Result<RunToken, Error> {
        RunToken::new(self)
    }

    /// run runs a spell to completion and returns the value it returned from
    /// its top level, as JSON, and the text it printed. Wraps
    /// `llmspell_engine_run`; several runs may go on at once on one engine.
    ///
    /// Errors: [`ErrorCode::Script`] (syntax or runtime error, or a result
    /// that cannot become JSON; see [`Error::details`] for file and line),
    /// [`ErrorCode::Timeout`], [`ErrorCode::Cancelled`],
    /// [`ErrorCode::Limit`] (output bound), [`ErrorCode::InvalidArgument`].
    /// The text printed before a failure is in [`Error::output`].
    pub fn run(&self, lang: Lang, source: &str, opts: &RunOptions<'_>) -> Result<RunOutput, Error> {
        self.run_named(lang.name(), source, opts)
    }

    /// run_named is [`Engine::run`] with the language given by name ("lua",
    /// "js", "javascript", or whatever a newer library accepts). An unknown
    /// name fails with [`ErrorCode::InvalidArgument`].
    pub fn run_named(
        &self,
        lang: &str,
        source: &str,
        opts: &RunOptions<'_>,
    ) -> Result<RunOutput, Error> {
        let lang = CString::new(lang).map_err(|_| {
            Error::new(
                ErrorCode::InvalidArgument,
                "language name contains a NUL byte",
            )
        })?;
        let args = opts.args.as_ref().map(Value::to_string);
        let options = opts.options_json();
        let (args_ptr, args_len) = opt_str(args.as_deref());
        let (opt_ptr, opt_len) = opt_str(options.as_deref());
        let token = opts.token.map_or(ptr::null_mut(), |t| t.raw.as_ptr());

        let mut result = OwnedBuf::new();
        let mut output = OwnedBuf::new();
        // SAFETY: every input pointer/length pair describes a live borrowed
        // buffer (or NULL/0), lang is NUL-terminated, `source` is non-NULL
        // even when empty, the token (if any) is live for 'a, and the four
        // out-pointers point into the two OwnedBufs.
        let r = try_call!(llmspell_engine_run(
            self.raw.as_ptr(),
            lang.as_ptr(),
            source.as_ptr().cast::<c_char>(),
            source.len(),
            args_ptr,
            args_len,
            opt_ptr,
            opt_len,
            token,
            result.out(),
            result.len_out(),
            output.out(),
            output.len_out(),
        ));
        // Both buffers are freed when they go out of scope.
        match r {
            Ok(()) => Ok(RunOutput {
                value: result.json("llmspell_engine_run")?,
                output: output.string(),
            }),
            Err(mut e) => {
                e.output = output.string();
                Err(e)
            }
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: self.raw came from llmspell_engine_new and is freed once;
        // Engine is neither Clone nor Copy.
        unsafe { sys::llmspell_engine_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine").field("raw", &self.raw).finish()
    }
}

/// RunToken is a cancellation handle for runs: pass it in
/// [`RunOptions::token`], and call [`RunToken::cancel`] from any thread to
/// stop every run using it, current and future (like a cancelled context).
///
/// A token keeps its engine alive until it is dropped, so it does not borrow
/// the [`Engine`]. Dropping it frees it (`llmspell_run_free`); a run still
/// using it goes on.
pub struct RunToken {
    raw: NonNull<sys::llmspell_run>,
}

// SAFETY: the header says "Every function may be called from any thread,
// concurrently." and "llmspell_run_cancel() may be called from any thread at
// any time." The token is an opaque handle with no Rust-side state.
unsafe impl Send for RunToken {}
// SAFETY: as for Send; cancel takes &self and is "safe from any thread,
// including while the run is in progress on another thread".
unsafe impl Sync for RunToken {}

impl RunToken {
    /// new creates a run token for `engine`. Wraps `llmspell_run_new`.
    pub fn new(engine: &Engine) -> Result<RunToken, Error> {
        let mut out: *mut sys::llmspell_run = ptr::null_mut();
        // SAFETY: engine.raw is live (borrowed); out is a valid out-pointer.
        try_call!(llmspell_run_new(engine.raw.as_ptr(), &mut out))?;
        match NonNull::new(out) {
            Some(raw) => Ok(RunToken { raw }),
            None => Err(Error::new(
                ErrorCode::Internal,
                "llmspell_run_new returned OK and no token",
            )),
        }
    }

    /// as_ptr is the C handle, live as long as `self`.
    pub(crate) fn as_ptr(&self) -> *mut sys::llmspell_run {
        self.raw.as_ptr()
    }

    /// cancel stops every run using this token, usually within a
    /// millisecond; the run returns [`ErrorCode::Cancelled`]. A run that is
    /// just finishing may still return its normal result. Cancelling twice
    /// is harmless. Wraps `llmspell_run_cancel`.
    pub fn cancel(&self) -> Result<(), Error> {
        // SAFETY: self.raw is live until Drop.
        try_call!(llmspell_run_cancel(self.raw.as_ptr()))
    }
}

impl Drop for RunToken {
    fn drop(&mut self) {
        // SAFETY: self.raw came from llmspell_run_new and is freed once.
        unsafe { sys::llmspell_run_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for RunToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunToken").field("raw", &self.raw).finish()
    }
}

/// check_abi fails unless the loaded library speaks the ABI this crate was
/// generated for.
pub(crate) fn check_abi() -> Result<(), Error> {
    let have = crate::abi_version();
    let want = sys::LLMSPELL_ABI_VERSION as u32;
    if have != want {
        return Err(Error::new(
            ErrorCode::Internal,
            format!(
                "ABI mismatch: the llmspell crate was built for libllmspell ABI {want}, \
                 but the loaded library (version {}) reports ABI {have}",
                crate::version()
            ),
        ));
    }
    Ok(())
}
