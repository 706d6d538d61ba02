//! The safe Events API: publishing, pull subscriptions and their buffer
//! policies, callback subscriptions (threads, drop, panics, dropping from
//! inside the callback), spells publishing to Rust, engine events, stats.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use llmspell::{
    Engine, ErrorCode, EventQuery, Events, Lang, Policy, PublishOptions, RunOptions,
    SubscribeOptions, Subscription,
};
use serde_json::{json, Value};

mod common;
use common::watchdog;

const LIMIT: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(10);

fn engine() -> Engine {
    Engine::new("{}").expect("engine")
}

fn opts(buffer: usize, policy: Policy) -> SubscribeOptions {
    SubscribeOptions::new().buffer_size(buffer).policy(policy)
}

/// wait_until polls `cond` until it holds or WAIT passes.
fn wait_until(mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < WAIT {
        if cond() {
            return true;
        }
        thread::sleep(Duration::from_millis(2));
    }
    cond()
}

fn sub_stats(events: Events<'_>, pattern: &str) -> Value {
    let stats = events.stats().unwrap();
    stats["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["pattern"] == json!(pattern))
        .cloned()
        .unwrap_or_else(|| panic!("no subscription {pattern} in {stats}"))
}

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn types_are_send_sync() {
    assert_send_sync::<Subscription>();
    assert_send_sync::<Events<'static>>();
}

#[test]
fn publish_returns_the_event() {
    let _w = watchdog("publish_returns_the_event", LIMIT);
    let e = engine();
    let ev = e
        .events()
        .publish(
            "app.started",
            &json!({"n": 1}),
            &PublishOptions::new().correlation_id("c1").tag("x").tag("y"),
        )
        .unwrap();
    assert_eq!(ev["type"], json!("app.started"));
    assert_eq!(ev["data"], json!({"n": 1}));
    assert_eq!(ev["correlation_id"], json!("c1"));
    assert_eq!(ev["source"], json!("host"));
    assert_eq!(ev["tags"], json!(["x", "y"]));
    assert!(ev["id"].as_str().is_some_and(|s| !s.is_empty()), "{ev}");
    assert!(ev["sequence"].as_u64().is_some(), "{ev}");
    let ev2 = e
        .events()
        .publish(
            "app.x",
            &Value::Null,
            &PublishOptions::new().source("tests"),
        )
        .unwrap();
    assert_eq!(ev2["source"], json!("tests"));
    assert_eq!(ev2["data"], Value::Null);
    assert!(ev2["sequence"].as_u64() > ev["sequence"].as_u64());
}

#[test]
fn pull_in_order() {
    let _w = watchdog("pull_in_order", LIMIT);
    let e = engine();
    let ev = e.events();
    let sub = ev.subscribe("app.*", &SubscribeOptions::new()).unwrap();
    assert!(!sub.is_callback());
    let other = ev.subscribe("other", &SubscribeOptions::new()).unwrap();
    for i in 0..20 {
        ev.publish("app.step", &json!({"i": i}), &PublishOptions::new())
            .unwrap();
    }
    ev.publish("unrelated", &json!(0), &PublishOptions::new())
        .unwrap();
    let mut last_seq = 0;
    for i in 0..20 {
        let got = sub.next(Duration::from_secs(1)).unwrap().expect("event");
        assert_eq!(got["type"], json!("app.step"));
        assert_eq!(got["data"], json!({"i": i}));
        let seq = got["sequence"].as_u64().unwrap();
        assert!(seq > last_seq, "sequence {seq} after {last_seq}");
        last_seq = seq;
    }
    assert_eq!(sub.next(Duration::ZERO).unwrap(), None);
    assert_eq!(other.next(Duration::ZERO).unwrap(), None);
}

#[test]
fn patterns() {
    let _w = watchdog("patterns", LIMIT);
    let e = engine();
    let ev = e.events();
    let cases = [
        ("*", vec!["a", "a.b", "x.error", "tool_run"]),
        ("a.*", vec!["a.b", "a.b.c", "a.b.error"]),
        ("*.error", vec!["x.error", "a.b.error"]),
        ("tool_*", vec!["tool_run"]),
        ("a.b", vec!["a.b"]),
    ];
    let subs: Vec<_> = cases
        .iter()
        .map(|(p, _)| ev.subscribe(p, &SubscribeOptions::new()).unwrap())
        .collect();
    for t in ["a", "a.b", "a.b.c", "x.error", "a.b.error", "tool_run"] {
        ev.publish(t, &Value::Null, &PublishOptions::new()).unwrap();
    }
    for ((pattern, want), sub) in cases.iter().zip(&subs) {
        let got: Vec<String> = sub
            .iter(Duration::ZERO)
            .map(|r| r.unwrap()["type"].as_str().unwrap().to_owned())
            .collect();
        if *pattern == "*" {
            for w in want {
                assert!(got.iter().any(|g| g == w), "{pattern}: {got:?}");
            }
        } else {
            assert_eq!(&got, want, "pattern {pattern}");
        }
    }
}

#[test]
fn drop_oldest_and_drop_newest() {
    let _w = watchdog("drop_oldest_and_drop_newest", LIMIT);
    let e = engine();
    let ev = e.events();
    let oldest = ev.subscribe("p", &opts(2, Policy::DropOldest)).unwrap();
    let newest = ev.subscribe("p", &opts(2, Policy::DropNewest)).unwrap();
    let default = ev.subscribe("p", &SubscribeOptions::new()).unwrap();
    for n in 1..=3 {
        ev.publish("p", &json!(n), &PublishOptions::new()).unwrap();
    }
    let data = |s: &Subscription| -> Vec<Value> {
        s.iter(Duration::ZERO)
            .map(|r| r.unwrap()["data"].clone())
            .collect()
    };
    assert_eq!(data(&oldest), [json!(2), json!(3)]);
    assert_eq!(data(&newest), [json!(1), json!(2)]);
    assert_eq!(data(&default), [json!(1), json!(2), json!(3)]);
    let stats = ev.stats().unwrap();
    let subs = stats["subscriptions"].as_array().unwrap();
    let find = |policy: &str| {
        subs.iter()
            .find(|s| s["policy"] == json!(policy) && s["capacity"] == json!(2))
            .unwrap_or_else(|| panic!("{policy} in {stats}"))
    };
    assert_eq!(find("drop_oldest")["dropped"], json!(1));
    assert_eq!(find("drop_oldest")["delivered"], json!(2));
    assert_eq!(find("drop_newest")["dropped"], json!(1));
    assert!(stats["published"].as_u64().unwrap() >= 3, "{stats}");
}

#[test]
fn next_times_out() {
    let _w = watchdog("next_times_out", LIMIT);
    let e = engine();
    let sub = e
        .events()
        .subscribe("quiet", &SubscribeOptions::new())
        .unwrap();
    let start = Instant::now();
    assert_eq!(sub.next(Duration::ZERO).unwrap(), None);
    assert!(start.elapsed() < Duration::from_millis(500));
    let start = Instant::now();
    assert_eq!(sub.next(Duration::from_millis(150)).unwrap(), None);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(140) && took < Duration::from_secs(5),
        "took {took:?}"
    );
    // A sub-millisecond timeout rounds up to 1 ms instead of "do not wait".
    assert_eq!(sub.next(Duration::from_micros(10)).unwrap(), None);
    // An event published while next waits wakes it up.
    thread::scope(|s| {
        s.spawn(|| {
            thread::sleep(Duration::from_millis(100));
            e.events()
                .publish("quiet", &json!("late"), &PublishOptions::new())
                .unwrap();
        });
        let start = Instant::now();
        let got = sub.next(Duration::from_secs(10)).unwrap().expect("event");
        assert_eq!(got["data"], json!("late"));
        assert!(start.elapsed() < Duration::from_secs(5));
    });
}

