//! The safe session and artifact API: the status machine, metadata,
//! whole and streamed artifacts (std::io::Write / Read, 5 MB through
//! io::copy), files, limits, spells sharing sessions, threads and error
//! mapping.

use std::io::{self, Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use llmspell::{
    ArtifactReader, ArtifactWriter, Engine, Error, ErrorCode, Lang, RunOptions, SessionOptions,
    Status, StoreOptions,
};
use serde_json::{json, Value};

mod common;
use common::{temp_dir, watchdog};

fn assert_send<T: Send>() {}

/// inner gets the library error back out of an io::Error.
fn inner(e: &io::Error) -> &Error {
    e.get_ref()
        .and_then(|i| i.downcast_ref::<Error>())
        .unwrap_or_else(|| panic!("io error without an llmspell::Error inside: {e}"))
}

/// pseudo_random returns n deterministic bytes that do not compress.
fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn writer_and_reader_are_send() {
    // Not Sync: see the compile_fail examples in the crate docs.
    assert_send::<ArtifactWriter<'static>>();
    assert_send::<ArtifactReader<'static>>();
    assert_send::<llmspell::Sessions<'static>>();
    assert_send::<llmspell::Artifacts<'static>>();
}

#[test]
fn session_status_machine() {
    let e = Engine::with_defaults().unwrap();
    let s = e.sessions();
    let id = s
        .create(
            &SessionOptions::new()
                .name("research")
                .description("find things")
                .tags(["a", "b"])
                .tag("c")
                .metadata(json!({"k": 1})),
        )
        .unwrap();
    let rec = s.get(&id).unwrap();
    assert_eq!(rec["id"], json!(id));
    assert_eq!(rec["status"], json!(Status::Active.name()));
    assert_eq!(rec["tags"], json!(["a", "b", "c"]));
    assert_eq!(rec["description"], json!("find things"));

    s.transition(&id, Status::Suspended, None).unwrap();
    let err = s.transition(&id, Status::Suspended, None).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict, "{err}");
    s.transition(&id, Status::Active, None).unwrap();
    assert_eq!(
        s.transition(&id, Status::Archived, None).unwrap_err().code,
        ErrorCode::Conflict
    );
    s.transition(&id, Status::Failed, Some("model down"))
        .unwrap();
    let rec = s.get(&id).unwrap();
    assert_eq!(rec["status"], json!("failed"));
    assert_eq!(rec["fail_reason"], json!("model down"));
    assert_eq!(
        rec["status"].as_str().unwrap().parse::<Status>().unwrap(),
        Status::Failed
    );
    s.transition(&id, Status::Archived, None).unwrap();

    // Unknown status names: rejected by the parser and by the library.
    assert_eq!(
        "sleeping".parse::<Status>().unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        s.transition_named(&id, "sleeping", None).unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    for st in [
        Status::Active,
        Status::Suspended,
        Status::Completed,
        Status::Failed,
        Status::Archived,
    ] {
        assert_eq!(st.to_string().parse::<Status>().unwrap(), st);
    }

    s.update_metadata(&id, &json!({"k": null, "x": "y"}))
        .unwrap();
    assert_eq!(s.get(&id).unwrap()["metadata"], json!({"x": "y"}));
    assert_eq!(
        s.update_metadata(&id, &json!([1])).unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    s.delete(&id).unwrap();
    assert_eq!(s.get(&id).unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(s.delete(&id).unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(
        s.transition(&id, Status::Active, None).unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[test]
fn session_list_queries() {
    let e = Engine::with_defaults().unwrap();
    let s = e.sessions();
    let p = s.create(&SessionOptions::new().name("p").tag("x")).unwrap();
    let c = s
        .create(&SessionOptions::new().name("c").tags(["x", "y"]).parent(&p))
        .unwrap();
    assert_eq!(s.get(&c).unwrap()["parent"], json!(p));
    assert_eq!(s.list(&Value::Null).unwrap().len(), 2);
    let all = s.list(&json!({})).unwrap();
    assert_eq!(all[0]["id"], json!(p), "oldest first");
    assert_eq!(s.list(&json!({"tags": ["y"]})).unwrap().len(), 1);
    assert_eq!(s.list(&json!({"parent": p})).unwrap().len(), 1);
    assert_eq!(s.list(&json!({"limit": 1})).unwrap().len(), 1);
    s.transition(&c, Status::Completed, None).unwrap();
    let done = s.list(&json!({"status": "completed"})).unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0]["id"], json!(c));
    assert_eq!(
        s.list(&json!({"bogus": 1})).unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        s.create(&SessionOptions::new().parent("no-such-session"))
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );
    assert_eq!(
        s.create(&SessionOptions::new().metadata(json!("not an object")))
            .unwrap_err()
            .code,
        ErrorCode::InvalidArgument
    );
}

#[test]
fn artifacts_whole() {
    let e = Engine::with_defaults().unwrap();
    let (s, a) = (e.sessions(), e.artifacts());
    let id = s.create(&SessionOptions::new()).unwrap();
    let opts = StoreOptions::new("agent_output")
        .name("answer.txt")
        .mime_type("text/plain")
        .tag("final")
        .metadata(json!({"model": "local/x"}));
    let r1 = a.store(&id, &opts, b"first").unwrap();
    assert_eq!(r1["sequence"], json!(1));
    assert_eq!(r1["version"], json!(1));
    assert_eq!(r1["size"], json!(5));
    assert_eq!(r1["type"], json!("agent_output"));
    let r2 = a.store(&id, &opts, b"second").unwrap();
    assert_eq!(r2["version"], json!(2));
    assert_eq!(r2["previous"], json!(1));
    let bin = [0u8, 255, 1, 2, 0, 0];
    let r3 = a
        .store(&id, &StoreOptions::new("tool_result").name("b.bin"), &bin)
        .unwrap();
    let (rec, data) = a.get(&id, 3).unwrap();
    assert_eq!(data, bin);
    assert_eq!(rec, r3);
    // Empty content is fine.
    let r4 = a
        .store(&id, &StoreOptions::new("custom:empty").name("e"), b"")
        .unwrap();
    assert_eq!(r4["size"], json!(0));
    assert_eq!(a.get(&id, 4).unwrap().1, b"");

    assert_eq!(
        a.query(&json!({"session_id": id, "name_pattern": "*.txt"}))
            .unwrap()
            .len(),
        2
    );
    assert_eq!(a.query(&json!({"tags": ["final"]})).unwrap().len(), 2);
    assert_eq!(a.query(&Value::Null).unwrap().len(), 4);
    assert_eq!(s.get(&id).unwrap()["artifact_count"], json!(4));

    a.delete(&id, 1).unwrap();
    assert_eq!(a.get(&id, 1).unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(a.delete(&id, 1).unwrap_err().code, ErrorCode::NotFound);

    let code = |r: Result<Value, Error>| r.unwrap_err().code;
    assert_eq!(
        code(a.store(&id, &StoreOptions::new("bogus").name("x"), b"x")),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        code(a.store(&id, &StoreOptions::new("custom"), b"x")),
        ErrorCode::InvalidArgument,
        "no name"
    );
    assert_eq!(
        code(a.store(
            "no-such-session",
            &StoreOptions::new("custom").name("x"),
            b"x"
        )),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(a.query(&json!({"nope": 1})).map(Value::Array)),
        ErrorCode::InvalidArgument
    );
}

#[test]
fn artifact_streaming_5_mb_with_io_copy() {
    let _w = watchdog(
        "artifact_streaming_5_mb_with_io_copy",
        Duration::from_secs(120),
    );
    let dir = temp_dir("stream-5mb");
    let e = dir.engine();
    let id = e.sessions().create(&SessionOptions::new()).unwrap();
    let a = e.artifacts();
    let data = pseudo_random(5 * 1024 * 1024 + 123, 42);

    let start = Instant::now();
    let mut w = a
        .writer(
            &id,
            &StoreOptions::new("system_generated")
                .name("big.bin")
                .mime_type("application/octet-stream"),
        )
        .unwrap();
    let copied = io::copy(&mut &data[..], &mut w).unwrap();
    w.flush().unwrap();
    assert_eq!(copied, data.len() as u64);
    let rec = w.commit().unwrap();
    let wrote = start.elapsed();
    assert_eq!(rec["size"], json!(data.len()));
    assert_eq!(rec["name"], json!("big.bin"));
    let seq = rec["sequence"].as_u64().unwrap();

    let start = Instant::now();
    let mut r = a.reader(&id, seq).unwrap();
    assert_eq!(r.record()["content_hash"], rec["content_hash"]);
    let mut back = Vec::new();
    let n = io::copy(&mut r, &mut back).unwrap();
    let read = start.elapsed();
    assert_eq!(n, data.len() as u64);
    assert!(back == data, "streamed content differs");
    // At the end, reads keep returning 0.
    assert_eq!(r.read(&mut [0u8; 16]).unwrap(), 0);
    assert_eq!(r.read(&mut []).unwrap(), 0);
    drop(r);
    let mb = data.len() as f64 / (1024.0 * 1024.0);
    eprintln!(
        "5 MB artifact: write {:.1} MB/s ({wrote:?}), read {:.1} MB/s ({read:?})",
        mb / wrote.as_secs_f64(),
        mb / read.as_secs_f64()
    );

    // The same bytes through get, and through odd-sized reads across the
    // 1 MiB chunk boundaries.
    assert!(a.get(&id, seq).unwrap().1 == data);
    let mut r = a.reader(&id, seq).unwrap();
    let mut buf = vec![0u8; 777_777];
    let mut off = 0;
    loop {
        let n = r.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        assert!(buf[..n] == data[off..off + n], "mismatch at offset {off}");
        off += n;
    }
    assert_eq!(off, data.len());

    // Reader straight into a writer: a copy into another session, which
    // shares the content (same hash).
    let other = e.sessions().create(&SessionOptions::new()).unwrap();
    let mut w = a
        .writer(&other, &StoreOptions::new("custom").name("copy.bin"))
        .unwrap();
    io::copy(&mut a.reader(&id, seq).unwrap(), &mut w).unwrap();
    let copy = w.commit().unwrap();
    assert_eq!(copy["content_hash"], rec["content_hash"]);
    assert_eq!(copy["size"], rec["size"]);
}

#[test]
fn writer_drop_discards_and_pieces_join() {
    let e = Engine::with_defaults().unwrap();
    let id = e.sessions().create(&SessionOptions::new()).unwrap();
    let a = e.artifacts();
    {
        let mut w = a
            .writer(&id, &StoreOptions::new("custom").name("dropped"))
            .unwrap();
        w.write_all(b"never committed").unwrap();
    }
    let w = a
        .writer(&id, &StoreOptions::new("custom").name("discarded"))
        .unwrap();
    w.discard();
    assert!(a.query(&json!({"session_id": id})).unwrap().is_empty());
    assert_eq!(e.sessions().get(&id).unwrap()["artifact_count"], json!(0));

    let mut w = a
        .writer(&id, &StoreOptions::new("system_generated").name("log.txt"))
        .unwrap();
    for piece in ["hello ", "", "streaming ", "world"] {
        w.write_all(piece.as_bytes()).unwrap();
    }
    write!(w, " {}", 42).unwrap();
    let rec = w.commit().unwrap();
    assert_eq!(rec["size"], json!(24));
    let mut text = String::new();
    a.reader(&id, rec["sequence"].as_u64().unwrap())
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "hello streaming world 42");
    // An empty artifact through a writer.
    let rec = a
        .writer(&id, &StoreOptions::new("custom").name("empty"))
        .unwrap()
        .commit()
        .unwrap();
    assert_eq!(rec["size"], json!(0));
}

#[test]
fn streams_move_to_other_threads() {
    let _w = watchdog("streams_move_to_other_threads", Duration::from_secs(60));
    let e = Engine::with_defaults().unwrap();
    let id = e.sessions().create(&SessionOptions::new()).unwrap();
    let a = e.artifacts();
    let data = pseudo_random(300_000, 7);
    // Writers opened here, written and committed on other threads.
    let writers: Vec<_> = (0..4)
        .map(|i| {
            a.writer(&id, &StoreOptions::new("custom").name(format!("w{i}")))
                .unwrap()
        })
        .collect();
    let records: Vec<Value> = thread::scope(|s| {
        let hs: Vec<_> = writers
            .into_iter()
            .map(|mut w| {
                let data = &data;
                s.spawn(move || {
                    w.write_all(data).unwrap();
                    w.commit().unwrap()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(records.iter().all(|r| r["size"] == json!(data.len())));
    // Readers opened here, read on other threads.
    let readers: Vec<_> = records
        .iter()
        .map(|r| a.reader(&id, r["sequence"].as_u64().unwrap()).unwrap())
        .collect();
    thread::scope(|s| {
        for mut r in readers {
            let data = &data;
            s.spawn(move || {
                let mut back = Vec::new();
                r.read_to_end(&mut back).unwrap();
                assert!(&back == data);
            });
        }
    });
}

#[test]
fn artifact_limits_and_archived_sessions() {
    let e = Engine::new(r#"{"session":{"max_session_bytes":1000,"max_artifacts":3}}"#).unwrap();
    let (s, a) = (e.sessions(), e.artifacts());
    let id = s.create(&SessionOptions::new()).unwrap();
    let opts = StoreOptions::new("custom").name("x");

    // Bytes: one store over the limit.
    let err = a.store(&id, &opts, &[1u8; 2000]).unwrap_err();
    assert_eq!(err.code, ErrorCode::Limit, "{err}");
    // Bytes: a writer over the limit is discarded; later calls are Closed.
    let mut w = a.writer(&id, &opts).unwrap();
    let err = w.write_all(&[2u8; 2000]).unwrap_err();
    assert_eq!(inner(&err).code, ErrorCode::Limit, "{err}");
    assert_eq!(err.kind(), io::ErrorKind::Other);
    let err = w.write(b"more").unwrap_err();
    assert_eq!(inner(&err).code, ErrorCode::Closed, "{err}");
    assert_eq!(w.commit().unwrap_err().code, ErrorCode::Closed);
    assert!(a.query(&json!({"session_id": id})).unwrap().is_empty());

    // Count.
    for _ in 0..3 {
        a.store(&id, &opts, b"x").unwrap();
    }
    let err = a.store(&id, &opts, b"x").unwrap_err();
    assert_eq!(err.code, ErrorCode::Limit, "{err}");

    // Archived sessions take no artifacts.
    let done = s.create(&SessionOptions::new()).unwrap();
    s.transition(&done, Status::Completed, None).unwrap();
    s.transition(&done, Status::Archived, None).unwrap();
    assert_eq!(
        a.store(&done, &opts, b"x").unwrap_err().code,
        ErrorCode::Conflict
    );
    assert_eq!(
        a.writer(&done, &opts).unwrap_err().code,
        ErrorCode::Conflict
    );
    // Reading the missing: NotFound, through io::Error too.
    assert_eq!(a.reader(&id, 99).unwrap_err().code, ErrorCode::NotFound);
    let io_err: io::Error = a.reader(&id, 99).unwrap_err().into();
    assert_eq!(io_err.kind(), io::ErrorKind::NotFound);
    assert_eq!(inner(&io_err).code, ErrorCode::NotFound);
}

#[test]
fn store_file_streams_a_file() {
    let dir = temp_dir("store-file");
    let e = dir.engine();
    let id = e.sessions().create(&SessionOptions::new()).unwrap();
    let a = e.artifacts();
    let path = dir.path().join("report.csv");
    let data = pseudo_random(1_500_000, 3);
    std::fs::write(&path, &data).unwrap();

    let rec = a
        .store_file(
            &id,
            &path,
            &StoreOptions::new("tool_result").mime_type("text/csv"),
        )
        .unwrap();
    assert_eq!(
        rec["name"],
        json!("report.csv"),
        "name defaults to the base name"
    );
    assert_eq!(rec["size"], json!(data.len()));
    assert_eq!(rec["mime_type"], json!("text/csv"));
    let (_, back) = a.get(&id, rec["sequence"].as_u64().unwrap()).unwrap();
    assert!(back == data);
    let rec = a
        .store_file(
            &id,
            &path,
            &StoreOptions::new("tool_result").name("renamed"),
        )
        .unwrap();
    assert_eq!(rec["name"], json!("renamed"));

    let missing = dir.path().join("missing.txt");
    let err = a
        .store_file(&id, &missing, &StoreOptions::new("custom"))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound, "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bad = std::path::Path::new(std::ffi::OsStr::from_bytes(b"/tmp/\xff.bin"));
        let err = a
            .store_file(&id, bad, &StoreOptions::new("custom"))
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{err}");
    }
}

#[test]
fn nul_bytes_in_ids_are_invalid_argument() {
    let e = Engine::with_defaults().unwrap();
    let (s, a) = (e.sessions(), e.artifacts());
    let id = s.create(&SessionOptions::new()).unwrap();
    let bad = format!("{id}\0x");
    let opts = StoreOptions::new("custom").name("x");
    let errs: Vec<(&str, Error)> = vec![
        ("get", s.get(&bad).unwrap_err()),
        (
            "transition",
            s.transition(&bad, Status::Suspended, None).unwrap_err(),
        ),
        (
            "transition status",
            s.transition_named(&id, "active\0", None).unwrap_err(),
        ),
        (
            "transition reason",
            s.transition(&id, Status::Failed, Some("a\0b")).unwrap_err(),
        ),
        (
            "update_metadata",
            s.update_metadata(&bad, &json!({})).unwrap_err(),
        ),
        ("delete", s.delete(&bad).unwrap_err()),
        (
            "parent",
            s.create(&SessionOptions::new().parent(&bad)).unwrap_err(),
        ),
        ("store", a.store(&bad, &opts, b"x").unwrap_err()),
        (
            "store_file",
            a.store_file(&bad, "/etc/hostname".as_ref(), &opts)
                .unwrap_err(),
        ),
        (
            "store_file path",
            a.store_file(&id, "/tmp/a\0b".as_ref(), &opts).unwrap_err(),
        ),
        ("get artifact", a.get(&bad, 1).unwrap_err()),
        ("delete artifact", a.delete(&bad, 1).unwrap_err()),
        ("writer", a.writer(&bad, &opts).unwrap_err()),
        ("reader", a.reader(&bad, 1).unwrap_err()),
        (
            "backup validate",
            e.backups().validate("latest\0").unwrap_err(),
        ),
        ("backup restore", e.backups().restore("\0").unwrap_err()),
    ];
    for (what, err) in errs {
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{what}: {err}");
        assert!(err.message.contains("NUL"), "{what}: {err}");
    }
    // Nothing happened to the real session.
    assert_eq!(s.get(&id).unwrap()["status"], json!("active"));
}

#[test]
fn spells_and_rust_share_sessions_and_artifacts() {
    let _w = watchdog(
        "spells_and_rust_share_sessions_and_artifacts",
        Duration::from_secs(60),
    );
    let dir = temp_dir("spell-artifacts");
    let e = dir.engine();
    let out = e
        .run(
            Lang::Lua,
            r##"
            local id = Session.create({name = "from lua", tags = {"spell"}})
            local a = Artifact.store(id, "agent_output", "notes.md", "# notes\n\0binary")
            return {id = id, seq = a.sequence}
            "##,
            &RunOptions::new(),
        )
        .unwrap();
    let id = out.value["id"].as_str().unwrap();
    let seq = out.value["seq"].as_u64().unwrap();
    assert_eq!(e.sessions().get(id).unwrap()["name"], json!("from lua"));
    let (rec, data) = e.artifacts().get(id, seq).unwrap();
    assert_eq!(rec["name"], json!("notes.md"));
    assert_eq!(data, b"# notes\n\0binary");

    // Rust stores, JS reads.
    let rec = e
        .artifacts()
        .store(
            id,
            &StoreOptions::new("user_input").name("q.txt"),
            b"from rust",
        )
        .unwrap();
    let js = e
        .run(
            Lang::Js,
            "var a = Artifact.get(ARGS.id, ARGS.seq); return a.content;",
            &RunOptions::new().args(json!({"id": id, "seq": rec["sequence"]})),
        )
        .unwrap();
    assert_eq!(js.value, json!("from rust"));
}
