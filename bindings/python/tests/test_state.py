"""Tests of Engine.state: the shared vectors in tests/vectors/state.json and
idiomatic tests (persistence, spells, transactions, threads, errors)."""

import json
import os
import threading
from typing import Any, Dict

import pytest

import llmspell

VECTORS = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "vectors", "state.json"
)

with open(VECTORS, encoding="utf-8") as f:
    CASES = json.load(f)["cases"]


def pebble(path: Any, **extra: Any) -> Dict[str, Any]:
    config: Dict[str, Any] = {"storage": {"backend": "pebble", "data_dir": str(path)}}
    config.update(extra)
    return config


@pytest.fixture
def engine(tmp_path):
    with llmspell.Engine(pebble(tmp_path / "data")) as e:
        yield e


def do_step(state: llmspell.State, step: Dict[str, Any]) -> Any:
    call = step["call"]
    scope = step.get("scope")
    if call == "set":
        return state.set(scope, step["key"], step["value"])
    if call == "get":
        return state.get(scope, step["key"])
    if call == "delete":
        return state.delete(scope, step["key"])
    if call == "exists":
        return state.exists(scope, step["key"])
    if call == "list":
        return state.keys(scope, step.get("prefix"), step.get("limit", 0))
    if call == "cas":
        return state.compare_and_set(scope, step["key"], step.get("expected"), step.get("new"))
    if call == "transaction":
        return state.apply(step["ops"])
    raise AssertionError(f"unknown call {call!r} in the vectors")


# --- shared vectors ----------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector(case: Dict[str, Any], tmp_path) -> None:
    with llmspell.Engine(pebble(tmp_path / "data")) as engine:
        state = engine.state
        for i, step in enumerate(case["steps"]):
            where = f"{case['name']} step {i} ({step['call']})"
            if "expect_error" in step:
                with pytest.raises(llmspell.LlmspellError) as info:
                    do_step(state, step)
                e = info.value
                assert e.code == step["expect_error"], where
                assert type(e) is llmspell.STATUS_CODES[e.code], where
                assert e.details.get("kind") == e.code, where
            else:
                got = do_step(state, step)
                assert got == step["expect"], where
                assert type(got) is type(step["expect"]), where


def test_vectors_cover_every_call() -> None:
    calls = {s["call"] for c in CASES for s in c["steps"]}
    assert calls == {"set", "get", "delete", "exists", "list", "cas", "transaction"}


# --- values --------------------------------------------------------------------


def test_values_roundtrip(engine: llmspell.Engine) -> None:
    st = engine.state
    values = [
        0, -7, 2**53, 1.5, True, False, "", "héllo ☃ 𝄞", [], {}, [1, [2, [3]]],
        {"nested": {"list": [1, "two", None, 3.25]}, "ünï": "ç"},
    ]
    for i, v in enumerate(values):
        st.set("custom:v", f"k{i}", v)
        assert st.get("custom:v", f"k{i}") == v
    assert st.get("custom:v", "missing") is None
    assert st.get("custom:v", "missing", default=17) == 17
    st.set("custom:v", "tuple", (1, 2))
    assert st.get("custom:v", "tuple") == [1, 2]


def test_none_value_deletes(engine: llmspell.Engine) -> None:
    st = engine.state
    st.set(None, "k", 1)
    st.set(None, "k", None)
    assert not st.exists(None, "k")


def test_non_ascii_keys_and_scopes(engine: llmspell.Engine) -> None:
    st = engine.state
    st.set("user:jürgen", "größe", 1)
    assert st.get("user:jürgen", "größe") == 1
    assert st.keys("user:jürgen") == ["größe"]


def test_keys_limit_and_prefix(engine: llmspell.Engine) -> None:
    st = engine.state
    for k in ["b", "a.2", "a.1", "c"]:
        st.set("agent:x", k, 1)
    assert st.keys("agent:x") == ["a.1", "a.2", "b", "c"]
    assert st.keys("agent:x", prefix="a.") == ["a.1", "a.2"]
    assert st.keys("agent:x", limit=2) == ["a.1", "a.2"]
    assert st.keys("agent:x", "zz") == []
    assert st.keys("agent:empty") == []


def test_compare_and_set_json_equality(engine: llmspell.Engine) -> None:
    st = engine.state
    st.set(None, "obj", {"a": 1, "b": [1, 2]})
    assert st.compare_and_set(None, "obj", {"b": [1, 2.0], "a": 1.0}, "next")
    assert st.get(None, "obj") == "next"
    assert st.compare_and_set(None, "obj", "next", None)
    assert not st.exists(None, "obj")


# --- persistence -------------------------------------------------------------------


