"""Tests of Engine.agents and Engine.providers: the shared vectors in
tests/vectors/agent.json, and idiomatic tests on the local test model
(stories260K): tool calls, streaming, memory, agents as tools, errors and
cancellation.

The model folder comes from LLMSPELL_MODELS_DIR, else <repo>/../shared/models.
Without it the tests that need the model skip (and fail when CI=true).
"""

import gc
import json
import threading
import time
from typing import Any, Dict, List

import pytest

import llmspell
from support import check_error, config, need_models, vector_cases

CASES = vector_cases("agent")


# --- shared vectors ----------------------------------------------------------


class Runner:
    """Runs the steps of one vector case through the public API."""

    def __init__(self, engine: llmspell.Engine) -> None:
        self.engine = engine
        self.tools: Dict[str, List[str]] = {}  # agent -> its configured tools

    def step(self, s: Dict[str, Any]) -> Any:
        call = s["call"]
        agents = self.engine.agents
        if call == "create":
            agent = agents.create(s["config"])
            self.tools[agent.name] = list(s["config"].get("tools", []))
            return agent.name
        if call == "list":
            return agents.list()
        if call == "providers":
            return self.engine.providers.list()
        if call == "invoke_tool":
            return self.engine.tools.invoke(s["tool"], s["params"])
        agent = llmspell.Agent(self.engine, s["agent"])  # no existence check: the call reports it
        if call == "execute":
            return agent.execute(s["input"])
        if call == "stream":
            with agent.stream(s["input"]) as st:
                deltas = list(st)
                result = st.result
            assert result is not None
            return dict(result, _deltas=deltas)
        if call == "history":
            return agent.history()
        if call == "clear_history":
            return agent.clear_history()
        if call == "save_state":
            return agent.save_state()
        if call == "load_state":
            return agent.load_state()
        if call == "info":
            return agent.info()
        if call == "remove":
            return agent.remove()
        if call == "wrap_as_tool":
            return agent.wrap_as_tool(**s.get("options", {}))
        raise AssertionError(f"unknown call {call!r} in the vectors")

    def check(self, s: Dict[str, Any], got: Any, where: str) -> None:
        for name in s.get("expect_checks", []):
            if name == "text_nonempty":
                assert got["text"], f"{where}: empty text"
            elif name == "tool_called":
                offered = self.tools.get(s["agent"], [])
                assert got["tool_calls"], f"{where}: no tool call in {got}"
                for c in got["tool_calls"]:
                    assert c["name"] in offered, f"{where}: tool {c['name']!r} not among {offered}"
            elif name == "no_tool_calls":
                assert got["tool_calls"] == [], where
            elif name == "usage":
                assert got["usage"]["input_tokens"] > 0 and got["usage"]["output_tokens"] > 0, f"{where}: {got}"
            elif name == "deltas":
                assert len(got["_deltas"]) >= 2, f"{where}: {got['_deltas']}"
                assert "".join(got["_deltas"]) == got["text"], where
            else:
                raise AssertionError(f"unknown check {name!r} in the vectors")


def matches(want: Any, got: Any) -> bool:
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and matches(v, got[k]) for k, v in want.items())
    return json.dumps(want) == json.dumps(got)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector(case: Dict[str, Any], tmp_path) -> None:
    if case.get("needs_model"):
        need_models()
    with llmspell.Engine(config(tmp_path)) as engine:
        run = Runner(engine)
        for i, s in enumerate(case["steps"]):
            where = f"{case['name']} step {i} ({s['call']})"
            if "expect_error" in s:
                check_error(run.step, s, where)
                continue
            got = run.step(s)
            if "expect_len" in s:
                assert isinstance(got, list) and len(got) == s["expect_len"], f"{where}: {got}"
            if "expect_len_min" in s:
                assert isinstance(got, list) and len(got) >= s["expect_len_min"], f"{where}: {got}"
            if "expect_names" in s:
                names = {x.get("name") for x in got}
                assert set(s["expect_names"]) <= names, f"{where}: {names}"
            if "expect" in s:
                assert matches(s["expect"], got), f"{where}: got {got!r}, want {s['expect']!r}"
            if "expect_result_text" in s:
                assert got["result"]["text"] == s["expect_result_text"], f"{where}: {got}"
            run.check(s, got, where)


def test_vectors_cover_every_call() -> None:
    calls = {s["call"] for c in CASES for s in c["steps"]}
    assert calls == {
        "create", "execute", "stream", "history", "clear_history", "save_state", "load_state",
        "info", "list", "remove", "wrap_as_tool", "invoke_tool", "providers",
    }


# --- the local model -----------------------------------------------------------


