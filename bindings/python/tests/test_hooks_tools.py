"""Tests of engine.hooks (with metrics and records), engine.tools, engine.events.query and Subscription.id."""

import gc
import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest

import llmspell
from llmspell import hooks as hooks_mod
from llmspell import tools as tools_mod


@pytest.fixture
def mem():
    with llmspell.Engine() as e:
        yield e


def table_sizes() -> tuple:
    return len(hooks_mod._table), len(tools_mod._table)


# --- hooks -------------------------------------------------------------------


def test_hook_modifies_write(mem) -> None:
    seen: List[Dict[str, Any]] = []

    def upper(ctx: Dict[str, Any]) -> Any:
        seen.append(ctx)
        data = ctx["data"]
        if isinstance(data["value"], str):
            return {"type": "modified", "data": dict(data, value=data["value"].upper())}
        return None

    with mem.hooks.register("BeforeStateWrite", upper, name="upper") as hook:
        assert hook.registered and hook.id > 0 and hook.name == "upper"
        mem.state.set(None, "greeting", "hello")
        mem.state.set(None, "n", 5)
    assert not hook.registered
    assert mem.state.get(None, "greeting") == "HELLO"
    assert mem.state.get(None, "n") == 5
    ctx = seen[0]
    assert ctx["point"] == "BeforeStateWrite"
    assert ctx["component"] == {"type": "state", "name": "global"}
    assert ctx["data"] == {"key": "greeting", "scope": "global", "value": "hello"}
    assert "metadata" in ctx and "correlation_id" in ctx


def test_hook_cancels_write(mem) -> None:
    def guard(ctx: Dict[str, Any]) -> Any:
        if ctx["data"]["key"].startswith("secret"):
            return {"type": "cancel", "reason": "secrets are read-only"}
        return "continue"

    with mem.hooks.register("state:before_write", guard):
        with pytest.raises(llmspell.CancelledError) as ei:
            mem.state.set(None, "secret_key", 1)
        assert "secrets are read-only" in str(ei.value)
        assert ei.value.code == "cancelled"
        assert mem.state.get(None, "secret_key") is None
        mem.state.set(None, "public", 2)
    assert mem.state.get(None, "public") == 2
    mem.state.set(None, "secret_key", 3)  # unregistered: no more guard
    assert mem.state.get(None, "secret_key") == 3


def test_hook_replace_skips_write(mem) -> None:
    mem.state.set(None, "k", "before")
    with mem.hooks.register("BeforeStateWrite", lambda ctx: {"type": "replace", "data": None}):
        mem.state.set(None, "k", "after")
        mem.state.set(None, "new", 1)
    assert mem.state.get(None, "k") == "before"
    assert mem.state.get(None, "new") is None


def test_hooks_modify_cancel_replace_seen_through_state_events(tmp_path) -> None:
    """The issue's check, on pebble: three hooks act on three writes and a
    state.* subscription sees exactly the writes that happened."""

    def act(ctx: Dict[str, Any]) -> Any:
        d = ctx["data"]
        if d["key"] == "m":
            return {"type": "modified", "data": dict(d, value=d["value"].upper())}
        if d["key"] == "c":
            return {"type": "cancel", "reason": "c is frozen"}
        if d["key"] == "r":
            return {"type": "replace", "data": None}
        return None

    with llmspell.Engine({"storage": {"backend": "pebble", "data_dir": str(tmp_path)}}) as e:
        with e.events.subscribe("state.*") as sub, e.hooks.register("BeforeStateWrite", act):
            e.state.set(None, "m", "quiet")
            with pytest.raises(llmspell.CancelledError, match="c is frozen"):
                e.state.set(None, "c", 1)
            e.state.set(None, "r", "ignored")
            e.state.set(None, "end", True)  # a marker: every earlier event came before it
            seen = []
            while True:
                ev = sub.next(timeout=2.0)
                assert ev is not None, f"no state.write for the marker; saw {seen}"
                seen.append((ev["type"], ev["data"]["key"], ev["data"].get("value")))
                if ev["data"]["key"] == "end":
                    break
        assert seen == [("state.write", "m", "QUIET"), ("state.write", "end", True)]
        assert e.state.get(None, "m") == "QUIET"
        assert e.state.get(None, "c") is None
        assert e.state.get(None, "r") is None


