//! Error and ErrorCode, and the one place where C errors become Rust errors.

use std::ffi::{c_char, CStr};
use std::fmt;
use std::ptr;

use llmspell_sys as sys;

/// ErrorCode is the kind of an [`Error`]: one variant per `LLMSPELL_ERR_*`
/// status code of the C ABI, plus `Unknown` for any code this crate does not
/// know (a newer library may add codes; they are never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// A caller-supplied argument is wrong: malformed JSON, unknown config
    /// key, unknown language, out-of-range value (`LLMSPELL_ERR_INVALID_ARGUMENT`).
    InvalidArgument,
    /// A named thing does not exist (`LLMSPELL_ERR_NOT_FOUND`).
    NotFound,
    /// The security policy refused the operation (`LLMSPELL_ERR_DENIED`).
    Denied,
    /// A deadline passed (`LLMSPELL_ERR_TIMEOUT`).
    Timeout,
    /// The operation was cancelled, for instance through a [`RunToken`](crate::RunToken)
    /// (`LLMSPELL_ERR_CANCELLED`).
    Cancelled,
    /// An LLM provider failed (`LLMSPELL_ERR_PROVIDER`).
    Provider,
    /// A tool failed while running (`LLMSPELL_ERR_TOOL`).
    Tool,
    /// A bug in the library, including a recovered panic; also used by this
    /// crate when the loaded library does not match it (`LLMSPELL_ERR_INTERNAL`).
    Internal,
    /// A script failed: syntax error, runtime error, or a result that cannot
    /// become JSON (`LLMSPELL_ERR_SCRIPT`).
    Script,
    /// The handle was freed or its engine closed (`LLMSPELL_ERR_CLOSED`). The
    /// safe API cannot use a freed handle; an
    /// [`ArtifactWriter`](crate::ArtifactWriter) reports it for calls after
    /// a failed write (the library then discards the writer).
    Closed,
    /// The storage layer failed: data folder is a file, unwritable, locked
    /// (`LLMSPELL_ERR_STORAGE`).
    Storage,
    /// A resource limit was exceeded, such as the output bound
    /// (`LLMSPELL_ERR_LIMIT`).
    Limit,
    /// A conflicting concurrent change (`LLMSPELL_ERR_CONFLICT`).
    Conflict,
    /// A status code this crate does not know (including 0, which is never
    /// an error).
    Unknown(i32),
}

impl ErrorCode {
    /// from_status maps a C status code to its ErrorCode.
    pub fn from_status(status: i32) -> ErrorCode {
        match status {
            sys::LLMSPELL_ERR_INVALID_ARGUMENT => ErrorCode::InvalidArgument,
            sys::LLMSPELL_ERR_NOT_FOUND => ErrorCode::NotFound,
            sys::LLMSPELL_ERR_DENIED => ErrorCode::Denied,
            sys::LLMSPELL_ERR_TIMEOUT => ErrorCode::Timeout,
            sys::LLMSPELL_ERR_CANCELLED => ErrorCode::Cancelled,
            sys::LLMSPELL_ERR_PROVIDER => ErrorCode::Provider,
            sys::LLMSPELL_ERR_TOOL => ErrorCode::Tool,
            sys::LLMSPELL_ERR_INTERNAL => ErrorCode::Internal,
            sys::LLMSPELL_ERR_SCRIPT => ErrorCode::Script,
            sys::LLMSPELL_ERR_CLOSED => ErrorCode::Closed,
            sys::LLMSPELL_ERR_STORAGE => ErrorCode::Storage,
            sys::LLMSPELL_ERR_LIMIT => ErrorCode::Limit,
            sys::LLMSPELL_ERR_CONFLICT => ErrorCode::Conflict,
            other => ErrorCode::Unknown(other),
        }
    }