def test_execute_with_tools(model_engine) -> None:
    agent = model_engine.agents.create(
        name="teller", tools=["calculator", "uuid_generator"], temperature=0, max_tokens=16
    )
    assert isinstance(agent, llmspell.Agent) and agent.name == "teller"
    r = agent.execute("Once upon a time")
    assert r["text"]
    assert r["tool_calls"] and all(c["name"] in ("calculator", "uuid_generator") for c in r["tool_calls"])
    assert r["usage"]["input_tokens"] > 0 and r["usage"]["output_tokens"] > 0
    assert r["metadata"]["provider"] == "local" and r["metadata"]["model"] == "local/stories260K"
    assert model_engine.agents.get("teller") == agent
    assert "teller" in model_engine.agents


def test_stream_deltas_join_to_text(model_engine) -> None:
    agent = model_engine.agents.create({"name": "s", "temperature": 0, "max_tokens": 16})
    with agent.stream({"text": "The dog"}) as st:
        assert st.result is None
        deltas = []
        for d in st:
            assert isinstance(d, str)
            deltas.append(d)
        assert st.done
        assert len(deltas) >= 2
        assert "".join(deltas) == st.result["text"]
        assert st.result["usage"]["output_tokens"] > 0
        with pytest.raises(StopIteration):
            next(st)
    assert st.closed
    with pytest.raises(llmspell.ClosedError):
        st.next()
    st.close()  # idempotent


def test_stream_text_helper_and_next_timeout(model_engine) -> None:
    agent = model_engine.agents.create(max_tokens=8)
    assert agent.name.startswith("agent-")
    with agent.stream("A bird") as st:
        first = st.next(timeout=5)
        assert first
        whole = st.text()  # reads the rest, returns the whole text
        assert st.result is not None and whole == st.result["text"]
        assert whole.startswith(first)


def test_memory_save_clear_load(model_engine) -> None:
    agent = model_engine.agents.create(name="mem", max_tokens=8, memory=10)
    agent.execute("Hello")
    hist = agent.history()
    assert [m["role"] for m in hist] == ["user", "assistant"]
    assert hist[0]["content"] == "Hello"
    agent.save_state()
    agent.clear_history()
    assert agent.history() == []
    assert agent.load_state() is True
    assert agent.history() == hist
    assert model_engine.state.keys("agent:mem")  # saved in the agent's scope
    assert agent.info()["memory_length"] == 2


def test_agent_as_tool(engine) -> None:
    echo = engine.agents.create(name="echo", type="basic")
    assert echo.wrap_as_tool() == "agent_echo"
    assert echo.wrap_as_tool(tool_name="ask_echo", description="echoes the input") == "ask_echo"
    env = engine.tools.invoke("ask_echo", {"input": "ping"})
    assert env["success"] and env["result"]["text"] == "ping"
    names = {t["name"] for t in engine.tools.list()}
    assert {"agent_echo", "ask_echo"} <= names
    with pytest.raises(llmspell.ConflictError):
        echo.wrap_as_tool(tool_name="ask_echo")


def test_agent_as_tool_of_a_model_agent(model_engine) -> None:
    model_engine.agents.create(name="echo", type="basic").wrap_as_tool(tool_name="ask_echo")
    boss = model_engine.agents.create(name="boss", tools=["ask_echo"], max_tokens=8, temperature=0)
    r = boss.execute("Tell me")
    assert r["tool_calls"] and r["tool_calls"][0]["name"] == "ask_echo"


def test_list_get_remove(engine) -> None:
    a = engine.agents.create(name="b1", type="basic")
    engine.agents.create({"name": "a1", "type": "basic", "description": "first"})
    infos = engine.agents.list()
    assert [i["name"] for i in infos] == ["a1", "b1"]
    assert infos[0]["description"] == "first"
    assert a.remove() is True
    assert a.remove() is False
    with pytest.raises(llmspell.NotFoundError):
        a.execute("hi")
    with pytest.raises(llmspell.NotFoundError):
        engine.agents.get("b1")
    assert engine.agents.remove("a1") is True
    assert engine.agents.list() == []


def test_spells_see_the_same_agents(engine) -> None:
    engine.agents.create(name="echo", type="basic")
    r = engine.run('return Agent.list()', "lua")
    assert any(i["name"] == "echo" for i in r.value)


def test_providers(engine) -> None:
    provs = engine.providers.list()
    local = [p for p in provs if p["name"] == "local"]
    assert local and isinstance(local[0]["capabilities"]["streaming"], bool)
    assert "local" in engine.providers.names()
    assert all("api_key" not in p for p in provs)


# --- errors ------------------------------------------------------------------