def test_hook_priority_order(mem) -> None:
    order: List[str] = []

    def rec(label: str):
        return lambda ctx: order.append(label)

    hooks = [
        mem.hooks.register("BeforeStateWrite", rec("normal"), name="normal"),
        mem.hooks.register("BeforeStateWrite", rec("lowest"), priority="lowest", name="lowest"),
        mem.hooks.register("BeforeStateWrite", rec("first"), priority=-1000, name="first"),
        mem.hooks.register("BeforeStateWrite", rec("high"), priority="high", name="high"),
        mem.hooks.register("BeforeStateWrite", rec("ten"), priority=10, name="ten"),
    ]
    mem.state.set(None, "k", 1)
    assert order == ["first", "high", "normal", "ten", "lowest"]
    listed = [h for h in mem.hooks.list("BeforeStateWrite") if h["language"] == "python"]
    assert [h["name"] for h in listed] == order
    assert [h["priority"] for h in listed] == [-1000, -50, 0, 10, 100]
    assert {h["id"] for h in listed} == {h.id for h in hooks}
    assert all(h["calls"] == 1 for h in listed)
    assert [h["name"] for h in mem.hooks.list() if h["language"] == "python"] == order
    assert mem.hooks.list("SessionStart") == []
    for h in hooks:
        h.unregister()
    assert [h for h in mem.hooks.list() if h["language"] == "python"] == []


def test_hook_modifications_chain(mem) -> None:
    def add(suffix: str):
        def fn(ctx: Dict[str, Any]) -> Any:
            d = ctx["data"]
            return {"type": "modified", "data": dict(d, value=d["value"] + suffix)}

        return fn

    with mem.hooks.register("BeforeStateWrite", add("-b"), priority=2), mem.hooks.register(
        "BeforeStateWrite", add("-a"), priority=1
    ):
        mem.state.set(None, "s", "x")
    assert mem.state.get(None, "s") == "x-a-b"


def test_hook_fired_by_spells(mem) -> None:
    calls: List[Dict[str, Any]] = []
    lock = threading.Lock()

    def guard(ctx: Dict[str, Any]) -> Any:
        with lock:
            calls.append(ctx["data"])
        if ctx["data"]["key"] == "forbidden":
            return {"type": "cancel", "reason": "not from a spell"}
        return None

    with mem.hooks.register("BeforeStateWrite", guard):
        r = mem.run(
            'State.set("allowed", 1)\n'
            'local ok, err = pcall(State.set, "forbidden", 2)\n'
            "return {ok = ok, code = err.code}",
            "lua",
        )
        assert r.value == {"ok": False, "code": "cancelled"}
        r = mem.run(
            'State.set("from_js", 3);'
            'let code = null; try { State.set("forbidden", 4) } catch (e) { code = e.code }'
            "return code",
            "js",
        )
        assert r.value == "cancelled"
    keys = [c["key"] for c in calls]
    assert keys == ["allowed", "forbidden", "from_js", "forbidden"]
    assert mem.state.get(None, "allowed") == 1
    assert mem.state.get(None, "from_js") == 3
    assert mem.state.get(None, "forbidden") is None


def test_hook_runs_on_calling_thread(mem) -> None:
    idents: List[int] = []
    with mem.hooks.register("BeforeStateWrite", lambda ctx: idents.append(threading.get_ident())):
        mem.state.set(None, "a", 1)
        t = threading.Thread(target=mem.state.set, args=(None, "b", 2))
        t.start()
        t.join()
    assert idents[0] == threading.get_ident()
    assert idents[1] == t.ident


def test_hook_unregister_stops_calls(mem) -> None:
    calls = []
    hook = mem.hooks.register("BeforeStateWrite", lambda ctx: calls.append(1))
    mem.state.set(None, "a", 1)
    assert len(calls) == 1
    before = table_sizes()[0]
    hook.unregister()
    assert table_sizes()[0] == before - 1
    hook.unregister()  # idempotent
    mem.state.set(None, "a", 2)
    mem.run('State.set("a", 3)', "lua")
    assert len(calls) == 1
    assert not hook.registered


