//! Behaviour of the safe API: ownership, error mapping, config errors,
//! cancellation, timeouts, concurrency, and Lua/JS parity.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use llmspell::{Engine, Error, ErrorCode, Lang, RunOptions, RunToken};
use serde_json::{json, Value};

mod common;
use common::watchdog;

fn engine() -> Engine {
    Engine::new("{}").expect("engine")
}

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn handles_are_send_and_sync() {
    assert_send_sync::<Engine>();
    assert_send_sync::<RunToken>();
    assert_send_sync::<Error>();
}

#[test]
fn versions() {
    assert_eq!(llmspell::abi_version(), 1);
    assert_eq!(llmspell::ABI_VERSION, 1);
    assert_eq!(llmspell::version(), "0.1.0");
    assert_eq!(llmspell::version_number(), 1000);
    let info = engine().info().unwrap();
    assert_eq!(info["version"], json!("0.1.0"));
    assert_eq!(info["abi_version"], json!(1));
    let langs = info["languages"].as_array().unwrap();
    assert!(
        langs.contains(&json!("lua")) && langs.contains(&json!("js")),
        "{info}"
    );
}

#[test]
fn ping_and_drop() {
    // Drop frees; using a dropped engine or freeing twice does not compile
    // (see the compile_fail examples in the crate docs).
    let e = Engine::with_defaults().unwrap();
    e.ping().unwrap();
    let token = e.run_token().unwrap();
    drop(e);
    // The token keeps the C engine alive after the Rust handle is gone.
    token.cancel().unwrap();
    token.cancel().unwrap(); // twice is harmless
    drop(token);
    // Many engines created and dropped: no leak of handles that matters here,
    // and each is independent.
    for _ in 0..20 {
        let e = engine();
        e.ping().unwrap();
    }
}

#[test]
fn error_codes_map() {
    let all = [
        ErrorCode::InvalidArgument,
        ErrorCode::NotFound,
        ErrorCode::Denied,
        ErrorCode::Timeout,
        ErrorCode::Cancelled,
        ErrorCode::Provider,
        ErrorCode::Tool,
        ErrorCode::Internal,
        ErrorCode::Script,
        ErrorCode::Closed,
        ErrorCode::Storage,
        ErrorCode::Limit,
        ErrorCode::Conflict,
    ];
    for (i, code) in all.iter().enumerate() {
        let status = i as i32 + 1;
        assert_eq!(code.status(), status);
        assert_eq!(ErrorCode::from_status(status), *code);
        assert_eq!(
            code.name(),
            llmspell::status_name(status),
            "status {status}"
        );
        assert_eq!(code.to_string(), code.name());
    }
    for s in [0, 14, 99, -1] {
        assert_eq!(ErrorCode::from_status(s), ErrorCode::Unknown(s));
        assert_eq!(ErrorCode::Unknown(s).status(), s);
    }
    assert_eq!(llmspell::status_name(0), "ok");
    assert_eq!(llmspell::status_name(14), "unknown");
    assert_eq!(ErrorCode::Unknown(14).name(), "unknown");
}

#[test]
fn error_is_std_error_with_details() {
    let _w = watchdog("error_is_std_error_with_details", Duration::from_secs(30));
    let e = engine();
    let err = e
        .run(
            Lang::Lua,
            "print('before')\nerror('boom')",
            &RunOptions::new().name("spell.lua"),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Script);
    assert_eq!(err.status, 9);
    assert!(err.message.starts_with("script_error"), "{}", err.message);
    assert_eq!(err.to_string(), err.message);
    assert_eq!(err.output, "before\n", "output printed before the failure");
    let d = err.details_json().expect("details JSON");
    assert_eq!(d["kind"], json!("script_error"));
    assert!(d["message"].is_string(), "{d}");
    assert_eq!(d["file"], json!("spell.lua"), "{d}");
    assert_eq!(d["line"], json!(2), "{d}");
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
    assert!(boxed.to_string().contains("boom"));
}

#[test]
fn invalid_config_is_invalid_argument() {
    for cfg in [
        "not json",
        "[]",
        "42",
        "\"x\"",
        "{\"script\":{\"timeout_ms\":\"soon\"}}",
    ] {
        let err = Engine::new(cfg).unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::InvalidArgument,
            "config {cfg:?}: {err}"
        );
        assert!(
            err.message.starts_with("invalid_argument"),
            "{}",
            err.message
        );
    }
}

