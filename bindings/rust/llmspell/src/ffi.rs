//! Small helpers shared by the wrappers: borrowed inputs (C strings, JSON)
//! and owned outputs (library buffers).

use std::ffi::{c_char, c_void, CString};
use std::ptr;

use llmspell_sys as sys;
use serde_json::Value;

use crate::error::{Error, ErrorCode};

/// c_name copies a name (scope, key, id, version, path) into a
/// NUL-terminated string. A NUL byte inside it is an
/// [`ErrorCode::InvalidArgument`] error, found before any C call.
pub(crate) fn c_name(s: &str, what: &str) -> Result<CString, Error> {
    CString::new(s).map_err(|e| {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("{what} contains a NUL byte at offset {}", e.nul_position()),
        )
    })
}

/// c_opt_name is [`c_name`] for an optional name (None stays None, and
/// becomes NULL through [`opt_ptr`]).
pub(crate) fn c_opt_name(s: Option<&str>, what: &str) -> Result<Option<CString>, Error> {
    s.map(|s| c_name(s, what)).transpose()
}

/// opt_ptr is the pointer of an optional C string, or NULL.
pub(crate) fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}

/// no_nul fails with [`ErrorCode::InvalidArgument`] if `s` contains a NUL
/// byte. For names that travel inside JSON (transaction ops, parent ids),
/// so that they get the same check as names passed as C strings.
pub(crate) fn no_nul(s: &str, what: &str) -> Result<(), Error> {
    match s.bytes().position(|b| b == 0) {
        None => Ok(()),
        Some(i) => Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("{what} contains a NUL byte at offset {i}"),
        )),
    }
}

/// opt_str is the pointer/length pair of an optional borrowed string, or
/// NULL/0.
pub(crate) fn opt_str(s: Option<&str>) -> (*const c_char, usize) {
    match s {
        Some(s) => (s.as_ptr().cast::<c_char>(), s.len()),
        None => (ptr::null(), 0),
    }
}

/// parse_json parses JSON that the library returned; invalid JSON is a bug
/// in the library, reported as [`ErrorCode::Internal`].
pub(crate) fn parse_json(json: &str, what: &str) -> Result<Value, Error> {
    serde_json::from_str(json).map_err(|e| {
        Error::new(
            ErrorCode::Internal,
            format!("{what} returned invalid JSON: {e}"),
        )
    })
}

/// json_list parses a JSON array that the library returned.
pub(crate) fn json_list(json: &str, what: &str) -> Result<Vec<Value>, Error> {
    match parse_json(json, what)? {
        Value::Array(a) => Ok(a),
        other => Err(Error::new(
            ErrorCode::Internal,
            format!("{what} returned {other} where an array was expected"),
        )),
    }
}

/// OwnedBuf receives a buffer that the library hands to the caller through a
/// `char **out, size_t *len` pair of out-parameters, and frees it with
/// `llmspell_free` when dropped, on success and error paths alike.
pub(crate) struct OwnedBuf {
    ptr: *mut c_char,
    len: usize,
}

impl OwnedBuf {
    pub(crate) fn new() -> OwnedBuf {
        OwnedBuf {
            ptr: ptr::null_mut(),
            len: 0,
        }
    }

    /// out is the `char **` out-parameter. Pass it to one call only.
    pub(crate) fn out(&mut self) -> *mut *mut c_char {
        &mut self.ptr
    }

    /// out_void is the `void **` out-parameter (artifact content).
    pub(crate) fn out_void(&mut self) -> *mut *mut c_void {
        (&mut self.ptr as *mut *mut c_char).cast()
    }

    /// len is the `size_t *` out-parameter.
    pub(crate) fn len_out(&mut self) -> *mut usize {
        &mut self.len
    }

    /// is_null reports whether the library returned no buffer.
    pub(crate) fn is_null(&self) -> bool {
        self.ptr.is_null()
    }

    /// bytes copies the buffer; empty for NULL.
    pub(crate) fn bytes(&self) -> Vec<u8> {
        if self.ptr.is_null() {
            return Vec::new();
        }
        // SAFETY: a non-NULL ptr was set by a successful call that also set
        // len; the library guarantees `len` readable bytes.
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) }.to_vec()
    }

    /// string copies the buffer as UTF-8 (lossily, though the library only
    /// returns UTF-8); "" for NULL.
    pub(crate) fn string(&self) -> String {
        String::from_utf8(self.bytes())
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// c_string copies a NUL-terminated buffer returned without a length
    /// (a session id); "" for NULL.
    pub(crate) fn c_string(&self) -> String {
        if self.ptr.is_null() {
            return String::new();
        }
        // SAFETY: the library's buffers are NUL-terminated.
        unsafe { std::ffi::CStr::from_ptr(self.ptr) }
            .to_string_lossy()
            .into_owned()
    }

    /// json parses the buffer as JSON.
    pub(crate) fn json(&self, what: &str) -> Result<Value, Error> {
        parse_json(&self.string(), what)
    }

    /// json_list parses the buffer as a JSON array.
    pub(crate) fn json_list(&self, what: &str) -> Result<Vec<Value>, Error> {
        json_list(&self.string(), what)
    }
}

impl Drop for OwnedBuf {
    fn drop(&mut self) {
        // SAFETY: ptr is NULL or a buffer the library handed over to us, and
        // this is the only place that frees it.
        unsafe { sys::llmspell_free(self.ptr.cast()) }
    }
}
