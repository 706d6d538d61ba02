//! The safe Hooks API: results with effect on state writes (modified,
//! cancel, replace), priority order, spells firing Rust hooks, unregister
//! and drop, panics, concurrency, options, listing, metrics and records,
//! and errors.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use llmspell::{
    priority, Engine, ErrorCode, HookContext, HookHandle, HookOptions, HookRecordQuery, HookResult,
    Hooks, Lang, RunOptions,
};
use serde_json::{json, Value};

mod common;
use common::watchdog;

const LIMIT: Duration = Duration::from_secs(60);

/// SERIAL makes the tests of this file that register hooks run one at a
/// time. The library keeps C hooks in one process-wide table keyed by hook
/// id, while ids are counted per engine (both start at 1), so two engines
/// registering hooks at the same time corrupt each other's entries (see
/// `hook_ids_collide_across_engines` and README "Known issues"). Each test
/// unregisters its hooks (or closes its engine) before releasing the lock.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn engine() -> Engine {
    Engine::new("{}").expect("engine")
}

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn types_are_send_sync() {
    assert_send_sync::<HookHandle<'static>>();
    assert_send_sync::<Hooks<'static>>();
    assert_send_sync::<HookContext>();
}

/// key_of is the key of a BeforeStateWrite context.
fn key_of(ctx: &HookContext) -> &str {
    ctx.data["key"].as_str().unwrap_or("")
}

#[test]
fn before_state_write_modify_cancel_replace() {
    let _serial = serial();
    let _w = watchdog("before_state_write_modify_cancel_replace", LIMIT);
    let e = engine();
    let seen: Arc<Mutex<Vec<HookContext>>> = Arc::default();
    let h = {
        let seen = seen.clone();
        e.hooks()
            .register("BeforeStateWrite", 0, move |ctx| {
                seen.lock().unwrap().push(ctx.clone());
                match key_of(ctx) {
                    "modify_me" => {
                        let mut data = ctx.data.clone();
                        data["value"] = json!({"by": "rust", "was": ctx.data["value"]});
                        HookResult::Modified(data)
                    }
                    "modify_bare" => HookResult::Modified(json!("bare")),
                    "cancel_me" => HookResult::Cancel("no writes to cancel_me".into()),
                    "replace_me" => HookResult::Replace(json!("ignored")),
                    _ => HookResult::Continue,
                }
            })
            .unwrap()
    };
    let st = e.state();

    st.set(Some("agent:a"), "modify_me", &json!(1)).unwrap();
    assert_eq!(
        st.get(Some("agent:a"), "modify_me").unwrap(),
        Some(json!({"by": "rust", "was": 1}))
    );
    st.set(None, "modify_bare", &json!(1)).unwrap();
    assert_eq!(st.get(None, "modify_bare").unwrap(), Some(json!("bare")));

    let err = st.set(None, "cancel_me", &json!(1)).unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled, "{err}");
    assert_eq!(err.status, 5);
    assert!(err.message.contains("no writes to cancel_me"), "{err}");
    assert!(!st.exists(None, "cancel_me").unwrap());

    st.set(None, "replace_me", &json!("new")).unwrap();
    assert_eq!(st.get(None, "replace_me").unwrap(), None, "write skipped");

    st.set(None, "plain", &json!([1, 2])).unwrap();
    assert_eq!(st.get(None, "plain").unwrap(), Some(json!([1, 2])));

    // The context the hook saw.
    let seen = seen.lock().unwrap();
    let first = &seen[0];
    assert_eq!(first.point, "BeforeStateWrite");
    assert_eq!(first.component_type, "state");
    assert_eq!(first.component_name, "agent:a");
    assert_eq!(
        first.data,
        json!({"scope": "agent:a", "key": "modify_me", "value": 1})
    );
    assert!(first.metadata.is_empty(), "{:?}", first.metadata);
    assert_eq!(first.correlation_id, None);
    assert_eq!(
        seen.iter().map(key_of).collect::<Vec<_>>(),
        [
            "modify_me",
            "modify_bare",
            "cancel_me",
            "replace_me",
            "plain"
        ]
    );
    drop(seen);
    h.unregister().unwrap();
}

