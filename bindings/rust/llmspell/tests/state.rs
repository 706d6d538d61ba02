//! The safe State API: values, keys, compare-and-set, transactions (list
//! and closure forms), persistence across engines, spells sharing the store,
//! concurrency, schema migrations and error mapping.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use llmspell::{Engine, Error, ErrorCode, Lang, MigrateOptions, Op, RunOptions, State};
use serde_json::{json, Value};

mod common;
use common::{temp_dir, watchdog};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn state_is_send_sync_and_copy() {
    assert_send_sync::<State<'static>>();
    let e = Engine::with_defaults().unwrap();
    let s = e.state();
    let t = s; // Copy
    s.set(None, "k", &json!(1)).unwrap();
    assert_eq!(t.get(None, "k").unwrap(), Some(json!(1)));
}

#[test]
fn values_and_scopes() {
    let dir = temp_dir("values");
    let e = dir.engine();
    let st = e.state();
    let v = json!({"s": "café", "n": 1.5, "big": 9007199254740993u64, "list": [1, null, true], "o": {}});
    st.set(Some("agent:a"), "v", &v).unwrap();
    assert_eq!(st.get(Some("agent:a"), "v").unwrap(), Some(v));
    assert_eq!(st.get(Some("agent:b"), "v").unwrap(), None);
    // None, "" and "global" are the same scope.
    st.set(None, "g", &json!("x")).unwrap();
    assert_eq!(st.get(Some("global"), "g").unwrap(), Some(json!("x")));
    assert_eq!(st.get(Some(""), "g").unwrap(), Some(json!("x")));
    // Null deletes.
    st.set(None, "g", &Value::Null).unwrap();
    assert!(!st.exists(None, "g").unwrap());
    assert!(!st.delete(None, "g").unwrap());
    st.set(None, "g", &json!([])).unwrap();
    assert!(st.delete(None, "g").unwrap());
}

#[test]
fn keys_prefix_limit_order() {
    let e = Engine::with_defaults().unwrap();
    let st = e.state();
    for k in ["b", "a.2", "a.1", "c"] {
        st.set(Some("user:u"), k, &json!(k)).unwrap();
    }
    st.set(Some("user:uu"), "a.3", &json!(0)).unwrap();
    assert_eq!(
        st.keys(Some("user:u"), None, 0).unwrap(),
        ["a.1", "a.2", "b", "c"]
    );
    assert_eq!(
        st.keys(Some("user:u"), Some("a."), 0).unwrap(),
        ["a.1", "a.2"]
    );
    assert_eq!(st.keys(Some("user:u"), None, 2).unwrap(), ["a.1", "a.2"]);
    assert!(st.keys(Some("user:none"), None, 0).unwrap().is_empty());
}

#[test]
fn compare_and_set_semantics() {
    let e = Engine::with_defaults().unwrap();
    let st = e.state();
    // None expected: only if absent.
    assert!(st
        .compare_and_set(None, "c", None, Some(&json!({"a": 1, "b": 2})))
        .unwrap());
    assert!(!st
        .compare_and_set(None, "c", None, Some(&json!(0)))
        .unwrap());
    // JSON equality: key order and 1 == 1.0 do not matter.
    assert!(st
        .compare_and_set(None, "c", Some(&json!({"b": 2.0, "a": 1})), Some(&json!(5)))
        .unwrap());
    assert!(!st
        .compare_and_set(None, "c", Some(&json!(6)), Some(&json!(7)))
        .unwrap());
    // None new: delete.
    assert!(st
        .compare_and_set(None, "c", Some(&json!(5)), None)
        .unwrap());
    assert_eq!(st.get(None, "c").unwrap(), None);
}

