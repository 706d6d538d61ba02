#!/usr/bin/env python3
"""Per-call cost of the Python binding, for `make bench`.

Times N calls of Engine.ping() (the bare cost of a call through ctypes and the
C ABI) and of an empty run("") in Lua and in JS, and prints one JSON object:
{"ping_us": ..., "run_lua_us": ..., "run_js_us": ...} (mean microseconds per
call), plus the counts, the Python version and the machine.

Usage: python3 bench_ping.py [--n N] [--runs R]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000, help="ping calls per round")
    ap.add_argument("--runs", type=int, default=5_000, help="empty runs per round and language")
    a = ap.parse_args()
    with llmspell.Engine() as engine:
        result = {
            "ping_us": per_call_us(engine.ping, a.n),
            "run_lua_us": per_call_us(lambda: engine.run("", "lua"), a.runs),
            "run_js_us": per_call_us(lambda: engine.run("", "js"), a.runs),
            "n_ping": a.n,
            "n_run": a.runs,
            "python": platform.python_version(),
            "machine": machine(),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