def test_hook_dropped_reference_stays_registered(mem) -> None:
    calls = []
    mem.hooks.register("BeforeStateWrite", lambda ctx: calls.append(1))
    gc.collect()
    mem.state.set(None, "a", 1)
    assert calls == [1]


def test_raising_hook_does_not_break_write(mem, caplog) -> None:
    def broken(ctx: Dict[str, Any]) -> Any:
        raise RuntimeError("hook bug")

    with caplog.at_level(logging.ERROR, logger="llmspell.hooks"):
        with mem.hooks.register("BeforeStateWrite", broken, name="broken"):
            mem.state.set(None, "k", "v")
    assert mem.state.get(None, "k") == "v"
    assert any("hook bug" in (r.exc_text or "") or "hook bug" in str(r.exc_info) for r in caplog.records)
    assert any("'broken'" in r.getMessage() for r in caplog.records)


def test_raising_hook_opens_its_breaker(mem) -> None:
    calls: List[int] = []

    def broken(ctx: Dict[str, Any]) -> Any:
        calls.append(1)
        raise RuntimeError("always")

    with mem.hooks.register("BeforeStateWrite", broken, name="always-broken"):
        for i in range(3):
            mem.state.set(None, f"b{i}", i)
        (entry,) = [h for h in mem.hooks.list("BeforeStateWrite") if h["name"] == "always-broken"]
        assert entry["failures"] == 3 and entry["breaker"] == "open"
        mem.state.set(None, "b3", 3)  # skipped while the breaker is open
        assert len(calls) == 3
    assert [mem.state.get(None, f"b{i}") for i in range(4)] == [0, 1, 2, 3]


def test_bad_hook_answers_do_not_break_write(mem, caplog) -> None:
    answers = iter([42, {"type": "no_such_kind"}, "continue"])
    with caplog.at_level(logging.WARNING, logger="llmspell.hooks"):
        with mem.hooks.register("BeforeStateWrite", lambda ctx: next(answers)):
            for i in range(3):
                mem.state.set(None, f"k{i}", i)
    assert [mem.state.get(None, f"k{i}") for i in range(3)] == [0, 1, 2]
    assert len(caplog.records) == 2


def test_hook_bad_arguments(mem) -> None:
    with pytest.raises(llmspell.InvalidArgumentError):
        mem.hooks.register("Nowhere", lambda ctx: None)
    with pytest.raises(llmspell.InvalidArgumentError):
        mem.hooks.register("BeforeStateWrite", lambda ctx: None, priority="urgent")
    with pytest.raises(TypeError):
        mem.hooks.register("BeforeStateWrite", "not callable")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        mem.hooks.register("BeforeStateWrite", lambda ctx: None, priority=1.5)  # type: ignore[arg-type]
    with pytest.raises(llmspell.InvalidArgumentError):
        mem.hooks.list("Nowhere")
    assert [h for h in mem.hooks.list() if h["language"] == "python"] == []


def test_hook_metrics_and_records() -> None:
    with llmspell.Engine({"hooks": {"metrics": True, "record": True}}) as e:
        def shout(ctx: Dict[str, Any]) -> Any:
            if ctx["data"]["key"] == "loud":
                return {"type": "modified", "data": {"value": ctx["data"]["value"].upper()}}
            return None

        with e.hooks.register("BeforeStateWrite", shout, name="py-metrics"):
            e.state.set(None, "quiet", "a")
            e.state.set(None, "loud", "b")
        m = e.hooks.metrics()
        assert m["counts"]["BeforeStateWrite"] == 2 and m["counts"]["AfterStateWrite"] == 2
        assert isinstance(m["latency"], dict)
        mine = [r for r in e.hooks.records() if r["hook"] == "py-metrics"]
        assert [r["result"] for r in mine] == ["continue", "modified"]
        first = mine[0]
        assert first["point"] == "BeforeStateWrite"
        assert first["component"] == {"type": "state", "name": "global"}
        assert first["input"] == {"scope": "global", "key": "quiet", "value": "a"}
        assert first["error"] is None and first["correlation_id"] == ""
        assert isinstance(first["duration_us"], int) and "T" in first["at"]
        assert len(e.hooks.records(limit=1)) == 1
        assert e.hooks.records(correlation_id="nobody") == []
        with pytest.raises(llmspell.InvalidArgumentError):
            e.hooks.records(limit=-1)
        with pytest.raises(TypeError):
            e.hooks.records(limit="3")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            e.hooks.records(correlation_id=7)  # type: ignore[arg-type]
    with pytest.raises(llmspell.ClosedError):
        e.hooks.metrics()
    with pytest.raises(llmspell.ClosedError):
        e.hooks.records()


