//! The safe Backups API: create (full, incremental), list, validate,
//! restore (state, sessions and artifacts come back), cleanup, corruption
//! and error mapping.

use std::time::Duration;

use llmspell::{CleanupOptions, Engine, ErrorCode, SessionOptions, StoreOptions};
use serde_json::json;

mod common;
use common::{temp_dir, watchdog};

#[test]
fn backup_create_restore_roundtrip() {
    let _w = watchdog("backup_create_restore_roundtrip", Duration::from_secs(120));
    let dir = temp_dir("backup-roundtrip");
    let e = dir.engine();
    let (st, b) = (e.state(), e.backups());
    st.set(None, "k", &json!(1)).unwrap();
    st.set(Some("agent:a"), "cfg", &json!({"model": "local/x"}))
        .unwrap();
    let sid = e
        .sessions()
        .create(&SessionOptions::new().name("backed up"))
        .unwrap();
    e.artifacts()
        .store(
            &sid,
            &StoreOptions::new("custom").name("a.txt"),
            b"artifact body",
        )
        .unwrap();

    let full = b.create(false, Some("first")).unwrap();
    eprintln!("full backup: {full}");
    let full_id = full["id"].as_str().expect("id").to_owned();
    assert_eq!(full["kind"], json!("full"));
    assert_eq!(full["label"], json!("first"));
    assert!(full["file_count"].as_u64().unwrap() > 0, "{full}");
    assert!(full["total_bytes"].as_u64().unwrap() > 0, "{full}");

    // Change everything, then take an incremental backup on top.
    st.set(None, "k", &json!(2)).unwrap();
    st.set(None, "added", &json!(true)).unwrap();
    st.delete(Some("agent:a"), "cfg").unwrap();
    e.sessions().delete(&sid).unwrap();
    let inc = b.create(true, None).unwrap();
    let inc_id = inc["id"].as_str().unwrap().to_owned();
    assert_eq!(inc["kind"], json!("incremental"));
    assert_eq!(inc["parent"], json!(full_id));

    let list = b.list().unwrap();
    let ids: Vec<_> = list.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [inc_id.as_str(), full_id.as_str()], "newest first");
    let v = b.validate("latest").unwrap();
    assert_eq!(v["valid"], json!(true), "{v}");
    assert_eq!(b.validate(&full_id).unwrap()["valid"], json!(true));

    // Restore the full backup: the first state, session and artifact are
    // back, and what came later is gone.
    let rep = b.restore(&full_id).unwrap();
    eprintln!("restore report: {rep}");
    assert_eq!(rep["id"], json!(full_id), "{rep}");
    assert_eq!(st.get(None, "k").unwrap(), Some(json!(1)));
    assert_eq!(st.get(None, "added").unwrap(), None);
    assert_eq!(
        st.get(Some("agent:a"), "cfg").unwrap(),
        Some(json!({"model": "local/x"}))
    );
    assert_eq!(e.sessions().get(&sid).unwrap()["name"], json!("backed up"));
    assert_eq!(e.artifacts().get(&sid, 1).unwrap().1, b"artifact body");
    // The engine keeps working normally after the swap.
    st.set(None, "after", &json!("restore")).unwrap();

    // Restore "latest" (the incremental, read along its chain).
    b.restore("latest").unwrap();
    assert_eq!(st.get(None, "k").unwrap(), Some(json!(2)));
    assert_eq!(st.get(None, "added").unwrap(), Some(json!(true)));
    assert_eq!(st.get(None, "after").unwrap(), None);
    assert_eq!(
        e.sessions().get(&sid).unwrap_err().code,
        ErrorCode::NotFound
    );

    // The restored store is what a new engine opens.
    drop(e);
    let e = dir.engine();
    assert_eq!(e.state().get(None, "k").unwrap(), Some(json!(2)));
    assert_eq!(e.backups().list().unwrap().len(), 2);
}