#[test]
fn priority_order_and_chained_modifications() {
    let _serial = serial();
    let _w = watchdog("priority_order_and_chained_modifications", LIMIT);
    let e = engine();
    let order = Arc::new(Mutex::new(Vec::new()));
    let hook = |tag: &'static str| {
        let order = order.clone();
        move |ctx: &HookContext| {
            order.lock().unwrap().push((tag, ctx.data["value"].clone()));
            let mut data = ctx.data.clone();
            data["value"] = json!(format!("{}+{tag}", ctx.data["value"].as_str().unwrap()));
            HookResult::Modified(data)
        }
    };
    // Registered low priority first: execution order follows the priority.
    let late = e
        .hooks()
        .register("BeforeStateWrite", priority::LOW, hook("low"))
        .unwrap();
    let early = e
        .hooks()
        .register("state:before_write", -10, hook("early"))
        .unwrap();
    let first = e
        .hooks()
        .register("before_state_write", priority::HIGHEST, hook("highest"))
        .unwrap();
    e.state().set(None, "k", &json!("v")).unwrap();
    assert_eq!(
        *order.lock().unwrap(),
        [
            ("highest", json!("v")),
            ("early", json!("v+highest")),
            ("low", json!("v+highest+early")),
        ]
    );
    assert_eq!(
        e.state().get(None, "k").unwrap(),
        Some(json!("v+highest+early+low"))
    );
    // list shows them in execution order.
    let ids: Vec<u64> = e
        .hooks()
        .list(Some("BeforeStateWrite"))
        .unwrap()
        .iter()
        .map(|h| h["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [first.id(), early.id(), late.id()]);
    // A cancel stops the chain: later hooks do not run.
    drop(first);
    let stop = e
        .hooks()
        .register("BeforeStateWrite", priority::HIGH, |_| {
            HookResult::Cancel("stop".into())
        })
        .unwrap();
    order.lock().unwrap().clear();
    let err = e.state().set(None, "k2", &json!("v")).unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled);
    assert!(order.lock().unwrap().is_empty());
    drop(stop);
    drop(early);
    drop(late);
    assert!(e.hooks().list(None).unwrap().is_empty());
}

#[test]
fn js_and_lua_spells_fire_rust_hooks() {
    let _serial = serial();
    let _w = watchdog("js_and_lua_spells_fire_rust_hooks", LIMIT);
    let e = engine();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let _h = {
        let seen = seen.clone();
        e.hooks()
            .register("BeforeStateWrite", 0, move |ctx| {
                seen.lock()
                    .unwrap()
                    .push((ctx.component_name.clone(), ctx.data.clone()));
                match key_of(ctx) {
                    "forbidden" => HookResult::Cancel("not from spells".into()),
                    "doubled" => {
                        let mut d = ctx.data.clone();
                        d["value"] = json!(ctx.data["value"].as_i64().unwrap() * 2);
                        HookResult::Modified(d)
                    }
                    _ => HookResult::Continue,
                }
            })
            .unwrap()
    };
    let out = e
        .run(
            Lang::Js,
            r#"
            State.set("from_js", {n: 1});
            State.set("doubled", 21);
            let code = null;
            try { State.set("forbidden", 1); } catch (err) { code = err.code; }
            return {doubled: State.get("doubled"), code: code, forbidden: State.get("forbidden")};
            "#,
            &RunOptions::new(),
        )
        .unwrap();
    assert_eq!(
        out.value,
        json!({"doubled": 42, "code": "cancelled", "forbidden": null})
    );
    let out = e
        .run(
            Lang::Lua,
            r#"
            State.set("agent:x", "from_lua", true)
            local ok, err = pcall(State.set, "forbidden", 1)
            return {ok = ok, code = err.code}
            "#,
            &RunOptions::new(),
        )
        .unwrap();
    assert_eq!(out.value, json!({"ok": false, "code": "cancelled"}));
    let seen = seen.lock().unwrap();
    let keys: Vec<(&str, &str)> = seen
        .iter()
        .map(|(scope, d)| (scope.as_str(), d["key"].as_str().unwrap()))
        .collect();
    assert_eq!(
        keys,
        [
            ("global", "from_js"),
            ("global", "doubled"),
            ("global", "forbidden"),
            ("agent:x", "from_lua"),
            ("global", "forbidden"),
        ]
    );
    assert_eq!(seen[0].1["value"], json!({"n": 1}));
    assert_eq!(e.state().get(None, "doubled").unwrap(), Some(json!(42)));
}