def test_hook_metrics_and_records_off(mem) -> None:
    with pytest.raises(llmspell.InvalidArgumentError, match="hooks.metrics"):
        mem.hooks.metrics()
    with pytest.raises(llmspell.InvalidArgumentError, match="hooks.record"):
        mem.hooks.records()


def test_hook_component_filter(mem) -> None:
    calls: List[str] = []
    with mem.hooks.register("custom:ping", lambda ctx: calls.append("any")), mem.hooks.register(
        "BeforeStateWrite", lambda ctx: calls.append("state"), component="state"
    ), mem.hooks.register("BeforeStateWrite", lambda ctx: calls.append("agent"), component="agent"):
        mem.state.set(None, "a", 1)
    assert calls == ["state"]


def test_hook_unregister_from_inside(mem) -> None:
    calls = []
    holder: Dict[str, llmspell.Hook] = {}

    def once(ctx: Dict[str, Any]) -> Any:
        calls.append(1)
        holder["h"].unregister()
        return {"type": "modified", "data": dict(ctx["data"], value="seen")}

    holder["h"] = mem.hooks.register("BeforeStateWrite", once)
    mem.state.set(None, "a", 1)
    mem.state.set(None, "b", 2)
    assert calls == [1]
    assert mem.state.get(None, "a") == "seen"
    assert mem.state.get(None, "b") == 2


def test_hook_calls_back_into_engine(mem) -> None:
    def audit(ctx: Dict[str, Any]) -> Any:
        if ctx["component"]["name"] == "global":
            mem.state.set("custom:audit", ctx["data"]["key"], True)
        return None

    with mem.hooks.register("BeforeStateWrite", audit):
        mem.state.set(None, "x", 1)
    assert mem.state.get("custom:audit", "x") is True


def test_engine_close_unregisters_hooks_and_tools() -> None:
    before = table_sizes()
    e = llmspell.Engine()
    hook = e.hooks.register("BeforeStateWrite", lambda ctx: None)
    tool = e.tools.register("py_closing", lambda p: 1)
    assert table_sizes() == (before[0] + 1, before[1] + 1)
    e.close()
    assert not hook.registered and not tool.registered
    assert table_sizes() == before
    hook.unregister()
    tool.unregister()
    with pytest.raises(llmspell.ClosedError):
        e.hooks.register("BeforeStateWrite", lambda ctx: None)
    with pytest.raises(llmspell.ClosedError):
        e.hooks.list()
    with pytest.raises(llmspell.ClosedError):
        e.tools.invoke("calculator", {"input": "1"})
    with pytest.raises(llmspell.ClosedError):
        e.tools.register("py_x", lambda p: 1)
    assert table_sizes() == before


def test_engine_dropped_with_registered_hook() -> None:
    before = table_sizes()
    e = llmspell.Engine()
    e.hooks.register("BeforeStateWrite", lambda ctx: None)
    e.tools.register("py_dropped", lambda p: 1)
    del e
    gc.collect()
    assert table_sizes() == before


