//! The safe Tools API: built-in tools and their envelopes, error codes,
//! listing in three shapes, Rust tools called from Rust and from spells,
//! failures and panics, unregister / drop / detach, engines side by side,
//! threads, and the policy (levels, timeout, output cap, hooks).

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use llmspell::{
    Engine, Envelope, ErrorCode, HookResult, Lang, ListOptions, RunOptions, SecurityLevel,
    ToolFormat, ToolHandle, ToolSpec, Tools,
};
use serde_json::{json, Value};

mod common;
use common::{json_eq, watchdog};

const LIMIT: Duration = Duration::from_secs(60);

const BUILTINS: [&str; 5] = [
    "base64_encoder",
    "calculator",
    "hash_calculator",
    "text_manipulator",
    "uuid_generator",
];

fn engine() -> Engine {
    Engine::new("{}").expect("engine")
}

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn types_are_send_sync() {
    assert_send_sync::<Tools<'static>>();
    assert_send_sync::<ToolHandle<'static>>();
    assert_send_sync::<Envelope>();
    assert_send_sync::<ToolSpec>();
}

/// echo_spec is a tool with an integer `n` and a boolean `fail`.
fn echo_spec(name: &str) -> ToolSpec {
    ToolSpec::new(name)
        .description("echoes its parameters")
        .tag("rust")
        .parameters(json!({
            "type": "object",
            "properties": {"n": {"type": "integer"}, "fail": {"type": "boolean"}},
            "required": ["n"]
        }))
}

/// DropFlag sets its flag when dropped: captured by a tool's closure, it
/// tells when the library freed the closure.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn drop_flag() -> (DropFlag, Arc<AtomicBool>) {
    let f = Arc::new(AtomicBool::new(false));
    (DropFlag(f.clone()), f)
}

#[test]
fn calculator_gives_42() {
    let _w = watchdog("calculator_gives_42", LIMIT);
    let e = engine();
    let env = e
        .tools()
        .invoke("calculator", &json!({"input": "6*7"}))
        .unwrap();
    assert!(env.success, "{env:?}");
    let result = env.result.clone().unwrap();
    assert!(json_eq(&result["result"], &json!(42)), "{env:?}");
    assert_eq!(result["expression"], "6*7");
    assert!(env.error.is_none());
    assert_eq!(env.metadata["tool"], "calculator");
    assert!(env.metadata["duration_ms"].is_number(), "{env:?}");
    assert_eq!(env.into_result().unwrap(), result);

    // Variables, and the operation echoed in the envelope.
    let env = e
        .tools()
        .invoke(
            "calculator",
            &json!({"operation": "evaluate", "input": "x * y", "variables": {"x": 6, "y": 7}}),
        )
        .unwrap();
    assert_eq!(env.operation, "evaluate");
    assert!(json_eq(&env.into_result().unwrap()["result"], &json!(42)));

    // Other built-ins.
    let env = e
        .tools()
        .invoke("base64_encoder", &json!({"input": "hello"}))
        .unwrap();
    assert_eq!(env.into_result().unwrap()["output"], "aGVsbG8=");
    let env = e
        .tools()
        .invoke(
            "text_manipulator",
            &json!({"operation": "uppercase", "input": "rust"}),
        )
        .unwrap();
    assert_eq!(env.into_result().unwrap()["output"], "RUST");
}

#[test]
fn a_tool_failure_is_an_envelope() {
    let _w = watchdog("a_tool_failure_is_an_envelope", LIMIT);
    let e = engine();
    let env = e
        .tools()
        .invoke("calculator", &json!({"input": "1/0"}))
        .unwrap();
    assert!(!env.success);
    assert_eq!(env.result, None);
    let err = env.error.clone().expect("error in the envelope");
    assert_eq!(err.kind, "tool_error");
    assert_eq!(err.code(), ErrorCode::Tool);
    assert!(err.message.contains("division by zero"), "{err}");
    assert_eq!(env.metadata["tool"], "calculator");
    let err = env.into_result().unwrap_err();
    assert_eq!(err.code, ErrorCode::Tool);
    assert!(err.message.starts_with("tool_error: "), "{err}");
    assert!(err.message.contains("division by zero"), "{err}");
}

