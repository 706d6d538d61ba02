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

#[test]
fn artifact_streams_keep_the_engine_and_obey_handle_rules() {
    unsafe {
        let eng = new_engine();
        let mut id = ptr::null_mut();
        assert_eq!(
            llmspell_session_create(eng, ptr::null(), 0, &mut id, ptr::null_mut()),
            LLMSPELL_OK
        );
        let opts = br#"{"type":"custom","name":"x"}"#;
        let mut w = ptr::null_mut();
        assert_eq!(
            llmspell_artifact_writer_new(
                eng,
                id,
                opts.as_ptr().cast(),
                opts.len(),
                &mut w,
                ptr::null_mut()
            ),
            LLMSPELL_OK
        );
        // The writer keeps the engine alive after the caller's free.
        llmspell_engine_free(eng);
        let data = b"raw bytes";
        assert_eq!(
            llmspell_artifact_writer_write(w, data.as_ptr().cast(), data.len(), ptr::null_mut()),
            LLMSPELL_OK
        );
        // NULL with a length is refused; NULL with 0 is fine.
        assert_eq!(
            llmspell_artifact_writer_write(w, ptr::null(), 3, ptr::null_mut()),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            llmspell_artifact_writer_write(w, ptr::null(), 0, ptr::null_mut()),
            LLMSPELL_OK
        );
        assert_eq!(
            llmspell_artifact_writer_commit(w, ptr::null_mut(), ptr::null_mut(), ptr::null_mut()),
            LLMSPELL_OK
        );
        // Committed: no more writes or commits, but it must still be freed.
        assert_eq!(
            llmspell_artifact_writer_write(w, data.as_ptr().cast(), 1, ptr::null_mut()),
            LLMSPELL_ERR_CLOSED
        );
        assert_eq!(
            llmspell_artifact_writer_commit(w, ptr::null_mut(), ptr::null_mut(), ptr::null_mut()),
            LLMSPELL_ERR_CLOSED
        );
        llmspell_artifact_writer_free(w);
        llmspell_artifact_writer_free(w); // second free is ignored
        llmspell_artifact_writer_free(ptr::null_mut());
        assert_eq!(
            llmspell_artifact_writer_write(w, data.as_ptr().cast(), 1, ptr::null_mut()),
            LLMSPELL_ERR_CLOSED
        );
        // The engine handle is freed: new streams cannot be opened.
        let mut r = ptr::null_mut();
        assert_eq!(
            llmspell_artifact_reader_open(
                eng,
                id,
                1,
                &mut r,
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut()
            ),
            LLMSPELL_ERR_CLOSED
        );
        assert!(r.is_null());
        llmspell_free(id.cast());
    }
}