def test_hook_many_threads(mem) -> None:
    count = [0]
    lock = threading.Lock()

    def counter(ctx: Dict[str, Any]) -> Any:
        with lock:
            count[0] += 1
        return None

    errors: List[BaseException] = []

    def writer(i: int) -> None:
        try:
            for j in range(25):
                mem.state.set(None, f"t{i}_{j}", j)
        except BaseException as e:  # pragma: no cover
            errors.append(e)

    with mem.hooks.register("BeforeStateWrite", counter) as hook:
        threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        info = next(h for h in mem.hooks.list() if h["id"] == hook.id)
    assert errors == []
    # Waiting for the GIL counts in a call's time: on a loaded machine two
    # calls over 50 ms open the library's circuit breaker, which then skips
    # the hook. Every write either ran it or skipped it.
    assert count[0] == info["calls"]
    assert info["calls"] + info["skipped"] == 100
    assert count[0] >= 2


# --- tools -------------------------------------------------------------------


def test_calculator(mem) -> None:
    env = mem.tools.invoke("calculator", {"input": "6*7"})
    assert env["success"] is True
    assert env["result"]["result"] == 42
    assert env["metadata"]["tool"] == "calculator"


def test_tool_failure_envelope(mem) -> None:
    env = mem.tools.invoke("calculator", {"input": "1/0"})
    assert env["success"] is False
    assert env["error"]["kind"] == "tool_error"
    assert "division by zero" in env["error"]["message"]


def test_tool_schema_error_names_field(mem) -> None:
    with pytest.raises(llmspell.InvalidArgumentError) as ei:
        mem.tools.invoke("calculator", {"input": 5})
    assert "input" in str(ei.value)
    with pytest.raises(llmspell.InvalidArgumentError) as ei:
        mem.tools.invoke("calculator", {"input": "1", "unknown_field": 1})
    assert "unknown_field" in str(ei.value)
    with pytest.raises(TypeError):
        mem.tools.invoke("calculator", [1])  # type: ignore[arg-type]
    with pytest.raises(llmspell.InvalidArgumentError):
        mem.tools.invoke("calculator", {"input": float("nan")})


def test_tool_not_found(mem) -> None:
    with pytest.raises(llmspell.NotFoundError) as ei:
        mem.tools.invoke("no_such_tool", {})
    assert ei.value.code == "not_found"


def test_tool_denied(mem) -> None:
    with pytest.raises(llmspell.DeniedError) as ei:
        mem.tools.invoke("hash_calculator", {"file": "/etc/passwd"})
    assert ei.value.code == "denied"


def test_tool_hook_cancels(mem) -> None:
    with mem.hooks.register("BeforeToolExecution", lambda ctx: {"type": "cancel", "reason": "no tools today"}):
        with pytest.raises(llmspell.CancelledError):
            mem.tools.invoke("calculator", {"input": "1+1"})
    assert mem.tools.invoke("calculator", {"input": "1+1"})["result"]["result"] == 2


def test_tool_list_formats(mem) -> None:
    info = mem.tools.list()
    names = [t["name"] for t in info]
    assert names == sorted(names)
    assert "calculator" in names and "hash_calculator" in names
    calc = next(t for t in info if t["name"] == "calculator")
    assert {"name", "description", "category", "security_level", "version", "tags", "language", "schema"} <= set(calc)
    assert calc["schema"]["type"] == "object"
    assert mem.tools.list(format="info") == info

    openai = mem.tools.list(format="openai")
    assert len(openai) == len(info)
    assert all(t["type"] == "function" for t in openai)
    assert next(t for t in openai if t["function"]["name"] == "calculator")["function"]["parameters"]["type"] == "object"

    anthropic = mem.tools.list(format="anthropic")
    assert len(anthropic) == len(info)
    assert next(t for t in anthropic if t["name"] == "calculator")["input_schema"]["type"] == "object"

    cat = calc["category"]
    by_cat = mem.tools.list(category=cat)
    assert by_cat and all(t["category"] == cat for t in by_cat)
    assert mem.tools.list(category="no_such_category") == []
    with pytest.raises(llmspell.InvalidArgumentError):
        mem.tools.list(format="xml")