#[test]
fn unknown_config_key_is_invalid_argument() {
    let err = Engine::new(r#"{"no_such_section":{"x":1}}"#).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument, "{err}");
    assert!(err.message.contains("no_such_section"), "{}", err.message);
    let err = Engine::new(r#"{"script":{"no_such_key":1}}"#).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument, "{err}");
    assert!(err.message.contains("no_such_key"), "{}", err.message);
}

#[test]
fn data_dir_that_is_a_file_is_storage_error() {
    let path = std::env::temp_dir().join(format!("llmspell-rust-test-{}-file", std::process::id()));
    std::fs::write(&path, b"not a folder").unwrap();
    let cfg = json!({"storage": {"data_dir": path.to_str().unwrap()}}).to_string();
    let res = Engine::new(&cfg);
    let contents = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let err = res.unwrap_err();
    assert_eq!(err.code, ErrorCode::Storage, "{err}");
    assert_eq!(contents, b"not a folder", "the file must not be modified");
}

#[test]
fn invalid_run_inputs() {
    let _w = watchdog("invalid_run_inputs", Duration::from_secs(30));
    let e = engine();
    let err = e.run_named("cobol", "x", &RunOptions::new()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    let err = e.run_named("lu\0a", "x", &RunOptions::new()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert_eq!(
        err.details_json().unwrap()["kind"],
        json!("invalid_argument")
    );
    let err = e
        .run(Lang::Lua, "return ARGS", &RunOptions::new().args(json!(5)))
        .unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::InvalidArgument,
        "ARGS must be an object or array: {err}"
    );
    // Empty source is fine and returns null.
    let out = e.run(Lang::Js, "", &RunOptions::new()).unwrap();
    assert_eq!(out.value, Value::Null);
    assert_eq!("javascript".parse::<Lang>().unwrap(), Lang::Js);
    assert_eq!(
        "cobol".parse::<Lang>().unwrap_err().code,
        ErrorCode::InvalidArgument
    );
}

#[test]
fn cancel_from_another_thread() {
    let _w = watchdog("cancel_from_another_thread", Duration::from_secs(60));
    let e = engine();
    let token = RunToken::new(&e).unwrap();
    let start = Instant::now();
    let res = thread::scope(|s| {
        s.spawn(|| {
            thread::sleep(Duration::from_millis(100));
            token.cancel().unwrap();
        });
        // The timeout is only a safety net; the cancel must come first.
        e.run(
            Lang::Lua,
            "while true do end",
            &RunOptions::new()
                .token(&token)
                .timeout(Duration::from_secs(20)),
        )
    });
    let took = start.elapsed();
    eprintln!("cancel after 100 ms: run returned after {took:?}");
    let err = res.unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled, "{err}");
    assert!(took >= Duration::from_millis(100), "{took:?}");
    assert!(took < Duration::from_secs(5), "cancel took {took:?}");

    // A cancelled token stops later runs too.
    let err = e
        .run(
            Lang::Js,
            "for(;;){}",
            &RunOptions::new()
                .token(&token)
                .timeout(Duration::from_secs(20)),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled, "{err}");
}

#[test]
fn cancel_through_arc_token() {
    let _w = watchdog("cancel_through_arc_token", Duration::from_secs(60));
    let e = engine();
    let token = Arc::new(e.run_token().unwrap());
    let t2 = Arc::clone(&token);
    let h = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        t2.cancel().unwrap();
    });
    let err = e
        .run(
            Lang::Js,
            "while (true) {}",
            &RunOptions::new().token(&token),
        )
        .unwrap_err();
    h.join().unwrap();
    assert_eq!(err.code, ErrorCode::Cancelled, "{err}");
}

#[test]
fn one_second_timeout() {
    let _w = watchdog("one_second_timeout", Duration::from_secs(60));
    let e = engine();
    for lang in [Lang::Lua, Lang::Js] {
        let src = if lang == Lang::Lua {
            "while true do end"
        } else {
            "while (true) {}"
        };
        let start = Instant::now();
        let err = e
            .run(
                lang,
                src,
                &RunOptions::new().timeout(Duration::from_secs(1)),
            )
            .unwrap_err();
        let took = start.elapsed();
        eprintln!("{lang}: 1 s timeout returned after {took:?}");
        assert_eq!(err.code, ErrorCode::Timeout, "{lang}: {err}");
        assert!(err.message.contains("1000"), "{}", err.message);
        assert!(
            took >= Duration::from_millis(950) && took < Duration::from_millis(2500),
            "{lang}: took {took:?}"
        );
    }
}

