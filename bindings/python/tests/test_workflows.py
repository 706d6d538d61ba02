"""Tests of Engine.workflows: the shared vectors in tests/vectors/workflow.json,
and idiomatic tests of JSON-defined workflows: data passed between steps
into a file in the sandbox, parallel agents on the local test model,
conditions, loops, a Python closure as a function step, human input,
error strategies, cancellation through a RunToken and bad definitions.

The model folder comes from LLMSPELL_MODELS_DIR, else <repo>/../shared/models.
Without it the tests that need the model skip (and fail when CI=true).
"""

import hashlib
import json
import os
import threading
import time
from typing import Any, Dict, List

import pytest

import llmspell
from support import check_error, config, need_models, vector_cases

CASES = vector_cases("workflow")


def echo_tool(params: Dict[str, Any]) -> Dict[str, Any]:
    """The vectors' host closure: returns its parameters, fails on fail: true."""
    if params.get("fail") is True:
        raise RuntimeError("asked to fail")
    return params


LONG_LOOP = {
    "name": "long", "type": "loop",
    "iterator": {"while_condition": "true", "max_iterations": 100000},
    "aggregate": "none", "body": [{"name": "u", "tool": "uuid_generator"}],
}


# --- shared vectors ----------------------------------------------------------


def matches(want: Any, got: Any) -> bool:
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and matches(v, got[k]) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(matches(w, g) for w, g in zip(want, got))
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got
    return bool(want == got)


class Runner:
    """Runs the steps of one vector case through the public API."""

    def __init__(self, engine: llmspell.Engine) -> None:
        self.engine = engine

    def step(self, s: Dict[str, Any]) -> Any:
        call = s["call"]
        wfs = self.engine.workflows
        if call == "create":
            return wfs.create(s["definition"]).name
        if call == "list":
            return wfs.list()
        if call == "resume":
            return wfs.resume(s["run_id"], s.get("input"))
        if call == "record":
            return wfs.run_record(s["run_id"])
        if call == "invoke_tool":
            return self.engine.tools.invoke(s["tool"], s["params"])
        if call == "register_tool":
            self.engine.tools.register(s["tool"], echo_tool)
            return None
        if call == "agent_create":
            return self.engine.agents.create(s["config"]).name
        wf = llmspell.Workflow(self.engine, s["workflow"])  # no existence check: the call reports it
        if call == "execute":
            opts = s.get("options", {})
            kwargs = dict(run_id=opts.get("run_id"), timeout_ms=opts.get("timeout_ms"))
            if "cancel_after_ms" not in s:
                return wf.execute(s.get("input"), **kwargs)
            with self.engine.run_token() as token:
                timer = threading.Timer(s["cancel_after_ms"] / 1000, token.cancel)
                timer.start()
                try:
                    return wf.execute(s.get("input"), token=token, **kwargs)
                finally:
                    timer.join()
        if call == "info":
            return wf.info()
        if call == "remove":
            return wf.remove()
        if call == "wrap":
            return wf.wrap_as_tool(**s.get("options", {}))
        raise AssertionError(f"unknown call {call!r} in the vectors")


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
            if "expect" in s:
                assert matches(s["expect"], got), f"{where}: got {got!r}, want {s['expect']!r}"
            if "expect_len" in s:
                assert isinstance(got, list) and len(got) == s["expect_len"], f"{where}: {got}"
            if "expect_names" in s:
                assert set(s["expect_names"]) <= {x.get("name") for x in got}, f"{where}: {got}"
            if "expect_steps" in s:
                assert len(got["steps"]) == s["expect_steps"], f"{where}: {got['steps']}"
            for name, want in s.get("expect_step", {}).items():
                found = next((x for x in got["steps"] if x["name"] == name), None)
                assert found is not None and matches(want, found), f"{where}: step {name}: {found}"
            if "expect_result" in s:
                assert matches(s["expect_result"], got["result"]), f"{where}: {got}"
            for check in s.get("expect_checks", []):
                assert check == "output_strings_nonempty", f"unknown check {check!r}"
                out = got["output"]
                assert isinstance(out, dict) and out, f"{where}: {out!r}"
                assert all(isinstance(v, str) and v for v in out.values()), f"{where}: {out!r}"


def test_vectors_cover_every_call() -> None:
    calls = {s["call"] for c in CASES for s in c["steps"]}
    assert calls == {
        "create", "execute", "resume", "record", "list", "info", "remove", "wrap",
        "invoke_tool", "register_tool", "agent_create",
    }


# --- idiomatic ------------------------------------------------------------------