def test_python_tool_from_python_lua_and_js(mem) -> None:
    calls: List[Dict[str, Any]] = []

    def add(params: Dict[str, Any]) -> Any:
        calls.append(params)
        return {"sum": params["a"] + params.get("b", 0)}

    schema = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    with mem.tools.register(
        "py_add", add, description="adds", parameters=schema, tags=["math", "py"], version="2.0.0"
    ) as tool:
        assert tool.registered and tool.name == "py_add"
        env = mem.tools.invoke("py_add", {"a": 40, "b": 2})
        assert env["success"] is True and env["result"] == {"sum": 42}

        r = mem.run('return Tool.invoke("py_add", {a = 1, b = 2}).result.result.sum', "lua")
        assert r.value == 3
        r = mem.run('return Tool.invoke("py_add", {a: 10, b: 5}).result.result.sum', "js")
        assert r.value == 15

        with pytest.raises(llmspell.InvalidArgumentError) as ei:
            mem.tools.invoke("py_add", {"b": 1})
        assert "a" in str(ei.value)
        assert len(calls) == 3  # the schema error never reached the function

        listed = mem.tools.list(tag="py")
        assert [t["name"] for t in listed] == ["py_add"]
        assert listed[0]["description"] == "adds"
        assert listed[0]["category"] == "custom"
        assert listed[0]["security_level"] == "safe"
        assert listed[0]["version"] == "2.0.0"
        assert listed[0]["tags"] == ["math", "py"]
        assert listed[0]["schema"] == schema
        assert [t["function"]["name"] for t in mem.tools.list(category="custom", format="openai")] == ["py_add"]

        with pytest.raises(llmspell.ConflictError):
            mem.tools.register("py_add", add)
    with pytest.raises(llmspell.NotFoundError):
        mem.tools.invoke("py_add", {"a": 1})


def test_python_tool_results_of_any_json_type(mem) -> None:
    with mem.tools.register("py_list", lambda p: [1, "two", None]), mem.tools.register(
        "py_none", lambda p: None
    ), mem.tools.register("py_str", lambda p: "text"):
        assert mem.tools.invoke("py_list")["result"] == [1, "two", None]
        assert mem.tools.invoke("py_none")["success"] is True
        assert mem.tools.invoke("py_str")["result"] == "text"


def test_raising_python_tool(mem) -> None:
    def broken(params: Dict[str, Any]) -> Any:
        raise ValueError("cannot do " + str(params.get("what")))

    with mem.tools.register("py_broken", broken), mem.tools.register("py_unjsonable", lambda p: {1, 2}):
        env = mem.tools.invoke("py_broken", {"what": "this"})
        assert env["success"] is False
        assert env["error"] == {"kind": "tool_error", "message": "cannot do this"}

        r = mem.run('local r = Tool.invoke("py_broken", {what = "lua"}) return {r.success, r.error.message}', "lua")
        assert r.value == [False, "cannot do lua"]

        env = mem.tools.invoke("py_unjsonable")
        assert env["success"] is False
        assert "JSON" in env["error"]["message"]

        # The tool still works after failing.
        assert mem.tools.invoke("py_broken", {"what": "again"})["error"]["message"] == "cannot do again"


def test_python_tool_unregister(mem) -> None:
    tool = mem.tools.register("py_temp", lambda p: "ok")
    assert mem.tools.invoke("py_temp")["result"] == "ok"
    before = table_sizes()[1]
    tool.unregister()
    assert table_sizes()[1] == before - 1
    assert not tool.registered
    tool.unregister()  # idempotent
    with pytest.raises(llmspell.NotFoundError):
        mem.tools.invoke("py_temp")
    r = mem.run('local ok, err = pcall(Tool.invoke, "py_temp", {}) return tostring(ok)', "lua")
    assert r.value == "false"
    # The name is free again.
    with mem.tools.register("py_temp", lambda p: "again"):
        assert mem.tools.invoke("py_temp")["result"] == "again"


