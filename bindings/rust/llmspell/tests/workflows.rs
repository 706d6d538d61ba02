//! Workflows defined as JSON: the shared vectors (tests/vectors/workflow.json)
//! and idiomatic tests: data passed between steps into a file in the
//! sandbox, parallel agents on the local test model, conditions, loops, a
//! Rust closure as a function step, human input, error strategies,
//! cancellation through a RunToken from another thread, bad definitions
//! and leaks.
//!
//! The model folder comes from LLMSPELL_MODELS_DIR, else
//! <repo>/../shared/models; without it the model tests skip with a message
//! (and fail when CI=true).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use llmspell::{
    AgentConfig, Engine, ErrorCode, ExecuteOptions, RunStatus, ToolHandle, ToolSpec, Workflow,
    WorkflowResult, Workflows,
};
use serde_json::{json, Value};

mod common;
use common::{json_eq, load_vectors, need_models, temp_dir, watchdog};

const LIMIT: Duration = Duration::from_secs(120);

fn long_loop() -> Value {
    json!({"name": "long", "type": "loop",
           "iterator": {"while_condition": "true", "max_iterations": 100000},
           "aggregate": "none", "body": [{"name": "u", "tool": "uuid_generator"}]})
}

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn types_are_send_sync() {
    assert_send_sync::<Workflows<'static>>();
    assert_send_sync::<Workflow<'static>>();
    assert_send_sync::<WorkflowResult>();
    assert_send_sync::<ExecuteOptions<'static>>();
}

// --- shared vectors ----------------------------------------------------------

/// echo is the vectors' host closure: returns its parameters, fails on
/// "fail": true.
fn echo(p: &Value) -> Result<Value, String> {
    if p["fail"] == json!(true) {
        return Err("asked to fail".into());
    }
    Ok(p.clone())
}

/// step runs one vector step through the public API and returns its value
/// as JSON (results: their raw json).
fn step<'e>(
    engine: &'e Engine,
    s: &Value,
    tools: &mut Vec<ToolHandle<'e>>,
) -> Result<Value, llmspell::Error> {
    let wfs = engine.workflows();
    let wf = || wfs.handle(s["workflow"].as_str().unwrap_or(""));
    let str_of = |k: &str| s[k].as_str().unwrap_or("");
    Ok(match s["call"].as_str().unwrap() {
        "create" => Value::from(wfs.create(&s["definition"])?.name()),
        "list" => Value::from(wfs.list()?),
        "resume" => wfs.resume(str_of("run_id"), &s["input"])?.json,
        "record" => wfs.run_record(str_of("run_id"))?,
        "invoke_tool" => {
            let env = engine.tools().invoke(str_of("tool"), &s["params"])?;
            json!({"success": env.success, "result": env.result})
        }
        "register_tool" => {
            tools.push(
                engine
                    .tools()
                    .register(&ToolSpec::new(str_of("tool")), echo)?,
            );
            Value::Null
        }
        "agent_create" => Value::from(engine.agents().create_json(&s["config"])?.name()),
        "execute" => {
            let o = &s["options"];
            let mut opts = ExecuteOptions::new();
            if let Some(id) = o["run_id"].as_str() {
                opts = opts.run_id(id);
            }
            if let Some(ms) = o["timeout_ms"].as_u64() {
                opts = opts.timeout_ms(ms);
            }
            match s["cancel_after_ms"].as_u64() {
                None => wf().execute_with(&s["input"], &opts)?.json,
                Some(ms) => {
                    let token = engine.run_token()?;
                    let r = thread::scope(|sc| {
                        sc.spawn(|| {
                            thread::sleep(Duration::from_millis(ms));
                            token.cancel().unwrap();
                        });
                        wf().execute_with(&s["input"], &opts.token(&token))
                    });
                    r?.json
                }
            }
        }
        "info" => wf().info()?,
        "remove" => Value::from(wf().remove()?),
        "wrap" => {
            let o = &s["options"];
            Value::from(wf().wrap_as_tool(o["tool_name"].as_str(), o["description"].as_str())?)
        }
        other => panic!("unknown call {other} in the vectors"),
    })
}