#[test]
fn reject_policy_is_limit_exceeded() {
    let _w = watchdog("reject_policy_is_limit_exceeded", LIMIT);
    let e = engine();
    let ev = e.events();
    let reject = ev.subscribe("r", &opts(1, Policy::Reject)).unwrap();
    let other = ev.subscribe("r", &SubscribeOptions::new()).unwrap();
    ev.publish("r", &json!(1), &PublishOptions::new()).unwrap();
    let err = ev
        .publish("r", &json!(2), &PublishOptions::new())
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Limit, "{err}");
    assert_eq!(err.status, 12);
    assert!(err.message.starts_with("limit_exceeded"), "{err}");
    // Every other subscription still got the event.
    assert_eq!(other.iter(Duration::ZERO).count(), 2);
    assert_eq!(sub_stats(ev, "r")["rejected"], json!(1));
    // Once there is room, publishing works again.
    assert_eq!(
        reject.next(Duration::ZERO).unwrap().unwrap()["data"],
        json!(1)
    );
    ev.publish("r", &json!(3), &PublishOptions::new()).unwrap();
    drop(reject);
    // Without the reject subscription nothing fails.
    ev.publish("r", &json!(4), &PublishOptions::new()).unwrap();
    ev.publish("r", &json!(5), &PublishOptions::new()).unwrap();
}