def test_bad_configs(engine) -> None:
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.agents.create(name="x", type="basic", temperature="hot")
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.agents.create(name="x", type="basic", colour="red")
    with pytest.raises(llmspell.NotFoundError):
        engine.agents.create(name="x", type="basic", tools=["no_such_tool"])
    with pytest.raises(llmspell.NotFoundError):
        engine.agents.create(name="x", model="nowhere/x")
    engine.agents.create(name="x", type="basic")
    with pytest.raises(llmspell.ConflictError):
        engine.agents.create(name="x", type="basic")
    with pytest.raises(TypeError):
        engine.agents.create("x")  # type: ignore[arg-type]
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.agents.create(name="x", type="basic", temperature=float("nan"))


def test_bad_input(engine) -> None:
    echo = engine.agents.create(name="echo", type="basic")
    with pytest.raises(llmspell.InvalidArgumentError):
        echo.execute("")
    with pytest.raises(llmspell.InvalidArgumentError):
        echo.execute({"text": ""})
    with pytest.raises(TypeError):
        echo.execute(42)  # type: ignore[arg-type]
    with pytest.raises(llmspell.InvalidArgumentError):
        llmspell.Agent(engine, "nul\0name").execute("hi")
    ghost = llmspell.Agent(engine, "ghost")
    for call in (lambda: ghost.execute("hi"), lambda: ghost.stream("hi"), ghost.info, ghost.history,
                 ghost.clear_history, ghost.save_state, ghost.load_state, ghost.wrap_as_tool):
        with pytest.raises(llmspell.NotFoundError):
            call()
    with pytest.raises(TypeError):
        echo.execute("hi", token="nope")  # type: ignore[arg-type]


def test_closed_engine(tmp_path) -> None:
    engine = llmspell.Engine(config(tmp_path))
    echo = engine.agents.create(name="echo", type="basic")
    st = echo.stream("still works")
    engine.close()
    for call in (lambda: echo.execute("hi"), lambda: echo.stream("hi"), echo.info, echo.history,
                 echo.remove, lambda: engine.agents.list(), lambda: engine.providers.list(),
                 lambda: engine.agents.create(type="basic")):
        with pytest.raises(llmspell.ClosedError):
            call()
    # A stream opened before the close goes on (it keeps the engine alive).
    assert st.text() == "still works"
    st.close()


# --- cancellation --------------------------------------------------------------


def test_stream_closed_early_cancels(model_engine) -> None:
    agent = model_engine.agents.create(name="long", max_tokens=400, temperature=0)
    t0 = time.monotonic()
    with agent.stream("Once") as st:
        assert next(st)
    assert st.closed
    # Breaking out of a for loop drops the stream, which frees (cancels) it.
    for _ in agent.stream("Once"):
        break
    gc.collect()
    assert time.monotonic() - t0 < 5
    # Memory: the stopped turns are not remembered.
    assert agent.history() == []


def test_stream_cancel_then_iteration_raises(model_engine) -> None:
    agent = model_engine.agents.create(name="long", max_tokens=400, temperature=0)
    with agent.stream("Once") as st:
        assert st.next(timeout=5)
        st.cancel()
        with pytest.raises(llmspell.CancelledError):
            for _ in st:
                pass
        assert st.result is None
        st.cancel()  # harmless once ended


def test_run_token_cancels_execute_from_another_thread(model_engine) -> None:
    agent = model_engine.agents.create(name="long", max_tokens=4000, temperature=0,
                                       tools=["uuid_generator"])
    with model_engine.run_token() as token:
        timer = threading.Timer(0.1, token.cancel)
        timer.start()
        t0 = time.monotonic()
        with pytest.raises(llmspell.CancelledError):
            agent.execute("Once upon a time", token)
        timer.join()
        assert time.monotonic() - t0 < 5
        # A cancelled token stops later turns at once, also streams.
        with pytest.raises(llmspell.CancelledError):
            agent.execute("hi", token=token)
        with agent.stream("hi", token=token) as st:
            with pytest.raises(llmspell.CancelledError):
                st.text()
    with pytest.raises(llmspell.ClosedError):
        agent.execute("hi", token=token)


def test_concurrent_executes(engine) -> None:
    echo = engine.agents.create(name="echo", type="basic", memory=4)
    errors: List[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(20):
                assert echo.execute(f"{i}-{j}")["text"] == f"{i}-{j}"
        except BaseException as e:  # noqa: B036
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


# --- leaks ---------------------------------------------------------------------


def test_no_thread_or_stream_leaks(model_engine) -> None:
    """Streams left unclosed are freed by the collector; no Python thread
    is left behind; the engine still closes."""
    before = threading.active_count()
    agent = model_engine.agents.create(name="s", max_tokens=8)
    for _ in range(5):
        st = agent.stream("Hi")
        del st
    gc.collect()
    for _ in range(3):
        with agent.stream("Hi") as st:
            st.text()
    assert threading.active_count() == before