/// matches is the vectors' match: objects by the keys given, lists item by
/// item, the rest by (numeric) equality.
fn matches(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => w
            .iter()
            .all(|(k, v)| g.get(k).is_some_and(|x| matches(v, x))),
        (Value::Array(w), Value::Array(g)) => {
            w.len() == g.len() && w.iter().zip(g).all(|(a, b)| matches(a, b))
        }
        _ => json_eq(want, got),
    }
}

fn check_step(s: &Value, got: &Value) -> Result<(), String> {
    if let Some(want) = s.get("expect") {
        if !matches(want, got) {
            return Err(format!("got {got}, want {want}"));
        }
    }
    if let Some(n) = s["expect_len"].as_u64() {
        if got.as_array().map(Vec::len) != Some(n as usize) {
            return Err(format!("length of {got}, want {n}"));
        }
    }
    if let Some(names) = s["expect_names"].as_array() {
        let have: Vec<&str> = got
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x["name"].as_str())
            .collect();
        if let Some(n) = names.iter().find(|n| !have.contains(&n.as_str().unwrap())) {
            return Err(format!("{n} not among {have:?}"));
        }
    }
    let steps = got["steps"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    if let Some(n) = s["expect_steps"].as_u64() {
        if steps.len() != n as usize {
            return Err(format!("{} steps, want {n}: {got}", steps.len()));
        }
    }
    for (name, want) in s["expect_step"].as_object().into_iter().flatten() {
        let found = steps.iter().find(|x| x["name"] == json!(name));
        if !found.is_some_and(|f| matches(want, f)) {
            return Err(format!("step {name} is {found:?}, want {want}"));
        }
    }
    if let Some(want) = s.get("expect_result") {
        if !matches(want, &got["result"]) {
            return Err(format!("tool result of {got}, want {want}"));
        }
    }
    for c in s["expect_checks"].as_array().into_iter().flatten() {
        if c != "output_strings_nonempty" {
            return Err(format!("unknown check {c}"));
        }
        let ok = got["output"].as_object().is_some_and(|o| {
            !o.is_empty()
                && o.values()
                    .all(|v| v.as_str().is_some_and(|t| !t.is_empty()))
        });
        if !ok {
            return Err(format!("output of {got} is not all non-empty strings"));
        }
    }
    Ok(())
}

#[test]
fn vectors() {
    let _w = watchdog("vectors", LIMIT);
    let file = load_vectors("workflow");
    let mut calls = std::collections::BTreeSet::new();
    for c in file["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        for s in c["steps"].as_array().unwrap() {
            calls.insert(s["call"].as_str().unwrap().to_owned());
        }
        if c["needs_model"] == json!(true) && !need_models(name) {
            continue;
        }
        let dir = temp_dir(&format!("wf-vec-{name}"));
        let engine = dir.model_engine();
        let mut tools = Vec::new();
        for (i, s) in c["steps"].as_array().unwrap().iter().enumerate() {
            let where_ = format!("{name} step {i} ({})", s["call"]);
            let r = step(&engine, s, &mut tools);
            if let Some(want) = s["expect_error"].as_str() {
                match r {
                    Err(e) => assert_eq!(e.code.name(), want, "{where_}: {e}"),
                    Ok(v) => panic!("{where_}: got {v}, want error {want}"),
                }
                continue;
            }
            let got = r.unwrap_or_else(|e| panic!("{where_}: {e}"));
            if let Err(m) = check_step(s, &got) {
                panic!("{where_}: {m}");
            }
        }
        drop(tools);
    }
    let want: std::collections::BTreeSet<String> = [
        "agent_create",
        "create",
        "execute",
        "info",
        "invoke_tool",
        "list",
        "record",
        "register_tool",
        "remove",
        "resume",
        "wrap",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(calls, want, "the vectors cover every call");
}

// --- idiomatic ------------------------------------------------------------------

