#!/usr/bin/env python3
"""Per-call cost of the Python binding, for `make bench`.

Times N calls of Engine.ping() (the bare cost of a call through ctypes and the
C ABI), of an empty run("") in Lua and in JS, and of engine.state.set/get of
a small dict on a pebble engine in a temporary folder, of one execute of a
basic agent (no model: it echoes its input; memory off, as in bench/c/ping.c)
and of one run of a sequential workflow of 10 uuid_generator steps (each
referencing the one before, created once, memory store), and prints one JSON
object: {"ping_us": ..., "run_lua_us": ..., "run_js_us": ...,
"state_set_us": ..., "state_get_us": ..., "agent_basic_us": ...,
"workflow_seq10_us": ...} (best of three rounds of the mean microseconds per
call), plus the counts, the Python version and the machine.

Usage: python3 bench_ping.py [--n N] [--runs R] [--state S] [--agent A] [--workflow W]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import llmspell  # noqa: E402


def machine() -> str:
    """Describe the machine the figures come from."""
    model = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {model or 'unknown cpu'}, {os.cpu_count()} cpus"


def per_call_us(fn: Callable[[], object], n: int) -> float:
    for _ in range(min(n, 1000)):  # warm up pools and caches
        fn()
    best = float("inf")
    for _ in range(3):  # best of three rounds
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter_ns() - t0) / n / 1000.0)
    return round(best, 3)


def state_figures(n: int) -> dict:
    """Time engine.state.set and .get on a pebble engine (batched durability)."""
    value = {"model": "local/x", "temperature": 0.5, "tags": ["a", "b"]}
    with tempfile.TemporaryDirectory(prefix="llmspell-bench-state-") as d:
        with llmspell.Engine({"storage": {"backend": "pebble", "data_dir": d}}) as engine:
            st = engine.state
            i = [0]

            def set_one() -> None:
                i[0] += 1
                st.set("agent:bench", f"k{i[0] % 1000}", value)

            def get_one() -> None:
                i[0] += 1
                st.get("agent:bench", f"k{i[0] % 1000}")

            return {"state_set_us": per_call_us(set_one, n), "state_get_us": per_call_us(get_one, n)}


def seq10_definition() -> dict:
    """The workflow of bench/c/ping.c: 10 uuid_generator steps in a row."""
    steps = [{"name": "s0", "tool": "uuid_generator", "input": {}}]
    for i in range(1, 10):
        steps.append({"name": f"s{i}", "tool": "uuid_generator",
                      "input": {"version": f"{{{{steps.s{i - 1}.output.version}}}}"}})
    return {"name": "seq10", "type": "sequential", "steps": steps}


def agent_workflow_figures(engine: llmspell.Engine, agent_n: int, workflow_n: int) -> dict:
    """Time Agent.execute of a basic agent and Workflow.execute of seq10."""
    echo = engine.agents.create({"name": "bench_echo", "type": "basic", "memory": -1})
    wf = engine.workflows.create(seq10_definition())

    def run_seq10() -> None:
        if not wf.execute()["success"]:
            raise RuntimeError("workflow seq10 did not succeed")

    return {
        "agent_basic_us": per_call_us(lambda: echo.execute("hi"), agent_n),
        "workflow_seq10_us": per_call_us(run_seq10, workflow_n),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000, help="ping calls per round")
    ap.add_argument("--runs", type=int, default=5_000, help="empty runs per round and language")
    ap.add_argument("--state", type=int, default=20_000, help="state set/get calls per round")
    ap.add_argument("--agent", type=int, default=5_000, help="basic agent executes per round")
    ap.add_argument("--workflow", type=int, default=1_000, help="10-step workflow runs per round")
    a = ap.parse_args()
    with llmspell.Engine() as engine:
        result = {
            "ping_us": per_call_us(engine.ping, a.n),
            "run_lua_us": per_call_us(lambda: engine.run("", "lua"), a.runs),
            "run_js_us": per_call_us(lambda: engine.run("", "js"), a.runs),
            **state_figures(a.state),
            **agent_workflow_figures(engine, a.agent, a.workflow),
            "n_ping": a.n,
            "n_run": a.runs,
            "n_state": a.state,
            "n_agent": a.agent,
            "n_workflow": a.workflow,
            "python": platform.python_version(),
            "machine": machine(),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