def test_persists_across_close_and_reopen(tmp_path) -> None:
    config = pebble(tmp_path / "data")
    with llmspell.Engine(config) as e:
        e.state.set("agent:a", "cfg", {"model": "local/x", "n": 3})
        e.state.set(None, "gone", 1)
        e.state.delete(None, "gone")
        with e.state.transaction() as tx:
            tx.set("session:s", "step", 2)
    with llmspell.Engine(config) as e:
        assert e.state.get("agent:a", "cfg") == {"model": "local/x", "n": 3}
        assert not e.state.exists(None, "gone")
        assert e.state.get("session:s", "step") == 2
        assert e.state.keys("agent:a") == ["cfg"]


def test_sync_durability_persists(tmp_path) -> None:
    config = pebble(tmp_path / "data", state={"durability": "sync"})
    with llmspell.Engine(config) as e:
        e.state.set(None, "k", "v")
    with llmspell.Engine(config) as e:
        assert e.state.get(None, "k") == "v"


# --- spells and Python share the state ----------------------------------------------


def test_lua_writes_python_reads(engine: llmspell.Engine) -> None:
    engine.run(
        'State.set("agent:a", "cfg", {model = "local/x", tags = {"a", "b"}})\n'
        'State.set("from_lua", 42)',
        "lua",
    )
    assert engine.state.get("agent:a", "cfg") == {"model": "local/x", "tags": ["a", "b"]}
    assert engine.state.get(None, "from_lua") == 42


def test_python_writes_js_reads(engine: llmspell.Engine) -> None:
    engine.state.set("user:u", "prefs", {"theme": "dark", "sizes": [1, 2]})
    engine.state.set(None, "greeting", "hé")
    r = engine.run(
        'return {prefs: State.get("user:u", "prefs"), g: State.get("global", "greeting"),'
        ' none: State.get("user:u", "nope") === undefined || State.get("user:u", "nope") === null};',
        "js",
    )
    assert r.value == {"prefs": {"theme": "dark", "sizes": [1, 2]}, "g": "hé", "none": True}


def test_python_writes_lua_reads(engine: llmspell.Engine) -> None:
    engine.state.set("tool:calc", "last", 7)
    assert engine.run('return State.tool_get("calc", "last") * 6', "lua").value == 42


# --- transactions ----------------------------------------------------------------------


def test_transaction_commits(engine: llmspell.Engine) -> None:
    st = engine.state
    st.set(None, "old", 1)
    with st.transaction() as tx:
        tx.set("agent:a", "x", 1)
        tx.set(None, "y", {"z": [1]})
        tx.delete(None, "old")
        assert len(tx) == 3
        assert tx.ops[1] == {"op": "set", "key": "y", "value": {"z": [1]}}
        # Buffered writes are not visible before the block ends.
        assert not st.exists("agent:a", "x")
    assert st.get("agent:a", "x") == 1
    assert st.get(None, "y") == {"z": [1]}
    assert not st.exists(None, "old")


def test_transaction_rolls_back_on_exception(engine: llmspell.Engine) -> None:
    st = engine.state
    st.set(None, "keep", 1)

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with st.transaction() as tx:
            tx.set("agent:a", "x", 1)
            tx.delete(None, "keep")
            raise Boom()
    assert not st.exists("agent:a", "x")
    assert st.get(None, "keep") == 1


def test_transaction_invalid_op_writes_nothing(engine: llmspell.Engine) -> None:
    st = engine.state
    with pytest.raises(llmspell.InvalidArgumentError) as info:
        with st.transaction() as tx:
            tx.set("agent:a", "x", 1)
            tx.set("global", "__reserved", 2)
    assert "[1]" in info.value.message
    assert not st.exists("agent:a", "x")


def test_transaction_snapshot_of_values_and_single_use(engine: llmspell.Engine) -> None:
    st = engine.state
    value = {"n": 1}
    with st.transaction() as tx:
        tx.set(None, "v", value)
        value["n"] = 2
    assert st.get(None, "v") == {"n": 1}
    with pytest.raises(RuntimeError):
        tx.set(None, "late", 1)
    with pytest.raises(RuntimeError):
        with tx:
            pass


def test_transaction_bad_value_fails_at_set(engine: llmspell.Engine) -> None:
    with engine.state.transaction() as tx:
        with pytest.raises(TypeError):
            tx.set(None, "k", object())
        with pytest.raises(llmspell.InvalidArgumentError):
            tx.set(None, "k", float("nan"))
    assert engine.state.keys(None) == []


def test_apply(engine: llmspell.Engine) -> None:
    st = engine.state
    st.apply([
        {"op": "set", "scope": "agent:a", "key": "x", "value": 1},
        {"op": "set", "key": "y", "value": 2},
        {"op": "set", "scope": None, "key": "z", "value": 3},
    ])
    assert st.keys(None) == ["y", "z"]
    st.apply([{"op": "delete", "key": "y"}])
    assert st.keys(None) == ["z"]
    st.apply([])
    with pytest.raises(TypeError):
        st.apply({"op": "set"})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        st.apply(["set"])  # type: ignore[list-item]


# --- concurrency -----------------------------------------------------------------------


