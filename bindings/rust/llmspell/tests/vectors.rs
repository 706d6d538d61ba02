//! Runs every case of the shared vectors (tests/vectors/run.json at the
//! repository root), each on a fresh in-memory engine.

use std::path::PathBuf;
use std::time::Duration;

use std::io::{Read, Write};

use llmspell::{Engine, Op, RunOptions, SessionOptions, Status, StoreOptions};
use serde_json::{json, Value};

mod common;
use common::json_eq;

fn vectors() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../tests/vectors/run.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("run.json is JSON")
}

fn options(case: &Value) -> RunOptions<'static> {
    let mut opts = RunOptions::new();
    if let Some(args) = case.get("args") {
        opts = opts.args(args.clone());
    }
    if let Some(o) = case.get("options").and_then(Value::as_object) {
        for (k, v) in o {
            opts = match k.as_str() {
                "name" => opts.name(v.as_str().expect("name is a string")),
                "timeout_ms" => {
                    opts.timeout(Duration::from_millis(v.as_u64().expect("timeout_ms")))
                }
                "max_output_bytes" => opts.max_output_bytes(v.as_u64().expect("max_output_bytes")),
                other => panic!("vector option {other:?} is not supported by this test runner"),
            };
        }
    }
    opts
}

/// check runs one case and describes the mismatch, if any.
fn check(case: &Value) -> Result<(), String> {
    let lang = case["lang"].as_str().unwrap();
    let source = case["source"].as_str().unwrap();
    let expect = &case["expect"];
    let engine = Engine::new("{}").map_err(|e| format!("engine: {e}"))?;
    let got = engine.run_named(lang, source, &options(case));
    match (got, expect.get("error")) {
        (Ok(out), None) => {
            if !json_eq(&out.value, &expect["result"]) {
                return Err(format!("result {} want {}", out.value, expect["result"]));
            }
            if let Some(want) = expect.get("output").and_then(Value::as_str) {
                if out.output != want {
                    return Err(format!("output {:?} want {want:?}", out.output));
                }
            }
            Ok(())
        }
        (Ok(out), Some(want)) => Err(format!(
            "succeeded with {} ({:?}); want error {want}",
            out.value, out.output
        )),
        (Err(e), None) => Err(format!("failed: {e} (details {})", e.details)),
        (Err(e), Some(want)) => {
            let code = want["code"].as_str().unwrap();
            if e.code.name() != code {
                return Err(format!(
                    "error code {} ({}) want {code}: {e}",
                    e.code.name(),
                    e.status
                ));
            }
            if llmspell::status_name(e.status) != code {
                return Err(format!(
                    "status_name({}) = {} want {code}",
                    e.status,
                    llmspell::status_name(e.status)
                ));
            }
            if let Some(sub) = want.get("message_contains").and_then(Value::as_str) {
                if !e.message.contains(sub) {
                    return Err(format!("message {:?} does not contain {sub:?}", e.message));
                }
            }
            let details = e
                .details_json()
                .ok_or_else(|| format!("details are not JSON: {}", e.details))?;
            if details.get("kind").and_then(Value::as_str) != Some(code) {
                return Err(format!("details.kind in {details} want {code}"));
            }
            Ok(())
        }
    }
}

