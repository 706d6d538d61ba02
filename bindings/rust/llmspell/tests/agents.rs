//! Agents and providers: the shared vectors (tests/vectors/agent.json) and
//! idiomatic tests on the local test model (stories260K): tool calls,
//! streaming, memory, agents as tools, errors, cancellation and leaks.
//!
//! The model folder comes from LLMSPELL_MODELS_DIR, else
//! <repo>/../shared/models; without it the model tests skip with a message
//! (and fail when CI=true).

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use llmspell::{
    Agent, AgentConfig, AgentResult, AgentType, Agents, DeltaStream, Engine, ErrorCode, Input,
    Providers, StreamCanceller,
};
use serde_json::{json, Value};

mod common;
use common::{json_eq, load_vectors, need_models, temp_dir, watchdog};

const LIMIT: Duration = Duration::from_secs(120);

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn types_are_send_sync() {
    assert_send_sync::<Agents<'static>>();
    assert_send_sync::<Agent<'static>>();
    assert_send_sync::<DeltaStream<'static>>();
    assert_send_sync::<StreamCanceller>();
    assert_send_sync::<Providers<'static>>();
    assert_send_sync::<AgentResult>();
}

// --- shared vectors ----------------------------------------------------------

/// step runs one vector step through the public API and returns its value
/// as JSON (stream: the result plus "_deltas").
fn step(engine: &Engine, s: &Value) -> Result<Value, llmspell::Error> {
    let agents = engine.agents();
    let agent = || agents.handle(s["agent"].as_str().unwrap_or(""));
    Ok(match s["call"].as_str().unwrap() {
        "create" => Value::from(agents.create_json(&s["config"])?.name()),
        "list" => Value::from(agents.list()?),
        "providers" => Value::from(engine.providers().list()?),
        "invoke_tool" => {
            let env = engine
                .tools()
                .invoke(s["tool"].as_str().unwrap(), &s["params"])?;
            json!({"success": env.success, "result": env.result})
        }
        "execute" => agent().execute(&s["input"])?.json,
        "stream" => {
            let mut st = agent().stream(&s["input"])?;
            let deltas = (&mut st).collect::<Result<Vec<String>, _>>()?;
            let mut r = st.result().expect("a result after the end").json.clone();
            r["_deltas"] = Value::from(deltas);
            r
        }
        "history" => Value::from(agent().history()?),
        "clear_history" => {
            agent().clear_history()?;
            Value::Null
        }
        "save_state" => {
            agent().save_state()?;
            Value::Null
        }
        "load_state" => Value::from(agent().load_state()?),
        "info" => agent().info()?,
        "remove" => Value::from(agent().remove()?),
        "wrap_as_tool" => {
            let o = &s["options"];
            Value::from(agent().wrap_as_tool(o["tool_name"].as_str(), o["description"].as_str())?)
        }
        other => panic!("unknown call {other} in the vectors"),
    })
}

/// subset is the vectors' match: objects by the keys given, the rest by
/// (numeric) equality.
fn subset(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => w
            .iter()
            .all(|(k, v)| g.get(k).is_some_and(|x| subset(v, x))),
        _ => json_eq(want, got),
    }
}

fn check_step(s: &Value, got: &Value, tools: &[String]) -> Result<(), String> {
    let list_len = || got.as_array().map(Vec::len);
    if let Some(n) = s["expect_len"].as_u64() {
        if list_len() != Some(n as usize) {
            return Err(format!("length of {got}, want {n}"));
        }
    }
    if let Some(n) = s["expect_len_min"].as_u64() {
        if list_len().unwrap_or(0) < n as usize {
            return Err(format!("length of {got}, want at least {n}"));
        }
    }
    if let Some(names) = s["expect_names"].as_array() {
        let have: Vec<&str> = got
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x["name"].as_str())
            .collect();
        for n in names {
            if !have.contains(&n.as_str().unwrap()) {
                return Err(format!("{n} not among {have:?}"));
            }
        }
    }
    if let Some(want) = s.get("expect") {
        if !subset(want, got) {
            return Err(format!("got {got}, want {want}"));
        }
    }
    if let Some(t) = s.get("expect_result_text") {
        if &got["result"]["text"] != t {
            return Err(format!("result text of {got}, want {t}"));
        }
    }
    for c in s["expect_checks"].as_array().into_iter().flatten() {
        let ok = match c.as_str().unwrap() {
            "text_nonempty" => got["text"].as_str().is_some_and(|t| !t.is_empty()),
            "tool_called" => got["tool_calls"].as_array().is_some_and(|calls| {
                !calls.is_empty()
                    && calls
                        .iter()
                        .all(|c| tools.iter().any(|t| Some(t.as_str()) == c["name"].as_str()))
            }),
            "no_tool_calls" => got["tool_calls"] == json!([]),
            "usage" => {
                got["usage"]["input_tokens"].as_u64().unwrap_or(0) > 0
                    && got["usage"]["output_tokens"].as_u64().unwrap_or(0) > 0
            }
            "deltas" => {
                let d: Vec<&str> = got["_deltas"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                d.len() >= 2 && got["text"].as_str() == Some(d.concat().as_str())
            }
            other => return Err(format!("unknown check {other}")),
        };
        if !ok {
            return Err(format!("check {c} failed on {got}"));
        }
    }
    Ok(())
}