def test_concurrent_compare_and_set_increments(engine: llmspell.Engine) -> None:
    st = engine.state
    threads_n, per_thread = 8, 50
    st.set("custom:c", "n", 0)
    barrier = threading.Barrier(threads_n)
    errors = []
    retries = [0] * threads_n

    def worker(i: int) -> None:
        try:
            barrier.wait()
            done = 0
            while done < per_thread:
                cur = st.get("custom:c", "n")
                if st.compare_and_set("custom:c", "n", cur, cur + 1):
                    done += 1
                else:
                    retries[i] += 1
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert st.get("custom:c", "n") == threads_n * per_thread


# --- errors -------------------------------------------------------------------------------


def test_use_after_close_raises_closed(tmp_path) -> None:
    e = llmspell.Engine(pebble(tmp_path / "data"))
    st = e.state
    st.set(None, "k", 1)
    e.close()
    calls = [
        lambda: st.set(None, "k", 1),
        lambda: st.get(None, "k"),
        lambda: st.delete(None, "k"),
        lambda: st.exists(None, "k"),
        lambda: st.keys(None),
        lambda: st.compare_and_set(None, "k", 1, 2),
        lambda: st.apply([]),
        lambda: e.state.get(None, "k"),
    ]
    for call in calls:
        with pytest.raises(llmspell.ClosedError):
            call()
    with pytest.raises(llmspell.ClosedError):
        with st.transaction():
            pass
    tx = llmspell.Engine(pebble(tmp_path / "other"))
    t = tx.state.transaction()
    t.__enter__()
    t.set(None, "k", 1)
    tx.close()
    with pytest.raises(llmspell.ClosedError):
        t.__exit__(None, None, None)


@pytest.mark.parametrize("scope", ["planet:x", "agent:", "nope", "Agent:a", "agent"])
def test_bad_scope_raises_invalid_argument(engine: llmspell.Engine, scope: str) -> None:
    with pytest.raises(llmspell.InvalidArgumentError) as info:
        engine.state.set(scope, "k", 1)
    assert info.value.code == "invalid_argument"
    assert info.value.status == 1
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.state.get(scope, "k")
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.state.keys(scope)


@pytest.mark.parametrize("key", ["", "a..b", "__x", "$$x", "cr\rlf", "x" * 257])
def test_bad_key_raises_invalid_argument(engine: llmspell.Engine, key: str) -> None:
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.state.set(None, key, 1)


def test_nul_in_names_is_rejected_before_the_call(engine: llmspell.Engine) -> None:
    # A NUL would silently cut a C string short ("global\0x" -> "global").
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.state.set("global\0x", "k", 1)
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.state.get(None, "k\0hidden")
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.state.keys(None, prefix="a\0")
    assert engine.state.keys(None) == []


def test_wrong_types_raise_type_error(engine: llmspell.Engine) -> None:
    st = engine.state
    with pytest.raises(TypeError):
        st.set(1, "k", 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        st.set(None, b"k", 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        st.get(None, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        st.set(None, "k", {1, 2})
    with pytest.raises(TypeError):
        st.keys(None, limit="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        st.keys(None, limit=True)
    with pytest.raises(llmspell.InvalidArgumentError):
        st.keys(None, limit=-1)
    with pytest.raises(llmspell.InvalidArgumentError):
        st.keys(None, limit=2**32)


def test_unencodable_values_raise_invalid_argument(engine: llmspell.Engine) -> None:
    st = engine.state
    with pytest.raises(llmspell.InvalidArgumentError):
        st.set(None, "k", float("inf"))
    cyclic: list = []
    cyclic.append(cyclic)
    with pytest.raises(llmspell.InvalidArgumentError):
        st.set(None, "k", cyclic)
    with pytest.raises(llmspell.InvalidArgumentError):
        st.set(None, "k", "lone \ud800 surrogate")
    assert st.keys(None) == []


def test_value_over_the_limit_raises_invalid_argument(tmp_path) -> None:
    config = pebble(tmp_path / "data", state={"max_value_bytes": 100})
    with llmspell.Engine(config) as e:
        st = e.state
        st.set(None, "small", "x" * 50)
        with pytest.raises(llmspell.InvalidArgumentError) as info:
            st.set(None, "big", "x" * 200)
        assert info.value.code == "invalid_argument"
        with pytest.raises(llmspell.InvalidArgumentError):
            st.compare_and_set(None, "big", None, "x" * 200)
        with pytest.raises(llmspell.InvalidArgumentError):
            with st.transaction() as tx:
                tx.set(None, "ok", 1)
                tx.set(None, "big", "x" * 200)
        assert st.keys(None) == ["small"]


def test_repr_and_exports(engine: llmspell.Engine) -> None:
    assert isinstance(engine.state, llmspell.State)
    assert "State" in repr(engine.state)
    assert isinstance(engine.state.transaction(), llmspell.Transaction)