#[test]
fn unregister_and_drop_stop_the_hook() {
    let _serial = serial();
    let _w = watchdog("unregister_and_drop_stop_the_hook", LIMIT);
    let e = engine();
    let calls = Arc::new(AtomicUsize::new(0));
    let counting = || {
        let calls = calls.clone();
        move |_: &HookContext| {
            calls.fetch_add(1, Ordering::SeqCst);
            HookResult::Continue
        }
    };
    let h = e
        .hooks()
        .register("BeforeStateWrite", 0, counting())
        .unwrap();
    let id = h.id();
    e.state().set(None, "a", &json!(1)).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    h.unregister().unwrap();
    // The closure was dropped by unregister.
    assert_eq!(Arc::strong_count(&calls), 1);
    e.state().set(None, "a", &json!(2)).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // A second unregister of the same id is not found.
    let err = e.hooks().unregister(id).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);

    // Drop unregisters too.
    let h = e
        .hooks()
        .register("BeforeStateWrite", 0, counting())
        .unwrap();
    e.state().set(None, "a", &json!(3)).unwrap();
    drop(h);
    e.state().set(None, "a", &json!(4)).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(Arc::strong_count(&calls), 1);

    // Unregistered by id elsewhere: the handle's unregister is NotFound and
    // its drop is quiet.
    let h = e
        .hooks()
        .register("BeforeStateWrite", 0, counting())
        .unwrap();
    e.hooks().unregister(h.id()).unwrap();
    assert_eq!(h.unregister().unwrap_err().code, ErrorCode::NotFound);
    assert!(e.hooks().list(None).unwrap().is_empty());
}

#[test]
fn unregister_waits_for_calls_in_progress() {
    let _serial = serial();
    let _w = watchdog("unregister_waits_for_calls_in_progress", LIMIT);
    let e = engine();
    let inside = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let h = {
        let (inside, finished) = (inside.clone(), finished.clone());
        e.hooks()
            .register("BeforeStateWrite", 0, move |_| {
                inside.fetch_add(1, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(30));
                finished.fetch_add(1, Ordering::SeqCst);
                HookResult::Continue
            })
            .unwrap()
    };
    thread::scope(|s| {
        s.spawn(|| e.state().set(None, "slow", &json!(1)).unwrap());
        while inside.load(Ordering::SeqCst) == 0 {
            thread::yield_now();
        }
        h.unregister().unwrap();
        // The call in progress finished before unregister returned.
        assert_eq!(finished.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn panicking_hook_does_not_stop_the_write() {
    let _serial = serial();
    let _w = watchdog("panicking_hook_does_not_stop_the_write", LIMIT);
    let e = engine();
    let calls = Arc::new(AtomicUsize::new(0));
    let h = {
        let calls = calls.clone();
        e.hooks()
            .register("BeforeStateWrite", 0, move |ctx| {
                calls.fetch_add(1, Ordering::SeqCst);
                if key_of(ctx).starts_with("boom") {
                    panic!("hook panicked on {}", key_of(ctx));
                }
                HookResult::Continue
            })
            .unwrap()
    };
    // The write proceeds as if the hook had answered continue.
    e.state().set(None, "boom1", &json!(1)).unwrap();
    assert_eq!(e.state().get(None, "boom1").unwrap(), Some(json!(1)));
    // A spell's write too, on a library thread.
    let out = e
        .run(
            Lang::Js,
            r#"State.set("boom2", 2); return State.get("boom2");"#,
            &RunOptions::new(),
        )
        .unwrap();
    assert_eq!(out.value, json!(2));
    // The hook stays registered and runs again.
    e.state().set(None, "fine", &json!(3)).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    // Each panic was reported as a failed call.
    let listed = e.hooks().list(Some("BeforeStateWrite")).unwrap();
    assert_eq!(listed[0]["failures"], json!(2), "{listed:?}");
    e.ping().unwrap();
    // The first panic comes back from unregister, after the hook is gone.
    let id = h.id();
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.unregister()))
        .expect_err("panic resumed by unregister");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("hook panicked on boom1")
    );
    assert_eq!(
        e.hooks().unregister(id).unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(Arc::strong_count(&calls), 1);
}

#[test]
fn panicking_hook_opens_its_breaker() {
    let _serial = serial();
    let _w = watchdog("panicking_hook_opens_its_breaker", LIMIT);
    let e = engine();
    let calls = Arc::new(AtomicUsize::new(0));
    let h = {
        let calls = calls.clone();
        e.hooks()
            .register("BeforeStateWrite", 0, move |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                panic!("always");
            })
            .unwrap()
    };
    for i in 0..3 {
        e.state().set(None, &format!("p{i}"), &json!(i)).unwrap();
    }
    let listed = e.hooks().list(Some("BeforeStateWrite")).unwrap();
    assert_eq!(listed[0]["failures"], json!(3), "{listed:?}");
    assert_eq!(listed[0]["breaker"], json!("open"), "{listed:?}");
    // Skipped while open: the write happens, the closure is not called.
    e.state().set(None, "p3", &json!(3)).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(e.state().get(None, "p3").unwrap(), Some(json!(3)));
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.unregister()))
        .expect_err("panic resumed by unregister");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"always"));
}

