"""Tests of Ctrl-C during long blocking calls: a SIGINT sent to the process
while Workflow.execute, Workflows.resume, Engine.run (Lua and JS busy
loops) or Agent.execute (waiting on a loopback model server that never
answers) runs raises KeyboardInterrupt within about 2 s,
cancels the run (a workflow's record says "cancelled"), leaves no thread
behind, and leaves the engine working; a caller's RunToken still cancels
(before and during the call) and is never cancelled by an interrupt;
``interruptible=False`` and calls from other threads use no helper thread.

pytest keeps Python's default SIGINT handler, so the SIGINT raises
KeyboardInterrupt on the main thread as in a plain script. Each long call
has a safety bound (a timeout or an iteration limit) so a broken interrupt
fails the test instead of hanging it.
"""

import os
import signal
import socket
import threading
import time
from typing import Any, Callable, Dict, Iterator, List

import pytest

import llmspell

LONG_LOOP = {
    "name": "long", "type": "loop",
    "iterator": {"while_condition": "true", "max_iterations": 100000},
    "aggregate": "none", "body": [{"name": "u", "tool": "uuid_generator"}],
}

#: Seconds from the start of a call to the SIGINT.
DELAY = 0.3
#: Seconds within which KeyboardInterrupt must follow the SIGINT.
LIMIT = 2.0


@pytest.fixture(autouse=True)
def default_sigint() -> Iterator[None]:
    """These tests need Python's default SIGINT handler (raise KeyboardInterrupt)."""
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert threading.current_thread() is threading.main_thread()
    yield


def interrupted(call: Callable[[], Any], delay: float = DELAY) -> float:
    """Run ``call`` with a SIGINT sent to the process ``delay`` seconds in;
    assert that it raises KeyboardInterrupt and that no thread is left over.
    Returns the seconds from the SIGINT to the KeyboardInterrupt."""
    before = threading.active_count()
    timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
    t0 = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            call()
        elapsed = time.monotonic() - t0
    finally:
        timer.cancel()
        timer.join()
    assert threading.active_count() == before, [t.name for t in threading.enumerate()]
    assert elapsed >= delay * 0.9, "the call ended before the SIGINT"
    assert elapsed - delay < LIMIT, f"KeyboardInterrupt {elapsed - delay:.2f} s after the SIGINT"
    return elapsed - delay


def still_works(engine: llmspell.Engine) -> None:
    assert engine.run("return 1 + 1").value == 2
    assert engine.tools.invoke("calculator", {"input": "6*7"})["result"]["result"] == 42


# --- workflows ----------------------------------------------------------------


def test_ctrl_c_stops_workflow_execute_and_resume(engine) -> None:
    wf = engine.workflows.create(LONG_LOOP)
    interrupted(lambda: wf.execute(run_id="int-1"))
    rec = engine.workflows.run_record("int-1")
    assert rec["status"] == "cancelled"
    # resume goes on from the checkpoint, and stops the same way.
    interrupted(lambda: engine.workflows.resume("int-1"))
    assert engine.workflows.run_record("int-1")["status"] == "cancelled"
    still_works(engine)
    short = engine.workflows.create({"name": "short", "type": "sequential",
                                     "steps": [{"name": "u", "tool": "uuid_generator"}]})
    assert short.execute()["success"]


def test_ctrl_c_leaves_callers_token_alone(engine) -> None:
    wf = engine.workflows.create(LONG_LOOP)
    with engine.run_token() as token:
        interrupted(lambda: wf.execute(run_id="int-2", token=token))
        assert engine.workflows.run_record("int-2")["status"] == "cancelled"
        # The interrupt cancelled the call's own token, not the caller's.
        assert engine.run("return 'ok'", token=token).value == "ok"


# --- scripts ------------------------------------------------------------------


@pytest.mark.parametrize("lang,source", [
    ("lua", "while true do end"),
    ("js", "for (;;) {}"),
])
def test_ctrl_c_stops_engine_run(engine, lang: str, source: str) -> None:
    interrupted(lambda: engine.run(source, lang, timeout_ms=20000))
    still_works(engine)