#[test]
fn vectors() {
    let _w = watchdog("vectors", LIMIT);
    let v = load_vectors("agent");
    let cases = v["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    let mut calls = std::collections::BTreeSet::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        for s in case["steps"].as_array().unwrap() {
            calls.insert(s["call"].as_str().unwrap().to_owned());
        }
        if case["needs_model"].as_bool() == Some(true) && !need_models(name) {
            continue;
        }
        let dir = temp_dir("agent-vectors");
        let engine = dir.model_engine();
        let mut tools: std::collections::HashMap<String, Vec<String>> = Default::default();
        for (i, s) in case["steps"].as_array().unwrap().iter().enumerate() {
            let got = step(&engine, s);
            let where_ = format!("{name} step {i} ({})", s["call"]);
            let res = match (got, s["expect_error"].as_str()) {
                (Ok(v), None) => {
                    if s["call"] == "create" {
                        let t = s["config"]["tools"].as_array().into_iter().flatten();
                        tools.insert(
                            v.as_str().unwrap().to_owned(),
                            t.filter_map(|x| x.as_str().map(str::to_owned)).collect(),
                        );
                    }
                    let offered = tools
                        .get(s["agent"].as_str().unwrap_or(""))
                        .cloned()
                        .unwrap_or_default();
                    check_step(s, &v, &offered)
                }
                (Ok(v), Some(want)) => Err(format!("got {v}, want error {want}")),
                (Err(e), None) => Err(format!("failed: {e}")),
                (Err(e), Some(want)) if e.code.name() == want => Ok(()),
                (Err(e), Some(want)) => Err(format!("error {} ({e}), want {want}", e.code)),
            };
            if let Err(m) = res {
                failures.push(format!("{where_}: {m}"));
            }
        }
    }
    let want: std::collections::BTreeSet<String> = [
        "create",
        "execute",
        "stream",
        "history",
        "clear_history",
        "save_state",
        "load_state",
        "info",
        "list",
        "remove",
        "wrap_as_tool",
        "invoke_tool",
        "providers",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(calls, want, "the vectors cover every call");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// --- the local model -----------------------------------------------------------

#[test]
fn execute_with_tools_and_stream() {
    if !need_models("execute_with_tools_and_stream") {
        return;
    }
    let _w = watchdog("execute_with_tools_and_stream", LIMIT);
    let dir = temp_dir("agent-exec");
    let engine = dir.model_engine();
    let agent = engine
        .agents()
        .create(
            &AgentConfig::new()
                .name("teller")
                .tool("calculator")
                .tool("uuid_generator")
                .temperature(0.0)
                .max_tokens(16),
        )
        .unwrap();
    assert_eq!(agent.name(), "teller");
    let r = agent.execute("Once upon a time").unwrap();
    assert!(!r.text.is_empty());
    assert!(!r.tool_calls.is_empty(), "{:?}", r.json);
    for c in &r.tool_calls {
        assert!(
            c.name == "calculator" || c.name == "uuid_generator",
            "{c:?}"
        );
    }
    assert!(r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
    assert_eq!(r.metadata["provider"], "local");
    assert!(!r.finish_reason().is_empty());

    let mut st = agent.stream(Input::text("The dog")).unwrap();
    assert!(st.result().is_none());
    let deltas: Vec<String> = (&mut st).map(Result::unwrap).collect();
    assert!(deltas.len() >= 2, "{deltas:?}");
    let res = st.result().expect("result after the end");
    assert_eq!(deltas.concat(), res.text);
    assert!(st.next().is_none(), "the iterator stays ended");
    drop(st);

    let whole = agent
        .stream(json!({"text": "A bird", "parameters": {"max_tokens": 8}}))
        .unwrap()
        .into_result()
        .unwrap();
    assert!(!whole.text.is_empty());
    assert_eq!(engine.agents().get("teller").unwrap(), agent);
}

#[test]
fn memory_save_clear_load() {
    if !need_models("memory_save_clear_load") {
        return;
    }
    let _w = watchdog("memory_save_clear_load", LIMIT);
    let dir = temp_dir("agent-mem");
    let engine = dir.model_engine();
    let agent = engine
        .agents()
        .create(&AgentConfig::new().name("mem").max_tokens(8).memory(10))
        .unwrap();
    agent.execute("Hello").unwrap();
    let hist = agent.history().unwrap();
    let roles: Vec<&str> = hist.iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["user", "assistant"]);
    assert_eq!(hist[0]["content"], "Hello");
    agent.save_state().unwrap();
    agent.clear_history().unwrap();
    assert!(agent.history().unwrap().is_empty());
    assert!(agent.load_state().unwrap());
    assert_eq!(agent.history().unwrap(), hist);
    assert_eq!(agent.info().unwrap()["memory_length"], 2);
    // The saved copy outlives the engine: a new engine on the same store
    // loads it into a new agent of the same name.
    drop(engine);
    let engine = dir.model_engine();
    let again = engine
        .agents()
        .create(&AgentConfig::new().name("mem").max_tokens(8).memory(10))
        .unwrap();
    assert!(again.load_state().unwrap());
    assert_eq!(again.history().unwrap(), hist);
}

#[test]
fn basic_agent_as_tool_registry_and_providers() {
    let dir = temp_dir("agent-tool");
    let engine = dir.model_engine();
    let agents = engine.agents();
    let echo = agents
        .create(&AgentConfig::new().name("echo").kind(AgentType::Basic))
        .unwrap();
    assert_eq!(echo.execute("ping").unwrap().text, "ping");
    assert_eq!(echo.wrap_as_tool(None, None).unwrap(), "agent_echo");
    assert_eq!(
        echo.wrap_as_tool(Some("ask_echo"), Some("echoes")).unwrap(),
        "ask_echo"
    );
    let env = engine
        .tools()
        .invoke("ask_echo", &json!({"input": "pong"}))
        .unwrap();
    assert!(env.success);
    assert_eq!(env.result.unwrap()["text"], "pong");
    let err = echo.wrap_as_tool(Some("ask_echo"), None).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);

    let gen = agents
        .create_json(&json!({"type": "basic", "description": "second"}))
        .unwrap();
    assert!(gen.name().starts_with("agent-"), "{}", gen.name());
    let names: Vec<String> = agents
        .list()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"echo".to_owned()));
    assert!(gen.remove().unwrap());
    assert!(!gen.remove().unwrap());
    assert_eq!(gen.info().unwrap_err().code, ErrorCode::NotFound);

    let provs = engine.providers().list().unwrap();
    let local = provs.iter().find(|p| p["name"] == "local").expect("local");
    assert!(local["capabilities"]["streaming"].is_boolean());
    assert!(engine
        .providers()
        .names()
        .unwrap()
        .contains(&"local".to_owned()));
    assert!(provs.iter().all(|p| p.get("api_key").is_none()));
}

