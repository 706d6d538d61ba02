//! Hooks and events together: three Rust BeforeStateWrite hooks modify the
//! write to "m", cancel the write to "c" and replace the write to "r"; a
//! pull subscription to "state.*" then shows one `state.write` event for
//! "m" carrying the modified value, none for "c" and none for "r" (a
//! replaced write is skipped: nothing is stored and nothing is published).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use llmspell::{Engine, ErrorCode, HookResult, SubscribeOptions};
use serde_json::{json, Value};

mod common;
use common::watchdog;

#[test]
fn hooks_modify_cancel_replace_seen_through_state_events() {
    let _w = watchdog(
        "hooks_modify_cancel_replace_seen_through_state_events",
        Duration::from_secs(60),
    );
    let e = Engine::new("{}").expect("engine");
    let sub = e
        .events()
        .subscribe("state.*", &SubscribeOptions::new())
        .unwrap();

    let calls: Arc<[AtomicUsize; 3]> = Arc::default();
    let counted = |i: usize, key: &'static str, answer: fn(&Value) -> HookResult| {
        let calls = calls.clone();
        move |ctx: &llmspell::HookContext| {
            if ctx.data["key"] != json!(key) {
                return HookResult::Continue;
            }
            calls[i].fetch_add(1, Ordering::SeqCst);
            answer(&ctx.data)
        }
    };
    let modify = e
        .hooks()
        .register(
            "BeforeStateWrite",
            0,
            counted(0, "m", |data| {
                let mut d = data.clone();
                d["value"] = json!(data["value"].as_str().unwrap_or("").to_uppercase());
                HookResult::Modified(d)
            }),
        )
        .unwrap();
    let cancel = e
        .hooks()
        .register(
            "BeforeStateWrite",
            0,
            counted(1, "c", |_| HookResult::Cancel("no writes to c".into())),
        )
        .unwrap();
    let replace = e
        .hooks()
        .register(
            "BeforeStateWrite",
            0,
            counted(2, "r", |_| {
                HookResult::Replace(json!({"value": "replacement"}))
            }),
        )
        .unwrap();

    let st = e.state();
    st.set(None, "m", &json!("hello")).unwrap();
    let err = st.set(None, "c", &json!("nope")).unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled, "{err}");
    assert!(err.message.contains("no writes to c"), "{err}");
    // replace: the write is skipped without an error and nothing is stored.
    st.set(None, "r", &json!("original")).unwrap();
    // A marker: its event comes after all the others.
    st.set(None, "end", &json!(1)).unwrap();

    assert_eq!(st.get(None, "m").unwrap(), Some(json!("HELLO")));
    assert_eq!(st.get(None, "c").unwrap(), None);
    assert_eq!(st.get(None, "r").unwrap(), None);
    let counts: Vec<usize> = calls.iter().map(|c| c.load(Ordering::SeqCst)).collect();
    assert_eq!(counts, [1, 1, 1]);

    // Pull until the marker's event arrives (2 s at most).
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(2);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Some(ev) = sub.next(left.max(Duration::from_millis(1))).unwrap() else {
            break;
        };
        let end = ev["data"]["key"] == json!("end");
        events.push(ev);
        if end {
            break;
        }
    }
    let keys: Vec<String> = events
        .iter()
        .map(|ev| {
            format!(
                "{}:{}",
                ev["type"].as_str().unwrap_or("?"),
                ev["data"]["key"]
            )
        })
        .collect();
    assert_eq!(
        keys,
        ["state.write:\"m\"", "state.write:\"end\""],
        "{events:?}"
    );
    assert_eq!(events[0]["source"], json!("engine"));
    assert_eq!(
        events[0]["data"],
        json!({"scope": "global", "key": "m", "value": "HELLO"})
    );

    drop(sub);
    drop((modify, cancel, replace));
}