#[test]
fn transaction_list_is_atomic() {
    let e = Engine::with_defaults().unwrap();
    let st = e.state();
    st.set(None, "keep", &json!(1)).unwrap();
    // The second op has a reserved key: nothing is written.
    let err = st
        .transaction(&[
            Op::set(Some("agent:a"), "x", 1),
            Op::set(None, "__bad", 2),
            Op::delete(None, "keep"),
        ])
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument, "{err}");
    assert!(
        err.message.contains("[1]"),
        "the message names the op: {err}"
    );
    assert!(!st.exists(Some("agent:a"), "x").unwrap());
    assert!(st.exists(None, "keep").unwrap());

    st.transaction(&[
        Op::set(Some("agent:a"), "x", json!({"n": 1})),
        Op::Set {
            scope: None,
            key: "y".into(),
            value: json!([1, 2]),
        },
        Op::delete(None, "keep"),
        Op::delete(None, "never-there"),
    ])
    .unwrap();
    assert_eq!(st.get(Some("agent:a"), "x").unwrap(), Some(json!({"n": 1})));
    assert_eq!(st.get(None, "y").unwrap(), Some(json!([1, 2])));
    assert!(!st.exists(None, "keep").unwrap());
    st.transaction(&[]).unwrap();
}

#[test]
fn transaction_closure_applies_or_rolls_back() {
    let dir = temp_dir("tx-closure");
    let e = dir.engine();
    let st = e.state();
    st.set(None, "stays", &json!("here")).unwrap();

    // Ok: applied, and the closure's value is returned.
    let n = st
        .transaction_with(|tx| {
            tx.set(Some("workflow:w"), "step", 1)
                .set(Some("workflow:w"), "log", json!(["start"]));
            tx.delete(None, "stays");
            assert_eq!(tx.ops().len(), 3);
            Ok(tx.ops().len())
        })
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(st.get(Some("workflow:w"), "step").unwrap(), Some(json!(1)));
    assert!(!st.exists(None, "stays").unwrap());

    // Err: nothing is written, and the closure's error comes back as is.
    let err = st
        .transaction_with(|tx| {
            tx.set(Some("workflow:w"), "step", 2);
            tx.delete(Some("workflow:w"), "log");
            tx.set(None, "new", true);
            Err::<(), _>(Error::new(ErrorCode::Cancelled, "changed my mind"))
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled);
    assert_eq!(err.message, "cancelled: changed my mind");
    assert_eq!(st.get(Some("workflow:w"), "step").unwrap(), Some(json!(1)));
    assert_eq!(
        st.get(Some("workflow:w"), "log").unwrap(),
        Some(json!(["start"]))
    );
    assert!(!st.exists(None, "new").unwrap());

    // A `?` on a failing read inside the closure aborts it too.
    let err = st
        .transaction_with(|tx| {
            tx.set(None, "new", true);
            st.get(Some("planet:x"), "k")?;
            Ok(())
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert!(!st.exists(None, "new").unwrap());

    // A panic inside the closure writes nothing either.
    let r = std::panic::catch_unwind(|| {
        st.transaction_with(|tx| -> Result<(), Error> {
            tx.set(None, "new", true);
            panic!("boom");
        })
    });
    assert!(r.is_err());
    assert!(!st.exists(None, "new").unwrap());

    // An op the library rejects fails the whole buffered batch.
    let err = st
        .transaction_with(|tx| {
            tx.set(None, "new", true);
            tx.set(Some("nope:x"), "k", 1);
            Ok(())
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument, "{err}");
    assert!(!st.exists(None, "new").unwrap());
}

#[test]
fn state_persists_across_drop_and_reopen() {
    let dir = temp_dir("reopen");
    {
        let e = dir.engine();
        let st = e.state();
        st.set(Some("user:ann"), "profile", &json!({"name": "Ann"}))
            .unwrap();
        st.transaction_with(|tx| {
            tx.set(None, "a", 1).set(None, "b", 2);
            Ok(())
        })
        .unwrap();
        st.set(None, "gone", &json!(1)).unwrap();
        st.delete(None, "gone").unwrap();
        let id = e
            .sessions()
            .create(&llmspell::SessionOptions::new().name("kept"))
            .unwrap();
        e.artifacts()
            .store(
                &id,
                &llmspell::StoreOptions::new("custom").name("n.txt"),
                b"persisted",
            )
            .unwrap();
        st.set(None, "session", &json!(id)).unwrap();
        // Dropped here with the default ("batched") durability: closing
        // flushes and unlocks the store.
    }
    // The data folder is unlocked: a new engine opens it and sees it all.
    let e = dir.engine();
    let st = e.state();
    assert_eq!(
        st.get(Some("user:ann"), "profile").unwrap(),
        Some(json!({"name": "Ann"}))
    );
    assert_eq!(st.keys(None, None, 0).unwrap(), ["a", "b", "session"]);
    let id = st.get(None, "session").unwrap().unwrap();
    let id = id.as_str().unwrap();
    assert_eq!(e.sessions().get(id).unwrap()["name"], json!("kept"));
    let (_, data) = e.artifacts().get(id, 1).unwrap();
    assert_eq!(data, b"persisted");
    drop(e);
    // And again, several times in a row.
    for i in 0..3 {
        let e = dir.engine();
        e.state().set(None, "round", &json!(i)).unwrap();
    }
    assert_eq!(
        dir.engine().state().get(None, "round").unwrap(),
        Some(json!(2))
    );
}

#[test]
fn second_engine_on_a_locked_folder_is_storage_error() {
    let dir = temp_dir("locked");
    let e = dir.engine();
    let err = Engine::new(&dir.config(json!({}))).unwrap_err();
    assert_eq!(err.code, ErrorCode::Storage, "{err}");
    e.ping().unwrap();
}

#[test]
fn spells_and_rust_share_state() {
    let _w = watchdog("spells_and_rust_share_state", Duration::from_secs(60));
    let dir = temp_dir("spells");
    let e = dir.engine();
    let out = e
        .run(
            Lang::Lua,
            r#"
            State.save("agent:writer", "plan", {steps = {"a", "b"}, done = false})
            State.set("counter", 41)
            return State.load("agent:writer", "plan").steps[2]
            "#,
            &RunOptions::new(),
        )
        .unwrap();
    assert_eq!(out.value, json!("b"));
    let st = e.state();
    assert_eq!(
        st.get(Some("agent:writer"), "plan").unwrap(),
        Some(json!({"steps": ["a", "b"], "done": false}))
    );
    assert_eq!(st.get(None, "counter").unwrap(), Some(json!(41)));

    // Rust writes, both languages read.
    st.set(
        Some("user:u1"),
        "prefs",
        &json!({"theme": "dark", "size": 3}),
    )
    .unwrap();
    let lua = e
        .run(
            Lang::Lua,
            "local p = State.get('user:u1', 'prefs') return {p.theme, p.size + 1}",
            &RunOptions::new(),
        )
        .unwrap();
    let js = e
        .run(
            Lang::Js,
            "var p = State.get('user:u1', 'prefs'); return [p.theme, p.size + 1];",
            &RunOptions::new(),
        )
        .unwrap();
    assert_eq!(lua.value, json!(["dark", 4]));
    assert_eq!(lua.value, js.value);
    // Absent keys are nil / null in spells and None in Rust.
    let v = e
        .run(
            Lang::Lua,
            "return State.get('nothing') == nil",
            &RunOptions::new(),
        )
        .unwrap();
    assert_eq!(v.value, json!(true));
    assert_eq!(st.get(None, "nothing").unwrap(), None);
}

#[test]
fn eight_threads_compare_and_set_exact_count() {
    let _w = watchdog(
        "eight_threads_compare_and_set_exact_count",
        Duration::from_secs(120),
    );
    let dir = temp_dir("cas-threads");
    let e = Arc::new(dir.engine());
    let (threads, per_thread) = (8, 25);
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let e = Arc::clone(&e);
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                let st = e.state();
                barrier.wait();
                let mut retries = 0u32;
                for _ in 0..per_thread {
                    loop {
                        let cur = st.get(Some("agent:shared"), "n").unwrap();
                        let next = json!(cur.as_ref().and_then(Value::as_i64).unwrap_or(0) + 1);
                        if st
                            .compare_and_set(Some("agent:shared"), "n", cur.as_ref(), Some(&next))
                            .unwrap()
                        {
                            break;
                        }
                        retries += 1;
                    }
                }
                retries
            })
        })
        .collect();
    let retries: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    eprintln!("{threads} threads x {per_thread} increments: {retries} CAS retries");
    assert_eq!(
        e.state().get(Some("agent:shared"), "n").unwrap(),
        Some(json!(threads * per_thread))
    );
}