#[test]
fn panicking_hook_resumed_by_drop() {
    let _serial = serial();
    let _w = watchdog("panicking_hook_resumed_by_drop", LIMIT);
    let e = engine();
    let h = e
        .hooks()
        .register("BeforeStateWrite", 0, |_| panic!("dropped"))
        .unwrap();
    e.state().set(None, "k", &json!(1)).unwrap();
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(h)))
        .expect_err("panic resumed by drop");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"dropped"));
    assert!(e.hooks().list(None).unwrap().is_empty());
}

#[test]
fn concurrent_writers_run_the_hook_concurrently() {
    let _serial = serial();
    let _w = watchdog("concurrent_writers_run_the_hook_concurrently", LIMIT);
    let e = engine();
    let calls = Arc::new(AtomicUsize::new(0));
    let threads = Mutex::new(std::collections::HashSet::new());
    let threads = Arc::new(threads);
    let _h = {
        let (calls, threads) = (calls.clone(), threads.clone());
        e.hooks()
            .register("BeforeStateWrite", 0, move |ctx| {
                calls.fetch_add(1, Ordering::SeqCst);
                threads.lock().unwrap().insert(thread::current().id());
                let mut d = ctx.data.clone();
                d["value"] = json!(ctx.data["value"].as_i64().unwrap() + 1000);
                HookResult::Modified(d)
            })
            .unwrap()
    };
    thread::scope(|s| {
        for t in 0..4 {
            let e = &e;
            s.spawn(move || {
                for i in 0..25 {
                    let key = format!("t{t}.{i}");
                    e.state().set(None, &key, &json!(i)).unwrap();
                }
            });
        }
    });
    assert_eq!(calls.load(Ordering::SeqCst), 100);
    assert_eq!(e.state().get(None, "t3.24").unwrap(), Some(json!(1024)));
    assert!(
        threads.lock().unwrap().len() >= 2,
        "hooks ran on one thread only"
    );
}