def test_sequential_steps_pass_data_into_a_file(engine, tmp_path) -> None:
    sandbox = str(tmp_path / "data" / "sandbox")
    wf = engine.workflows.create({
        "name": "chain",
        "type": "sequential",
        "steps": [
            {"name": "dir", "tool": "file_operations",
             "input": {"operation": "create_dir", "path": sandbox, "recursive": True}},
            {"name": "id", "tool": "uuid_generator", "input": {}},
            {"name": "digest", "tool": "hash_calculator",
             "input": {"input": "{{steps.id.output.uuid}}", "algorithm": "sha256"}},
            {"name": "save", "tool": "file_operations",
             "input": {"operation": "write", "path": sandbox + "/chain.txt",
                       "input": "{{steps.id.output.uuid}} {{steps.digest.output.hash}}"}},
            {"name": "back", "tool": "file_operations",
             "input": {"operation": "read", "path": sandbox + "/chain.txt"}},
        ],
    })
    assert isinstance(wf, llmspell.Workflow) and wf.name == "chain"
    r = wf.execute()
    assert r["success"] and r["status"] == "completed", r
    assert [s["name"] for s in r["steps"]] == ["dir", "id", "digest", "save", "back"]
    uuid = r["steps"][1]["output"]["uuid"]
    digest = r["steps"][2]["output"]["hash"]
    assert digest == hashlib.sha256(uuid.encode()).hexdigest()
    assert r["output"]["content"] == f"{uuid} {digest}"
    with open(os.path.join(sandbox, "chain.txt"), encoding="utf-8") as f:
        assert f.read() == f"{uuid} {digest}"
    rec = engine.workflows.run_record(r["run_id"])
    assert rec["status"] == "completed" and rec["workflow"] == "chain" and len(rec["steps"]) == 5


def test_parallel_agents_on_the_local_model(engine) -> None:
    need_models()
    engine.agents.create(name="wf_teller", max_tokens=8, temperature=0)
    trio = engine.workflows.create({
        "name": "trio", "type": "parallel", "max_concurrency": 3,
        "branches": [
            {"name": n, "steps": [{"name": "t" + n, "type": "agent", "agent": "wf_teller", "input": text}]}
            for n, text in (("a", "Once upon a time"), ("b", "The dog"), ("c", "A bird"))
        ],
    })
    r = trio.execute()
    assert r["success"], r
    assert sorted(r["output"]) == ["a", "b", "c"]
    assert all(isinstance(v, str) and v for v in r["output"].values())


def test_conditional_on_a_previous_output(engine) -> None:
    engine.workflows.create({
        "name": "route", "type": "conditional",
        "branches": [
            {"name": "big", "condition": "input.n > 40",
             "steps": [{"name": "yes", "tool": "calculator", "input": {"input": "{{input.n}} * 2"}}]},
            {"name": "small", "steps": [{"name": "no", "tool": "calculator", "input": {"input": "0"}}]},
        ],
    })
    calc = engine.workflows.create(json.dumps({  # the JSON text works too
        "name": "calc_route",
        "steps": [
            {"name": "calc", "tool": "calculator", "input": {"input": "{{input.expr}}"}},
            {"name": "decide", "type": "workflow", "workflow": "route",
             "input": {"n": "{{steps.calc.output.result}}"}},
            {"name": "only_if_big", "tool": "calculator", "input": {"input": "1+1"},
             "when": "steps.calc.output.result > 100"},
        ],
        "output": "{{steps.decide.output.result}}",
    }))
    r = calc.execute({"expr": "6*7"})
    assert r["output"] == 84 and r["steps"][-1]["skipped"] is True
    assert calc.execute({"expr": "1+1"})["output"] == 0
    assert calc.execute({"expr": "60*2"})["steps"][-1].get("skipped") is not True


def test_loop_over_a_list_with_aggregation(engine) -> None:
    each = engine.workflows.create({
        "name": "each", "type": "loop", "iterator": {"collection": "{{input}}"}, "aggregate": "collect",
        "body": [{"name": "len", "tool": "calculator", "input": {"input": "{{loop.item}} * 10 + {{loop.index}}"}}],
    })
    r = each.execute([1, 2, 3])
    assert [x["result"] for x in r["output"]] == [10, 21, 32]
    last = engine.workflows.create({
        "name": "last2", "type": "loop", "iterator": {"collection": ["a", "bb", "ccc"]},
        "aggregate": "last_n", "aggregate_n": 2,
        "body": [{"name": "h", "tool": "hash_calculator", "input": {"input": "{{loop.item}}", "algorithm": "md5"}}],
    })
    out = last.execute()["output"]
    assert [x["hash"] for x in out] == [hashlib.md5(s.encode()).hexdigest() for s in ("bb", "ccc")]