#[test]
fn backup_cleanup() {
    let _w = watchdog("backup_cleanup", Duration::from_secs(120));
    let dir = temp_dir("backup-cleanup");
    let e = dir.engine();
    let b = e.backups();
    let mut ids = Vec::new();
    for i in 0..3 {
        e.state().set(None, "i", &json!(i)).unwrap();
        ids.push(b.create(false, Some(&format!("b{i}"))).unwrap()["id"].clone());
    }
    let dry = b
        .cleanup(&CleanupOptions::new().dry_run(true).max_count(1))
        .unwrap();
    eprintln!("cleanup dry run: {dry}");
    assert_eq!(dry["removed"].as_array().map(Vec::len), Some(2), "{dry}");
    assert_eq!(b.list().unwrap().len(), 3, "a dry run removes nothing");

    // Negative: no limit.
    let rep = b
        .cleanup(&CleanupOptions::new().max_count(-1).max_age_days(-1))
        .unwrap();
    assert_eq!(rep["removed"].as_array().map(Vec::len), Some(0), "{rep}");

    let rep = b.cleanup(&CleanupOptions::new().max_count(1)).unwrap();
    assert_eq!(rep["removed"].as_array().map(Vec::len), Some(2), "{rep}");
    let left = b.list().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], ids[2], "the newest is kept");
    // Config defaults (10 backups, 30 days) keep it.
    b.cleanup(&CleanupOptions::default()).unwrap();
    assert_eq!(b.list().unwrap().len(), 1);
}

#[test]
fn backup_errors() {
    let dir = temp_dir("backup-errors");
    let e = dir.engine();
    let b = e.backups();
    assert!(b.list().unwrap().is_empty());
    assert_eq!(b.restore("latest").unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(b.validate("latest").unwrap_err().code, ErrorCode::NotFound);
    let err = b.restore("20990101T000000000Z-abcdef").unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound, "{err}");

    // A corrupted blob: validate and restore fail with storage_error and
    // the store is left as it was.
    e.state().set(None, "k", &json!("before")).unwrap();
    let id = b.create(false, None).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    e.state().set(None, "k", &json!("after")).unwrap();
    let blobs = dir.path().join("data.backups").join(&id).join("blobs");
    let mut corrupted = 0;
    for entry in std::fs::read_dir(&blobs).expect("backup blobs folder") {
        let path = entry.unwrap().path();
        let mut bytes = std::fs::read(&path).unwrap();
        if bytes.len() > 8 {
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0xff;
            std::fs::write(&path, &bytes).unwrap();
            corrupted += 1;
        }
    }
    assert!(corrupted > 0, "no blob to corrupt in {}", blobs.display());
    let err = b.validate(&id).unwrap_err();
    assert_eq!(err.code, ErrorCode::Storage, "{err}");
    let err = b.restore(&id).unwrap_err();
    assert_eq!(err.code, ErrorCode::Storage, "{err}");
    assert_eq!(e.state().get(None, "k").unwrap(), Some(json!("after")));
}

#[test]
fn memory_engine_backups_need_a_folder() {
    let e = Engine::with_defaults().unwrap();
    let err = e.backups().create(false, None).unwrap_err();
    eprintln!("in-memory backup without backup.dir: {err}");
    assert!(
        matches!(err.code, ErrorCode::InvalidArgument | ErrorCode::Storage),
        "{err}"
    );

    // With backup.dir set, a memory engine dumps its store (kv-dump).
    let dir = temp_dir("memory-backup");
    let cfg = json!({"backup": {"dir": dir.path().join("b").to_str().unwrap()}}).to_string();
    let e = Engine::new(&cfg).unwrap();
    e.state().set(None, "k", &json!(1)).unwrap();
    let id = e.backups().create(false, None).unwrap()["id"].clone();
    e.state().set(None, "k", &json!(2)).unwrap();
    e.backups().restore(id.as_str().unwrap()).unwrap();
    assert_eq!(e.state().get(None, "k").unwrap(), Some(json!(1)));
}
