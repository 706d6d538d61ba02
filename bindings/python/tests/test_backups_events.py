"""Tests of engine.backups, the schema migrations of engine.state, and
engine.events (pull and push subscriptions, policies, spells, lifetimes)."""

import gc
import logging
import os
import subprocess
import sys
import threading
import time
from typing import Any, Dict, List

import pytest

import llmspell


def pebble(path: Any, **extra: Any) -> Dict[str, Any]:
    config: Dict[str, Any] = {"storage": {"backend": "pebble", "data_dir": str(path)}}
    config.update(extra)
    return config


@pytest.fixture
def engine(tmp_path):
    with llmspell.Engine(pebble(tmp_path / "data")) as e:
        yield e


@pytest.fixture
def mem():
    with llmspell.Engine() as e:
        yield e


def wait_until(cond, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.005)
    return cond()


def sub_stats(engine: llmspell.Engine, pattern: str) -> Dict[str, Any]:
    found = [s for s in engine.events.stats()["subscriptions"] if s["pattern"] == pattern]
    assert len(found) == 1, found
    return found[0]


# --- backups -------------------------------------------------------------------


def test_backup_roundtrip(engine, tmp_path) -> None:
    st, b = engine.state, engine.backups
    assert b.list() == []
    st.set(None, "k", 1)
    st.set("agent:a", "cfg", {"model": "local/x"})
    full = b.create(label="first")
    assert full["kind"] == "full"
    assert full["label"] == "first"
    assert isinstance(full["id"], str) and full["id"]
    assert full["total_bytes"] > 0

    st.set(None, "k", 2)
    st.set(None, "added", True)
    st.delete("agent:a", "cfg")

    listed = b.list()
    assert [s["id"] for s in listed] == [full["id"]]
    report = b.validate(full["id"])
    assert report["valid"] is True
    assert b.validate("latest")["id"] == full["id"]

    rep = b.restore(full["id"])
    assert rep["id"] == full["id"]
    assert st.get(None, "k") == 1
    assert st.get(None, "added") is None
    assert st.get("agent:a", "cfg") == {"model": "local/x"}
    # The engine goes on working after the swap, and spells see the restored store.
    st.set(None, "after", "restore")
    assert engine.run("return State.get('global', 'k')").value == 1

    # The restored store is what a new engine opens.
    engine.close()
    with llmspell.Engine(pebble(tmp_path / "data")) as again:
        assert again.state.get(None, "k") == 1
        assert again.state.get(None, "after") == "restore"
        assert len(again.backups.list()) == 1


def test_incremental_backup(engine) -> None:
    st, b = engine.state, engine.backups
    st.set(None, "k", "v1")
    full = b.create()
    st.set(None, "k", "v2")
    st.set(None, "more", list(range(100)))
    inc = b.create(incremental=True, label="inc")
    assert inc["kind"] == "incremental"
    assert inc["parent"] == full["id"]
    assert [s["id"] for s in b.list()] == [inc["id"], full["id"]], "newest first"
    assert b.validate(inc["id"])["valid"] is True

    st.set(None, "k", "v3")
    b.restore("latest")  # the incremental one, read along its chain
    assert st.get(None, "k") == "v2"
    assert st.get(None, "more") == list(range(100))
    b.restore(full["id"])
    assert st.get(None, "k") == "v1"
    assert st.get(None, "more") is None


def test_backup_cleanup(engine) -> None:
    b = engine.backups
    ids = []
    for i in range(3):
        engine.state.set(None, "i", i)
        ids.append(b.create(label=f"b{i}")["id"])
    dry = b.cleanup(dry_run=True, max_count=1)
    assert sorted(dry["removed"]) == sorted(ids[:2])
    assert len(b.list()) == 3, "a dry run removes nothing"

    none = b.cleanup(max_count=-1, max_age_days=-1)  # negative: no limit
    assert none["removed"] == []
    rep = b.cleanup(max_count=1)
    assert sorted(rep["removed"]) == sorted(ids[:2])
    assert [s["id"] for s in b.list()] == [ids[2]], "the newest is kept"
    b.cleanup()  # the config's limits (10 backups, 30 days) keep it
    assert len(b.list()) == 1