#[test]
fn block_policy_waits_then_drops() {
    let _w = watchdog("block_policy_waits_then_drops", LIMIT);
    let e = engine();
    let ev = e.events();
    let sub = ev
        .subscribe(
            "b",
            &opts(1, Policy::Block).block_timeout(Duration::from_millis(100)),
        )
        .unwrap();
    ev.publish("b", &json!(1), &PublishOptions::new()).unwrap();
    let start = Instant::now();
    ev.publish("b", &json!(2), &PublishOptions::new()).unwrap();
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(90) && took < Duration::from_secs(5),
        "blocked {took:?}"
    );
    assert_eq!(sub_stats(ev, "b")["dropped"], json!(1));
    // A reader making room lets a blocked publisher through.
    thread::scope(|s| {
        s.spawn(|| {
            thread::sleep(Duration::from_millis(20));
            assert_eq!(sub.next(Duration::ZERO).unwrap().unwrap()["data"], json!(1));
        });
        ev.publish("b", &json!(3), &PublishOptions::new()).unwrap();
    });
    assert_eq!(sub.next(Duration::ZERO).unwrap().unwrap()["data"], json!(3));
}

#[test]
fn invalid_arguments() {
    let _w = watchdog("invalid_arguments", LIMIT);
    let e = engine();
    let ev = e.events();
    let none = PublishOptions::new();
    for t in ["a..b", "", "a\0b"] {
        let err = ev.publish(t, &Value::Null, &none).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "type {t:?}: {err}");
    }
    for o in [
        PublishOptions::new().tag("a\0b"),
        PublishOptions::new().source("s\0"),
        PublishOptions::new().correlation_id("\0"),
    ] {
        let err = ev.publish("ok", &Value::Null, &o).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{o:?}: {err}");
    }
    for o in [
        SubscribeOptions::new().buffer_size(0),
        SubscribeOptions::new().buffer_size(1 << 21),
    ] {
        let err = ev.subscribe("x", &o).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{o:?}: {err}");
        let err = ev.subscribe_with("x", &o, |_| {}).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{o:?}: {err}");
    }
    let err = ev.subscribe("x\0", &SubscribeOptions::new()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
}

#[test]
fn failed_callback_subscribe_drops_the_closure() {
    let e = engine();
    let token = Arc::new(());
    let held = Arc::clone(&token);
    let err = e
        .events()
        .subscribe_with("x", &SubscribeOptions::new().buffer_size(0), move |_| {
            let _ = &held;
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert_eq!(Arc::strong_count(&token), 1, "closure leaked or kept");
}

#[test]
fn subscription_moves_and_is_shared_across_threads() {
    let _w = watchdog("subscription_moves_and_is_shared_across_threads", LIMIT);
    let e = engine();
    let ev = e.events();
    let sub = ev.subscribe("t", &SubscribeOptions::new()).unwrap();
    for i in 0..100 {
        ev.publish("t", &json!(i), &PublishOptions::new()).unwrap();
    }
    // Four threads pull from one &Subscription: each event once.
    let seen = Mutex::new(Vec::new());
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while let Some(got) = sub.next(Duration::from_millis(50)).unwrap() {
                    seen.lock().unwrap().push(got["data"].as_i64().unwrap());
                }
            });
        }
    });
    let mut seen = seen.into_inner().unwrap();
    seen.sort();
    assert_eq!(seen, (0..100).collect::<Vec<_>>());
    // And the subscription itself moves to another thread.
    ev.publish("t", &json!("moved"), &PublishOptions::new())
        .unwrap();
    let got = thread::spawn(move || sub.next(Duration::from_secs(1)).unwrap())
        .join()
        .unwrap();
    assert_eq!(got.unwrap()["data"], json!("moved"));
}