#[test]
fn sequential_steps_pass_data_into_a_file() {
    let _w = watchdog("sequential_steps_pass_data_into_a_file", LIMIT);
    let dir = temp_dir("wf-chain");
    let engine = dir.model_engine();
    let sandbox = dir.data_dir().join("sandbox");
    let sb = sandbox.to_str().unwrap();
    let file = format!("{sb}/chain.txt");
    let wf = engine
        .workflows()
        .create(&json!({
            "name": "chain",
            "type": "sequential",
            "steps": [
                {"name": "dir", "tool": "file_operations",
                 "input": {"operation": "create_dir", "path": sb, "recursive": true}},
                {"name": "id", "tool": "uuid_generator", "input": {}},
                {"name": "digest", "tool": "hash_calculator",
                 "input": {"input": "{{steps.id.output.uuid}}", "algorithm": "sha256"}},
                {"name": "save", "tool": "file_operations",
                 "input": {"operation": "write", "path": file,
                           "input": "{{steps.id.output.uuid}} {{steps.digest.output.hash}}"}},
                {"name": "back", "tool": "file_operations",
                 "input": {"operation": "read", "path": file}}
            ]
        }))
        .unwrap();
    assert_eq!(wf.name(), "chain");
    let r = wf.execute(&Value::Null).unwrap();
    assert!(
        r.success && r.status == RunStatus::Completed,
        "{:?}",
        r.json
    );
    let names: Vec<&str> = r.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["dir", "id", "digest", "save", "back"]);
    let uuid = r.step("id").unwrap().output["uuid"].as_str().unwrap();
    let hash = r.step("digest").unwrap().output["hash"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    // The hash is the uuid's: the engine's own hash tool agrees.
    let check = engine
        .tools()
        .invoke(
            "hash_calculator",
            &json!({"input": uuid, "algorithm": "sha256"}),
        )
        .unwrap();
    assert_eq!(check.result.unwrap()["hash"], json!(hash));
    let both = format!("{uuid} {hash}");
    assert_eq!(r.output["content"], json!(both));
    assert_eq!(
        std::fs::read_to_string(sandbox.join("chain.txt")).unwrap(),
        both
    );
    let rec = engine.workflows().run_record(&r.run_id).unwrap();
    assert_eq!(rec["status"], "completed");
    assert_eq!(rec["steps"].as_array().unwrap().len(), 5);
}

#[test]
fn parallel_agents_on_the_local_model() {
    if !need_models("parallel_agents_on_the_local_model") {
        return;
    }
    let _w = watchdog("parallel_agents_on_the_local_model", LIMIT);
    let dir = temp_dir("wf-trio");
    let engine = dir.model_engine();
    engine
        .agents()
        .create(
            &AgentConfig::new()
                .name("wf_teller")
                .max_tokens(8)
                .temperature(0.0),
        )
        .unwrap();
    let branches: Vec<Value> = [("a", "Once upon a time"), ("b", "The dog"), ("c", "A bird")]
        .iter()
        .map(|(n, text)| {
            json!({"name": n, "steps": [
                {"name": format!("t{n}"), "type": "agent", "agent": "wf_teller", "input": text}]})
        })
        .collect();
    let trio = engine
        .workflows()
        .create(&json!({"name": "trio", "type": "parallel", "max_concurrency": 3, "branches": branches}))
        .unwrap();
    let r = trio.execute(&Value::Null).unwrap();
    assert!(r.success, "{}", r.json);
    let out = r.output.as_object().unwrap();
    assert_eq!(out.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
    assert!(out
        .values()
        .all(|v| v.as_str().is_some_and(|t| !t.is_empty())));
}

#[test]
fn conditional_on_a_previous_output() {
    let dir = temp_dir("wf-cond");
    let engine = dir.model_engine();
    let wfs = engine.workflows();
    wfs.create(&json!({
        "name": "route", "type": "conditional",
        "branches": [
            {"name": "big", "condition": "input.n > 40",
             "steps": [{"name": "yes", "tool": "calculator", "input": {"input": "{{input.n}} * 2"}}]},
            {"name": "small", "steps": [{"name": "no", "tool": "calculator", "input": {"input": "0"}}]}
        ]
    }))
    .unwrap();
    // The JSON text works too.
    let calc = wfs
        .create_str(
            r#"{"name": "calc_route", "steps": [
                {"name": "calc", "tool": "calculator", "input": {"input": "{{input.expr}}"}},
                {"name": "decide", "type": "workflow", "workflow": "route",
                 "input": {"n": "{{steps.calc.output.result}}"}},
                {"name": "only_if_big", "tool": "calculator", "input": {"input": "1+1"},
                 "when": "steps.calc.output.result > 100"}],
               "output": "{{steps.decide.output.result}}"}"#,
        )
        .unwrap();
    let r = calc.execute(&json!({"expr": "6*7"})).unwrap();
    assert_eq!(r.output, json!(84));
    assert!(r.step("only_if_big").unwrap().skipped);
    assert_eq!(
        calc.execute(&json!({"expr": "1+1"})).unwrap().output,
        json!(0)
    );
    let big = calc.execute(&json!({"expr": "60*2"})).unwrap();
    assert!(!big.step("only_if_big").unwrap().skipped);
}