def test_python_tool_register_errors(mem) -> None:
    before = table_sizes()
    with pytest.raises(llmspell.InvalidArgumentError):
        mem.tools.register("bad name", lambda p: 1)
    with pytest.raises(llmspell.InvalidArgumentError):
        mem.tools.register("py_level", lambda p: 1, security_level="godlike")
    with pytest.raises(TypeError):
        mem.tools.register("py_x", 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        mem.tools.register("py_x", lambda p: 1, tags="one")  # type: ignore[arg-type]
    with pytest.raises(llmspell.InvalidArgumentError):
        mem.tools.register("bad\0name", lambda p: 1)
    with pytest.raises(llmspell.ConflictError):
        mem.tools.register("calculator", lambda p: 1)
    assert table_sizes() == before


def test_python_tool_concurrent_threads(mem) -> None:
    active = [0]
    peak = [0]
    lock = threading.Lock()

    def slow_square(params: Dict[str, Any]) -> Any:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.005)  # releases the GIL: the other threads get in
        with lock:
            active[0] -= 1
        return {"square": params["n"] * params["n"], "thread": threading.get_ident()}

    results: Dict[int, List[Any]] = {}
    errors: List[BaseException] = []

    def worker(i: int) -> None:
        out = []
        try:
            for j in range(25):
                n = i * 100 + j
                env = mem.tools.invoke("py_square", {"n": n})
                assert env["success"] is True, env
                assert env["result"]["square"] == n * n
                assert env["result"]["thread"] == threading.get_ident()
                out.append(env["result"]["square"])
        except BaseException as e:  # pragma: no cover
            errors.append(e)
        results[i] = out

    with mem.tools.register("py_square", slow_square, parameters={"type": "object", "properties": {"n": {"type": "integer"}}}):
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert sorted(len(v) for v in results.values()) == [25, 25, 25, 25]
    assert peak[0] >= 2


def test_python_tool_unregister_waits_for_calls(mem) -> None:
    started = threading.Event()
    finished = threading.Event()

    def slow(params: Dict[str, Any]) -> Any:
        started.set()
        time.sleep(0.2)
        finished.set()
        return "done"

    tool = mem.tools.register("py_slow", slow)
    out: List[Any] = []
    t = threading.Thread(target=lambda: out.append(mem.tools.invoke("py_slow")))
    t.start()
    assert started.wait(5)
    tool.unregister()
    assert finished.is_set()  # unregister returned after the call ended
    t.join()
    assert out[0]["result"] == "done"


def test_python_tool_calls_back_into_engine(mem) -> None:
    def remember(params: Dict[str, Any]) -> Any:
        mem.state.set("tool:remember", params["key"], params["value"])
        return mem.tools.invoke("calculator", {"input": "2+3"})["result"]["result"]

    with mem.tools.register("py_remember", remember):
        r = mem.run('return Tool.invoke("py_remember", {key = "k", value = "v"}).result.result', "lua")
    assert r.value == 5
    assert mem.state.get("tool:remember", "k") == "v"


# --- events.query and Subscription.id ----------------------------------------


def test_subscription_id(mem) -> None:
    sub = mem.events.subscribe("app.*")
    push = mem.events.subscribe("other.*", callback=lambda ev: None)
    stats = {s["id"]: s["pattern"] for s in mem.events.stats()["subscriptions"]}
    assert stats[sub.id] == "app.*"
    assert stats[push.id] == "other.*"
    assert sub.id != push.id
    sub.close()
    push.close()
    with pytest.raises(llmspell.ClosedError):
        sub.id
    closed_early = mem.events.subscribe("x.*")
    closed_early.close()
    with pytest.raises(llmspell.ClosedError):
        closed_early.id


def test_event_query() -> None:
    with llmspell.Engine({"events": {"persist": True}}) as e:
        start = datetime.now(timezone.utc) - timedelta(seconds=1)
        e.events.publish("app.one", {"n": 1}, correlation_id="corr-1")
        e.events.publish("app.two", {"n": 2}, correlation_id="corr-1")
        e.events.publish("misc.three", {"n": 3})
        everything = e.events.query()
        types = [ev["type"] for ev in everything]
        assert types.index("app.one") < types.index("app.two") < types.index("misc.three")
        assert [ev["type"] for ev in e.events.query(pattern="app.*")] == ["app.one", "app.two"]
        timeline = e.events.query(correlation_id="corr-1")
        assert [ev["data"]["n"] for ev in timeline] == [1, 2]
        assert len(e.events.query(pattern="app.*", limit=1)) == 1
        assert len(e.events.query(since=start)) == len(everything)
        assert e.events.query(since=datetime.now(timezone.utc) + timedelta(hours=1)) == []
        assert e.events.query(until=start - timedelta(hours=1)) == []
        assert len(e.events.query(since=start.isoformat())) == len(everything)
        with pytest.raises(llmspell.InvalidArgumentError):
            e.events.query(since="yesterday")
        with pytest.raises(TypeError):
            e.events.query(since=12)  # type: ignore[arg-type]