#[test]
fn nul_bytes_are_invalid_argument_before_the_call() {
    let e = Engine::with_defaults().unwrap();
    let st = e.state();
    let check = |r: Result<(), Error>, what: &str| {
        let err = r.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{what}: {err}");
        assert!(err.message.contains("NUL"), "{what}: {err}");
        assert_eq!(
            err.details_json().unwrap()["kind"],
            json!("invalid_argument")
        );
    };
    check(st.set(Some("agent:a\0b"), "k", &json!(1)), "set scope");
    check(st.set(None, "k\0", &json!(1)), "set key");
    check(st.get(None, "\0").map(drop), "get");
    check(st.delete(Some("\0"), "k").map(drop), "delete");
    check(st.exists(None, "a\0b").map(drop), "exists");
    check(st.keys(None, Some("p\0"), 0).map(drop), "keys prefix");
    check(
        st.compare_and_set(None, "k\0", None, Some(&json!(1)))
            .map(drop),
        "cas",
    );
    check(
        st.transaction(&[Op::set(None, "a\0", 1)]),
        "transaction key",
    );
    check(
        st.transaction(&[Op::delete(Some("user:\0"), "k")]),
        "transaction scope",
    );
    check(
        st.migrate("1.0\0", &MigrateOptions::new()).map(drop),
        "target",
    );
    // A NUL inside a value is fine: it is JSON.
    st.set(None, "k", &json!("a\0b")).unwrap();
    assert_eq!(st.get(None, "k").unwrap(), Some(json!("a\0b")));
}