def test_python_closure_as_a_function_step(engine) -> None:
    seen: List[Dict[str, Any]] = []

    def shout(params: Dict[str, Any]) -> Dict[str, Any]:
        seen.append(params)
        return {"text": params["text"].upper(), "n": params["n"] + 1}

    with engine.tools.register("shout", shout, description="upper-cases text"):
        wf = engine.workflows.create({
            "name": "shouting",
            "steps": [
                {"name": "calc", "tool": "calculator", "input": {"input": "6*7"}},
                {"name": "loud", "type": "function", "function": "shout",
                 "input": {"text": "{{input.text}}", "n": "{{steps.calc.output.result}}"}},
            ],
        })
        r = wf.execute({"text": "hello"})
        assert r["success"] and r["output"] == {"text": "HELLO", "n": 43}
        assert seen == [{"text": "hello", "n": 42}]
        assert r["steps"][1]["type"] == "function"
        # A closure that raises fails its step, and the error strategy applies.
        engine.tools.register("explode", lambda p: 1 / 0)
        bad = engine.workflows.create({
            "name": "exploding", "error_strategy": "continue",
            "steps": [{"name": "boom", "type": "function", "function": "explode"},
                      {"name": "after", "type": "function", "function": "shout",
                       "input": {"text": "still", "n": 0}}],
        })
        r = bad.execute()
        assert r["success"] and r["steps"][0]["success"] is False and "division" in r["steps"][0]["error"]
        assert r["output"] == {"text": "STILL", "n": 1}
    # Once the closure is unregistered, its workflow's step fails.
    r = wf.execute({"text": "x"})
    assert r["success"] is False and r["status"] == "failed"


def test_input_step_paused_then_resumed(engine) -> None:
    ask = engine.workflows.create({
        "name": "ask",
        "steps": [
            {"name": "q", "type": "input", "prompt": "an expression?"},
            {"name": "calc", "tool": "calculator", "input": {"input": "{{steps.q.output}}"}},
        ],
    })
    paused = ask.execute(run_id="ask-1")
    assert paused["status"] == "waiting_input" and paused["pending_step"] == "q"
    assert paused["prompt"] == "an expression?" and paused["run_id"] == "ask-1"
    assert engine.workflows.run_record("ask-1")["status"] == "waiting_input"
    done = engine.workflows.resume("ask-1", "2+3")
    assert done["success"] and done["output"]["result"] == 5
    with pytest.raises(llmspell.ConflictError):
        engine.workflows.resume("ask-1", "1+1")


def test_failing_step_under_each_strategy(engine) -> None:
    def failing(strategy: str) -> Dict[str, Any]:
        return engine.workflows.create({
            "name": "fail_" + strategy, "error_strategy": strategy,
            "retry": {"max_attempts": 3, "backoff_ms": 1},
            "steps": [{"name": "bad", "tool": "calculator", "input": {"input": "1/0"}},
                      {"name": "after", "tool": "calculator", "input": {"input": "2+2"}}],
        }).execute()

    ff, cont, retry = failing("fail_fast"), failing("continue"), failing("retry")
    assert not ff["success"] and ff["status"] == "failed" and len(ff["steps"]) == 1
    assert ff["steps"][0]["error"]
    assert engine.workflows.run_record(ff["run_id"])["status"] == "failed"
    assert cont["success"] and len(cont["steps"]) == 2 and cont["output"]["result"] == 4
    assert not retry["success"] and retry["steps"][0]["attempts"] == 3


def test_cancel_from_another_thread(engine) -> None:
    wf = engine.workflows.create(LONG_LOOP)
    with engine.run_token() as token:
        timer = threading.Timer(0.1, token.cancel)
        timer.start()
        t0 = time.monotonic()
        with pytest.raises(llmspell.CancelledError) as info:
            wf.execute(run_id="long-1", token=token)
        timer.join()
        assert time.monotonic() - t0 < 5
        assert info.value.code == "cancelled"
        # A cancelled token stops a resume at once too.
        with pytest.raises(llmspell.CancelledError):
            engine.workflows.resume("long-1", token=token)
    assert engine.workflows.run_record("long-1")["status"] == "cancelled"
    with pytest.raises(llmspell.ClosedError):
        wf.execute(token=token)
    with pytest.raises(llmspell.LlmspellTimeoutError):
        wf.execute(timeout_ms=100)