def test_backup_errors(engine, tmp_path) -> None:
    b = engine.backups
    with pytest.raises(llmspell.NotFoundError):
        b.restore("latest")
    with pytest.raises(llmspell.NotFoundError):
        b.validate("latest")
    with pytest.raises(llmspell.NotFoundError):
        b.restore("20990101T000000000Z-abcdef")

    engine.state.set(None, "k", "before")
    bid = b.create()["id"]
    engine.state.set(None, "k", "after")
    blobs = tmp_path / "data.backups" / bid / "blobs"
    corrupted = 0
    for path in blobs.iterdir():
        data = bytearray(path.read_bytes())
        if len(data) > 8:
            data[len(data) // 2] ^= 0xFF
            path.write_bytes(bytes(data))
            corrupted += 1
    assert corrupted > 0
    with pytest.raises(llmspell.StorageError) as info:
        b.validate(bid)
    assert info.value.code == "storage_error"
    assert info.value.details["kind"] == "storage_error"
    with pytest.raises(llmspell.StorageError):
        b.restore(bid)
    assert engine.state.get(None, "k") == "after", "a failed restore changes nothing"


def test_backup_argument_checks(engine) -> None:
    b = engine.backups
    with pytest.raises(TypeError):
        b.create(incremental="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        b.create(label=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        b.validate(None)  # type: ignore[arg-type]
    with pytest.raises(llmspell.InvalidArgumentError):
        b.restore("latest\0x")
    with pytest.raises(TypeError):
        b.cleanup(max_count=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        b.cleanup(dry_run=1)  # type: ignore[arg-type]


def test_memory_engine_backups(mem, tmp_path) -> None:
    with pytest.raises((llmspell.InvalidArgumentError, llmspell.StorageError)):
        mem.backups.create()
    with llmspell.Engine({"backup": {"dir": str(tmp_path / "b")}}) as e:
        e.state.set(None, "k", 1)
        bid = e.backups.create()["id"]
        e.state.set(None, "k", 2)
        e.backups.restore(bid)
        assert e.state.get(None, "k") == 1


def test_backups_after_close(tmp_path) -> None:
    e = llmspell.Engine(pebble(tmp_path / "data"))
    b = e.backups
    e.close()
    for call in (b.list, b.create, lambda: b.validate("latest"), lambda: b.restore("latest"), b.cleanup):
        with pytest.raises(llmspell.ClosedError):
            call()


# --- schema migrations -----------------------------------------------------------

USER_SCHEMA = dict(
    version="1.1.0",
    scopes=["user:*"],
    migrations=[
        {"op": "rename", "from": "name", "to": "full_name"},
        {"op": "convert", "field": "age", "to": "integer"},
        {"op": "default", "field": "tier", "value": "free"},
    ],
)


def seed_users(st: llmspell.State) -> None:
    st.set("user:u1", "a", {"name": "Ann", "age": "31"})
    st.set("user:u2", "b", {"name": "Bob", "age": "42"})
    st.set(None, "other", {"name": "not a user"})


def test_migration_with_backup(engine) -> None:
    st = engine.state
    seed_users(st)
    assert st.migration_status()["current"] is None
    st.register_schema(**USER_SCHEMA)
    report = st.migrate("1.1.0")
    assert report["to"] == "1.1.0"
    assert report["items_migrated"] == 2
    assert report["dry_run"] is False
    bid = report["backup_id"]
    assert isinstance(bid, str) and bid
    assert bid in [s["id"] for s in engine.backups.list()]
    assert st.get("user:u1", "a") == {"full_name": "Ann", "age": 31, "tier": "free"}
    assert st.get(None, "other") == {"name": "not a user"}, "outside the schema's scopes"
    status = st.migration_status()
    assert status["current"] == "1.1.0"
    assert status["in_progress"] is False
    assert "1.1.0" in status["versions"]

    # The backup holds the values from before the migration.
    engine.backups.restore(bid)
    assert st.get("user:u1", "a") == {"name": "Ann", "age": "31"}


def test_migration_dry_run_changes_nothing(engine) -> None:
    st = engine.state
    seed_users(st)
    st.register_schema(**USER_SCHEMA)
    backups_before = engine.backups.list()
    report = st.migrate("1.1.0", dry_run=True)
    assert report["dry_run"] is True
    assert report["items_migrated"] == 2
    assert report["backup_id"] is None
    assert st.get("user:u1", "a") == {"name": "Ann", "age": "31"}
    assert st.get("user:u2", "b") == {"name": "Bob", "age": "42"}
    assert st.migration_status()["current"] is None
    assert engine.backups.list() == backups_before


def test_migration_without_backup_and_chained(engine) -> None:
    st = engine.state
    st.set("user:u1", "a", {"name": "Ann", "legacy": 1})
    st.register_schema("1.0.0", scopes=["user:*"])
    st.register_schema("1.1.0", migrations=[{"op": "copy", "from": "name", "to": "nick"}], scopes=["user:*"])
    st.register_schema("2.0.0", migrations=[{"op": "remove", "field": "legacy"}], scopes=["user:*"])
    report = st.migrate("2.0.0", backup=False, batch_size=1)
    assert report["backup_id"] is None
    assert st.get("user:u1", "a") == {"name": "Ann", "nick": "Ann"}
    assert engine.backups.list() == []
    assert st.migration_status()["current"] == "2.0.0"


def test_migration_downgrade_raises(engine) -> None:
    st = engine.state
    st.register_schema("1.0.0")
    st.register_schema("1.1.0", migrations=[{"op": "default", "field": "x", "value": 0}])
    st.migrate("1.1.0", backup=False)
    with pytest.raises(llmspell.InvalidArgumentError) as info:
        st.migrate("1.0.0", backup=False)
    assert info.value.code == "invalid_argument"
    with pytest.raises(llmspell.NotFoundError):
        st.migrate("9.9.9")


def test_register_schema_errors(engine) -> None:
    st = engine.state
    with pytest.raises(llmspell.InvalidArgumentError):
        st.register_schema("1.2")
    with pytest.raises(llmspell.InvalidArgumentError):
        st.register_schema("1.2.0", migrations=[{"op": "explode"}])
    with pytest.raises(llmspell.InvalidArgumentError):
        st.register_schema("1.2.0", migrations=[{"op": "custom", "field": "x"}])
    with pytest.raises(TypeError):
        st.register_schema(1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        st.register_schema("1.2.0", migrations={"op": "remove"})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        st.register_schema("1.2.0", scopes="user:*")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        st.migrate("1.2.0", dry_run="no")  # type: ignore[arg-type]


# --- events: pull --------------------------------------------------------------


def test_pull_in_order_with_drop_oldest(mem) -> None:
    ev = mem.events
    with ev.subscribe("app.*", buffer_size=3, policy="drop_oldest") as sub:
        published = [ev.publish("app.step", {"n": i}, correlation_id="c1", tags=["x"]) for i in range(5)]
        assert [p["data"] for p in published] == [{"n": i} for i in range(5)]
        seqs = [p["sequence"] for p in published]
        assert seqs == sorted(seqs)
        got = [sub.next(1.0) for _ in range(3)]
        assert [g["data"]["n"] for g in got] == [2, 3, 4], "the two oldest were dropped"
        assert [g["sequence"] for g in got] == seqs[2:]
        first = got[0]
        assert first["type"] == "app.step"
        assert first["correlation_id"] == "c1"
        assert first["source"] == "host"
        assert first["tags"] == ["x"]
        assert sub.next(0) is None
        stats = sub_stats(mem, "app.*")
        assert stats["dropped"] == 2
        assert stats["delivered"] == 3
        assert stats["capacity"] == 3
        assert stats["policy"] == "drop_oldest"
        assert stats["handler"] is False
        assert mem.events.stats()["published"] >= 5


def test_pull_pattern_matching(mem) -> None:
    ev = mem.events
    with ev.subscribe("*.error") as errors, ev.subscribe("tool_*") as tools:
        ev.publish("agent.error", 1)
        ev.publish("agent.ok", 2)
        ev.publish("tool_run", 3)
        assert errors.next(1)["data"] == 1
        assert errors.next(0) is None
        assert tools.next(1)["data"] == 3
        assert tools.next(0) is None


def test_pull_timeout(mem) -> None:
    with mem.events.subscribe("quiet.*") as sub:
        for asked in (0.05, 0.3):
            start = time.monotonic()
            assert sub.next(asked) is None
            took = time.monotonic() - start
            assert asked * 0.9 <= took < asked + 1.0, (asked, took)
        start = time.monotonic()
        assert sub.next(0) is None
        assert time.monotonic() - start < 0.5


def test_pull_wait_is_woken_by_publish_and_close(mem) -> None:
    sub = mem.events.subscribe("wake.*")
    threading.Timer(0.1, lambda: mem.events.publish("wake.up", "hi")).start()
    start = time.monotonic()
    got = sub.next(10)
    assert got is not None and got["data"] == "hi"
    assert time.monotonic() - start < 5

    # Iteration ends when another thread closes the subscription.
    seen: List[Any] = []

    def reader() -> None:
        for event in sub:
            seen.append(event["data"])

    t = threading.Thread(target=reader)
    t.start()
    mem.events.publish("wake.a", 1)
    assert wait_until(lambda: seen == [1])
    sub.close()
    t.join(10)
    assert not t.is_alive()
    with pytest.raises(llmspell.ClosedError):
        sub.next(0)


def test_concurrent_pull_gets_distinct_events(mem) -> None:
    n, readers = 400, 4
    with mem.events.subscribe("work.*", buffer_size=n) as sub:
        got: List[int] = []
        lock = threading.Lock()

        def reader() -> None:
            while True:
                e = sub.next(0.5)
                if e is None:
                    return
                with lock:
                    got.append(e["data"])

        ts = [threading.Thread(target=reader) for _ in range(readers)]
        for t in ts:
            t.start()
        for i in range(n):
            mem.events.publish("work.item", i)
        for t in ts:
            t.join(30)
        assert sorted(got) == list(range(n))


def test_reject_policy_raises_limit(mem) -> None:
    ev = mem.events
    with ev.subscribe("r.*", buffer_size=1, policy="reject") as full, ev.subscribe("r.*") as other:
        ev.publish("r.one")
        with pytest.raises(llmspell.LimitExceededError) as info:
            ev.publish("r.two", {"lost": True})
        assert info.value.code == "limit_exceeded"
        stats = [s for s in ev.stats()["subscriptions"] if s["policy"] == "reject"]
        assert stats[0]["rejected"] == 1
        # Every other subscription still got the event.
        assert [other.next(1)["type"], other.next(1)["type"]] == ["r.one", "r.two"]
        assert full.next(0)["type"] == "r.one"
        assert full.next(0) is None


def test_drop_newest_and_block_policies(mem) -> None:
    ev = mem.events
    with ev.subscribe("dn.*", buffer_size=2, policy="drop_newest") as sub:
        for i in range(4):
            ev.publish("dn.x", i)
        assert [sub.next(0)["data"], sub.next(0)["data"]] == [0, 1]
        assert sub_stats(mem, "dn.*")["dropped"] == 2
    with ev.subscribe("bl.*", buffer_size=1, policy="block", block_timeout_ms=50) as sub:
        ev.publish("bl.x", 0)
        start = time.monotonic()
        ev.publish("bl.x", 1)  # waits for room up to 50 ms, then drops
        took = time.monotonic() - start
        assert 0.04 <= took < 2.0, took
        assert sub_stats(mem, "bl.*")["dropped"] == 1


def test_publish_and_subscribe_errors(mem) -> None:
    ev = mem.events
    with pytest.raises(llmspell.InvalidArgumentError):
        ev.publish("a..b")
    with pytest.raises(llmspell.InvalidArgumentError):
        ev.publish("x", float("nan"))
    with pytest.raises(llmspell.InvalidArgumentError):
        ev.publish("x\0y")
    with pytest.raises(TypeError):
        ev.publish(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ev.publish("x", tags="t")
    with pytest.raises(TypeError):
        ev.publish("x", source=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ev.publish("x", object())
    for bad in ({"policy": "sometimes"}, {"buffer_size": 0}):
        with pytest.raises(llmspell.InvalidArgumentError):
            ev.subscribe("x", **bad)
    with pytest.raises(TypeError):
        ev.subscribe("x", buffer_size="8")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ev.subscribe("x", callback=42)  # type: ignore[arg-type]
    with pytest.raises(llmspell.InvalidArgumentError):
        ev.subscribe("a..b")
    with ev.subscribe("x") as sub:
        with pytest.raises(llmspell.InvalidArgumentError):
            sub.next(-1)
        with pytest.raises(TypeError):
            sub.next("1")  # type: ignore[arg-type]
    published = ev.publish("x", source="tests")
    assert published["source"] == "tests"
    assert published["data"] is None


def test_spell_events_reach_python(mem) -> None:
    with mem.events.subscribe("spell.*") as sub:
        r = mem.run(
            """
            for i = 1, 3 do
              Event.publish("spell.step", {i = i}, {correlation_id = "run-1"})
            end
            return "done"
            """,
            "lua",
        )
        assert r.value == "done"
        got = [sub.next(2) for _ in range(3)]
        assert [g["data"]["i"] for g in got] == [1, 2, 3]
        assert all(g["type"] == "spell.step" for g in got)
        assert all(g["correlation_id"] == "run-1" for g in got)
        assert sub.next(0) is None

    with mem.events.subscribe("js.*") as sub:
        mem.run('Event.publish("js.hello", {from: "js"});', "js")
        assert sub.next(2)["data"] == {"from": "js"}


def test_python_events_reach_a_spell(mem) -> None:
    result: Dict[str, Any] = {}

    def spell() -> None:
        result["r"] = mem.run(
            """
            local id = Event.subscribe("host.*")
            State.set("global", "ready", true)
            local e = Event.receive(id, 10000)
            return e and e.data
            """
        )

    t = threading.Thread(target=spell)
    t.start()
    assert wait_until(lambda: mem.state.get(None, "ready") is True)
    mem.events.publish("host.msg", {"msg": "hi spell"})
    t.join(30)
    assert result["r"].value == {"msg": "hi spell"}


def test_subscriptions_after_engine_close(tmp_path) -> None:
    e = llmspell.Engine(pebble(tmp_path / "data"))
    ev = e.events
    pull = ev.subscribe("a.*")
    calls: List[Any] = []
    push = ev.subscribe("a.*", callback=calls.append)
    e.close()
    assert pull.closed and push.closed, "closing the engine closes its subscriptions"
    with pytest.raises(llmspell.ClosedError):
        pull.next(0)
    for call in (lambda: ev.publish("a.b"), lambda: ev.subscribe("a.*"), ev.stats):
        with pytest.raises(llmspell.ClosedError):
            call()
    # The data folder is unlocked: nothing keeps the engine open.
    with llmspell.Engine(pebble(tmp_path / "data")) as again:
        again.ping()


def test_dropped_pull_subscription_is_freed(tmp_path) -> None:
    e = llmspell.Engine(pebble(tmp_path / "data"))
    e.events.subscribe("a.*")  # dropped at once: __del__ frees it
    gc.collect()
    e.close()
    with llmspell.Engine(pebble(tmp_path / "data")) as again:
        again.ping()


# --- events: push ----------------------------------------------------------------


def test_callback_gets_every_event_from_a_thread(mem) -> None:
    n = 2000
    got: List[int] = []
    threads = set()
    done = threading.Event()

    def on_event(event: Dict[str, Any]) -> None:
        got.append(event["data"])
        threads.add(threading.get_ident())
        if len(got) == n:
            done.set()

    sub = mem.events.subscribe("job.*", callback=on_event, buffer_size=n)
    assert sub.is_push

    def publisher() -> None:
        for i in range(n):
            mem.events.publish("job.done", i)
        mem.events.publish("other.thing", -1)

    t = threading.Thread(target=publisher)
    t.start()
    t.join(30)
    assert done.wait(30), f"got {len(got)} of {n}"
    assert got == list(range(n)), "every event, in publish order"
    assert threading.get_ident() not in threads, "callbacks run on the dispatcher, not here"
    with pytest.raises(llmspell.InvalidArgumentError):
        sub.next(0)  # a push subscription cannot be pulled
    stats = sub_stats(mem, "job.*")
    assert stats["handler"] is True and stats["dropped"] == 0
    sub.close()


def test_no_callback_after_close(mem) -> None:
    calls: List[int] = []
    sub = mem.events.subscribe("tick", callback=lambda e: calls.append(e["data"]))
    for i in range(50):
        mem.events.publish("tick", i)
    sub.close()
    after_close = len(calls)
    for i in range(50):
        mem.events.publish("tick", i)
    time.sleep(0.3)
    assert len(calls) == after_close
    sub.close()  # idempotent
    assert repr(sub).endswith("closed>")


def test_close_waits_for_a_running_callback(mem) -> None:
    entered = threading.Event()
    finished: List[bool] = []

    def slow(event: Dict[str, Any]) -> None:
        entered.set()
        time.sleep(0.3)
        finished.append(True)

    sub = mem.events.subscribe("slow", callback=slow)
    mem.events.publish("slow")
    assert entered.wait(10)
    sub.close()  # returns only once the call in progress is over
    assert finished == [True]


def test_close_from_inside_the_callback(mem) -> None:
    calls: List[int] = []
    holder: Dict[str, llmspell.Subscription] = {}

    def once(event: Dict[str, Any]) -> None:
        calls.append(event["data"])
        holder["sub"].close()

    holder["sub"] = mem.events.subscribe("once", callback=once)
    for i in range(20):
        mem.events.publish("once", i)
    assert wait_until(lambda: len(calls) >= 1)
    time.sleep(0.2)
    assert calls == [0]
    assert holder["sub"].closed


def test_callback_exception_is_logged_and_delivery_goes_on(mem, caplog) -> None:
    got: List[int] = []

    def flaky(event: Dict[str, Any]) -> None:
        if event["data"] % 2 == 0:
            raise ValueError(f"boom {event['data']}")
        got.append(event["data"])

    with caplog.at_level(logging.ERROR, logger="llmspell.events"):
        with mem.events.subscribe("flaky", callback=flaky) as sub:
            for i in range(10):
                mem.events.publish("flaky", i)
            assert wait_until(lambda: len(got) == 5)
            assert got == [1, 3, 5, 7, 9]
            assert sub_stats(mem, "flaky")["delivered"] == 10
    errors = [r for r in caplog.records if r.name == "llmspell.events"]
    assert len(errors) == 5
    assert errors[0].exc_info is not None and errors[0].exc_info[0] is ValueError
    assert "boom 0" in str(errors[0].exc_info[1])


def test_dropped_push_subscription_stays_active(mem) -> None:
    got: List[Any] = []
    mem.events.subscribe("kept", callback=got.append)  # no reference kept
    gc.collect()
    mem.events.publish("kept", 1)
    assert wait_until(lambda: len(got) == 1)


def test_callbacks_and_spells(mem) -> None:
    got: List[Any] = []
    with mem.events.subscribe("spell.*", callback=lambda e: got.append(e["data"])):
        mem.run('for i = 1, 5 do Event.publish("spell.tick", i) end')
        assert wait_until(lambda: len(got) == 5)
        assert got == [1, 2, 3, 4, 5]


def test_callback_may_use_the_engine(mem) -> None:
    # A callback may call back into the library (here: publish, state).
    with mem.events.subscribe("in", callback=lambda e: mem.events.publish("out", e["data"] * 2)):
        with mem.events.subscribe("out") as out:
            mem.events.publish("in", 21)
            assert out.next(5)["data"] == 42


def test_push_subscription_closed_at_exit(tmp_path) -> None:
    # A push subscription left open at exit is closed by the atexit hook
    # before the interpreter goes; events published from a busy thread
    # must not crash the shutdown.
    script = f"""
import sys, threading, time
sys.path.insert(0, {os.path.dirname(os.path.dirname(os.path.abspath(__file__)))!r})
import llmspell
e = llmspell.Engine()
count = []
e.events.subscribe("x", callback=lambda ev: count.append(1))
def spam():
    while True:
        try:
            e.events.publish("x", 1)
        except Exception:
            return
threading.Thread(target=spam, daemon=True).start()
time.sleep(0.2)
print("ok", len(count) > 0)
"""
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok True"


def test_close_from_inside_a_callback_with_a_full_dispatcher_queue() -> None:
    script = f"""
import os, sys, threading
sys.path.insert(0, {os.path.dirname(os.path.dirname(os.path.abspath(__file__)))!r})
import llmspell
e = llmspell.Engine()
go, done = threading.Event(), threading.Event()
holder = {{}}
def cb(ev):
    if ev["data"] == 0:
        go.wait(10)  # hold the dispatcher while more than 1024 deliveries queue up
        holder["s"].close()
        done.set()
holder["s"] = e.events.subscribe("x", callback=cb, buffer_size=4096)
for i in range(3000):
    e.events.publish("x", i)
go.set()
print("closed" if done.wait(5) else "stuck", flush=True)
os._exit(0)  # a stuck dispatcher would hang the exit
"""
    try:
        r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=8)
    except subprocess.TimeoutExpired:
        pytest.fail("close() from inside the callback never returned")
    assert "closed" in r.stdout, r.stderr