def test_event_query_persistence_off(mem) -> None:
    with pytest.raises(llmspell.InvalidArgumentError) as ei:
        mem.events.query()
    assert "persist" in str(ei.value)


def test_python_tool_policy_timeout_and_level() -> None:
    with llmspell.Engine({"tools": {"timeout_ms": 100, "max_level": "restricted"}}) as e:
        e.tools.register("py_sleepy", lambda p: time.sleep(0.3) or "late")
        e.tools.register("py_privileged", lambda p: 1, security_level="privileged")
        e.tools.register("py_restricted", lambda p: 2, security_level="restricted")
        start = time.monotonic()
        with pytest.raises(llmspell.LlmspellTimeoutError):
            e.tools.invoke("py_sleepy")
        # A Python function cannot be interrupted: the call ends with it.
        assert time.monotonic() - start < 5
        with pytest.raises(llmspell.DeniedError):
            e.tools.invoke("py_privileged")
        assert e.tools.invoke("py_restricted")["result"] == 2


def test_python_tool_output_cap() -> None:
    with llmspell.Engine({"tools": {"max_output_bytes": 1000}}) as e:
        e.tools.register("py_big", lambda p: "x" * 5000)
        env = e.tools.invoke("py_big")
        assert env["success"] is False
        assert env["error"]["kind"] == "limit_exceeded"


def test_tool_unregister_from_inside(mem) -> None:
    holder: Dict[str, llmspell.Tool] = {}

    def once(params: Dict[str, Any]) -> Any:
        holder["t"].unregister()
        return "last call"

    holder["t"] = mem.tools.register("py_once", once)
    assert mem.tools.invoke("py_once")["result"] == "last call"
    with pytest.raises(llmspell.NotFoundError):
        mem.tools.invoke("py_once")


def test_engine_close_from_inside_hook() -> None:
    e = llmspell.Engine()
    e.hooks.register("BeforeStateWrite", lambda ctx: e.close())
    e.state.set(None, "k", 1)  # the write in progress finishes
    assert e.closed
    with pytest.raises(llmspell.ClosedError):
        e.state.set(None, "k", 2)


EXIT_SCRIPT = r"""
import sys, threading, time
sys.path.insert(0, sys.argv[1])
import llmspell
e = llmspell.Engine()
e.hooks.register("SystemShutdown", lambda ctx: None)
e.hooks.register("BeforeStateWrite", lambda ctx: {"type": "modified", "data": ctx["data"]})
e.tools.register("py_t", lambda p: p)
started = threading.Event()

def writer():
    try:
        while True:
            e.state.set(None, "k", 1)
            e.tools.invoke("py_t", {"i": 1})
            started.set()
    except llmspell.LlmspellError:
        pass

def spell():
    try:
        e.run('for i = 1, 100000000 do State.set("x", i) Tool.invoke("py_t", {i = i}) end', "lua")
    except llmspell.LlmspellError:
        pass

for f in (writer, spell):
    threading.Thread(target=f, daemon=True).start()
started.wait(10)
time.sleep(0.1)
print("exiting", flush=True)
"""


def test_exit_with_hooks_and_tools_registered_and_busy() -> None:
    import os
    import subprocess
    import sys

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for _ in range(3):
        p = subprocess.run(
            [sys.executable, "-c", EXIT_SCRIPT, here], capture_output=True, text=True, timeout=60
        )
        assert p.returncode == 0, p.stderr
        assert p.stdout.strip() == "exiting"
