//! Measures the per-call cost of the C ABI from Rust and prints one JSON
//! object for `make bench`:
//!
//!     {"ping_ns":..., "run_lua_us":..., "run_js_us":...,
//!      "agent_basic_us":..., "workflow_seq10_us":...}
//!
//! Each figure is the best of three rounds of the mean time per call.
//! ping_ns is one `Engine::ping` (a bare call through the ABI); run_lua_us
//! and run_js_us are one run of `return 1` in each language, JSON result
//! included; agent_basic_us is one
//! `Agent::execute` of a basic agent (no model: it echoes its input; memory
//! off, as in bench/c/ping.c); workflow_seq10_us is one `Workflow::execute`
//! of a sequential workflow of 10 uuid_generator steps, each referencing
//! the one before (created once, memory store), result decoded.
//!
//! Run with: cargo run --release --example ping [-- <ping iterations> <run iterations> <agent iterations> <workflow iterations>]

use std::hint::black_box;
use std::time::Instant;

use llmspell::{AgentConfig, AgentType, Engine, Lang, RunOptions};
use serde_json::{json, Value};

fn mean_ns(iters: u64, mut f: impl FnMut()) -> f64 {
    // Warm up, then keep the best of three rounds (as ping.c and
    // bench_ping.py do).
    for _ in 0..(iters / 10).max(1) {
        f();
    }
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        for _ in 0..iters {
            f();
        }
        best = best.min(start.elapsed().as_nanos() as f64 / iters as f64);
    }
    best
}

/// seq10 is the workflow of bench/c/ping.c: 10 uuid_generator steps in a
/// row.
fn seq10() -> Value {
    let mut steps = vec![json!({"name": "s0", "tool": "uuid_generator", "input": {}})];
    for i in 1..10 {
        steps.push(json!({
            "name": format!("s{i}"),
            "tool": "uuid_generator",
            "input": {"version": format!("{{{{steps.s{}.output.version}}}}", i - 1)},
        }));
    }
    json!({"name": "seq10", "type": "sequential", "steps": steps})
}

fn main() -> Result<(), llmspell::Error> {
    let mut argv = std::env::args().skip(1);
    let mut next = |default: u64| argv.next().and_then(|s| s.parse().ok()).unwrap_or(default);
    let ping_iters = next(200_000);
    let run_iters = next(2_000);
    let agent_iters = next(5_000);
    let workflow_iters = next(1_000);

    let engine = Engine::new("{}")?;
    let opts = RunOptions::new();

    let ping_ns = mean_ns(ping_iters, || engine.ping().expect("ping"));
    let run_lua_ns = mean_ns(run_iters, || {
        black_box(engine.run(Lang::Lua, "return 1", &opts).expect("lua"));
    });
    let run_js_ns = mean_ns(run_iters, || {
        black_box(engine.run(Lang::Js, "return 1", &opts).expect("js"));
    });

    let echo = engine.agents().create(
        &AgentConfig::new()
            .name("bench_echo")
            .kind(AgentType::Basic)
            .memory(-1),
    )?;
    let agent_ns = mean_ns(agent_iters, || {
        black_box(echo.execute("hi").expect("agent execute"));
    });
    let wf = engine.workflows().create(&seq10())?;
    let workflow_ns = mean_ns(workflow_iters, || {
        let r = wf.execute(&Value::Null).expect("workflow execute");
        assert!(r.success, "workflow seq10 did not succeed");
    });

    // One line of JSON, keys in a fixed order.
    println!(
        "{{\"ping_ns\":{:.1},\"run_lua_us\":{:.2},\"run_js_us\":{:.2},\"agent_basic_us\":{:.2},\"workflow_seq10_us\":{:.2}}}",
        ping_ns,
        run_lua_ns / 1000.0,
        run_js_ns / 1000.0,
        agent_ns / 1000.0,
        workflow_ns / 1000.0
    );
    Ok(())
}