#[test]
fn callback_receives_events_from_other_threads_and_none_after_drop() {
    let _w = watchdog(
        "callback_receives_events_from_other_threads_and_none_after_drop",
        LIMIT,
    );
    let e = engine();
    let ev = e.events();
    let calls = Arc::new(AtomicUsize::new(0));
    let got = Arc::new(Mutex::new(Vec::new()));
    let caller = thread::current().id();
    let dispatcher = Arc::new(Mutex::new(None));
    let sub = {
        let (calls, got, dispatcher) = (calls.clone(), got.clone(), dispatcher.clone());
        ev.subscribe_with("job.*", &SubscribeOptions::new(), move |event| {
            *dispatcher.lock().unwrap() = Some(thread::current().id());
            got.lock().unwrap().push(event);
            calls.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap()
    };
    assert!(sub.is_callback());
    // Four publisher threads, 50 events each.
    let e = &e;
    thread::scope(|s| {
        for t in 0..4 {
            s.spawn(move || {
                for i in 0..50 {
                    e.events()
                        .publish("job.done", &json!({"t": t, "i": i}), &PublishOptions::new())
                        .unwrap();
                }
            });
        }
    });
    ev.publish("other", &Value::Null, &PublishOptions::new())
        .unwrap();
    assert!(
        wait_until(|| calls.load(Ordering::SeqCst) == 200),
        "callback calls: {}",
        calls.load(Ordering::SeqCst)
    );
    {
        let got = got.lock().unwrap();
        // Per publisher thread, events arrive in publish order.
        for t in 0..4 {
            let is: Vec<i64> = got
                .iter()
                .filter(|ev| ev["data"]["t"] == json!(t))
                .map(|ev| ev["data"]["i"].as_i64().unwrap())
                .collect();
            assert_eq!(is, (0..50).collect::<Vec<_>>(), "thread {t}");
        }
        assert!(got.iter().all(|ev| ev["type"] == json!("job.done")));
    }
    let on = dispatcher.lock().unwrap().expect("dispatcher thread");
    assert_ne!(on, caller, "callbacks run on the dispatcher thread");
    // Pulling from a callback subscription is an error.
    assert_eq!(
        sub.next(Duration::ZERO).unwrap_err().code,
        ErrorCode::InvalidArgument
    );

    // Keep publishing from another thread while the subscription is
    // dropped: no call after drop returns, and the closure is gone.
    let stop = AtomicUsize::new(0);
    thread::scope(|s| {
        s.spawn(|| {
            while stop.load(Ordering::SeqCst) == 0 {
                e.events()
                    .publish("job.more", &Value::Null, &PublishOptions::new())
                    .unwrap();
                thread::sleep(Duration::from_micros(200));
            }
        });
        thread::sleep(Duration::from_millis(30));
        drop(sub);
        let after = calls.load(Ordering::SeqCst);
        assert_eq!(Arc::strong_count(&calls), 1, "closure not dropped by drop");
        thread::sleep(Duration::from_millis(50));
        assert_eq!(calls.load(Ordering::SeqCst), after, "callback after drop");
        stop.store(1, Ordering::SeqCst);
    });
}

#[test]
fn callback_may_publish_and_read_the_engine() {
    let _w = watchdog("callback_may_publish_and_read_the_engine", LIMIT);
    let e = Arc::new(engine());
    let (tx, rx) = std::sync::mpsc::channel();
    let sub = {
        let e2 = Arc::clone(&e);
        e.events()
            .subscribe_with("ping", &SubscribeOptions::new(), move |event| {
                // Call back into the library from the dispatcher thread.
                e2.events()
                    .publish("pong", &event["data"], &PublishOptions::new())
                    .unwrap();
                let _ = e2.state().get(None, "k");
            })
            .unwrap()
    };
    let pongs = e
        .events()
        .subscribe_with("pong", &SubscribeOptions::new(), move |event| {
            let _ = tx.send(event["data"].clone());
        })
        .unwrap();
    e.events()
        .publish("ping", &json!(7), &PublishOptions::new())
        .unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), json!(7));
    drop(sub); // also drops the closure's Arc<Engine>
    drop(pongs);
    assert_eq!(Arc::strong_count(&e), 1);
}