#[test]
fn loop_over_a_list_with_aggregation() {
    let dir = temp_dir("wf-loop");
    let engine = dir.model_engine();
    let each = engine
        .workflows()
        .create(&json!({
            "name": "each", "type": "loop", "iterator": {"collection": "{{input}}"},
            "aggregate": "collect",
            "body": [{"name": "x", "tool": "calculator",
                      "input": {"input": "{{loop.item}} * 10 + {{loop.index}}"}}]
        }))
        .unwrap();
    let r = each.execute(&json!([1, 2, 3])).unwrap();
    let got: Vec<i64> = r
        .output
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["result"].as_i64().unwrap())
        .collect();
    assert_eq!(got, [10, 21, 32]);
    let counted = engine
        .workflows()
        .create(&json!({
            "name": "counted", "type": "loop", "iterator": {"range": {"start": 0, "end": 4}},
            "aggregate": "last",
            "body": [{"name": "d", "tool": "calculator", "input": {"input": "{{loop.index}} * 2"}}]
        }))
        .unwrap();
    assert_eq!(
        counted.execute(&Value::Null).unwrap().output["result"],
        json!(6)
    );
}

#[test]
fn rust_closure_as_a_function_step() {
    let _w = watchdog("rust_closure_as_a_function_step", LIMIT);
    let dir = temp_dir("wf-closure");
    let engine = dir.model_engine();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = Arc::clone(&seen);
    let shout = engine
        .tools()
        .register(
            &ToolSpec::new("shout").description("upper-cases text"),
            move |p: &Value| {
                seen2.lock().unwrap().push(p.clone());
                let text = p["text"].as_str().ok_or("no text")?;
                Ok(json!({"text": text.to_uppercase(), "n": p["n"].as_i64().unwrap_or(0) + 1}))
            },
        )
        .unwrap();
    let wf = engine
        .workflows()
        .create(&json!({
            "name": "shouting",
            "steps": [
                {"name": "calc", "tool": "calculator", "input": {"input": "6*7"}},
                {"name": "loud", "type": "function", "function": "shout",
                 "input": {"text": "{{input.text}}", "n": "{{steps.calc.output.result}}"}}
            ]
        }))
        .unwrap();
    let r = wf.execute(&json!({"text": "hello"})).unwrap();
    assert!(r.success, "{}", r.json);
    assert_eq!(r.output, json!({"text": "HELLO", "n": 43}));
    assert_eq!(r.step("loud").unwrap().kind, "function");
    assert_eq!(
        *seen.lock().unwrap(),
        vec![json!({"text": "hello", "n": 42})]
    );
    // A closure that returns Err fails its step; the strategy applies.
    let _explode = engine
        .tools()
        .register(&ToolSpec::new("explode"), |_: &Value| {
            Err("kaboom".to_string())
        })
        .unwrap();
    let bad = engine
        .workflows()
        .create(&json!({
            "name": "exploding", "error_strategy": "continue",
            "steps": [
                {"name": "boom", "type": "function", "function": "explode"},
                {"name": "after", "type": "function", "function": "shout",
                 "input": {"text": "still", "n": 0}}
            ]
        }))
        .unwrap();
    let r = bad.execute(&Value::Null).unwrap();
    let boom = r.step("boom").unwrap();
    assert!(r.success && !boom.success, "{}", r.json);
    assert!(boom.error.as_deref().unwrap().contains("kaboom"));
    assert_eq!(r.output, json!({"text": "STILL", "n": 1}));
    // Once the closure is unregistered, the step fails.
    shout.unregister().unwrap();
    let r = wf.execute(&json!({"text": "x"})).unwrap();
    assert!(!r.success);
    assert_eq!(r.status, RunStatus::Failed);
    assert!(r.error.is_some());
}

