//! Measures the per-call cost of the C ABI from Rust and prints one JSON
//! object for `make bench`:
//!
//!     {"ping_ns":..., "run_lua_us":..., "run_js_us":...}
//!
//! ping_ns is the mean time of `Engine::ping` (a bare call through the ABI);
//! run_lua_us and run_js_us are the mean times of running `return 1` in
//! each language, JSON result included.
//!
//! Run with: cargo run --release --example ping [-- <ping iterations> <run iterations>]

use std::hint::black_box;
use std::time::Instant;

use llmspell::{Engine, Lang, RunOptions};

fn mean_ns(iters: u64, mut f: impl FnMut()) -> f64 {
    // Warm up, then time.
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
    let mut argv = std::env::args().skip(1);
    let ping_iters: u64 = argv.next().and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let run_iters: u64 = argv.next().and_then(|s| s.parse().ok()).unwrap_or(2_000);

    let engine = Engine::new("{}")?;
    let opts = RunOptions::new();

    let ping_ns = mean_ns(ping_iters, || engine.ping().expect("ping"));
    let run_lua_ns = mean_ns(run_iters, || {
        black_box(engine.run(Lang::Lua, "return 1", &opts).expect("lua"));
    });
    let run_js_ns = mean_ns(run_iters, || {
        black_box(engine.run(Lang::Js, "return 1", &opts).expect("js"));
    });

    // One line of JSON, keys in a fixed order.
    println!(
        "{{\"ping_ns\":{:.1},\"run_lua_us\":{:.2},\"run_js_us\":{:.2}}}",
        ping_ns,
        run_lua_ns / 1000.0,
        run_js_ns / 1000.0
    );
    Ok(())
}