    /// status returns the C status code of this kind.
    pub fn status(self) -> i32 {
        match self {
            ErrorCode::InvalidArgument => sys::LLMSPELL_ERR_INVALID_ARGUMENT,
            ErrorCode::NotFound => sys::LLMSPELL_ERR_NOT_FOUND,
            ErrorCode::Denied => sys::LLMSPELL_ERR_DENIED,
            ErrorCode::Timeout => sys::LLMSPELL_ERR_TIMEOUT,
            ErrorCode::Cancelled => sys::LLMSPELL_ERR_CANCELLED,
            ErrorCode::Provider => sys::LLMSPELL_ERR_PROVIDER,
            ErrorCode::Tool => sys::LLMSPELL_ERR_TOOL,
            ErrorCode::Internal => sys::LLMSPELL_ERR_INTERNAL,
            ErrorCode::Script => sys::LLMSPELL_ERR_SCRIPT,
            ErrorCode::Closed => sys::LLMSPELL_ERR_CLOSED,
            ErrorCode::Storage => sys::LLMSPELL_ERR_STORAGE,
            ErrorCode::Limit => sys::LLMSPELL_ERR_LIMIT,
            ErrorCode::Conflict => sys::LLMSPELL_ERR_CONFLICT,
            ErrorCode::Unknown(s) => s,
        }
    }

    /// from_name maps a kind name ("timeout", "tool_error", ..., the names
    /// of [`ErrorCode::name`]) to its ErrorCode; None for any other name
    /// ("ok" and "unknown" included).
    pub fn from_name(name: &str) -> Option<ErrorCode> {
        Some(match name {
            "invalid_argument" => ErrorCode::InvalidArgument,
            "not_found" => ErrorCode::NotFound,
            "denied" => ErrorCode::Denied,
            "timeout" => ErrorCode::Timeout,
            "cancelled" => ErrorCode::Cancelled,
            "provider_error" => ErrorCode::Provider,
            "tool_error" => ErrorCode::Tool,
            "internal" => ErrorCode::Internal,
            "script_error" => ErrorCode::Script,
            "closed" => ErrorCode::Closed,
            "storage_error" => ErrorCode::Storage,
            "limit_exceeded" => ErrorCode::Limit,
            "conflict" => ErrorCode::Conflict,
            _ => return None,
        })
    }

    /// name returns the stable lower-case kind name, the same string as
    /// `llmspell_status_name` ("timeout", "script_error", ...); "unknown"
    /// for `Unknown`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Denied => "denied",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Provider => "provider_error",
            ErrorCode::Tool => "tool_error",
            ErrorCode::Internal => "internal",
            ErrorCode::Script => "script_error",
            ErrorCode::Closed => "closed",
            ErrorCode::Storage => "storage_error",
            ErrorCode::Limit => "limit_exceeded",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Unknown(_) => "unknown",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error is a failure reported by libllmspell (or, for a few argument
/// checks, by this crate before calling it). It owns copies of everything:
/// the C error object is freed as soon as it has been read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// code is the kind of failure.
    pub code: ErrorCode,
    /// status is the raw C status code (`code.status()`, kept so that codes
    /// from a newer library survive).
    pub status: i32,
    /// message is the human-readable message. It starts with the kind name,
    /// e.g. "timeout: run exceeded 1000 ms".
    pub message: String,
    /// details is a JSON object with at least "kind" and "message", plus
    /// "file" and "line" for script errors when known.
    pub details: String,
    /// output is what the script printed before it failed (only for
    /// [`Engine::run`](crate::Engine::run); empty otherwise).
    pub output: String,
}

impl Error {
    /// new builds an error on the Rust side: this crate uses it for failures
    /// found before the C library is called (a NUL byte in a key, for
    /// instance), and a [`State::transaction_with`](crate::State::transaction_with)
    /// closure can return one to abort. The message is prefixed with the
    /// kind name and the details follow the library's shape.
    pub fn new(code: ErrorCode, message: impl fmt::Display) -> Error {
        let message = format!("{}: {}", code.name(), message);
        let details = serde_json::json!({"kind": code.name(), "message": message}).to_string();
        Error {
            code,
            status: code.status(),
            message,
            details,
            output: String::new(),
        }
    }

