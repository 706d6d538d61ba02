"""Tests of Ctrl-C during long blocking calls: a SIGINT sent to the process
while Workflow.execute, Workflows.resume, Engine.run (Lua and JS busy
loops) or Agent.execute (waiting on a loopback model server that never
answers) runs raises KeyboardInterrupt within about 2 s,
cancels the run (a workflow's record says "cancelled"), leaves no thread
behind but the binding's two long-lived daemon threads (``llmspell-sigint``,
the watcher, and ``llmspell-call``, the fallback helper), restores the
SIGINT handler and the signal wakeup fd, and leaves the engine working; a
caller's RunToken still cancels (before and during the call) and is never
cancelled by an interrupt; the call is made on the main thread unless
another SIGINT handler or wakeup fd is installed, and ``interruptible=False``
and calls from other threads are made directly on the caller's thread.

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
from typing import Any, Callable, Dict, Iterator, List, Set

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


#: The binding's long-lived daemon threads, each started by the first call
#: that needs it (see llmspell/_interrupt.py).
DAEMONS = ("llmspell-sigint", "llmspell-call")


def assert_nothing_left(before: Set[threading.Thread], wakeup_fd: int = -1) -> None:
    """No thread but the binding's daemons has been started since ``before``
    (``set(threading.enumerate())``), each at most once; the SIGINT handler
    is the default one and the signal wakeup fd is ``wakeup_fd``."""
    extra = [t for t in threading.enumerate() if t not in before]
    assert all(t.name in DAEMONS and t.daemon for t in extra), [t.name for t in extra]
    names = [t.name for t in threading.enumerate()]
    assert all(names.count(n) <= 1 for n in DAEMONS), names
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.set_wakeup_fd(wakeup_fd, warn_on_full_buffer=False) == wakeup_fd


def interrupted(call: Callable[[], Any], delay: float = DELAY, wakeup_fd: int = -1) -> float:
    """Run ``call`` with a SIGINT sent to the process ``delay`` seconds in;
    assert that it raises KeyboardInterrupt and that no thread is left over.
    Returns the seconds from the SIGINT to the KeyboardInterrupt."""
    before = set(threading.enumerate())
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
    assert_nothing_left(before, wakeup_fd)
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


def where_tool(engine: llmspell.Engine, seen: List[str]) -> llmspell.Workflow:
    """A one-step workflow whose Python tool notes the thread it runs on."""

    def where(params: Dict[str, Any]) -> Dict[str, Any]:
        seen.append(threading.current_thread().name)
        return {}

    engine.tools.register("where", where)
    return engine.workflows.create({"name": "w", "type": "sequential",
                                    "steps": [{"name": "s", "type": "function", "function": "where"}]})


def test_the_call_stays_on_the_callers_thread(engine) -> None:
    seen: List[str] = []
    wf = where_tool(engine, seen)
    before = set(threading.enumerate())
    assert wf.execute()["success"]
    assert wf.execute(interruptible=False)["success"]
    t = threading.Thread(target=wf.execute, name="caller")
    t.start()
    t.join()
    main = threading.main_thread().name
    assert seen == [main, main, "caller"]
    # A call from a tool running on the main thread, within a watched call,
    # is made directly.
    got: List[Any] = []
    engine.tools.register("nested", lambda p: got.append(engine.run("return 2").value) or {})
    engine.run('Tool.invoke("nested", {})')
    assert got == [2]
    assert_nothing_left(before)


def test_ctrl_c_delivered_to_another_thread(engine) -> None:
    """The C-level handler runs on the thread the signal is sent to and
    writes to the wakeup fd from there; the watcher cancels the call."""
    timer = threading.Timer(DELAY, lambda: signal.pthread_kill(threading.get_ident(), signal.SIGINT))
    before = set(threading.enumerate())
    t0 = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            engine.run("while true do end", timeout_ms=20000)
    finally:
        timer.join()
    assert DELAY * 0.9 <= time.monotonic() - t0 < DELAY + LIMIT
    assert_nothing_left(before)
    still_works(engine)


def test_helper_thread_for_another_sigint_handler(engine) -> None:
    seen: List[str] = []
    wf = where_tool(engine, seen)
    before = set(threading.enumerate())

    class Stop(Exception):
        pass

    def handler(signum: int, frame: Any) -> None:
        raise Stop

    signal.signal(signal.SIGINT, handler)
    try:
        assert wf.execute()["success"]
        assert wf.execute(interruptible=False)["success"]
        timer = threading.Timer(DELAY, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        t0 = time.monotonic()
        try:
            with pytest.raises(Stop):  # what the handler raised
                engine.run("while true do end", timeout_ms=20000)
        finally:
            timer.join()
        assert time.monotonic() - t0 < DELAY + LIMIT
        assert signal.getsignal(signal.SIGINT) is handler
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    assert seen == ["llmspell-call", threading.main_thread().name]
    still_works(engine)
    assert_nothing_left(before)


def test_helper_thread_for_another_wakeup_fd(engine) -> None:
    """With a wakeup fd of its own installed (as asyncio's event loop does),
    the call goes to the helper thread, and the fd gets the SIGINT."""
    seen: List[str] = []
    wf = where_tool(engine, seen)
    r, w = socket.socketpair()
    r.setblocking(False)
    w.setblocking(False)
    before = set(threading.enumerate())
    assert signal.set_wakeup_fd(w.fileno(), warn_on_full_buffer=False) == -1
    try:
        assert wf.execute()["success"]
        interrupted(lambda: engine.run("while true do end", timeout_ms=20000), wakeup_fd=w.fileno())
    finally:
        assert signal.set_wakeup_fd(-1) == w.fileno()
    try:
        assert r.recv(16) == bytes([signal.SIGINT])
    finally:
        r.close()
        w.close()
    assert seen == ["llmspell-call"]
    still_works(engine)
    assert_nothing_left(before)


def test_ctrl_c_in_a_python_tool_on_the_main_thread(engine) -> None:
    """A SIGINT while a Python tool runs on the main thread (called back from
    a Lua spell) does not raise inside the tool: the run is cancelled and
    KeyboardInterrupt is raised once it has returned."""
    calls: List[str] = []

    def kill_me(params: Dict[str, Any]) -> Dict[str, Any]:
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)  # the watcher cancels the run meanwhile
        calls.append("done")
        return {}

    engine.tools.register("kill_me", kill_me)
    before = set(threading.enumerate())
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        engine.run('while true do Tool.invoke("kill_me", {}) end', timeout_ms=20000)
    assert time.monotonic() - t0 < LIMIT
    assert calls[:2] == [threading.main_thread().name, "done"]
    assert len(calls) <= 4, calls
    assert_nothing_left(before)
    still_works(engine)


def test_errors_and_results_come_back(engine) -> None:
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