#[test]
fn dropping_a_subscription_inside_its_callback() {
    let _w = watchdog("dropping_a_subscription_inside_its_callback", LIMIT);
    let e = engine();
    let calls = Arc::new(AtomicUsize::new(0));
    let me: Arc<Mutex<Option<Subscription>>> = Arc::new(Mutex::new(None));
    // The closure owns a big value that it touches after dropping its own
    // subscription: this must not be a use after free.
    let big = vec![7u8; 1 << 16];
    let sub = {
        let (calls, me) = (calls.clone(), me.clone());
        e.events()
            .subscribe_with("self.*", &SubscribeOptions::new(), move |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                let own = me.lock().unwrap().take();
                drop(own); // frees the subscription from inside its callback
                thread::sleep(Duration::from_millis(20));
                assert!(big.iter().all(|&b| b == 7));
            })
            .unwrap()
    };
    *me.lock().unwrap() = Some(sub);
    for _ in 0..10 {
        e.events()
            .publish("self.x", &Value::Null, &PublishOptions::new())
            .unwrap();
    }
    assert!(wait_until(|| Arc::strong_count(&calls) == 1));
    thread::sleep(Duration::from_millis(50));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // The engine's dispatcher still works for other subscriptions.
    let (tx, rx) = std::sync::mpsc::channel();
    let _s = e
        .events()
        .subscribe_with("after", &SubscribeOptions::new(), move |_| {
            let _ = tx.send(());
        })
        .unwrap();
    e.events()
        .publish("after", &Value::Null, &PublishOptions::new())
        .unwrap();
    rx.recv_timeout(WAIT).unwrap();
}

#[test]
fn panicking_callback_is_caught_and_resumed_on_drop() {
    let _w = watchdog("panicking_callback_is_caught_and_resumed_on_drop", LIMIT);
    let e = engine();
    let calls = Arc::new(AtomicUsize::new(0));
    let sub = {
        let calls = calls.clone();
        e.events()
            .subscribe_with("boom", &SubscribeOptions::new(), move |event| {
                calls.fetch_add(1, Ordering::SeqCst);
                panic!("callback panicked on {}", event["data"]);
            })
            .unwrap()
    };
    for i in 0..3 {
        e.events()
            .publish("boom", &json!(i), &PublishOptions::new())
            .unwrap();
    }
    // The dispatcher survives (other subscriptions still get events)...
    let (tx, rx) = std::sync::mpsc::channel();
    let _other = e
        .events()
        .subscribe_with("fine", &SubscribeOptions::new(), move |_| {
            let _ = tx.send(());
        })
        .unwrap();
    e.events()
        .publish("fine", &Value::Null, &PublishOptions::new())
        .unwrap();
    rx.recv_timeout(WAIT).unwrap();
    // ... and the panicking callback ran once only (the dispatcher serves
    // subscriptions in no particular order relative to each other).
    assert!(wait_until(|| calls.load(Ordering::SeqCst) >= 1));
    thread::sleep(Duration::from_millis(50));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Its panic comes back on this thread when the subscription is dropped.
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(sub)))
        .expect_err("panic resumed by drop");
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert_eq!(msg, "callback panicked on 0");
    e.ping().unwrap();
}