#[test]
fn options_name_and_component_filter() {
    let _serial = serial();
    let _w = watchdog("options_name_and_component_filter", LIMIT);
    let e = engine();
    let state_calls = Arc::new(AtomicUsize::new(0));
    let other_calls = Arc::new(AtomicUsize::new(0));
    let named = {
        let c = state_calls.clone();
        e.hooks()
            .register_with(
                "BeforeStateWrite",
                &HookOptions::new()
                    .name("audit")
                    .priority(7)
                    .component("state"),
                move |_| {
                    c.fetch_add(1, Ordering::SeqCst);
                    HookResult::Continue
                },
            )
            .unwrap()
    };
    let filtered = {
        let c = other_calls.clone();
        e.hooks()
            .register_with(
                "BeforeStateWrite",
                &HookOptions::new().component("session"),
                move |_| {
                    c.fetch_add(1, Ordering::SeqCst);
                    HookResult::Cancel("never".into())
                },
            )
            .unwrap()
    };
    e.state().set(None, "k", &json!(1)).unwrap();
    assert_eq!(state_calls.load(Ordering::SeqCst), 1);
    assert_eq!(other_calls.load(Ordering::SeqCst), 0);
    let list = e.hooks().list(Some("BeforeStateWrite")).unwrap();
    let audit = list
        .iter()
        .find(|h| h["id"].as_u64() == Some(named.id()))
        .expect("listed");
    assert_eq!(audit["name"], json!("audit"));
    assert_eq!(audit["priority"], json!(7));
    assert_eq!(audit["language"], json!("rust"));
    assert_eq!(audit["point"], json!("BeforeStateWrite"));
    assert_eq!(audit["calls"], json!(1));
    assert!(e.hooks().list(Some("SessionStart")).unwrap().is_empty());
    assert_eq!(e.hooks().list(None).unwrap().len(), 2);
    drop(filtered);
    drop(named);
}

#[test]
fn session_hooks_see_the_session() {
    let _serial = serial();
    let _w = watchdog("session_hooks_see_the_session", LIMIT);
    let e = engine();
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = Mutex::new(tx);
    let _h = e
        .hooks()
        .register("SessionStart", 0, move |ctx| {
            let _ = tx
                .lock()
                .unwrap()
                .send((ctx.component_type.clone(), ctx.component_name.clone()));
            HookResult::Continue
        })
        .unwrap();
    let id = e
        .sessions()
        .create(&llmspell::SessionOptions::new().name("s"))
        .unwrap();
    let (ty, name) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(ty, "session");
    assert_eq!(name, id);
}

#[test]
fn detached_hook_lives_until_the_engine_closes() {
    let _serial = serial();
    let _w = watchdog("detached_hook_lives_until_the_engine_closes", LIMIT);
    let e = engine();
    let calls = Arc::new(AtomicUsize::new(0));
    let id = {
        let calls = calls.clone();
        e.hooks()
            .register("BeforeStateWrite", 0, move |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                HookResult::Continue
            })
            .unwrap()
            .detach()
    };
    e.state().set(None, "k", &json!(1)).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(e
        .hooks()
        .list(None)
        .unwrap()
        .iter()
        .any(|h| h["id"].as_u64() == Some(id)));
    // Closing the engine frees the closure.
    drop(e);
    assert_eq!(Arc::strong_count(&calls), 1);

    // Or unregister it by id.
    let e = engine();
    let id = {
        let calls = calls.clone();
        e.hooks()
            .register("BeforeStateWrite", 0, move |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                HookResult::Continue
            })
            .unwrap()
            .detach()
    };
    e.hooks().unregister(id).unwrap();
    assert_eq!(Arc::strong_count(&calls), 1);
}

#[test]
fn shutdown_hook_runs_when_the_engine_closes() {
    let _serial = serial();
    let _w = watchdog("shutdown_hook_runs_when_the_engine_closes", LIMIT);
    let e = engine();
    let calls = Arc::new(AtomicUsize::new(0));
    {
        let calls = calls.clone();
        e.hooks()
            .register("SystemShutdown", 0, move |ctx| {
                assert_eq!(ctx.point, "SystemShutdown");
                calls.fetch_add(1, Ordering::SeqCst);
                HookResult::Continue
            })
            .unwrap()
            .detach();
    }
    drop(e);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(Arc::strong_count(&calls), 1);
}