#[test]
fn artifact_reader_handle_rules() {
    unsafe {
        let eng = new_engine();
        let mut id = ptr::null_mut();
        assert_eq!(
            llmspell_session_create(eng, ptr::null(), 0, &mut id, ptr::null_mut()),
            LLMSPELL_OK
        );
        let opts = br#"{"type":"custom","name":"x"}"#;
        let data = b"0123456789";
        assert_eq!(
            llmspell_artifact_store(
                eng,
                id,
                opts.as_ptr().cast(),
                opts.len(),
                data.as_ptr().cast(),
                data.len(),
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut()
            ),
            LLMSPELL_OK
        );
        let mut r = ptr::null_mut();
        assert_eq!(
            llmspell_artifact_reader_open(
                eng,
                id,
                1,
                &mut r,
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut()
            ),
            LLMSPELL_OK
        );
        let mut buf = [0u8; 4];
        let mut n = 99usize;
        // cap 0 copies nothing (and is not the end).
        assert_eq!(
            llmspell_artifact_reader_read(r, buf.as_mut_ptr().cast(), 0, &mut n, ptr::null_mut()),
            LLMSPELL_OK
        );
        assert_eq!(n, 0);
        assert_eq!(
            llmspell_artifact_reader_read(r, ptr::null_mut(), 4, &mut n, ptr::null_mut()),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            llmspell_artifact_reader_read(
                r,
                buf.as_mut_ptr().cast(),
                4,
                ptr::null_mut(),
                ptr::null_mut()
            ),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        let mut got = Vec::new();
        loop {
            assert_eq!(
                llmspell_artifact_reader_read(
                    r,
                    buf.as_mut_ptr().cast(),
                    4,
                    &mut n,
                    ptr::null_mut()
                ),
                LLMSPELL_OK
            );
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, data);
        llmspell_artifact_reader_free(r);
        llmspell_artifact_reader_free(r);
        assert_eq!(
            llmspell_artifact_reader_read(r, buf.as_mut_ptr().cast(), 4, &mut n, ptr::null_mut()),
            LLMSPELL_ERR_CLOSED
        );
        // A NULL reader.
        assert_eq!(
            llmspell_artifact_reader_read(
                ptr::null_mut(),
                buf.as_mut_ptr().cast(),
                4,
                &mut n,
                ptr::null_mut()
            ),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        llmspell_free(id.cast());
        llmspell_engine_free(eng);
    }
}

/// State shared by the raw callback of `subscription_freed_inside_its_callback`.
struct SelfFree {
    sub: std::sync::atomic::AtomicPtr<llmspell_subscription>,
    in_callback: std::sync::atomic::AtomicBool,
    calls: std::sync::atomic::AtomicUsize,
    /// freed_during_callback: user_data_free ran while the callback was
    /// still running.
    freed_during_callback: std::sync::atomic::AtomicBool,
    freed: std::sync::atomic::AtomicBool,
}

unsafe extern "C" fn self_free_cb(
    ud: *mut std::ffi::c_void,
    _json: *const std::ffi::c_char,
    _len: usize,
) {
    use std::sync::atomic::Ordering::SeqCst;
    let st = &*(ud as *const SelfFree);
    st.in_callback.store(true, SeqCst);
    st.calls.fetch_add(1, SeqCst);
    llmspell_subscription_free(st.sub.swap(ptr::null_mut(), SeqCst));
    std::thread::sleep(std::time::Duration::from_millis(20));
    st.in_callback.store(false, SeqCst);
}

unsafe extern "C" fn self_free_ud(ud: *mut std::ffi::c_void) {
    use std::sync::atomic::Ordering::SeqCst;
    let st = &*(ud as *const SelfFree);
    st.freed_during_callback
        .store(st.in_callback.load(SeqCst), SeqCst);
    st.freed.store(true, SeqCst);
}

/// The header says of llmspell_event_subscribe_callback: user_data_free is
/// "called once with user_data when the subscription is freed (after the
/// last callback)", and a free from inside the callback "returns at once and
/// the callback in progress is the last". The library calls user_data_free
/// inside that free, while the callback is still running
/// (capi/event_exports.go, llmspell_subscription_free). The safe crate
/// copes (its callback data is reference counted); this test checks the
/// header's promise and is ignored until the library keeps it.
#[test]
fn subscription_freed_inside_its_callback() {
    use std::sync::atomic::Ordering::SeqCst;
    let st = Box::leak(Box::new(SelfFree {
        sub: std::sync::atomic::AtomicPtr::new(ptr::null_mut()),
        in_callback: false.into(),
        calls: 0.into(),
        freed_during_callback: false.into(),
        freed: false.into(),
    }));
    unsafe {
        let eng = new_engine();
        let mut sub = ptr::null_mut();
        let st_ptr = st as *mut SelfFree as *mut std::ffi::c_void;
        assert_eq!(
            llmspell_event_subscribe_callback(
                eng,
                c"x".as_ptr(),
                ptr::null(),
                0,
                Some(self_free_cb),
                st_ptr,
                Some(self_free_ud),
                &mut sub,
                ptr::null_mut()
            ),
            LLMSPELL_OK
        );
        st.sub.store(sub, SeqCst);
        assert_eq!(
            llmspell_event_publish(
                eng,
                c"x".as_ptr(),
                ptr::null(),
                0,
                ptr::null(),
                0,
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut()
            ),
            LLMSPELL_OK
        );
        let start = std::time::Instant::now();
        while !st.freed.load(SeqCst) && start.elapsed() < std::time::Duration::from_secs(10) {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        llmspell_engine_free(eng);
    }
    assert_eq!(st.calls.load(SeqCst), 1);
    assert!(st.freed.load(SeqCst), "user_data_free never called");
    assert!(
        !st.freed_during_callback.load(SeqCst),
        "user_data_free ran while the callback that freed the subscription was still running"
    );
}

unsafe extern "C" fn noop_hook(
    _ud: *mut std::ffi::c_void,
    _ctx: *const std::ffi::c_char,
    _len: usize,
    _reply: *mut llmspell_hook_reply,
) {
}

/// NULL and stale subscription, hook and reply handles give status codes.
#[test]
fn event_and_hook_handle_rules() {
    unsafe {
        let eng = new_engine();
        let mut ev = ptr::null_mut();
        // NULL subscription; NULL out-parameters.
        assert_ne!(
            llmspell_subscription_next(
                ptr::null_mut(),
                0,
                &mut ev,
                ptr::null_mut(),
                ptr::null_mut()
            ),
            LLMSPELL_OK
        );
        llmspell_subscription_free(ptr::null_mut());
        let mut sub = ptr::null_mut();
        assert_eq!(
            llmspell_subscription_new(eng, ptr::null(), ptr::null(), 0, &mut sub, ptr::null_mut()),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            llmspell_subscription_new(
                eng,
                c"x".as_ptr(),
                ptr::null(),
                0,
                ptr::null_mut(),
                ptr::null_mut()
            ),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            llmspell_event_subscribe_callback(
                eng,
                c"x".as_ptr(),
                ptr::null(),
                0,
                None,
                ptr::null_mut(),
                None,
                &mut sub,
                ptr::null_mut()
            ),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        // A freed subscription is CLOSED; a second free is ignored.
        assert_eq!(
            llmspell_subscription_new(
                eng,
                c"x".as_ptr(),
                ptr::null(),
                0,
                &mut sub,
                ptr::null_mut()
            ),
            LLMSPELL_OK
        );
        llmspell_subscription_free(sub);
        llmspell_subscription_free(sub);
        assert_eq!(
            llmspell_subscription_next(sub, 0, &mut ev, ptr::null_mut(), ptr::null_mut()),
            LLMSPELL_ERR_CLOSED
        );
        assert!(ev.is_null());
        // Hooks: NULL fn or id_out, unknown point, unknown id.
        let mut id = 0u64;
        assert_eq!(
            llmspell_hook_register(
                eng,
                c"BeforeStateWrite".as_ptr(),
                0,
                ptr::null(),
                0,
                None,
                ptr::null_mut(),
                None,
                &mut id,
                ptr::null_mut()
            ),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            llmspell_hook_register(
                eng,
                c"BeforeStateWrite".as_ptr(),
                0,
                ptr::null(),
                0,
                Some(noop_hook),
                ptr::null_mut(),
                None,
                ptr::null_mut(),
                ptr::null_mut()
            ),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            llmspell_hook_register(
                eng,
                c"Nowhere".as_ptr(),
                0,
                ptr::null(),
                0,
                Some(noop_hook),
                ptr::null_mut(),
                None,
                &mut id,
                ptr::null_mut()
            ),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            llmspell_hook_unregister(eng, 987_654, ptr::null_mut()),
            LLMSPELL_ERR_NOT_FOUND
        );
        // A reply handle that never came from a hook call.
        let json = b"{\"type\":\"continue\"}";
        assert_ne!(
            llmspell_hook_reply_set(ptr::null_mut(), json.as_ptr().cast(), json.len()),
            LLMSPELL_OK
        );
        let mut list = ptr::null_mut();
        let mut len = 0usize;
        assert_eq!(
            llmspell_hook_list(eng, ptr::null(), &mut list, &mut len, ptr::null_mut()),
            LLMSPELL_OK
        );
        assert_eq!(CStr::from_ptr(list).to_bytes(), b"[]");
        llmspell_free(list.cast());
        llmspell_engine_free(eng);
        // A freed engine is CLOSED.
        assert_eq!(
            llmspell_hook_unregister(eng, 1, ptr::null_mut()),
            LLMSPELL_ERR_CLOSED
        );
    }
}

/// State of the raw tool of `tool_handle_rules`.
#[derive(Default)]
struct RawTool {
    calls: std::sync::atomic::AtomicUsize,
    frees: std::sync::atomic::AtomicUsize,
    /// last_reply is the reply handle of the last call, kept to check that
    /// it is dead after the call.
    last_reply: std::sync::atomic::AtomicPtr<llmspell_tool_reply>,
    /// statuses of the reply calls made inside the last call.
    statuses: std::sync::Mutex<Vec<llmspell_status>>,
}

/// raw_tool does what its parameters' "mode" says: "ok" replies
/// {"ok":true}; "none" returns without a reply; "bad" tries malformed
/// JSON, a NULL result and a NULL message, then replies an error;
/// "twice" sets a result and then an error (the last answer wins).
unsafe extern "C" fn raw_tool(
    ud: *mut std::ffi::c_void,
    params: *const std::ffi::c_char,
    len: usize,
    reply: *mut llmspell_tool_reply,
) {
    use std::sync::atomic::Ordering::SeqCst;
    let st = &*(ud as *const RawTool);
    st.calls.fetch_add(1, SeqCst);
    st.last_reply.store(reply, SeqCst);
    let params = std::str::from_utf8(std::slice::from_raw_parts(params.cast::<u8>(), len)).unwrap();
    let mut statuses = st.statuses.lock().unwrap();
    statuses.clear();
    let ok = b"{\"ok\":true}";
    if params.contains("\"ok\"") {
        statuses.push(llmspell_tool_reply_set(reply, ok.as_ptr().cast(), ok.len()));
    } else if params.contains("\"bad\"") {
        let bad = b"{\"ok\":";
        statuses.push(llmspell_tool_reply_set(
            reply,
            bad.as_ptr().cast(),
            bad.len(),
        ));
        statuses.push(llmspell_tool_reply_set(reply, ptr::null(), 0));
        statuses.push(llmspell_tool_reply_error(reply, ptr::null()));
        statuses.push(llmspell_tool_reply_error(reply, c"refused".as_ptr()));
    } else if params.contains("\"twice\"") {
        statuses.push(llmspell_tool_reply_set(reply, ok.as_ptr().cast(), ok.len()));
        statuses.push(llmspell_tool_reply_error(
            reply,
            c"changed my mind".as_ptr(),
        ));
    }
}

unsafe extern "C" fn raw_tool_free(ud: *mut std::ffi::c_void) {
    let st = &*(ud as *const RawTool);
    st.frees.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

/// invoke_raw calls a tool and returns the status and the envelope text.
unsafe fn invoke_raw(
    eng: *mut llmspell_engine,
    name: &CStr,
    params: &str,
) -> (llmspell_status, String) {
    let mut env = ptr::null_mut();
    let mut len = 0usize;
    let st = llmspell_tool_invoke(
        eng,
        name.as_ptr(),
        params.as_ptr().cast(),
        params.len(),
        &mut env,
        &mut len,
        ptr::null_mut(),
    );
    if env.is_null() {
        return (st, String::new());
    }
    let text =
        String::from_utf8(std::slice::from_raw_parts(env.cast::<u8>(), len).to_vec()).unwrap();
    llmspell_free(env.cast());
    (st, text)
}

/// NULL arguments, replies outside their call, a tool that does not
/// answer, user_data_free, and a freed engine, for the tool functions.
#[test]
fn tool_handle_rules() {
    use std::sync::atomic::Ordering::SeqCst;
    unsafe {
        let eng = new_engine();
        let mut out = ptr::null_mut();
        let mut len = 0usize;
        // invoke: NULL name, NULL envelope_out, NULL engine.
        assert_eq!(
            llmspell_tool_invoke(
                eng,
                ptr::null(),
                ptr::null(),
                0,
                &mut out,
                &mut len,
                ptr::null_mut()
            ),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            llmspell_tool_invoke(
                eng,
                c"calculator".as_ptr(),
                ptr::null(),
                0,
                ptr::null_mut(),
                &mut len,
                ptr::null_mut()
            ),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert_ne!(
            llmspell_tool_invoke(
                ptr::null_mut(),
                c"calculator".as_ptr(),
                ptr::null(),
                0,
                &mut out,
                &mut len,
                ptr::null_mut()
            ),
            LLMSPELL_OK
        );
        assert!(out.is_null());
        // list: NULL json_out, unknown format, unknown option.
        assert_eq!(
            llmspell_tool_list(
                eng,
                ptr::null(),
                0,
                ptr::null_mut(),
                &mut len,
                ptr::null_mut()
            ),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        for opts in [&b"{\"format\":\"xml\"}"[..], b"{\"colour\":\"red\"}", b"[]"] {
            assert_eq!(
                llmspell_tool_list(
                    eng,
                    opts.as_ptr().cast(),
                    opts.len(),
                    &mut out,
                    &mut len,
                    ptr::null_mut()
                ),
                LLMSPELL_ERR_INVALID_ARGUMENT,
                "{}",
                String::from_utf8_lossy(opts)
            );
        }
        // register: NULL fn, NULL spec, unknown spec key; user_data_free is
        // not called on failure.
        let st: &'static RawTool = Box::leak(Box::default());
        let ud = st as *const RawTool as *mut std::ffi::c_void;
        let spec = b"{\"name\":\"raw_tool\",\"parameters\":{\"type\":\"object\",\"properties\":{\"mode\":{\"type\":\"string\"}}}}";
        assert_eq!(
            llmspell_tool_register(
                eng,
                spec.as_ptr().cast(),
                spec.len(),
                None,
                ud,
                Some(raw_tool_free),
                ptr::null_mut()
            ),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            llmspell_tool_register(
                eng,
                ptr::null(),
                0,
                Some(raw_tool),
                ud,
                Some(raw_tool_free),
                ptr::null_mut()
            ),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        let odd = b"{\"name\":\"raw_tool\",\"handler\":1}";
        assert_eq!(
            llmspell_tool_register(
                eng,
                odd.as_ptr().cast(),
                odd.len(),
                Some(raw_tool),
                ud,
                Some(raw_tool_free),
                ptr::null_mut()
            ),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert_eq!(st.frees.load(SeqCst), 0);
        assert_eq!(
            llmspell_tool_register(
                eng,
                spec.as_ptr().cast(),
                spec.len(),
                Some(raw_tool),
                ud,
                Some(raw_tool_free),
                ptr::null_mut()
            ),
            LLMSPELL_OK
        );
        let name = c"raw_tool";

        // A good answer.
        let (s, env) = invoke_raw(eng, name, r#"{"mode":"ok"}"#);
        assert_eq!(s, LLMSPELL_OK);
        assert!(
            env.contains(r#""success":true"#) && env.contains(r#""result":{"ok":true}"#),
            "{env}"
        );
        assert_eq!(*st.statuses.lock().unwrap(), [LLMSPELL_OK]);
        // The reply is dead once the call returned.
        let stale = st.last_reply.load(SeqCst);
        let ok = b"{}";
        assert_eq!(
            llmspell_tool_reply_set(stale, ok.as_ptr().cast(), ok.len()),
            LLMSPELL_ERR_CLOSED
        );
        assert_eq!(
            llmspell_tool_reply_error(stale, c"late".as_ptr()),
            LLMSPELL_ERR_CLOSED
        );
        // A reply that never came from a call.
        assert_ne!(
            llmspell_tool_reply_set(ptr::null_mut(), ok.as_ptr().cast(), ok.len()),
            LLMSPELL_OK
        );
        assert_ne!(
            llmspell_tool_reply_error(ptr::null_mut(), c"x".as_ptr()),
            LLMSPELL_OK
        );

        // No answer at all: a failed envelope.
        let (s, env) = invoke_raw(eng, name, r#"{"mode":"none"}"#);
        assert_eq!(s, LLMSPELL_OK);
        assert!(
            env.contains(r#""success":false"#) && env.contains("without a reply"),
            "{env}"
        );

        // Malformed JSON, NULL result and NULL message are refused; the
        // error that follows is the answer.
        let (s, env) = invoke_raw(eng, name, r#"{"mode":"bad"}"#);
        assert_eq!(s, LLMSPELL_OK);
        assert_eq!(
            *st.statuses.lock().unwrap(),
            [
                LLMSPELL_ERR_INVALID_ARGUMENT,
                LLMSPELL_ERR_INVALID_ARGUMENT,
                LLMSPELL_ERR_INVALID_ARGUMENT,
                LLMSPELL_OK
            ]
        );
        assert!(
            env.contains(r#""kind":"tool_error","message":"refused""#),
            "{env}"
        );

        // A result then an error: the last answer wins.
        let (s, env) = invoke_raw(eng, name, r#"{"mode":"twice"}"#);
        assert_eq!(s, LLMSPELL_OK);
        assert!(
            env.contains("changed my mind") && env.contains(r#""success":false"#),
            "{env}"
        );
        assert_eq!(st.calls.load(SeqCst), 4);

        // unregister: NULL name, then once; user_data_free runs once.
        assert_eq!(
            llmspell_tool_unregister(eng, ptr::null(), ptr::null_mut()),
            LLMSPELL_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            llmspell_tool_unregister(eng, name.as_ptr(), ptr::null_mut()),
            LLMSPELL_OK
        );
        assert_eq!(st.frees.load(SeqCst), 1);
        assert_eq!(
            llmspell_tool_unregister(eng, name.as_ptr(), ptr::null_mut()),
            LLMSPELL_ERR_NOT_FOUND
        );
        assert_eq!(invoke_raw(eng, name, "{}").0, LLMSPELL_ERR_NOT_FOUND);
        assert_eq!(st.calls.load(SeqCst), 4);
        assert_eq!(st.frees.load(SeqCst), 1);

        // A freed engine is CLOSED for every tool function.
        llmspell_engine_free(eng);
        assert_eq!(invoke_raw(eng, c"calculator", "{}").0, LLMSPELL_ERR_CLOSED);
        assert_eq!(
            llmspell_tool_list(eng, ptr::null(), 0, &mut out, &mut len, ptr::null_mut()),
            LLMSPELL_ERR_CLOSED
        );
        assert!(out.is_null());
        assert_eq!(
            llmspell_tool_register(
                eng,
                spec.as_ptr().cast(),
                spec.len(),
                Some(raw_tool),
                ud,
                Some(raw_tool_free),
                ptr::null_mut()
            ),
            LLMSPELL_ERR_CLOSED
        );
        assert_eq!(
            llmspell_tool_unregister(eng, name.as_ptr(), ptr::null_mut()),
            LLMSPELL_ERR_CLOSED
        );
        assert_eq!(st.frees.load(SeqCst), 1);
    }
}