// --- errors ------------------------------------------------------------------

#[test]
fn errors_have_the_right_codes() {
    let dir = temp_dir("agent-errors");
    let engine = dir.model_engine();
    let agents = engine.agents();
    let basic = || AgentConfig::new().name("x").kind(AgentType::Basic);
    let code = |c: &AgentConfig| agents.create(c).unwrap_err().code;
    assert_eq!(
        code(&basic().set("temperature", json!("hot"))),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        code(&basic().set("colour", json!("red"))),
        ErrorCode::InvalidArgument
    );
    assert_eq!(code(&basic().tool("no_such_tool")), ErrorCode::NotFound);
    assert_eq!(
        code(&AgentConfig::new().name("x").model("nowhere/x")),
        ErrorCode::NotFound
    );
    assert_eq!(
        agents.create_json(&json!([1, 2])).unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    let echo = agents.create(&basic()).unwrap();
    assert_eq!(code(&basic()), ErrorCode::Conflict);
    assert_eq!(
        echo.execute("").unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        echo.execute(json!(42)).unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    let ghost = agents.handle("ghost");
    assert_eq!(ghost.execute("hi").unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(ghost.stream("hi").unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(ghost.history().unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(ghost.load_state().unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(agents.get("ghost").unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(
        agents.handle("nul\0name").execute("hi").unwrap_err().code,
        ErrorCode::InvalidArgument
    );
}

// --- cancellation --------------------------------------------------------------

#[test]
fn stream_dropped_early_and_cancelled() {
    if !need_models("stream_dropped_early_and_cancelled") {
        return;
    }
    let _w = watchdog("stream_dropped_early_and_cancelled", LIMIT);
    let dir = temp_dir("agent-cancel");
    let engine = dir.model_engine();
    let agent = engine
        .agents()
        .create(
            &AgentConfig::new()
                .name("long")
                .max_tokens(400)
                .temperature(0.0),
        )
        .unwrap();
    let t0 = Instant::now();
    // Drop after the first delta: the turn stops.
    {
        let mut st = agent.stream("Once").unwrap();
        assert!(!st.next().unwrap().unwrap().is_empty());
    }
    // cancel: the deltas already made drain, then Cancelled, then the end.
    let mut st = agent.stream("Once").unwrap();
    st.next().unwrap().unwrap();
    st.cancel().unwrap();
    let last = st.find_map(Result::err).expect("an error after cancel");
    assert_eq!(last.code, ErrorCode::Cancelled);
    assert!(st.next().is_none());
    assert!(st.result().is_none());
    st.cancel().unwrap(); // harmless once ended
                          // From another thread, through a canceller, while this one reads.
    let mut st = agent.stream("Once").unwrap();
    let c: StreamCanceller = st.canceller();
    let h = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        c.cancel().unwrap();
        c
    });
    let err = st.find_map(Result::err).expect("cancelled");
    assert_eq!(err.code, ErrorCode::Cancelled);
    let c = h.join().unwrap();
    drop(st);
    assert_eq!(c.cancel().unwrap_err().code, ErrorCode::Closed);
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert!(
        agent.history().unwrap().is_empty(),
        "stopped turns are not remembered"
    );
}

#[test]
fn run_token_cancels_execute_from_another_thread() {
    if !need_models("run_token_cancels_execute_from_another_thread") {
        return;
    }
    let _w = watchdog("run_token_cancels_execute_from_another_thread", LIMIT);
    let dir = temp_dir("agent-token");
    let engine = dir.model_engine();
    let agent = engine
        .agents()
        .create(
            &AgentConfig::new()
                .name("long")
                .max_tokens(4000)
                .temperature(0.0)
                .tool("uuid_generator"),
        )
        .unwrap();
    let token = Arc::new(engine.run_token().unwrap());
    let t = Arc::clone(&token);
    let h = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        t.cancel().unwrap();
    });
    let t0 = Instant::now();
    let err = agent.execute_with("Once upon a time", &token).unwrap_err();
    h.join().unwrap();
    assert_eq!(err.code, ErrorCode::Cancelled, "{err}");
    assert!(t0.elapsed() < Duration::from_secs(10));
    // The cancelled token stops later turns at once, streams too.
    assert_eq!(
        agent.execute_with("hi", &token).unwrap_err().code,
        ErrorCode::Cancelled
    );
    let err = agent
        .stream_with("hi", &token)
        .unwrap()
        .into_result()
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled);
}

#[test]
fn concurrent_turns_share_one_agent() {
    let dir = temp_dir("agent-threads");
    let engine = dir.model_engine();
    let echo = engine
        .agents()
        .create(
            &AgentConfig::new()
                .name("echo")
                .kind(AgentType::Basic)
                .memory(4),
        )
        .unwrap();
    thread::scope(|s| {
        for i in 0..4 {
            let echo = echo.clone();
            s.spawn(move || {
                for j in 0..20 {
                    let text = format!("{i}-{j}");
                    assert_eq!(echo.execute(text.as_str()).unwrap().text, text);
                }
            });
        }
    });
}

// --- leaks ---------------------------------------------------------------------

/// open_fds counts this process's open file descriptors.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

#[test]
fn streams_left_unread_free_their_turns() {
    if !need_models("streams_left_unread_free_their_turns") {
        return;
    }
    let _w = watchdog("streams_left_unread_free_their_turns", LIMIT);
    let dir = temp_dir("agent-leaks");
    let engine = dir.model_engine();
    let agent = engine
        .agents()
        .create(&AgentConfig::new().name("s").max_tokens(8))
        .unwrap();
    agent.stream("warm up").unwrap().into_result().unwrap();
    let fds = open_fds();
    for _ in 0..20 {
        drop(agent.stream("Hi").unwrap());
    }
    for _ in 0..5 {
        agent.stream("Hi").unwrap().into_result().unwrap();
    }
    assert!(open_fds() <= fds + 2, "fds {} -> {}", fds, open_fds());
    drop(engine);
    // The store is closed: a new engine can open the same folder.
    let engine = dir.model_engine();
    engine.ping().unwrap();
}
