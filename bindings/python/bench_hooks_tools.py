#!/usr/bin/env python3
"""Per-call cost of Python hooks and tools.

Prints one JSON object (mean microseconds per call, in-memory engine):
state_set_us (no hook), state_set_hook_us (one Python BeforeStateWrite hook
that returns None), state_set_hook_modify_us (one that returns a
"modified" answer), tool_calculator_us (a built-in tool invoked from
Python), tool_python_us (a Python tool invoked from Python),
tool_python_from_lua_us (the same tool invoked N times from one Lua spell,
per call), tool_python_4_threads_calls_per_s (4 threads invoking it).

Usage: python3 bench_hooks_tools.py [--n N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import llmspell  # noqa: E402


def per_call_us(fn: Callable[[], object], n: int) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return round((time.perf_counter() - start) / n * 1e6, 2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    n = ap.parse_args().n
    out = {"n": n}
    with llmspell.Engine() as e:
        st = e.state
        out["state_set_us"] = per_call_us(lambda: st.set(None, "k", {"a": 1}), n)
        with e.hooks.register("BeforeStateWrite", lambda ctx: None):
            out["state_set_hook_us"] = per_call_us(lambda: st.set(None, "k", {"a": 1}), n)
        with e.hooks.register("BeforeStateWrite", lambda ctx: {"type": "modified", "data": ctx["data"]}):
            out["state_set_hook_modify_us"] = per_call_us(lambda: st.set(None, "k", {"a": 1}), n)
        tools = e.tools
        out["tool_calculator_us"] = per_call_us(lambda: tools.invoke("calculator", {"input": "6*7"}), n)
        with tools.register("py_echo", lambda p: p):
            out["tool_python_us"] = per_call_us(lambda: tools.invoke("py_echo", {"n": 1}), n)
            src = f'for i = 1, {n} do Tool.invoke("py_echo", {{n = i}}) end'
            start = time.perf_counter()
            e.run(src, "lua")
            out["tool_python_from_lua_us"] = round((time.perf_counter() - start) / n * 1e6, 2)

            def worker() -> None:
                for _ in range(n // 4):
                    tools.invoke("py_echo", {"n": 1})

            threads = [threading.Thread(target=worker) for _ in range(4)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            out["tool_python_4_threads_calls_per_s"] = round((n // 4) * 4 / (time.perf_counter() - start))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