#[test]
fn state_errors_map_to_codes() {
    let e = Engine::new(r#"{"state":{"max_value_bytes":1024}}"#).unwrap();
    let st = e.state();
    let code = |r: Result<(), Error>| r.unwrap_err().code;
    assert_eq!(
        code(st.set(Some("planet:x"), "k", &json!(1))),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        code(st.set(None, "", &json!(1))),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        code(st.set(None, &"k".repeat(257), &json!(1))),
        ErrorCode::InvalidArgument
    );
    // An oversized value is invalid_argument, not limit_exceeded.
    let err = st.set(None, "big", &json!("x".repeat(4096))).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument, "{err}");
    assert_eq!(
        code(st.get(None, "$$x").map(drop)),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        code(st.keys(Some("agent:"), None, 0).map(drop)),
        ErrorCode::InvalidArgument
    );
}

#[test]
fn schema_migration_with_backup() {
    let _w = watchdog("schema_migration_with_backup", Duration::from_secs(120));
    let dir = temp_dir("migrate");
    let e = dir.engine();
    let st = e.state();
    for (scope, name, age) in [("user:u1", "Ann", "31"), ("user:u2", "Bob", "42")] {
        st.set(
            Some(scope),
            "profile",
            &json!({"name": name, "age": age, "legacy": 1}),
        )
        .unwrap();
    }
    st.set(Some("agent:a"), "profile", &json!({"name": "not a user"}))
        .unwrap();
    assert_eq!(st.migration_status().unwrap()["current"], Value::Null);

    st.register_schema(&json!({"version": "1.0.0", "scopes": ["user:*"]}))
        .unwrap();
    st.register_schema(&json!({
        "version": "1.1.0",
        "scopes": ["user:*"],
        "migrations": [
            {"op": "rename", "from": "name", "to": "full_name"},
            {"op": "convert", "field": "age", "to": "integer"},
            {"op": "default", "field": "tier", "value": "free"},
            {"op": "remove", "field": "legacy"}
        ]
    }))
    .unwrap();
    let status = st.migration_status().unwrap();
    assert_eq!(status["in_progress"], json!(false), "{status}");
    assert_eq!(
        status["versions"].as_array().map(Vec::len),
        Some(2),
        "{status}"
    );

    // The real run backs up first and reports the backup's id.
    let rep = st
        .migrate("1.1.0", &MigrateOptions::new().batch_size(1))
        .unwrap();
    eprintln!("migration report: {rep}");
    assert_eq!(rep["to"], json!("1.1.0"), "{rep}");
    assert_eq!(rep["items_migrated"], json!(2), "{rep}");
    let backup_id = rep["backup_id"].as_str().expect("backup_id").to_owned();
    assert_eq!(
        st.get(Some("user:u1"), "profile").unwrap(),
        Some(json!({"full_name": "Ann", "age": 31, "tier": "free"}))
    );
    assert_eq!(
        st.get(Some("agent:a"), "profile").unwrap(),
        Some(json!({"name": "not a user"})),
        "scopes outside the schema are left alone"
    );
    assert_eq!(st.migration_status().unwrap()["current"], json!("1.1.0"));
    let backups = e.backups().list().unwrap();
    assert!(
        backups.iter().any(|b| b["id"] == json!(backup_id)),
        "{backups:?}"
    );
    e.backups().validate(&backup_id).unwrap();

    // Restoring the pre-migration backup brings the old values back.
    e.backups().restore(&backup_id).unwrap();
    assert_eq!(
        st.get(Some("user:u2"), "profile").unwrap(),
        Some(json!({"name": "Bob", "age": "42", "legacy": 1}))
    );

    // Errors.
    let err = st.migrate("9.9.9", &MigrateOptions::new()).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound, "{err}");
    for bad in [
        json!({"version": "1.2"}),
        json!({"version": "1.2.0", "migrations": [{"op": "explode"}]}),
        json!({"version": "1.2.0", "migrations": [{"op": "custom", "field": "x"}]}),
        json!({"version": "1.2.0", "bogus": 1}),
        json!([]),
    ] {
        let err = st.register_schema(&bad).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{bad}: {err}");
    }
}