#[test]
fn config_timeout_applies() {
    let _w = watchdog("config_timeout_applies", Duration::from_secs(60));
    let e = Engine::new(r#"{"script":{"timeout_ms":300}}"#).unwrap();
    let start = Instant::now();
    let err = e
        .run(Lang::Lua, "while true do end", &RunOptions::new())
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Timeout, "{err}");
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[test]
fn eight_threads_on_one_engine() {
    let _w = watchdog("eight_threads_on_one_engine", Duration::from_secs(120));
    let e = Arc::new(engine());
    let n = 8;
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let e = Arc::clone(&e);
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                barrier.wait();
                let (lang, src) = if i % 2 == 0 {
                    (Lang::Lua, "local s = 0 for k = 1, 200000 do s = s + k end print(ARGS.i) return {i = ARGS.i, s = s}")
                } else {
                    (Lang::Js, "var s = 0; for (var k = 1; k <= 200000; k++) { s += k; } print(ARGS.i); return {i: ARGS.i, s: s};")
                };
                let mut last = None;
                for _ in 0..5 {
                    let out = e.run(lang, src, &RunOptions::new().args(json!({ "i": i }))).unwrap();
                    assert_eq!(out.output, format!("{i}\n"));
                    last = Some(out.value);
                }
                last.unwrap()
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let v = h.join().unwrap();
        assert_eq!(v["i"].as_f64(), Some(i as f64), "{v}");
        assert_eq!(v["s"].as_f64(), Some(20000100000.0), "{v}");
    }
    e.ping().unwrap();
}

#[test]
fn runs_do_not_wait_for_each_other() {
    // A quick run finishes while a busy loop is running on the same engine;
    // if runs were serialised it would wait for the loop's 10 s timeout.
    let _w = watchdog("runs_do_not_wait_for_each_other", Duration::from_secs(60));
    let e = engine();
    let token = e.run_token().unwrap();
    thread::scope(|s| {
        let spinner = s.spawn(|| {
            let opts = RunOptions::new()
                .token(&token)
                .timeout(Duration::from_secs(10));
            e.run(Lang::Lua, "while true do end", &opts)
        });
        thread::sleep(Duration::from_millis(100));
        let start = Instant::now();
        let out = e
            .run(Lang::Js, "return 1 + 1;", &RunOptions::new())
            .unwrap();
        let took = start.elapsed();
        token.cancel().unwrap();
        assert_eq!(out.value, json!(2));
        assert!(
            took < Duration::from_secs(5),
            "quick run waited {took:?} for the busy one"
        );
        let err = spinner.join().unwrap().unwrap_err();
        assert_eq!(err.code, ErrorCode::Cancelled, "{err}");
    });
}

#[test]
fn lua_and_js_return_the_same_json() {
    let _w = watchdog("lua_and_js_return_the_same_json", Duration::from_secs(30));
    let e = engine();
    let args = json!({"name": "llmspell", "n": 4, "tags": ["a", "b"]});
    let lua = r#"
        local squares = {}
        for i = 1, ARGS.n do squares[i] = i * i end
        print('lua ' .. ARGS.name)
        return {
          name = string.upper(ARGS.name),
          squares = squares,
          tags = ARGS.tags,
          half = ARGS.n / 8,
          nested = {ok = true, text = 'café'},
          hash = Utils.hash('abc', 'sha256'),
        }
    "#;
    let js = r#"
        var squares = [];
        for (var i = 1; i <= ARGS.n; i++) squares.push(i * i);
        print('js ' + ARGS.name);
        return {
          name: ARGS.name.toUpperCase(),
          squares: squares,
          tags: ARGS.tags,
          half: ARGS.n / 8,
          nested: {ok: true, text: 'café'},
          hash: Utils.hash('abc', 'sha256')
        };
    "#;
    let opts = RunOptions::new().args(args);
    let a = e.run(Lang::Lua, lua, &opts).unwrap();
    let b = e.run(Lang::Js, js, &opts).unwrap();
    assert_eq!(a.output, "lua llmspell\n");
    assert_eq!(b.output, "js llmspell\n");
    assert_eq!(a.value, b.value);
    assert_eq!(a.value["squares"], json!([1, 4, 9, 16]));
    assert_eq!(a.value["nested"]["text"], json!("café"));
    assert_eq!(a.value["half"], json!(0.5));
}
