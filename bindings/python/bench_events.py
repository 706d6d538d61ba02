#!/usr/bin/env python3
"""Event figures of the Python binding.

Prints one JSON object (microseconds unless named otherwise):
  publish_us            engine.events.publish(type, small dict), no subscriber
  publish_sub_us        the same with one pull subscriber (big drop_oldest buffer)
  next_ready_us         sub.next(0) on a subscription that holds events
  pull_latency_us       median time from publish() on this thread to next()
                        returning on a thread that waits in next(timeout)
  callback_latency_us   median time from publish() to the push callback
  callback_events_per_s events per second delivered to a push callback when a
                        Python thread publishes as fast as it can
  callback_spell_events_per_s  the same when a Lua spell publishes (the GIL is
                        then only taken by the callbacks)
plus the counts, the Python version and the machine.

Usage: python3 bench_events.py [--n N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from typing import Callable, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import llmspell  # noqa: E402
from bench_ping import machine  # noqa: E402

DATA = {"step": 1, "ok": True, "name": "bench"}


def per_call_us(fn: Callable[[], object], n: int) -> float:
    for _ in range(min(n, 1000)):
        fn()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter_ns() - t0) / n / 1000.0)
    return round(best, 3)


def pull_latency_us(engine: llmspell.Engine, rounds: int) -> float:
    sub = engine.events.subscribe("lat.pull")
    lat: List[float] = []
    ready = threading.Event()
    stamps: List[int] = [0]

    def reader() -> None:
        ready.set()
        for _ in range(rounds):
            ev = sub.next(5.0)
            if ev is None:
                return
            lat.append((time.perf_counter_ns() - stamps[0]) / 1000.0)
            ready.set()

    t = threading.Thread(target=reader)
    t.start()
    for _ in range(rounds):
        ready.wait(5)
        ready.clear()
        time.sleep(0.0005)  # let the reader block in next()
        stamps[0] = time.perf_counter_ns()
        engine.events.publish("lat.pull", DATA)
    t.join(30)
    sub.close()
    return round(statistics.median(lat), 1)


def callback_latency_us(engine: llmspell.Engine, rounds: int) -> float:
    lat: List[float] = []
    got = threading.Event()
    stamps: List[int] = [0]

    def on_event(ev: dict) -> None:
        lat.append((time.perf_counter_ns() - stamps[0]) / 1000.0)
        got.set()

    with engine.events.subscribe("lat.push", callback=on_event):
        for _ in range(rounds):
            got.clear()
            stamps[0] = time.perf_counter_ns()
            engine.events.publish("lat.push", DATA)
            got.wait(5)
    return round(statistics.median(lat), 1)


def callback_throughput(engine: llmspell.Engine, n: int) -> float:
    count = [0]
    done = threading.Event()

    def on_event(ev: dict) -> None:
        count[0] += 1
        if count[0] == n:
            done.set()

    with engine.events.subscribe("thr.*", callback=on_event, buffer_size=n):
        t0 = time.perf_counter()
        pub = threading.Thread(target=lambda: [engine.events.publish("thr.x", DATA) for _ in range(n)])
        pub.start()
        done.wait(120)
        took = time.perf_counter() - t0
        pub.join()
    return round(count[0] / took)


def callback_spell_throughput(engine: llmspell.Engine, n: int) -> float:
    count = [0]
    done = threading.Event()

    def on_event(ev: dict) -> None:
        count[0] += 1
        if count[0] == n:
            done.set()

    with engine.events.subscribe("spell.*", callback=on_event, buffer_size=n):
        t0 = time.perf_counter()
        engine.run(f'for i = 1, {n} do Event.publish("spell.x", {{step = i, ok = true, name = "bench"}}) end')
        done.wait(120)
        took = time.perf_counter() - t0
    return round(count[0] / took)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50_000, help="calls per round")
    a = ap.parse_args()
    out = {}
    with llmspell.Engine() as engine:
        out["publish_us"] = per_call_us(lambda: engine.events.publish("bench.none", DATA), a.n)
        with engine.events.subscribe("bench.*", buffer_size=1 << 20) as sub:
            out["publish_sub_us"] = per_call_us(lambda: engine.events.publish("bench.one", DATA), a.n)
            out["next_ready_us"] = per_call_us(lambda: sub.next(0), a.n)
        out["pull_latency_us"] = pull_latency_us(engine, 2000)
        out["callback_latency_us"] = callback_latency_us(engine, 2000)
        out["callback_events_per_s"] = callback_throughput(engine, a.n)
        out["callback_spell_events_per_s"] = callback_spell_throughput(engine, a.n)
    out.update(n=a.n, python=platform.python_version(), machine=machine())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