#[test]
fn input_step_paused_then_resumed() {
    let dir = temp_dir("wf-input");
    let engine = dir.model_engine();
    let ask = engine
        .workflows()
        .create(&json!({
            "name": "ask",
            "steps": [
                {"name": "q", "type": "input", "prompt": "an expression?"},
                {"name": "calc", "tool": "calculator", "input": {"input": "{{steps.q.output}}"}}
            ]
        }))
        .unwrap();
    let paused = ask
        .execute_with(&Value::Null, &ExecuteOptions::new().run_id("ask-1"))
        .unwrap();
    assert_eq!(paused.status, RunStatus::WaitingInput);
    assert_eq!(paused.pending_step.as_deref(), Some("q"));
    assert_eq!(paused.prompt.as_deref(), Some("an expression?"));
    assert_eq!(paused.run_id, "ask-1");
    let wfs = engine.workflows();
    assert_eq!(wfs.run_record("ask-1").unwrap()["status"], "waiting_input");
    let done = wfs.resume("ask-1", &json!("2+3")).unwrap();
    assert!(done.success && done.status == RunStatus::Completed);
    assert_eq!(done.output["result"], json!(5));
    // The input step's output is the answer.
    assert_eq!(done.step("q").unwrap().output, json!("2+3"));
    assert_eq!(
        wfs.resume("ask-1", &json!("1+1")).unwrap_err().code,
        ErrorCode::Conflict
    );
}

#[test]
fn failing_step_under_each_strategy() {
    let dir = temp_dir("wf-fail");
    let engine = dir.model_engine();
    let failing = |strategy: &str| {
        engine
            .workflows()
            .create(&json!({
                "name": format!("fail_{strategy}"), "error_strategy": strategy,
                "retry": {"max_attempts": 3, "backoff_ms": 1},
                "steps": [{"name": "bad", "tool": "calculator", "input": {"input": "1/0"}},
                          {"name": "after", "tool": "calculator", "input": {"input": "2+2"}}]
            }))
            .unwrap()
            .execute(&Value::Null)
            .unwrap()
    };
    let ff = failing("fail_fast");
    assert!(!ff.success && ff.status == RunStatus::Failed && ff.steps.len() == 1);
    assert!(ff.steps[0].error.as_deref().unwrap().contains("division"));
    assert_eq!(
        engine.workflows().run_record(&ff.run_id).unwrap()["status"],
        "failed"
    );
    let cont = failing("continue");
    assert!(cont.success && cont.steps.len() == 2);
    assert_eq!(cont.output["result"], json!(4));
    let retry = failing("retry");
    assert!(!retry.success);
    assert_eq!(retry.step("bad").unwrap().attempts, 3);
}

#[test]
fn cancel_from_another_thread() {
    let _w = watchdog("cancel_from_another_thread", LIMIT);
    let dir = temp_dir("wf-cancel");
    let engine = dir.model_engine();
    let wf = engine.workflows().create(&long_loop()).unwrap();
    let token = engine.run_token().unwrap();
    let t0 = Instant::now();
    let r = thread::scope(|s| {
        s.spawn(|| {
            thread::sleep(Duration::from_millis(100));
            token.cancel().unwrap();
        });
        wf.execute_with(
            &Value::Null,
            &ExecuteOptions::new().run_id("long-1").token(&token),
        )
    });
    assert_eq!(r.unwrap_err().code, ErrorCode::Cancelled);
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert_eq!(
        engine.workflows().run_record("long-1").unwrap()["status"],
        "cancelled"
    );
    // A cancelled token stops a resume at once too.
    let e = engine
        .workflows()
        .resume_with("long-1", &Value::Null, &token)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Cancelled);
    let e = wf
        .execute_with(&Value::Null, &ExecuteOptions::new().timeout_ms(100))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Timeout);
}