    /// from_raw copies a C error into an owned Error and frees the C error.
    ///
    /// # Safety
    /// `err` is NULL or an error object returned by libllmspell that nobody
    /// else frees.
    unsafe fn from_raw(status: sys::llmspell_status, err: *mut sys::llmspell_error) -> Error {
        if err.is_null() {
            let code = ErrorCode::from_status(status);
            let mut e = Error::new(code, "(no detail from the library)");
            e.status = status;
            return e;
        }
        let code_status = sys::llmspell_error_code(err);
        let message = borrowed_str(sys::llmspell_error_message(err));
        let details = borrowed_str(sys::llmspell_error_details(err));
        sys::llmspell_error_free(err);
        // The returned status is authoritative; the error object carries the
        // same code.
        let status = if status != sys::LLMSPELL_OK {
            status
        } else {
            code_status
        };
        Error {
            code: ErrorCode::from_status(status),
            status,
            message,
            details,
            output: String::new(),
        }
    }

    /// details_json parses [`Error::details`]; None if it is not valid JSON.
    pub fn details_json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.details).ok()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// An [`Error`] becomes an `io::Error` (in [`ArtifactWriter`](crate::ArtifactWriter)
/// and [`ArtifactReader`](crate::ArtifactReader)) that wraps it: get it back
/// with `io_err.get_ref().and_then(|e| e.downcast_ref::<llmspell::Error>())`.
/// The io kind is `NotFound`, `PermissionDenied` (denied), `TimedOut`,
/// `InvalidInput` (invalid argument) or `Other`; never `Interrupted`, which
/// `std::io` helpers retry.
impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        use std::io::ErrorKind;
        let kind = match e.code {
            ErrorCode::NotFound => ErrorKind::NotFound,
            ErrorCode::Denied => ErrorKind::PermissionDenied,
            ErrorCode::Timeout => ErrorKind::TimedOut,
            ErrorCode::InvalidArgument => ErrorKind::InvalidInput,
            _ => ErrorKind::Other,
        };
        std::io::Error::new(kind, e)
    }
}

/// borrowed_str copies a borrowed NUL-terminated string; "" for NULL.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string alive during the call.
pub(crate) unsafe fn borrowed_str(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    CStr::from_ptr(p).to_string_lossy().into_owned()
}

/// call runs one fallible C function. `f` receives the `llmspell_error **`
/// out-parameter to pass as the function's last argument. On failure the C
/// error is copied into an owned [`Error`] and freed. Use it through
/// [`try_call!`].
pub(crate) fn call<F>(f: F) -> Result<(), Error>
where
    F: FnOnce(*mut *mut sys::llmspell_error) -> sys::llmspell_status,
{
    let mut err: *mut sys::llmspell_error = ptr::null_mut();
    let status = f(&mut err);
    if status == sys::LLMSPELL_OK {
        if !err.is_null() {
            // Not expected (the header says *err is NULL on success), but
            // never leak it.
            // SAFETY: err came from the library and is freed once.
            unsafe { sys::llmspell_error_free(err) };
        }
        return Ok(());
    }
    // SAFETY: err is NULL or a fresh error object owned by us.
    Err(unsafe { Error::from_raw(status, err) })
}

/// try_call! calls `llmspell_sys::<function>(args..., &mut err)` and turns
/// its status into `Result<(), Error>`, copying and freeing the C error.
/// Every fallible call of this crate goes through it.
///
/// The call (arguments included) is evaluated inside an `unsafe` block: each
/// use site states why its pointers are valid.
macro_rules! try_call {
    ($f:ident($($arg:expr),* $(,)?)) => {
        $crate::error::call(|err| unsafe { ::llmspell_sys::$f($($arg,)* err) })
    };
}
pub(crate) use try_call;
