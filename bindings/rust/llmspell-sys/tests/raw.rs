//! Checks the raw declarations against the loaded library: the constants
//! match, and the handle rules of the header hold (NULL and freed handles
//! give status codes, double frees are ignored).

use llmspell_sys::*;
use std::ffi::CStr;
use std::ptr;

fn status_name(code: llmspell_status) -> String {
    // SAFETY: status_name returns a static NUL-terminated string, never NULL.
    unsafe { CStr::from_ptr(llmspell_status_name(code)) }
        .to_str()
        .unwrap()
        .to_owned()
}

fn new_engine() -> *mut llmspell_engine {
    let mut eng = ptr::null_mut();
    // SAFETY: NULL config means defaults; `eng` is a valid out pointer.
    let st = unsafe { llmspell_engine_new(ptr::null(), 0, &mut eng, ptr::null_mut()) };
    assert_eq!(st, LLMSPELL_OK);
    assert!(!eng.is_null());
    eng
}

#[test]
fn versions_match_header() {
    unsafe {
        assert_eq!(llmspell_abi_version(), LLMSPELL_ABI_VERSION as u32);
        assert_eq!(llmspell_version_number(), LLMSPELL_VERSION_NUMBER as u32);
        let v = CStr::from_ptr(llmspell_version());
        assert_eq!(v.to_bytes_with_nul(), &LLMSPELL_VERSION_STRING[..]);
    }
}

#[test]
fn status_names() {
    let names = [
        "ok",
        "invalid_argument",
        "not_found",
        "denied",
        "timeout",
        "cancelled",
        "provider_error",
        "tool_error",
        "internal",
        "script_error",
        "closed",
        "storage_error",
        "limit_exceeded",
        "conflict",
    ];
    for (i, n) in names.iter().enumerate() {
        assert_eq!(status_name(i as i32), *n);
    }
    assert_eq!(status_name(14), "unknown");
    assert_eq!(status_name(-1), "unknown");
    assert_eq!(LLMSPELL_ERR_CONFLICT, 13);
}

#[test]
fn null_arguments() {
    unsafe {
        let mut err = ptr::null_mut();
        assert_eq!(
            llmspell_engine_new(ptr::null(), 0, ptr::null_mut(), &mut err),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert!(!err.is_null());
        assert_eq!(llmspell_error_code(err), LLMSPELL_ERR_INVALID_ARGUMENT);
        llmspell_error_free(err);
        llmspell_error_free(err); // second free is ignored

        assert_eq!(
            llmspell_engine_ping(ptr::null_mut(), ptr::null_mut()),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            llmspell_run_cancel(ptr::null_mut(), ptr::null_mut()),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        // NULL error accessors.
        assert_eq!(
            llmspell_error_code(ptr::null()),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            CStr::from_ptr(llmspell_error_message(ptr::null())).to_bytes(),
            b""
        );
        assert_eq!(
            CStr::from_ptr(llmspell_error_details(ptr::null())).to_bytes(),
            b"{}"
        );
        // Frees accept NULL.
        llmspell_free(ptr::null_mut());
        llmspell_engine_free(ptr::null_mut());
        llmspell_run_free(ptr::null_mut());
        llmspell_error_free(ptr::null_mut());

        let eng = new_engine();
        let mut res = ptr::null_mut();
        let src = b"return 1";
        let st = llmspell_engine_run(
            eng,
            ptr::null(),
            src.as_ptr().cast(),
            src.len(),
            ptr::null(),
            0,
            ptr::null(),
            0,
            ptr::null_mut(),
            &mut res,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        assert_eq!(st, LLMSPELL_ERR_INVALID_ARGUMENT, "NULL lang");
        assert!(res.is_null());
        let st = llmspell_engine_run(
            eng,
            c"lua".as_ptr(),
            src.as_ptr().cast(),
            src.len(),
            ptr::null(),
            0,
            ptr::null(),
            0,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        assert_eq!(st, LLMSPELL_ERR_INVALID_ARGUMENT, "NULL result_out");
        let bad = b"return '\xff'";
        let st = llmspell_engine_run(
            eng,
            c"lua".as_ptr(),
            bad.as_ptr().cast(),
            bad.len(),
            ptr::null(),
            0,
            ptr::null(),
            0,
            ptr::null_mut(),
            &mut res,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        assert_eq!(st, LLMSPELL_ERR_INVALID_ARGUMENT, "invalid UTF-8 source");
        llmspell_engine_free(eng);
    }
}

#[test]
fn use_after_free_is_closed() {
    unsafe {
        let eng = new_engine();
        let mut run = ptr::null_mut();
        assert_eq!(
            llmspell_run_new(eng, &mut run, ptr::null_mut()),
            LLMSPELL_OK
        );
        assert_eq!(llmspell_engine_ping(eng, ptr::null_mut()), LLMSPELL_OK);
        llmspell_engine_free(eng);
        llmspell_engine_free(eng); // second free is ignored
        let mut err = ptr::null_mut();
        assert_eq!(llmspell_engine_ping(eng, &mut err), LLMSPELL_ERR_CLOSED);
        assert_eq!(llmspell_error_code(err), LLMSPELL_ERR_CLOSED);
        let msg = CStr::from_ptr(llmspell_error_message(err))
            .to_str()
            .unwrap()
            .to_owned();
        assert!(msg.starts_with("closed"), "{msg}");
        llmspell_error_free(err);
        // The token outlives the engine handle and still works.
        assert_eq!(llmspell_run_cancel(run, ptr::null_mut()), LLMSPELL_OK);
        llmspell_run_free(run);
        llmspell_run_free(run);
        assert_eq!(
            llmspell_run_cancel(run, ptr::null_mut()),
            LLMSPELL_ERR_CLOSED
        );
    }
}

#[test]
fn run_returns_owned_buffers() {
    unsafe {
        let eng = new_engine();
        let src = b"print('hi') return {a = 1}";
        let (mut res, mut res_len, mut out, mut out_len) =
            (ptr::null_mut(), 0usize, ptr::null_mut(), 0usize);
        let st = llmspell_engine_run(
            eng,
            c"lua".as_ptr(),
            src.as_ptr().cast(),
            src.len(),
            ptr::null(),
            0,
            ptr::null(),
            0,
            ptr::null_mut(),
            &mut res,
            &mut res_len,
            &mut out,
            &mut out_len,
            ptr::null_mut(),
        );
        assert_eq!(st, LLMSPELL_OK);
        assert_eq!(CStr::from_ptr(res).to_bytes(), b"{\"a\":1}");
        assert_eq!(res_len, 7);
        assert_eq!(CStr::from_ptr(out).to_bytes(), b"hi\n");
        assert_eq!(out_len, 3);
        llmspell_free(res.cast());
        llmspell_free(out.cast());
        llmspell_free(res.cast()); // second free is ignored
        llmspell_engine_free(eng);
    }
}