def test_ctrl_c_stops_run_file(engine, tmp_path) -> None:
    p = tmp_path / "spin.lua"
    p.write_text("local n = 0\nwhile true do n = n + 1 end\n")
    interrupted(lambda: engine.run_file(p, timeout_ms=20000))
    still_works(engine)


# --- agents -------------------------------------------------------------------


class StallServer:
    """A loopback HTTP server that reads requests and never answers; ``gone``
    is set once the client has closed its connection."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.got = threading.Event()
        self.gone = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="stall-server")
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            while conn.recv(65536):
                self.got.set()
        self.gone.set()
        self.stop.wait(10)  # outlive the test's thread counts

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(5)


def test_ctrl_c_stops_agent_execute(engine) -> None:
    srv = StallServer()
    try:
        agent = engine.agents.create(name="stalled", model="ollama/llama3", base_url=srv.url,
                                     resource_limits={"timeout_ms": 20000})
        interrupted(lambda: agent.execute("Once upon a time"))
        assert srv.got.is_set()
        # The engine cancelled the HTTP request: the connection is closed.
        assert srv.gone.wait(5)
    finally:
        srv.close()
    echo = engine.agents.create({"name": "echo", "type": "basic"})
    assert echo.execute("ping")["text"] == "ping"
    still_works(engine)


# --- the caller's token -------------------------------------------------------


def test_callers_token_cancels_interruptible_calls(engine) -> None:
    wf = engine.workflows.create(LONG_LOOP)
    with engine.run_token() as token:
        timer = threading.Timer(DELAY, token.cancel)
        timer.start()
        t0 = time.monotonic()
        try:
            with pytest.raises(llmspell.CancelledError):
                wf.execute(run_id="tok-1", token=token)
        finally:
            timer.join()
        assert time.monotonic() - t0 < DELAY + LIMIT
        assert engine.workflows.run_record("tok-1")["status"] == "cancelled"
        # Cancelled before the call: every later call stops at once.
        with pytest.raises(llmspell.CancelledError):
            engine.workflows.resume("tok-1", token=token)
        with pytest.raises(llmspell.CancelledError):
            engine.run("while true do end", token=token, timeout_ms=20000)
        assert not token._links
    with pytest.raises(llmspell.ClosedError):
        wf.execute(token=token)


def test_callers_token_cancels_script(engine) -> None:
    with engine.run_token() as token:
        timer = threading.Timer(DELAY, token.cancel)
        timer.start()
        try:
            with pytest.raises(llmspell.CancelledError):
                engine.run("while true do end", token=token, timeout_ms=20000)
        finally:
            timer.join()


# --- which thread runs the call -------------------------------------------------


def test_helper_thread_only_when_ctrl_c_can_reach(engine) -> None:
    seen: List[str] = []

    def where(params: Dict[str, Any]) -> Dict[str, Any]:
        seen.append(threading.current_thread().name)
        return {}

    engine.tools.register("where", where)
    wf = engine.workflows.create({"name": "w", "type": "sequential",
                                  "steps": [{"name": "s", "type": "function", "function": "where"}]})
    before = threading.active_count()
    assert wf.execute()["success"]
    assert wf.execute(interruptible=False)["success"]
    t = threading.Thread(target=wf.execute, name="caller")
    t.start()
    t.join()
    assert seen == ["llmspell-call", threading.main_thread().name, "caller"]
    assert threading.active_count() == before


def test_errors_and_results_come_back_from_the_helper(engine) -> None:
    with pytest.raises(llmspell.ScriptError) as info:
        engine.run("print('before'); error('boom')")
    assert info.value.output.strip() == "before"
    r = engine.run("print('x'); return {a = 1}")
    assert r.value == {"a": 1} and r.output.strip() == "x"
    with pytest.raises(llmspell.NotFoundError):
        engine.workflows.resume("no-such-run")
    with pytest.raises(llmspell.LlmspellTimeoutError):
        engine.run("while true do end", timeout_ms=50)
    echo = engine.agents.create({"name": "echo", "type": "basic"})
    assert echo.execute("hi")["text"] == "hi"
    assert echo.execute("hi", interruptible=False)["text"] == "hi"