/// register_v2 registers a schema 2.0.0 for user scopes that copies x to y.
fn register_v2(st: State<'_>) {
    st.register_schema(&json!({
        "version": "2.0.0",
        "scopes": ["user:*"],
        "migrations": [{"op": "copy", "from": "x", "to": "y"}]
    }))
    .unwrap();
}

#[test]
fn migration_dry_run_changes_nothing() {
    let dir = temp_dir("migrate-dry");
    let e = dir.engine();
    let st = e.state();
    st.set(Some("user:a"), "p", &json!({"x": 1})).unwrap();
    register_v2(st);
    let dry = st
        .migrate("2.0.0", &MigrateOptions::new().dry_run(true))
        .unwrap();
    assert_eq!(dry["dry_run"], json!(true), "{dry}");
    assert_eq!(dry["items_migrated"], json!(1), "{dry}");
    assert_eq!(
        dry["backup_id"],
        Value::Null,
        "a dry run takes no backup: {dry}"
    );
    assert!(e.backups().list().unwrap().is_empty());
    assert_eq!(st.get(Some("user:a"), "p").unwrap(), Some(json!({"x": 1})));
    assert_eq!(st.migration_status().unwrap()["current"], Value::Null);
}

/// A dry-run migration used to leave a kv batch open (core/state/migrate.go,
/// Store.Migrate), so the next backup restore waited 10 s and failed with
/// storage_error "store swap gave up: 1 operations still in flight after
/// 10s"; fixed in commit 72bb010.
#[test]
fn restore_after_dry_run_migration() {
    let _w = watchdog("restore_after_dry_run_migration", Duration::from_secs(60));
    let dir = temp_dir("migrate-dry-restore");
    let e = dir.engine();
    let st = e.state();
    st.set(Some("user:a"), "p", &json!({"x": 1})).unwrap();
    register_v2(st);
    let backup = e.backups().create(false, None).unwrap();
    st.migrate("2.0.0", &MigrateOptions::new().dry_run(true))
        .unwrap();
    e.backups()
        .restore(backup["id"].as_str().unwrap())
        .expect("restore after a dry-run migration");
}

#[test]
fn migration_without_backup() {
    let dir = temp_dir("migrate-nobackup");
    let e = dir.engine();
    let st = e.state();
    st.set(Some("user:a"), "p", &json!({"x": 1})).unwrap();
    register_v2(st);
    let rep = st
        .migrate("2.0.0", &MigrateOptions::new().backup(false))
        .unwrap();
    assert_eq!(rep["backup_id"], Value::Null, "{rep}");
    assert!(e.backups().list().unwrap().is_empty());
    assert_eq!(
        st.get(Some("user:a"), "p").unwrap(),
        Some(json!({"x": 1, "y": 1}))
    );
}