#[test]
fn shared_run_vectors() {
    let _w = common::watchdog("shared_run_vectors", Duration::from_secs(120));
    let v = vectors();
    let cases = v["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        if let Err(msg) = check(case) {
            failures.push(format!("{name}: {msg}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../tests/vectors")
        .join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

/// run_cases runs `check` on every case of a vector file and fails with
/// every mismatch at once.
fn run_cases(file: &str, check: impl Fn(&Value) -> Result<(), String>) {
    let v = load(file);
    let cases = v["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        if let Err(msg) = check(case) {
            failures.push(format!("{name}: {msg}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {file} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// expect_step compares one step's outcome with its "expect" (exact, with
/// numbers by value) or "expect_error" (the status name).
fn expect_step(step: &Value, got: Result<Value, llmspell::Error>) -> Result<(), String> {
    match (got, step.get("expect_error").and_then(Value::as_str)) {
        (Ok(v), None) => {
            if json_eq(&v, &step["expect"]) {
                Ok(())
            } else {
                Err(format!("got {v}, want {}", step["expect"]))
            }
        }
        (Ok(v), Some(want)) => Err(format!("got {v}, want error {want}")),
        (Err(e), None) => Err(format!("failed: {e}")),
        (Err(e), Some(want))
            if e.code.name() == want && llmspell::status_name(e.status) == want =>
        {
            Ok(())
        }
        (Err(e), Some(want)) => Err(format!("error {} ({e}), want {want}", e.code.name())),
    }
}

/// state_op turns a vector's transaction op into an [`Op`]. An op the enum
/// cannot express (an unknown "op") becomes a set of the reserved key
/// "__unknown_op", which the library must reject just the same
/// (invalid_argument, whole transaction refused).
fn state_op(o: &Value) -> Op {
    let scope = o["scope"].as_str();
    let key = o["key"].as_str().expect("op key");
    match o["op"].as_str() {
        Some("set") => Op::set(scope, key, o["value"].clone()),
        Some("delete") => Op::delete(scope, key),
        _ => Op::set(scope, "__unknown_op", o.clone()),
    }
}

fn state_case(case: &Value) -> Result<(), String> {
    let dir = common::temp_dir("state-vector");
    let engine = Engine::new(&dir.config(json!({}))).map_err(|e| format!("engine: {e}"))?;
    let state = engine.state();
    for (i, step) in case["steps"].as_array().unwrap().iter().enumerate() {
        let call = step["call"].as_str().unwrap();
        let scope = step["scope"].as_str();
        let key = step["key"].as_str().unwrap_or("");
        let got = match call {
            "set" => state.set(scope, key, &step["value"]).map(|()| Value::Null),
            "get" => state.get(scope, key).map(|v| v.unwrap_or(Value::Null)),
            "delete" => state.delete(scope, key).map(Value::Bool),
            "exists" => state.exists(scope, key).map(Value::Bool),
            "list" => {
                let limit = step.get("limit").and_then(Value::as_u64).unwrap_or(0) as u32;
                state
                    .keys(scope, step["prefix"].as_str(), limit)
                    .map(|k| json!(k))
            }
            "cas" => state
                .compare_and_set(scope, key, step.get("expected"), step.get("new"))
                .map(Value::Bool),
            "transaction" => {
                let ops: Vec<Op> = step["ops"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(state_op)
                    .collect();
                state.transaction(&ops).map(|()| Value::Null)
            }
            other => return Err(format!("step {i}: unknown call {other}")),
        };
        expect_step(step, got).map_err(|m| format!("step {i} ({call}): {m}"))?;
    }
    Ok(())
}

#[test]
fn shared_state_vectors() {
    let _w = common::watchdog("shared_state_vectors", Duration::from_secs(120));
    run_cases("state.json", state_case);
}

/// Names holds the session ids that steps saved with "as".
#[derive(Default)]
struct Names(std::collections::HashMap<String, String>);

impl Names {
    /// subst resolves a "$name" string; other strings stay as they are.
    fn subst(&self, s: &str) -> String {
        match s.strip_prefix('$') {
            Some(n) => self.0.get(n).cloned().unwrap_or_default(),
            None => s.to_owned(),
        }
    }

    /// resolve replaces every "$name" string inside a JSON value.
    fn resolve(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.subst(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.resolve(x)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), self.resolve(x)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// subset reports whether every key of `want` equals `got`'s
    /// (recursively for objects; "$name" strings resolved first).
    fn subset(&self, want: &Value, got: &Value) -> bool {
        match (want, got) {
            (Value::Object(w), Value::Object(g)) => w
                .iter()
                .all(|(k, wv)| self.subset(wv, g.get(k).unwrap_or(&Value::Null))),
            (Value::Object(_), _) => false,
            (Value::String(w), Value::String(g)) => &self.subst(w) == g,
            _ => json_eq(want, got),
        }
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn session_options(o: &Value, names: &Names) -> SessionOptions {
    SessionOptions {
        name: o["name"].as_str().map(str::to_owned),
        description: o["description"].as_str().map(str::to_owned),
        tags: strings(&o["tags"]),
        parent: o["parent"].as_str().map(|p| names.subst(p)),
        metadata: o.get("metadata").cloned(),
    }
}

fn store_options(o: &Value) -> StoreOptions {
    StoreOptions {
        kind: o["type"].as_str().unwrap_or("").to_owned(),
        name: o["name"].as_str().map(str::to_owned),
        mime_type: o["mime_type"].as_str().map(str::to_owned),
        tags: strings(&o["tags"]),
        metadata: o.get("metadata").cloned(),
    }
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn session_case(case: &Value) -> Result<(), String> {
    let dir = common::temp_dir("session-vector");
    let engine = Engine::new(&dir.config(json!({}))).map_err(|e| format!("engine: {e}"))?;
    let (sessions, artifacts) = (engine.sessions(), engine.artifacts());
    let mut names = Names::default();
    for (i, st) in case["steps"].as_array().unwrap().iter().enumerate() {
        let call = st["call"].as_str().unwrap();
        let id = names.subst(st["id"].as_str().unwrap_or(""));
        let seq = st["sequence"].as_u64().unwrap_or(0);
        let got: Result<Value, llmspell::Error> = match call {
            "create" => sessions
                .create(&session_options(&st["options"], &names))
                .map(|new_id| {
                    if let Some(as_) = st["as"].as_str() {
                        names.0.insert(as_.to_owned(), new_id.clone());
                    }
                    Value::String(new_id)
                }),
            "get" => sessions.get(&id),
            "list" => sessions
                .list(&names.resolve(&st["query"]))
                .map(Value::Array),
            "transition" => {
                let status = st["status"].as_str().unwrap();
                let reason = st["reason"].as_str();
                // An unknown name cannot be a Status: send it by name so the
                // library's own check is what the vector tests.
                match status.parse::<Status>() {
                    Ok(s) => sessions.transition(&id, s, reason),
                    Err(_) => sessions.transition_named(&id, status, reason),
                }
                .map(|()| Value::Null)
            }
            "update_metadata" => sessions
                .update_metadata(&id, &st["fields"])
                .map(|()| Value::Null),
            "delete" => sessions.delete(&id).map(|()| Value::Null),
            "store" => {
                let data = match st["data_hex"].as_str() {
                    Some(h) => unhex(h),
                    None => st["data_text"].as_str().unwrap_or("").as_bytes().to_vec(),
                };
                artifacts.store(&id, &store_options(&st["options"]), &data)
            }
            "get_artifact" => artifacts.get(&id, seq).map(|(record, data)| {
                json!({
                    "record": record,
                    "data_text": String::from_utf8_lossy(&data),
                    "data_hex": hex(&data),
                })
            }),
            "query" => artifacts
                .query(&names.resolve(&st["query"]))
                .map(Value::Array),
            "delete_artifact" => artifacts.delete(&id, seq).map(|()| Value::Null),
            "stream" => artifacts
                .writer(&id, &store_options(&st["options"]))
                .and_then(|mut w| {
                    for p in st["pieces"].as_array().unwrap() {
                        w.write_all(p.as_str().unwrap().as_bytes())
                            .map_err(|e| io_to_error(&e))?;
                    }
                    w.commit()
                }),
            "read_stream" => artifacts.reader(&id, seq).and_then(|mut r| {
                let mut buf = vec![0u8; st["buffer"].as_u64().unwrap() as usize];
                let mut data = Vec::new();
                loop {
                    let n = r.read(&mut buf).map_err(|e| io_to_error(&e))?;
                    if n == 0 {
                        break;
                    }
                    data.extend_from_slice(&buf[..n]);
                }
                Ok(json!({"data_text": String::from_utf8_lossy(&data)}))
            }),
            other => return Err(format!("step {i}: unknown call {other}")),
        };
        let what = format!("step {i} ({call})");
        match (got, st["expect_error"].as_str()) {
            (Err(e), Some(want)) => {
                if e.code.name() != want {
                    return Err(format!(
                        "{what}: error {} ({e}), want {want}",
                        e.code.name()
                    ));
                }
            }
            (Ok(v), Some(want)) => return Err(format!("{what}: got {v}, want error {want}")),
            (Err(e), None) => return Err(format!("{what}: failed: {e}")),
            (Ok(v), None) => {
                if let Some(n) = st["expect_len"].as_u64() {
                    let len = v.as_array().map_or(0, Vec::len);
                    if len as u64 != n {
                        return Err(format!("{what}: {len} items, want {n}: {v}"));
                    }
                }
                if let Some(want) = st.get("expect") {
                    if !names.subset(want, &v) {
                        return Err(format!("{what}: got {v}, want {want}"));
                    }
                }
            }
        }
    }
    Ok(())
}

/// io_to_error gets the library error back out of an io::Error.
fn io_to_error(e: &std::io::Error) -> llmspell::Error {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<llmspell::Error>())
        .cloned()
        .unwrap_or_else(|| panic!("io error without an llmspell::Error inside: {e}"))
}

#[test]
fn shared_session_vectors() {
    let _w = common::watchdog("shared_session_vectors", Duration::from_secs(120));
    run_cases("session.json", session_case);
}