#[test]
fn panicking_callback_resumed_by_next() {
    let _w = watchdog("panicking_callback_resumed_by_next", LIMIT);
    let e = engine();
    let sub = e
        .events()
        .subscribe_with("boom", &SubscribeOptions::new(), |_| panic!("from next"))
        .unwrap();
    e.events()
        .publish("boom", &Value::Null, &PublishOptions::new())
        .unwrap();
    let sub = std::panic::AssertUnwindSafe(sub);
    assert!(wait_until(|| {
        std::panic::catch_unwind(|| sub.next(Duration::ZERO)).is_err()
    }));
    // Once resumed, it is gone: next is the plain error, drop is quiet.
    assert_eq!(
        sub.next(Duration::ZERO).unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    sub.0.unsubscribe();
}

#[test]
fn lua_and_js_spells_publish_to_rust() {
    let _w = watchdog("lua_and_js_spells_publish_to_rust", LIMIT);
    let e = engine();
    let sub = e
        .events()
        .subscribe("spell.*", &SubscribeOptions::new())
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let _cb = e
        .events()
        .subscribe_with("spell.*", &SubscribeOptions::new(), move |ev| {
            let _ = tx.send(ev);
        })
        .unwrap();
    e.run(
        Lang::Lua,
        r#"Event.publish("spell.lua", {answer = 42, list = {1, 2}}, {correlation_id = "r1", tags = {"t"}})"#,
        &RunOptions::new(),
    )
    .unwrap();
    e.run(
        Lang::Js,
        r#"Event.publish("spell.js", {answer: 42, list: [1, 2]})"#,
        &RunOptions::new(),
    )
    .unwrap();
    let lua = sub.next(WAIT).unwrap().expect("lua event");
    assert_eq!(lua["type"], json!("spell.lua"));
    assert_eq!(lua["data"], json!({"answer": 42, "list": [1, 2]}));
    assert_eq!(lua["correlation_id"], json!("r1"));
    assert_eq!(lua["tags"], json!(["t"]));
    let js = sub.next(WAIT).unwrap().expect("js event");
    assert_eq!(js["type"], json!("spell.js"));
    assert_eq!(js["data"], lua["data"]);
    assert!(js["sequence"].as_u64() > lua["sequence"].as_u64());
    // The callback subscription got both, in order.
    assert_eq!(rx.recv_timeout(WAIT).unwrap()["type"], json!("spell.lua"));
    assert_eq!(rx.recv_timeout(WAIT).unwrap()["type"], json!("spell.js"));
    // And a spell receives what Rust publishes: it subscribes, says it is
    // ready, and waits for the host's event.
    let ready = e
        .events()
        .subscribe("spell.ready", &SubscribeOptions::new())
        .unwrap();
    thread::scope(|s| {
        let spell = s.spawn(|| {
            e.run(
                Lang::Lua,
                r#"
                local id = Event.subscribe("host.*")
                Event.publish("spell.ready", {})
                for i = 1, 100 do
                  local ev = Event.receive(id, 100)
                  if ev then return {type = ev.type, data = ev.data, source = ev.source} end
                end
                return "nothing came"
                "#,
                &RunOptions::new(),
            )
        });
        ready.next(WAIT).unwrap().expect("spell.ready");
        e.events()
            .publish("host.go", &json!({"from": "rust"}), &PublishOptions::new())
            .unwrap();
        let out = spell.join().unwrap().unwrap();
        assert_eq!(
            out.value,
            json!({"type": "host.go", "data": {"from": "rust"}, "source": "host"})
        );
    });
}

#[test]
fn engine_publishes_state_events() {
    let _w = watchdog("engine_publishes_state_events", LIMIT);
    let e = engine();
    let sub = e
        .events()
        .subscribe("state.*", &SubscribeOptions::new())
        .unwrap();
    e.state().set(Some("agent:a"), "k", &json!(1)).unwrap();
    e.state().delete(Some("agent:a"), "k").unwrap();
    let w = sub.next(WAIT).unwrap().expect("state.write");
    assert_eq!(w["type"], json!("state.write"));
    assert_eq!(w["data"]["key"], json!("k"));
    assert_eq!(w["data"]["scope"], json!("agent:a"));
    assert_eq!(w["source"], json!("engine"));
    let d = sub.next(WAIT).unwrap().expect("state.delete");
    assert_eq!(d["type"], json!("state.delete"));
}

#[test]
fn subscription_outlives_the_engine_handle() {
    let _w = watchdog("subscription_outlives_the_engine_handle", LIMIT);
    let e = engine();
    let sub = e.events().subscribe("x", &SubscribeOptions::new()).unwrap();
    e.events()
        .publish("x", &json!(1), &PublishOptions::new())
        .unwrap();
    let cb = e
        .events()
        .subscribe_with("x", &SubscribeOptions::new(), |_| {})
        .unwrap();
    drop(e);
    // The C subscription keeps the engine alive: queued events still come.
    assert_eq!(sub.next(Duration::ZERO).unwrap().unwrap()["data"], json!(1));
    assert_eq!(sub.next(Duration::ZERO).unwrap(), None);
    drop(cb);
    drop(sub);
}

#[test]
fn stats_list_subscriptions() {
    let e = engine();
    let ev = e.events();
    let _p = ev.subscribe("pull.x", &opts(8, Policy::Block)).unwrap();
    let _c = ev
        .subscribe_with("cb.x", &opts(16, Policy::DropNewest), |_| {})
        .unwrap();
    let p = sub_stats(ev, "pull.x");
    assert_eq!(p["policy"], json!("block"));
    assert_eq!(p["capacity"], json!(8));
    let c = sub_stats(ev, "cb.x");
    assert_eq!(c["policy"], json!("drop_newest"));
    assert_eq!(c["capacity"], json!(16));
    drop(_c);
    let stats = ev.stats().unwrap();
    assert!(
        !stats["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["pattern"] == json!("cb.x")),
        "{stats}"
    );
}

#[test]
fn query_persisted_events() {
    let _w = watchdog("query_persisted_events", LIMIT);
    // Off by default.
    let err = engine().events().query(&EventQuery::new()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument, "{err}");

    let e = Engine::new(r#"{"events":{"persist":true,"persist_patterns":"job.*"}}"#).unwrap();
    let ev = e.events();
    let first = ev
        .publish(
            "job.start",
            &json!(1),
            &PublishOptions::new().correlation_id("c1"),
        )
        .unwrap();
    ev.publish(
        "job.step",
        &json!(2),
        &PublishOptions::new().correlation_id("c2"),
    )
    .unwrap();
    ev.publish(
        "other",
        &json!(3),
        &PublishOptions::new().correlation_id("c1"),
    )
    .unwrap();
    e.run(
        Lang::Lua,
        r#"Event.publish("job.done", 4, {correlation_id = "c1"})"#,
        &RunOptions::new(),
    )
    .unwrap();
    let types = |q: &EventQuery| -> Vec<String> {
        ev.query(q)
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        types(&EventQuery::new()),
        ["job.start", "job.step", "job.done"]
    );
    assert_eq!(
        types(&EventQuery::new().correlation_id("c1")),
        ["job.start", "job.done"]
    );
    assert_eq!(
        types(&EventQuery::new().pattern("job.st*")),
        ["job.start", "job.step"]
    );
    assert_eq!(types(&EventQuery::new().limit(1)).len(), 1);
    let since = first["timestamp"].as_str().unwrap();
    assert_eq!(types(&EventQuery::new().since(since)).len(), 3);
    assert!(types(&EventQuery::new().until(since)).is_empty());
    let got = ev.query(&EventQuery::new().pattern("job.start")).unwrap();
    assert_eq!(got[0]["data"], json!(1));
    assert_eq!(got[0]["id"], first["id"]);
    for bad in [
        EventQuery::new().since("yesterday"),
        EventQuery::new().pattern("a\0b"),
    ] {
        assert_eq!(
            ev.query(&bad).unwrap_err().code,
            ErrorCode::InvalidArgument,
            "{bad:?}"
        );
    }
}