#[test]
fn bad_definitions_and_input() {
    let dir = temp_dir("wf-bad");
    let engine = dir.model_engine();
    let wfs = engine.workflows();
    let code = |r: Result<Workflow<'_>, llmspell::Error>| r.unwrap_err().code;
    assert_eq!(
        code(wfs.create(&json!({"name": "x", "steps": [{"name": "s", "tool": "nope"}]}))),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(wfs.create(&json!({"name": "x", "steps": [
            {"name": "s", "tool": "hash_calculator", "input": {"input": "{{steps.later.output}}"}},
            {"name": "later", "tool": "uuid_generator"}]}))),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        code(wfs.create(&json!({"name": "x", "type": "loop",
            "iterator": {"while_condition": "true"},
            "body": [{"name": "s", "tool": "uuid_generator"}]}))),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        code(wfs.create_str(r#"{"name":"#)),
        ErrorCode::InvalidArgument
    );
    assert_eq!(code(wfs.create(&json!([1, 2]))), ErrorCode::InvalidArgument);
    let ok_def = json!({"name": "ok", "steps": [{"name": "s", "tool": "uuid_generator"}]});
    let ok = wfs.create(&ok_def).unwrap();
    assert_eq!(code(wfs.create(&ok_def)), ErrorCode::Conflict);
    assert_eq!(
        wfs.resume("no-such-run", &Value::Null).unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(
        wfs.run_record("no-such-run").unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(
        wfs.run_record("../../etc").unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        wfs.run_record("nul\0id").unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(code(wfs.get("ghost")), ErrorCode::NotFound);
    assert_eq!(
        wfs.handle("ghost").execute(&Value::Null).unwrap_err().code,
        ErrorCode::NotFound
    );
    ok.execute_with(&Value::Null, &ExecuteOptions::new().run_id("r-1"))
        .unwrap();
    assert_eq!(
        ok.execute_with(&Value::Null, &ExecuteOptions::new().run_id("r-1"))
            .unwrap_err()
            .code,
        ErrorCode::Conflict
    );
}

#[test]
fn registry_info_wrap_and_remove() {
    let dir = temp_dir("wf-registry");
    let engine = dir.model_engine();
    let wf = engine
        .workflows()
        .create(&json!({"name": "doubler", "description": "doubles n",
            "steps": [{"name": "d", "tool": "calculator", "input": {"input": "{{input.n}} * 2"}}]}))
        .unwrap();
    let info = wf.info().unwrap();
    assert_eq!(info["name"], "doubler");
    assert_eq!(info["type"], "sequential");
    assert_eq!(info["definition"]["steps"][0]["tool"], "calculator");
    assert_eq!(engine.workflows().get("doubler").unwrap(), wf);
    let names: Vec<Value> = engine
        .workflows()
        .list()
        .unwrap()
        .iter()
        .map(|i| i["name"].clone())
        .collect();
    assert_eq!(names, [json!("doubler")]);
    assert_eq!(wf.wrap_as_tool(None, None).unwrap(), "workflow_doubler");
    assert_eq!(
        wf.wrap_as_tool(Some("double_it"), Some("doubles")).unwrap(),
        "double_it"
    );
    assert_eq!(
        wf.wrap_as_tool(Some("double_it"), None).unwrap_err().code,
        ErrorCode::Conflict
    );
    let env = engine
        .tools()
        .invoke("double_it", &json!({"input": {"n": 21}}))
        .unwrap();
    assert!(env.success);
    assert_eq!(env.result.unwrap()["output"]["result"], json!(42));
    assert!(wf.remove().unwrap());
    assert!(!wf.remove().unwrap());
    assert_eq!(wf.info().unwrap_err().code, ErrorCode::NotFound);
}

#[test]
fn concurrent_runs_from_threads() {
    let _w = watchdog("concurrent_runs_from_threads", LIMIT);
    let dir = temp_dir("wf-concurrent");
    let engine = dir.model_engine();
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = Arc::clone(&calls);
    let _count = engine
        .tools()
        .register(&ToolSpec::new("count"), move |_: &Value| {
            Ok(json!({"n": c2.fetch_add(1, Ordering::SeqCst) + 1}))
        })
        .unwrap();
    let wf = engine
        .workflows()
        .create(&json!({"name": "w", "steps": [
            {"name": "c", "tool": "calculator", "input": {"input": "{{input}} * 2"}},
            {"name": "f", "type": "function", "function": "count"}]}))
        .unwrap();
    thread::scope(|s| {
        for i in 0..4i64 {
            let wf = wf.clone();
            s.spawn(move || {
                for j in 0..10i64 {
                    let n = i * 100 + j;
                    let r = wf.execute(&json!(n)).unwrap();
                    assert!(r.success);
                    assert_eq!(r.steps[0].output["result"], json!(2 * n));
                }
            });
        }
    });
    assert_eq!(calls.load(Ordering::SeqCst), 40);
}
