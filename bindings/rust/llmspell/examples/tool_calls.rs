//! Measures the cost of tool calls from Rust and prints one JSON object:
//!
//!     {"calculator_us":..., "rust_tool_us":..., "lua_rust_tool_us":..., "threads4_rust_tool_us":...}
//!
//! calculator_us is the mean time of `Tools::invoke("calculator", ..)`;
//! rust_tool_us of invoking a Rust tool that echoes its parameters (schema
//! check, hooks, events, both JSON crossings); lua_rust_tool_us of a Lua
//! run that calls that tool 100 times, per call; threads4_rust_tool_us the
//! wall time per call with 4 threads invoking it at once.
//!
//! Run with: cargo run --release --example tool_calls [-- <iterations>]

use std::hint::black_box;
use std::time::Instant;

use llmspell::{Engine, Lang, RunOptions, ToolSpec};
use serde_json::json;

fn mean_ns(iters: u64, mut f: impl FnMut()) -> f64 {
    for _ in 0..(iters / 10).max(1) {
        f();
    }
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

fn main() -> Result<(), llmspell::Error> {
    let iters: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let engine = Engine::new("{}")?;
    let tools = engine.tools();
    let spec = ToolSpec::new("rust_echo").parameters(json!({
        "type": "object",
        "properties": {"n": {"type": "integer"}}
    }));
    let _h = tools.register(&spec, |p| Ok(p.clone()))?;
    let calc = json!({"input": "6*7"});
    let params = json!({"n": 7});

    let calculator_ns = mean_ns(iters, || {
        black_box(tools.invoke("calculator", &calc).expect("calculator"));
    });
    let rust_ns = mean_ns(iters, || {
        black_box(tools.invoke("rust_echo", &params).expect("rust_echo"));
    });
    let lua = "for i = 1, 100 do Tool.invoke('rust_echo', {n = i}) end";
    let lua_ns = mean_ns((iters / 100).max(1), || {
        black_box(engine.run(Lang::Lua, lua, &RunOptions::new()).expect("lua"));
    }) / 100.0;
    let per_thread = iters / 4;
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..per_thread {
                    black_box(tools.invoke("rust_echo", &params).expect("rust_echo"));
                }
            });
        }
    });
    let threads_ns = start.elapsed().as_nanos() as f64 / (per_thread * 4) as f64;

    println!(
        "{{\"calculator_us\":{:.2},\"rust_tool_us\":{:.2},\"lua_rust_tool_us\":{:.2},\"threads4_rust_tool_us\":{:.2}}}",
        calculator_ns / 1000.0,
        rust_ns / 1000.0,
        lua_ns / 1000.0,
        threads_ns / 1000.0
    );
    Ok(())
}