#[test]
fn invalid_points_and_names() {
    let _serial = serial();
    let e = engine();
    let token = Arc::new(());
    for point in ["Nowhere", "", "custom:", "Before\0StateWrite"] {
        let held = token.clone();
        let err = e
            .hooks()
            .register(point, 0, move |_| {
                let _ = &held;
                HookResult::Continue
            })
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{point:?}: {err}");
    }
    // A failed registration drops the closure.
    assert_eq!(Arc::strong_count(&token), 1);
    let err = e
        .hooks()
        .register_with("BeforeStateWrite", &HookOptions::new().name("a\0b"), |_| {
            HookResult::Continue
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert_eq!(
        e.hooks().list(Some("Nowhere")).unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    // custom points are accepted.
    let h = e
        .hooks()
        .register("custom:my_point", 0, |_| HookResult::Continue)
        .unwrap();
    assert_eq!(
        e.hooks().list(Some("custom:my_point")).unwrap()[0]["id"].as_u64(),
        Some(h.id())
    );
}

#[test]
fn results_as_json() {
    let cases = [
        (HookResult::Continue, json!({"type": "continue"})),
        (
            HookResult::Modified(json!({"a": 1})),
            json!({"type": "modified", "data": {"a": 1}}),
        ),
        (
            HookResult::Cancel("why".into()),
            json!({"type": "cancel", "reason": "why"}),
        ),
        (
            HookResult::Replace(json!([1])),
            json!({"type": "replace", "data": [1]}),
        ),
        (
            HookResult::Retry {
                delay: Duration::from_millis(250),
                max_attempts: 3,
            },
            json!({"type": "retry", "delay_ms": 250.0, "max_attempts": 3}),
        ),
        (HookResult::Skipped, json!({"type": "skipped"})),
        (
            HookResult::Redirect("other".into()),
            json!({"type": "redirect", "target": "other"}),
        ),
        (
            HookResult::Cache {
                key: Some("k".into()),
                ttl: Duration::from_secs(60),
            },
            json!({"type": "cache", "key": "k", "ttl_s": 60.0}),
        ),
        (
            HookResult::Cache {
                key: None,
                ttl: Duration::from_millis(1500),
            },
            json!({"type": "cache", "ttl_s": 1.5}),
        ),
    ];
    for (r, want) in cases {
        assert_eq!(r.to_json(), want, "{r:?}");
    }
}

#[test]
fn context_from_json() {
    let ctx = HookContext::from_json(
        r#"{"point":"AfterAgentExecution","component":{"type":"agent","name":"a1"},
            "data":{"x":1},"metadata":{"m":true},"correlation_id":"c"}"#,
    )
    .unwrap();
    assert_eq!(ctx.point, "AfterAgentExecution");
    assert_eq!(ctx.component_type, "agent");
    assert_eq!(ctx.component_name, "a1");
    assert_eq!(ctx.data, json!({"x": 1}));
    assert_eq!(ctx.metadata.get("m"), Some(&Value::Bool(true)));
    assert_eq!(ctx.correlation_id.as_deref(), Some("c"));
    for bad in ["[]", "{}", r#"{"point":1,"component":{}}"#, "nope"] {
        assert!(HookContext::from_json(bad).is_err(), "{bad}");
    }
}

#[test]
fn skipped_and_redirect_answers_are_accepted() {
    let _serial = serial();
    let _w = watchdog("skipped_and_redirect_answers_are_accepted", LIMIT);
    let e = engine();
    let skip = e
        .hooks()
        .register("BeforeStateWrite", -1, |_| HookResult::Skipped)
        .unwrap();
    e.state().set(None, "k", &json!(1)).unwrap();
    assert_eq!(e.state().get(None, "k").unwrap(), Some(json!(1)));
    drop(skip);
    // A malformed answer (redirect without target) counts as a failure of
    // the hook and otherwise as continue.
    let bad = e
        .hooks()
        .register("BeforeStateWrite", 0, |_| {
            HookResult::Redirect(String::new())
        })
        .unwrap();
    e.state().set(None, "k", &json!(2)).unwrap();
    assert_eq!(e.state().get(None, "k").unwrap(), Some(json!(2)));
    let list = e.hooks().list(None).unwrap();
    assert_eq!(list[0]["failures"], json!(1), "{list:?}");
    drop(bad);
}

/// Two engines, one hook each: both get hook id 1 from their own engine,
/// and the library's process-wide table of C hooks (capi/hook_exports.go,
/// `cHooks map[uint64]*cHook`) keeps only one of them. Unregistering engine
/// A's hook then removes and frees engine B's C hook (B's hook silently
/// stops running, and its closure is dropped while B still lists it), and
/// A's closure is never freed. Ignored until the library keys that table
/// by engine and id.
#[test]
fn hook_ids_collide_across_engines() {
    let _serial = serial();
    let _w = watchdog("hook_ids_collide_across_engines", LIMIT);
    let a = engine();
    let b = engine();
    let a_calls = Arc::new(AtomicUsize::new(0));
    let b_calls = Arc::new(AtomicUsize::new(0));
    let counting = |calls: &Arc<AtomicUsize>| {
        let calls = calls.clone();
        move |_: &HookContext| {
            calls.fetch_add(1, Ordering::SeqCst);
            HookResult::Continue
        }
    };
    let ha = a
        .hooks()
        .register("BeforeStateWrite", 0, counting(&a_calls))
        .unwrap();
    let hb = b
        .hooks()
        .register("BeforeStateWrite", 0, counting(&b_calls))
        .unwrap();
    assert_eq!(ha.id(), hb.id(), "ids are per engine");
    ha.unregister().unwrap();
    assert_eq!(
        Arc::strong_count(&a_calls),
        1,
        "engine A's closure was not freed"
    );
    b.state().set(None, "k", &json!(1)).unwrap();
    assert_eq!(
        b_calls.load(Ordering::SeqCst),
        1,
        "engine B's hook stopped running"
    );
    assert_eq!(
        Arc::strong_count(&b_calls),
        2,
        "engine B's closure was freed while registered"
    );
    hb.unregister().unwrap();
}

#[test]
fn metrics_and_records() {
    let _serial = serial();
    let _w = watchdog("metrics_and_records", LIMIT);
    let e = Engine::new(r#"{"hooks":{"metrics":true,"record":true}}"#).expect("engine");
    let h = e
        .hooks()
        .register_with(
            "BeforeStateWrite",
            &HookOptions::new().name("rust-metrics"),
            |ctx| match key_of(ctx) {
                "loud" => HookResult::Modified(json!({"value": "B"})),
                _ => HookResult::Continue,
            },
        )
        .unwrap();
    e.state().set(None, "quiet", &json!("a")).unwrap();
    e.state().set(None, "loud", &json!("b")).unwrap();

    let m = e.hooks().metrics().unwrap();
    assert_eq!(m["counts"]["BeforeStateWrite"], json!(2), "{m}");
    assert_eq!(m["counts"]["AfterStateWrite"], json!(2), "{m}");
    assert!(m["latency"].is_object(), "{m}");

    let mine: Vec<Value> = e
        .hooks()
        .records(&HookRecordQuery::new())
        .unwrap()
        .into_iter()
        .filter(|r| r["hook"] == "rust-metrics")
        .collect();
    assert_eq!(mine.len(), 2, "{mine:?}");
    let first = &mine[0];
    assert_eq!(first["hook_id"], json!(h.id()));
    assert_eq!(first["point"], "BeforeStateWrite");
    assert_eq!(
        first["component"],
        json!({"type": "state", "name": "global"})
    );
    assert_eq!(
        first["input"],
        json!({"scope": "global", "key": "quiet", "value": "a"})
    );
    assert_eq!(first["result"], "continue");
    assert_eq!(mine[1]["result"], "modified");
    assert_eq!(first["error"], Value::Null);
    assert_eq!(first["correlation_id"], "");
    assert!(
        first["duration_us"].is_u64() && first["at"].is_string(),
        "{first}"
    );
    let one = e.hooks().records(&HookRecordQuery::new().limit(1)).unwrap();
    assert_eq!(one.len(), 1);
    let none = e
        .hooks()
        .records(&HookRecordQuery::new().correlation_id("nobody"))
        .unwrap();
    assert!(none.is_empty(), "{none:?}");
    let err = e
        .hooks()
        .records(&HookRecordQuery::new().correlation_id("a\0b"))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    drop(h);

    let off = engine();
    let err = off.hooks().metrics().unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert!(err.message.contains("hooks.metrics"), "{err}");
    let err = off.hooks().records(&HookRecordQuery::new()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert!(err.message.contains("hooks.record"), "{err}");
}