def test_bad_definitions_and_input(engine) -> None:
    wfs = engine.workflows
    with pytest.raises(llmspell.NotFoundError):
        wfs.create({"name": "x", "steps": [{"name": "s", "tool": "nope"}]})
    with pytest.raises(llmspell.InvalidArgumentError):
        wfs.create({"name": "x", "steps": [
            {"name": "s", "tool": "hash_calculator", "input": {"input": "{{steps.later.output}}"}},
            {"name": "later", "tool": "uuid_generator"}]})
    with pytest.raises(llmspell.InvalidArgumentError):
        wfs.create({"name": "x", "type": "loop", "iterator": {"while_condition": "true"},
                    "body": [{"name": "s", "tool": "uuid_generator"}]})
    with pytest.raises(llmspell.InvalidArgumentError):
        wfs.create('{"name":')
    with pytest.raises(llmspell.InvalidArgumentError):
        wfs.create({"name": "x", "steps": [{"name": "s", "tool": "uuid_generator", "colour": 1}]})
    wfs.create({"name": "ok", "steps": [{"name": "s", "tool": "uuid_generator"}]})
    with pytest.raises(llmspell.ConflictError):
        wfs.create({"name": "ok", "steps": [{"name": "s", "tool": "uuid_generator"}]})
    with pytest.raises(llmspell.NotFoundError):
        wfs.resume("no-such-run")
    with pytest.raises(llmspell.NotFoundError):
        wfs.run_record("no-such-run")
    with pytest.raises(llmspell.InvalidArgumentError):
        wfs.run_record("../../etc")
    with pytest.raises(llmspell.NotFoundError):
        wfs.get("ghost")
    with pytest.raises(llmspell.NotFoundError):
        llmspell.Workflow(engine, "ghost").execute()
    ok = wfs.get("ok")
    with pytest.raises(llmspell.InvalidArgumentError):
        ok.execute(float("nan"))
    with pytest.raises(llmspell.InvalidArgumentError):
        ok.execute(timeout_ms=-1)
    with pytest.raises(TypeError):
        wfs.create(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ok.execute(timeout_ms="soon")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ok.execute(token="nope")  # type: ignore[arg-type]
    ok.execute(run_id="r-1")
    with pytest.raises(llmspell.ConflictError):
        ok.execute(run_id="r-1")


def test_registry_info_wrap_and_remove(engine) -> None:
    wf = engine.workflows.create({"name": "doubler", "description": "doubles n",
                                  "steps": [{"name": "d", "tool": "calculator",
                                             "input": {"input": "{{input.n}} * 2"}}]})
    info = wf.info()
    assert info["name"] == "doubler" and info["type"] == "sequential" and info["description"] == "doubles n"
    assert info["definition"]["steps"][0]["tool"] == "calculator"
    assert engine.workflows.get("doubler") == wf and "doubler" in engine.workflows
    assert [i["name"] for i in engine.workflows.list()] == ["doubler"]
    assert wf.wrap_as_tool() == "workflow_doubler"
    assert wf.wrap_as_tool(tool_name="double_it", description="doubles") == "double_it"
    with pytest.raises(llmspell.ConflictError):
        wf.wrap_as_tool(tool_name="double_it")
    env = engine.tools.invoke("double_it", {"input": {"n": 21}})
    assert env["success"] and env["result"]["output"]["result"] == 42
    # Spells see the same registry.
    assert engine.run('return Workflow.list()[1].name', "lua").value == "doubler"
    assert wf.remove() is True and wf.remove() is False
    with pytest.raises(llmspell.NotFoundError):
        wf.info()


def test_closed_engine(tmp_path) -> None:
    engine = llmspell.Engine(config(tmp_path))
    wf = engine.workflows.create({"name": "w", "steps": [{"name": "s", "tool": "uuid_generator"}]})
    engine.close()
    for call in (wf.execute, wf.info, wf.remove, wf.wrap_as_tool, engine.workflows.list,
                 lambda: engine.workflows.resume("x"), lambda: engine.workflows.run_record("x"),
                 lambda: engine.workflows.create({"name": "v", "steps": []})):
        with pytest.raises(llmspell.ClosedError):
            call()


def test_concurrent_runs_and_no_thread_leaks(engine) -> None:
    before = threading.active_count()
    calls: List[int] = []
    engine.tools.register("count", lambda p: calls.append(1) or {"n": len(calls)})
    wf = engine.workflows.create({"name": "w", "steps": [
        {"name": "c", "tool": "calculator", "input": {"input": "{{input}} * 2"}},
        {"name": "f", "type": "function", "function": "count"}]})
    errors: List[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(10):
                r = wf.execute(i * 100 + j)
                assert r["success"] and r["steps"][0]["output"]["result"] == 2 * (i * 100 + j)
        except BaseException as e:  # noqa: B036
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(calls) == 40
    assert threading.active_count() == before