#[test]
fn schema_violations_are_invalid_argument() {
    let _w = watchdog("schema_violations_are_invalid_argument", LIMIT);
    let e = engine();
    let t = e.tools();
    // A wrong type: the message names the field.
    let err = t.invoke("calculator", &json!({"input": 5})).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert!(err.message.contains("params.input"), "{err}");
    // An unknown operation (an enum in the schema).
    let err = t
        .invoke(
            "text_manipulator",
            &json!({"operation": "shout", "input": "x"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert!(err.message.contains("params.operation"), "{err}");
    // A missing required field (Null params are {}).
    let err = t.invoke("text_manipulator", &Value::Null).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert!(err.message.contains("params.operation"), "{err}");
    // The calculator requires nothing: it fails by itself.
    let env = t.invoke("calculator", &Value::Null).unwrap();
    assert!(!env.success);
    // Parameters that are not an object.
    for p in [json!([1]), json!("6*7"), json!(42)] {
        let err = t.invoke("calculator", &p).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{p}: {err}");
    }
    // A Rust tool's schema is enforced the same way, before the closure.
    let calls = Arc::new(AtomicUsize::new(0));
    let _h = {
        let calls = calls.clone();
        t.register(&echo_spec("strict"), move |p| {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(p.clone())
        })
        .unwrap()
    };
    let err = t.invoke("strict", &json!({"n": "seven"})).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert!(err.message.contains("params.n"), "{err}");
    let err = t.invoke("strict", &json!({"fail": true})).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert!(err.message.contains("params.n is required"), "{err}");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn unknown_tools_and_bad_names() {
    let _w = watchdog("unknown_tools_and_bad_names", LIMIT);
    let e = engine();
    let err = e.tools().invoke("no_such_tool", &json!({})).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    assert!(err.message.contains("no_such_tool"), "{err}");
    let err = e.tools().invoke("calc\0ulator", &json!({})).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    // Only host tools can be removed.
    assert_eq!(
        e.tools().unregister("calculator").unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(
        e.tools().unregister("no_such_tool").unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[test]
fn the_policy_denies() {
    let _w = watchdog("the_policy_denies", LIMIT);
    let e = engine();
    // /etc is not among the file roots.
    let err = e
        .tools()
        .invoke("hash_calculator", &json!({"file": "/etc/passwd"}))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Denied, "{err}");
    // Hashing a string is fine.
    let env = e
        .tools()
        .invoke(
            "hash_calculator",
            &json!({"input": "abc", "algorithm": "sha256"}),
        )
        .unwrap();
    assert!(env.success, "{env:?}");
    assert!(env
        .result
        .unwrap()
        .to_string()
        .contains("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));

    // An engine that runs safe tools only refuses restricted ones, Rust
    // tools included, without calling them.
    let e = Engine::new(r#"{"tools":{"max_level":"safe"}}"#).unwrap();
    let err = e
        .tools()
        .invoke("hash_calculator", &json!({"input": "abc"}))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Denied, "{err}");
    let calls = Arc::new(AtomicUsize::new(0));
    let _h = {
        let calls = calls.clone();
        e.tools()
            .register(
                &ToolSpec::new("rust_restricted").security_level(SecurityLevel::Restricted),
                move |_| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok(json!(null))
                },
            )
            .unwrap()
    };
    let err = e.tools().invoke("rust_restricted", &json!({})).unwrap_err();
    assert_eq!(err.code, ErrorCode::Denied, "{err}");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn list_in_three_formats() {
    let _w = watchdog("list_in_three_formats", LIMIT);
    let e = engine();
    let _h = e
        .tools()
        .register(
            &echo_spec("rust_listed")
                .category("rusty")
                .version("2.1.0")
                .security_level(SecurityLevel::Privileged),
            |p| Ok(p.clone()),
        )
        .unwrap();
    let names = |list: &[Value], f: &dyn Fn(&Value) -> &Value| -> Vec<String> {
        list.iter()
            .map(|t| f(t).as_str().unwrap_or_default().to_owned())
            .collect()
    };

    // Info (the default), sorted by name.
    let info = e.tools().list(&ListOptions::new()).unwrap();
    let info_names = names(&info, &|t| &t["name"]);
    for b in BUILTINS.iter().chain(&["rust_listed"]) {
        assert!(info_names.iter().any(|n| n == b), "{b} in {info_names:?}");
    }
    let mut sorted = info_names.clone();
    sorted.sort();
    assert_eq!(info_names, sorted);
    let calc = info.iter().find(|t| t["name"] == "calculator").unwrap();
    for k in [
        "description",
        "category",
        "security_level",
        "version",
        "tags",
        "language",
        "schema",
    ] {
        assert!(calc.get(k).is_some(), "calculator info has {k}: {calc}");
    }
    assert_eq!(calc["category"], "utility");
    assert_eq!(calc["security_level"], "safe");
    assert_eq!(calc["schema"]["type"], "object");
    let hash = info
        .iter()
        .find(|t| t["name"] == "hash_calculator")
        .unwrap();
    assert_eq!(hash["security_level"], "restricted");
    let mine = info.iter().find(|t| t["name"] == "rust_listed").unwrap();
    assert_eq!(mine["category"], "rusty");
    assert_eq!(mine["version"], "2.1.0");
    assert_eq!(mine["security_level"], "privileged");
    assert_eq!(mine["tags"], json!(["rust"]));
    assert_eq!(mine["language"], "rust");
    assert_eq!(mine["description"], "echoes its parameters");
    assert_eq!(mine["schema"]["required"], json!(["n"]));
    assert_eq!(
        e.tools()
            .list(&ListOptions::new().format(ToolFormat::Info))
            .unwrap(),
        info
    );

    // OpenAI.
    let openai = e
        .tools()
        .list(&ListOptions::new().format(ToolFormat::OpenAI))
        .unwrap();
    assert_eq!(openai.len(), info.len());
    assert!(openai.iter().all(|t| t["type"] == "function"));
    assert_eq!(names(&openai, &|t| &t["function"]["name"]), info_names);
    let calc = openai
        .iter()
        .find(|t| t["function"]["name"] == "calculator")
        .unwrap();
    assert_eq!(calc["function"]["parameters"]["type"], "object");
    assert!(calc["function"]["description"].is_string());

    // Anthropic.
    let anthropic = e
        .tools()
        .list(&ListOptions::new().format(ToolFormat::Anthropic))
        .unwrap();
    assert_eq!(names(&anthropic, &|t| &t["name"]), info_names);
    let mine = anthropic
        .iter()
        .find(|t| t["name"] == "rust_listed")
        .unwrap();
    assert_eq!(mine["input_schema"]["properties"]["n"]["type"], "integer");
    assert!(mine["description"].is_string());

    // Filters.
    let utility = e
        .tools()
        .list(&ListOptions::new().category("utility"))
        .unwrap();
    assert!(utility.iter().all(|t| t["category"] == "utility"));
    for b in BUILTINS {
        assert!(utility.iter().any(|t| t["name"] == b), "{b}");
    }
    let tagged = e
        .tools()
        .list(&ListOptions::new().tag("rust").format(ToolFormat::OpenAI))
        .unwrap();
    assert_eq!(tagged.len(), 1, "{tagged:?}");
    assert_eq!(tagged[0]["function"]["name"], "rust_listed");
    assert!(e
        .tools()
        .list(&ListOptions::new().category("no such category"))
        .unwrap()
        .is_empty());
    let err = e.tools().list(&ListOptions::new().tag("a\0b")).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
}

#[test]
fn rust_tool_called_from_rust() {
    let _w = watchdog("rust_tool_called_from_rust", LIMIT);
    let e = engine();
    let caller = thread::current().id();
    let ran_on = Arc::new(Mutex::new(None));
    let h = {
        let ran_on = ran_on.clone();
        e.tools()
            .register(&echo_spec("rust_tool"), move |p| {
                *ran_on.lock().unwrap() = Some(thread::current().id());
                Ok(json!({"n": p["n"].as_i64().unwrap_or(0) * 2, "from": "rust"}))
            })
            .unwrap()
    };
    assert_eq!(h.name(), "rust_tool");
    let env = e.tools().invoke("rust_tool", &json!({"n": 21})).unwrap();
    assert!(env.success, "{env:?}");
    assert_eq!(env.result, Some(json!({"n": 42, "from": "rust"})));
    assert_eq!(env.metadata["tool"], "rust_tool");
    // "It runs synchronously on the thread that invoked the tool."
    assert_eq!(*ran_on.lock().unwrap(), Some(caller));

    // Any JSON value is a result, null included.
    let _h2 = e
        .tools()
        .register(&ToolSpec::new("rust_values"), |p| Ok(p["v"].clone()))
        .unwrap();
    for v in [
        json!(null),
        json!(true),
        json!(1.5),
        json!("text with \"quotes\" and é"),
        json!([1, [2], {"a": null}]),
    ] {
        let env = e.tools().invoke("rust_values", &json!({"v": v})).unwrap();
        assert!(env.success);
        assert_eq!(env.result, Some(v.clone()));
        assert_eq!(env.into_result().unwrap(), v);
    }
}

#[test]
fn rust_tool_called_from_lua_and_js() {
    let _w = watchdog("rust_tool_called_from_lua_and_js", LIMIT);
    let e = engine();
    let calls = Arc::new(AtomicUsize::new(0));
    let _h = {
        let calls = calls.clone();
        e.tools()
            .register(&echo_spec("rust_tool"), move |p| {
                calls.fetch_add(1, Ordering::SeqCst);
                let n = p["n"].as_i64().unwrap_or(0);
                if p["fail"] == json!(true) {
                    return Err(format!("asked to fail at {n}"));
                }
                Ok(json!({"n": n * 2, "from": "rust"}))
            })
            .unwrap()
    };
    let lua = r#"
        local r = Tool.invoke("rust_tool", {n = ARGS.n})
        local f = Tool.invoke("rust_tool", {n = 1, fail = true})
        return {
            success = r.success, result = r.result.result, tool = r.metadata.tool,
            failed = f.success, kind = f.error.kind, message = f.error.message,
            exists = Tool.exists("rust_tool"),
        }
    "#;
    let js = r#"
        const r = Tool.invoke("rust_tool", {n: ARGS.n});
        const f = Tool.invoke("rust_tool", {n: 1, fail: true});
        return {
            success: r.success, result: r.result.result, tool: r.metadata.tool,
            failed: f.success, kind: f.error.kind, message: f.error.message,
            exists: Tool.exists("rust_tool"),
        };
    "#;
    let want = json!({
        "success": true, "result": {"n": 42, "from": "rust"}, "tool": "rust_tool",
        "failed": false, "kind": "tool_error", "message": "asked to fail at 1",
        "exists": true,
    });
    for (lang, src) in [(Lang::Lua, lua), (Lang::Js, js)] {
        let out = e
            .run(lang, src, &RunOptions::new().args(json!({"n": 21})))
            .unwrap_or_else(|err| panic!("{lang}: {err}"));
        assert!(json_eq(&out.value, &want), "{lang}: {}", out.value);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 4);

    // The spell sees the text form of the envelope too.
    let out = e
        .run(
            Lang::Js,
            r#"return JSON.parse(Tool.invoke("rust_tool", {n: 2}).text).result;"#,
            &RunOptions::new(),
        )
        .unwrap();
    assert!(json_eq(&out.value, &json!({"n": 4, "from": "rust"})));
    // Tool.get(name):execute.
    let out = e
        .run(
            Lang::Lua,
            r#"local t = Tool.get("rust_tool") return t:execute({n = 5}).result.result.n"#,
            &RunOptions::new(),
        )
        .unwrap();
    assert!(json_eq(&out.value, &json!(10)), "{}", out.value);
    // A schema violation inside a spell is a script error naming the field.
    let err = e
        .run(
            Lang::Lua,
            r#"return Tool.invoke("rust_tool", {n = "x"})"#,
            &RunOptions::new(),
        )
        .unwrap_err();
    assert!(err.message.contains("n"), "{err}");
}

#[test]
fn failing_rust_tool() {
    let _w = watchdog("failing_rust_tool", LIMIT);
    let e = engine();
    let h = e
        .tools()
        .register(&ToolSpec::new("rust_fail"), |p| {
            Err(p["msg"].as_str().unwrap_or("no message").to_owned())
        })
        .unwrap();
    let env = e
        .tools()
        .invoke("rust_fail", &json!({"msg": "the disk is on fire"}))
        .unwrap();
    assert!(!env.success);
    assert_eq!(env.result, None);
    let err = env.error.clone().unwrap();
    assert_eq!(err.kind, "tool_error");
    assert_eq!(err.message, "the disk is on fire");
    assert_eq!(err.to_string(), "tool_error: the disk is on fire");
    assert_eq!(
        env.into_result().unwrap_err().message,
        "tool_error: the disk is on fire"
    );
    // A NUL byte cannot cross as a C string: it becomes U+FFFD.
    let env = e
        .tools()
        .invoke("rust_fail", &json!({"msg": "a\u{0}b"}))
        .unwrap();
    assert_eq!(env.error.unwrap().message, "a\u{FFFD}b");
    // Failures are not panics: unregister does not panic.
    h.unregister().unwrap();
}

#[test]
fn panicking_rust_tool() {
    let _w = watchdog("panicking_rust_tool", LIMIT);
    let e = engine();
    let calls = Arc::new(AtomicUsize::new(0));
    let h = {
        let calls = calls.clone();
        e.tools()
            .register(&ToolSpec::new("rust_panic"), move |p| {
                calls.fetch_add(1, Ordering::SeqCst);
                if let Some(m) = p["panic"].as_str() {
                    panic!("tool panicked: {m}");
                }
                Ok(json!("fine"))
            })
            .unwrap()
    };
    let env = e
        .tools()
        .invoke("rust_panic", &json!({"panic": "first"}))
        .unwrap();
    assert!(!env.success);
    let err = env.error.unwrap();
    assert_eq!(err.kind, "tool_error");
    assert_eq!(err.message, "panicked: tool panicked: first");
    // From a spell, on a library thread.
    let out = e
        .run(
            Lang::Lua,
            r#"local r = Tool.invoke("rust_panic", {panic = "second"})
               return {r.success, r.error.message}"#,
            &RunOptions::new(),
        )
        .unwrap();
    assert_eq!(out.value, json!([false, "panicked: tool panicked: second"]));
    // The tool stays registered and works.
    let env = e.tools().invoke("rust_panic", &json!({})).unwrap();
    assert_eq!(env.into_result().unwrap(), json!("fine"));
    e.ping().unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    // The first panic comes back from unregister, after the tool is gone.
    let payload = panic::catch_unwind(AssertUnwindSafe(|| h.unregister()))
        .expect_err("panic resumed by unregister");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("tool panicked: first")
    );
    assert_eq!(
        e.tools().invoke("rust_panic", &json!({})).unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(Arc::strong_count(&calls), 1);

    // And from drop.
    let h = e
        .tools()
        .register(&ToolSpec::new("rust_panic"), |_| panic!("dropped"))
        .unwrap();
    let env = e.tools().invoke("rust_panic", &json!({})).unwrap();
    assert_eq!(env.error.unwrap().message, "panicked: dropped");
    let payload =
        panic::catch_unwind(AssertUnwindSafe(move || drop(h))).expect_err("panic resumed by drop");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"dropped"));
    assert_eq!(
        e.tools().invoke("rust_panic", &json!({})).unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[test]
fn drop_unregister_and_detach() {
    let _w = watchdog("drop_unregister_and_detach", LIMIT);
    let e = engine();
    let t = e.tools();
    let exists = |name: &str| {
        t.list(&ListOptions::new())
            .unwrap()
            .iter()
            .any(|x| x["name"] == name)
    };

    // Drop unregisters and frees the closure.
    let (flag, dropped) = drop_flag();
    let h = t
        .register(&ToolSpec::new("rust_tool"), move |_| {
            let _ = &flag;
            Ok(json!(1))
        })
        .unwrap();
    assert!(exists("rust_tool"));
    assert_eq!(
        t.invoke("rust_tool", &json!({})).unwrap().result,
        Some(json!(1))
    );
    drop(h);
    assert!(dropped.load(Ordering::SeqCst), "closure not dropped");
    assert!(!exists("rust_tool"));
    let err = t.invoke("rust_tool", &json!({})).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);

    // unregister(self), and the name is free again.
    let (flag, dropped) = drop_flag();
    let h = t
        .register(&ToolSpec::new("rust_tool"), move |_| {
            let _ = &flag;
            Ok(json!(2))
        })
        .unwrap();
    assert_eq!(
        t.invoke("rust_tool", &json!({})).unwrap().result,
        Some(json!(2))
    );
    h.unregister().unwrap();
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(
        t.invoke("rust_tool", &json!({})).unwrap_err().code,
        ErrorCode::NotFound
    );

    // Removed by name elsewhere: the handle's unregister is NotFound and
    // its drop is quiet.
    let h = t
        .register(&ToolSpec::new("rust_tool"), |_| Ok(json!(3)))
        .unwrap();
    t.unregister("rust_tool").unwrap();
    assert_eq!(h.unregister().unwrap_err().code, ErrorCode::NotFound);
    let h = t
        .register(&ToolSpec::new("rust_tool"), |_| Ok(json!(3)))
        .unwrap();
    t.unregister("rust_tool").unwrap();
    drop(h);

    // Detached: lives on until unregistered by name...
    let (flag, dropped) = drop_flag();
    let name = t
        .register(&ToolSpec::new("rust_detached"), move |_| {
            let _ = &flag;
            Ok(json!(4))
        })
        .unwrap()
        .detach();
    assert_eq!(name, "rust_detached");
    assert_eq!(
        t.invoke("rust_detached", &json!({})).unwrap().result,
        Some(json!(4))
    );
    assert!(!dropped.load(Ordering::SeqCst));
    t.unregister("rust_detached").unwrap();
    assert!(dropped.load(Ordering::SeqCst));

    // ... or until the engine closes.
    let (flag, dropped) = drop_flag();
    t.register(&ToolSpec::new("rust_detached"), move |_| {
        let _ = &flag;
        Ok(json!(5))
    })
    .unwrap()
    .detach();
    assert!(!dropped.load(Ordering::SeqCst));
    drop(e);
    assert!(
        dropped.load(Ordering::SeqCst),
        "engine close did not free it"
    );
}

#[test]
fn registration_errors() {
    let _w = watchdog("registration_errors", LIMIT);
    let e = engine();
    let t = e.tools();
    let _h = t
        .register(&echo_spec("rust_tool"), |p| Ok(p.clone()))
        .unwrap();
    // A taken name, also by a built-in: the closure is dropped at once.
    for name in ["rust_tool", "calculator"] {
        let (flag, dropped) = drop_flag();
        let err = t
            .register(&ToolSpec::new(name), move |_| {
                let _ = &flag;
                Ok(json!(0))
            })
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict, "{name}: {err}");
        assert!(dropped.load(Ordering::SeqCst));
    }
    // Bad names and schemas.
    for spec in [
        ToolSpec::new("bad name"),
        ToolSpec::new(""),
        ToolSpec::new("x".repeat(65)),
        ToolSpec::new("nul\0name"),
        ToolSpec::new("array_schema").parameters(json!({"type": "array"})),
        ToolSpec::new("not_a_schema").parameters(json!(3)),
    ] {
        let err = t.register(&spec, |_| Ok(json!(0))).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{spec:?}: {err}");
    }
    // Spec defaults.
    let _d = t
        .register(&ToolSpec::new("rust_defaults"), |_| Ok(json!(0)))
        .unwrap();
    let info = t.list(&ListOptions::new().category("custom")).unwrap();
    let d = info.iter().find(|x| x["name"] == "rust_defaults").unwrap();
    assert_eq!(d["version"], "1.0.0");
    assert_eq!(d["security_level"], "safe");
    assert_eq!(d["tags"], json!([]));
    assert_eq!(d["schema"]["type"], "object");
    assert_eq!("restricted".parse(), Ok(SecurityLevel::Restricted));
    assert!("root".parse::<SecurityLevel>().is_err());
}

#[test]
fn two_engines_same_tool_name() {
    let _w = watchdog("two_engines_same_tool_name", LIMIT);
    let a = engine();
    let b = engine();
    let ha = a
        .tools()
        .register(&ToolSpec::new("rust_tool"), |_| Ok(json!("a")))
        .unwrap();
    let hb = b
        .tools()
        .register(&ToolSpec::new("rust_tool"), |_| Ok(json!("b")))
        .unwrap();
    assert_eq!(
        a.tools().invoke("rust_tool", &json!({})).unwrap().result,
        Some(json!("a"))
    );
    assert_eq!(
        b.tools().invoke("rust_tool", &json!({})).unwrap().result,
        Some(json!("b"))
    );
    // Spells see their own engine's tool.
    let src = r#"return Tool.invoke("rust_tool", {}).result.result"#;
    assert_eq!(
        a.run(Lang::Lua, src, &RunOptions::new()).unwrap().value,
        json!("a")
    );
    assert_eq!(
        b.run(Lang::Lua, src, &RunOptions::new()).unwrap().value,
        json!("b")
    );
    // Removing one leaves the other.
    ha.unregister().unwrap();
    assert_eq!(
        a.tools().invoke("rust_tool", &json!({})).unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(
        b.tools().invoke("rust_tool", &json!({})).unwrap().result,
        Some(json!("b"))
    );
    // Closing an engine leaves the other's tool too.
    let hc = a
        .tools()
        .register(&ToolSpec::new("rust_tool"), |_| Ok(json!("a2")))
        .unwrap();
    hc.detach();
    drop(a);
    assert_eq!(
        b.tools().invoke("rust_tool", &json!({})).unwrap().result,
        Some(json!("b"))
    );
    hb.unregister().unwrap();
}

#[test]
fn four_threads_invoke_concurrently() {
    let _w = watchdog("four_threads_invoke_concurrently", LIMIT);
    let e = engine();
    const THREADS: usize = 4;
    const CALLS: usize = 50;
    let inflight = Arc::new(AtomicUsize::new(0));
    let max_inflight = Arc::new(AtomicUsize::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let _h = {
        let (inflight, max_inflight, calls) =
            (inflight.clone(), max_inflight.clone(), calls.clone());
        e.tools()
            .register(&echo_spec("rust_tool"), move |p| {
                let now = inflight.fetch_add(1, Ordering::SeqCst) + 1;
                max_inflight.fetch_max(now, Ordering::SeqCst);
                calls.fetch_add(1, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(2));
                inflight.fetch_sub(1, Ordering::SeqCst);
                Ok(json!({"n": p["n"]}))
            })
            .unwrap()
    };
    thread::scope(|s| {
        for t in 0..THREADS {
            let e = &e;
            s.spawn(move || {
                for i in 0..CALLS {
                    let n = (t * 1000 + i) as i64;
                    let env = e.tools().invoke("rust_tool", &json!({"n": n})).unwrap();
                    assert_eq!(env.result, Some(json!({"n": n})));
                }
            });
        }
    });
    assert_eq!(calls.load(Ordering::SeqCst), THREADS * CALLS);
    assert!(
        max_inflight.load(Ordering::SeqCst) >= 2,
        "calls never overlapped: {}",
        max_inflight.load(Ordering::SeqCst)
    );
}

#[test]
fn unregister_waits_for_calls_in_progress() {
    let _w = watchdog("unregister_waits_for_calls_in_progress", LIMIT);
    let e = engine();
    let inside = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let h = {
        let (inside, finished) = (inside.clone(), finished.clone());
        e.tools()
            .register(&ToolSpec::new("rust_slow"), move |_| {
                inside.store(true, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(100));
                finished.store(true, Ordering::SeqCst);
                Ok(json!("done"))
            })
            .unwrap()
    };
    thread::scope(|s| {
        let call = s.spawn(|| e.tools().invoke("rust_slow", &json!({})).unwrap());
        while !inside.load(Ordering::SeqCst) {
            thread::yield_now();
        }
        h.unregister().unwrap();
        assert!(finished.load(Ordering::SeqCst), "unregister did not wait");
        assert_eq!(call.join().unwrap().result, Some(json!("done")));
    });
}

#[test]
fn a_tool_calls_into_the_engine() {
    let _w = watchdog("a_tool_calls_into_the_engine", LIMIT);
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    let e = ENGINE.get_or_init(engine);
    let (flag, dropped) = drop_flag();
    // A tool that calls another tool and writes state.
    let _h = e
        .tools()
        .register(&ToolSpec::new("rust_outer"), |p| {
            let env = e
                .tools()
                .invoke("calculator", &json!({"input": p["expr"]}))
                .map_err(|err| err.to_string())?;
            let v = env.into_result().map_err(|err| err.to_string())?["result"].clone();
            e.state()
                .set(None, "last", &v)
                .map_err(|err| err.to_string())?;
            Ok(json!({"value": v}))
        })
        .unwrap();
    let env = e
        .tools()
        .invoke("rust_outer", &json!({"expr": "2+3"}))
        .unwrap();
    assert!(json_eq(&env.result.unwrap()["value"], &json!(5)));
    assert!(json_eq(
        &e.state().get(None, "last").unwrap().unwrap(),
        &json!(5)
    ));

    // A tool that unregisters itself from inside its own call: the call
    // finishes, the closure is dropped after it.
    e.tools()
        .register(&ToolSpec::new("rust_once"), move |_| {
            let _ = &flag;
            e.tools()
                .unregister("rust_once")
                .map_err(|err| err.to_string())?;
            Ok(json!("last call"))
        })
        .unwrap()
        .detach();
    let env = e.tools().invoke("rust_once", &json!({})).unwrap();
    assert_eq!(env.into_result().unwrap(), json!("last call"));
    assert_eq!(
        e.tools().invoke("rust_once", &json!({})).unwrap_err().code,
        ErrorCode::NotFound
    );
    let start = Instant::now();
    while !dropped.load(Ordering::SeqCst) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "closure never dropped"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn timeout_output_cap_and_hooks() {
    let _w = watchdog("timeout_output_cap_and_hooks", LIMIT);
    let e = Engine::new(r#"{"tools":{"timeout_ms":100,"max_output_bytes":1000}}"#).unwrap();
    // A tool that overruns the timeout is not interrupted, but its caller
    // gets a timeout error.
    let _slow = e
        .tools()
        .register(&ToolSpec::new("rust_slow"), |_| {
            thread::sleep(Duration::from_millis(300));
            Ok(json!("late"))
        })
        .unwrap();
    let start = Instant::now();
    let err = e.tools().invoke("rust_slow", &json!({})).unwrap_err();
    assert_eq!(err.code, ErrorCode::Timeout, "{err}");
    assert!(start.elapsed() >= Duration::from_millis(300));

    // A result over the output cap is a failed envelope.
    let _big = e
        .tools()
        .register(&ToolSpec::new("rust_big"), |p| {
            Ok(json!("x".repeat(p["n"].as_u64().unwrap_or(0) as usize)))
        })
        .unwrap();
    assert!(
        e.tools()
            .invoke("rust_big", &json!({"n": 10}))
            .unwrap()
            .success
    );
    let env = e.tools().invoke("rust_big", &json!({"n": 5000})).unwrap();
    assert!(!env.success);
    let err = env.error.unwrap();
    assert_eq!(err.kind, "limit_exceeded");
    assert_eq!(err.code(), ErrorCode::Limit);

    // Hooks around Rust tools: a cancel is Err(Cancelled), and the tool is
    // not called.
    let calls = Arc::new(AtomicUsize::new(0));
    let _t = {
        let calls = calls.clone();
        e.tools()
            .register(&echo_spec("rust_tool"), move |p| {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(p.clone())
            })
            .unwrap()
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let hook = {
        let seen = seen.clone();
        e.hooks()
            .register("BeforeToolExecution", 0, move |ctx| {
                seen.lock().unwrap().push(ctx.component_name.clone());
                if ctx.data["n"] == json!(13) {
                    HookResult::Cancel("unlucky".into())
                } else {
                    HookResult::Continue
                }
            })
            .unwrap()
    };
    let err = e
        .tools()
        .invoke("rust_tool", &json!({"n": 13}))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled, "{err}");
    assert!(err.message.contains("unlucky"), "{err}");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(
        e.tools()
            .invoke("rust_tool", &json!({"n": 12}))
            .unwrap()
            .result,
        Some(json!({"n": 12}))
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(*seen.lock().unwrap(), ["rust_tool", "rust_tool"]);
    hook.unregister().unwrap();
}

#[test]
fn envelope_from_json() {
    let env = Envelope::from_json(
        r#"{"operation":"x","success":false,"error":{"kind":"timeout","message":"slow"},"metadata":{"tool":"t"}}"#,
    )
    .unwrap();
    assert_eq!(env.operation, "x");
    assert!(!env.success);
    assert_eq!(env.error.as_ref().unwrap().code(), ErrorCode::Timeout);
    assert_eq!(env.into_result().unwrap_err().code, ErrorCode::Timeout);
    let env = Envelope::from_json(r#"{"success":true,"result":null}"#).unwrap();
    assert_eq!(env.result, Some(Value::Null));
    assert_eq!(env.metadata, json!({}));
    for bad in [
        "[]",
        "{}",
        r#"{"success":1}"#,
        r#"{"success":false,"error":"x"}"#,
        "nope",
    ] {
        let err = Envelope::from_json(bad).unwrap_err();
        assert_eq!(err.code, ErrorCode::Internal, "{bad}");
    }
    let env =
        Envelope::from_json(r#"{"success":false,"error":{"kind":"weird","message":"m"}}"#).unwrap();
    assert_eq!(env.error.unwrap().code(), ErrorCode::Tool);
}

/// A result over `tools.max_output_bytes` fails the call (an envelope with
/// kind limit_exceeded), but the library publishes only
/// `tool.execution.started` for it: neither `tool.execution.failed` nor
/// `tool.execution.completed` follows (core/tool/registry.go,
/// `Registry.Invoke`, the output-cap branch returns before publishing), so
/// a subscriber never sees the call end. Ignored until the library
/// publishes the failure.
#[test]
fn over_cap_result_publishes_a_failed_event() {
    let _w = watchdog("over_cap_result_publishes_a_failed_event", LIMIT);
    let e = Engine::new(r#"{"tools":{"max_output_bytes":100}}"#).unwrap();
    let sub = e
        .events()
        .subscribe("tool.execution.*", &llmspell::SubscribeOptions::new())
        .unwrap();
    let _t = e
        .tools()
        .register(&ToolSpec::new("rust_big"), |_| Ok(json!("x".repeat(1000))))
        .unwrap();
    let env = e.tools().invoke("rust_big", &json!({})).unwrap();
    assert_eq!(env.error.unwrap().kind, "limit_exceeded");
    let types: Vec<Value> = sub
        .iter(Duration::from_millis(300))
        .map(|ev| ev.unwrap()["type"].clone())
        .collect();
    assert_eq!(
        types,
        [
            json!("tool.execution.started"),
            json!("tool.execution.failed")
        ]
    );
}

/// The header: llmspell_tool_invoke returns LLMSPELL_ERR_NOT_FOUND for "no
/// such tool", and LLMSPELL_OK "when the tool ran". A host tool removed
/// after the lookup but before its call (here by a BeforeToolExecution
/// hook; in general by another thread) does not run, yet the caller gets
/// LLMSPELL_OK and an envelope with error kind not_found ("the tool was
/// unregistered", capi/tool_exports.go `cTool.call`, which
/// `Registry.Invoke` does not treat as a status). Ignored until the library
/// returns the status.
#[test]
fn tool_removed_before_its_call_is_not_found() {
    let _w = watchdog("tool_removed_before_its_call_is_not_found", LIMIT);
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    let e = ENGINE.get_or_init(engine);
    let calls = Arc::new(AtomicUsize::new(0));
    {
        let calls = calls.clone();
        e.tools()
            .register(&ToolSpec::new("rust_victim"), move |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(json!(1))
            })
            .unwrap()
            .detach();
    }
    let _h = e
        .hooks()
        .register("BeforeToolExecution", 0, move |_| {
            let _ = e.tools().unregister("rust_victim");
            HookResult::Continue
        })
        .unwrap();
    let r = e.tools().invoke("rust_victim", &json!({}));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(r.unwrap_err().code, ErrorCode::NotFound);
}
