//! Runs every case of the shared vectors (tests/vectors/run.json at the
//! repository root), each on a fresh in-memory engine.

use std::path::PathBuf;
use std::time::Duration;

use llmspell::{Engine, RunOptions};
use serde_json::Value;

mod common;

fn vectors() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../tests/vectors/run.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("run.json is JSON")
}

/// json_eq is deep JSON equality where numbers compare by value (so 2 and
/// 2.0 are equal, as in every other binding's comparison).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
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
