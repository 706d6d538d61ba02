"""Private: blocking calls that Ctrl-C can stop.

A long C call (``llmspell_agent_execute``, ``llmspell_workflow_execute``,
``llmspell_workflow_resume``, ``llmspell_engine_run``) releases the GIL, but
the thread making it runs no Python code until it returns, so the
KeyboardInterrupt of a SIGINT waits for the end of the call. Python runs
signal handlers on the main thread only. :func:`blocking` makes such a call
under a run token of its own, which a Ctrl-C cancels; the engine then stops
its HTTP request, tool calls and script promptly, and KeyboardInterrupt is
raised once the call has returned.

# Watched calls (the usual case)

When the call is made on the main thread, SIGINT has Python's default
handler (``signal.default_int_handler``) and no other signal wakeup fd is
installed, the call is made directly on the main thread. For its duration
:func:`blocking` installs

- the write end of a pipe as the signal wakeup fd
  (``signal.set_wakeup_fd``): the C-level signal handler writes the number
  of every signal there, from whichever thread it runs on, while the main
  thread is inside the C call;
- a SIGINT handler that only notes the signal, so no KeyboardInterrupt is
  raised inside the binding's own code or a Python tool or hook running on
  the main thread.

One daemon thread, ``llmspell-sigint``, started by the first such call and
kept for the life of the process, reads the pipe and cancels the token of
the call in progress when it sees a SIGINT (or at once if the SIGINT came
before the call began). When the call returns, the previous wakeup fd and
the default handler are restored, and KeyboardInterrupt is raised if a
SIGINT came during the call, whatever the call returned. This costs a new
run token and four system calls, no thread switch: 6-9 µs per call on a
loaded 2-vCPU VM. Python handlers of other signals run once the call has
returned, as with any C call.

After a call that saw a SIGINT, the pipe is drained before the next call
installs the wakeup fd, so every byte the watcher reads during a call
belongs to that call. Reads of the pipe and the token of the call in
progress are guarded by one lock.

# Helper thread (the fallback)

When another SIGINT handler is installed (it may not raise, or raise
something else) or another wakeup fd is (asyncio's), the call is made on a
second long-lived daemon thread, ``llmspell-call``, and the main thread
waits for it in slices of 100 ms; when the wait is interrupted
(KeyboardInterrupt, or any exception a signal handler raises) it cancels
the call's token, waits for the call to return and re-raises. Python tools
and hooks reached by such a call run on that thread, in a copy of the
caller's contextvars context. A hand-off costs two thread switches (about
0.1 ms on a loaded 2-vCPU VM). A call made while the helper is busy (from
a signal handler) gets a thread of its own, joined before it returns.

# Direct calls

Calls made elsewhere (another thread, no Python SIGINT handler), nested in
a watched call (from a tool running on the main thread), or with
``interruptible=False`` call the library directly on the caller's thread.

A caller's :class:`~llmspell.RunToken` is never cancelled by an
interrupt: the call runs under its own token, linked to the caller's
through :meth:`RunToken._link`, so cancelling the caller's token (before or
during the call) cancels the call's as well.
"""

from __future__ import annotations

import _thread
import contextvars
import os
import select
import signal
import threading
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple, TypeVar

from . import _ffi
from .errors import LlmspellError

try:  # CPython: signal's wrappers add 2-3 µs per call (a failed enum lookup)
    import _signal
except ImportError:  # pragma: no cover
    _signal = signal  # type: ignore[no-redef]

if TYPE_CHECKING:  # pragma: no cover
    from .engine import RunToken

T = TypeVar("T")

#: Longest single wait of the main thread for the helper, in seconds. A
#: SIGINT delivered to the main thread ends the wait at once; one delivered
#: to another thread of the process is seen at the end of the slice.
_SLICE_S = 0.1


_MAIN = threading.main_thread()


def blocking(
    engine: Any,
    token: "Optional[RunToken]",
    run: Any,
    interruptible: bool,
    c_call: Callable[[Any], T],
) -> T:
    """Make the blocking C call ``c_call(run_handle)`` so that Ctrl-C stops it.

    Args:
        engine: the live engine handle (for ``llmspell_run_new``).
        token: the caller's :class:`~llmspell.RunToken`, or None.
        run: its live handle (``token._live()``), or None.
        interruptible: False always calls ``c_call`` directly.
        c_call: makes the C call with the run token handle it is given
            (NULL for none) and returns its result; it may raise.

    Returns:
        What ``c_call`` returned.

    Raises:
        What ``c_call`` raised; KeyboardInterrupt (or what a signal handler
        raised) once the cancelled call has returned.
    """
    if not interruptible or threading.current_thread() is not _MAIN:
        return c_call(run)
    handler = _signal.getsignal(signal.SIGINT)
    w = _watcher
    if not callable(handler) or (w is not None and w.busy):
        # No Python handler, or nested in a watched call (from a tool on
        # the main thread), which a Ctrl-C cancels as a whole.
        return c_call(run)
    if handler is signal.default_int_handler:
        if w is None:
            w = _start_watcher()  # RuntimeError when no thread can be made
        result = w.call(engine, token, run, c_call)
        if result is not _TAKEN:
            return result  # type: ignore[no-any-return]
    return _own_token(engine, token, lambda own: _on_helper(c_call, own))


def _own_token(engine: Any, token: "Optional[RunToken]", call: Callable[[Any], T]) -> T:
    """Run ``call(own)`` under a new run token ``own`` linked to ``token``."""
    own = _ffi.RunP()
    _ffi.llmspell_run_new(engine, _ffi.byref(own), _ffi.byref(_ffi.ErrorP()))
    try:
        if token is not None:
            token._link(own)
        try:
            return call(own)
        finally:
            if token is not None:
                token._unlink(own)
    finally:
        _ffi.llmspell_run_free(own)


def _cancel(run: Any) -> None:
    try:
        _ffi.llmspell_run_cancel(run, _ffi.byref(_ffi.ErrorP()))
    except LlmspellError:  # pragma: no cover - our own live token
        pass


#: Returned by :meth:`_Watcher.call` when another wakeup fd is installed.
_TAKEN = object()


class _Watcher:
    """The wakeup-fd pipe and the ``llmspell-sigint`` thread that reads it.

    ``busy``, ``noted`` and ``dirty`` are used by the main thread only;
    ``active`` (the run token handle of the call in progress), ``pending``
    (a SIGINT came since the call installed the wakeup fd) and every read of
    the pipe are guarded by ``lock``.
    """

    def __init__(self) -> None:
        self.r, self.w = os.pipe()
        os.set_blocking(self.r, False)
        os.set_blocking(self.w, False)  # set_wakeup_fd needs a non-blocking fd
        self.lock = threading.Lock()
        self.active: Any = None
        self.pending = False
        self.busy = False
        self.noted = False
        self.dirty = False  # the pipe may hold a byte of an earlier call's SIGINT
        self.thread = threading.Thread(target=self._serve, name="llmspell-sigint", daemon=True)
        self.thread.start()

    def _note(self, signum: int, frame: Any) -> None:
        """The SIGINT handler during a watched call."""
        self.noted = True

    def _drain(self) -> bool:
        """Read the pipe empty (with ``lock`` held); True if it held a SIGINT."""
        got = False
        while True:
            try:
                data = os.read(self.r, 512)
            except (BlockingIOError, InterruptedError):
                return got
            got = got or signal.SIGINT in data
            if len(data) < 512:
                return got

    def _serve(self) -> None:
        poller = select.poll()
        poller.register(self.r, select.POLLIN)
        while True:
            poller.poll()
            with self.lock:
                if self._drain():
                    self.pending = True
                    if self.active is not None:
                        _cancel(self.active)

    def call(self, engine: Any, token: "Optional[RunToken]", run: Any, c_call: Callable[[Any], T]) -> Any:
        """Make the watched call; :data:`_TAKEN` when another wakeup fd is
        installed (nothing was called)."""
        if self.dirty:
            with self.lock:
                self._drain()  # an earlier call's SIGINT
                self.pending = False
        self.noted = False
        self.dirty = self.busy = True
        try:
            _signal.signal(signal.SIGINT, self._note)
            try:
                prev = signal.set_wakeup_fd(self.w, warn_on_full_buffer=False)
                if prev != -1:
                    signal.set_wakeup_fd(prev, warn_on_full_buffer=False)  # asyncio's
                    return _TAKEN
                try:
                    return _own_token(engine, token, self._run(c_call))
                finally:
                    signal.set_wakeup_fd(-1)
            finally:
                # Runs a SIGINT handler still pending (ours) first.
                _signal.signal(signal.SIGINT, signal.default_int_handler)
                if self.noted:
                    raise KeyboardInterrupt from None  # whatever the call returned
                self.dirty = self.pending
        finally:
            self.busy = False

    def _run(self, c_call: Callable[[Any], T]) -> Callable[[Any], T]:
        def run(own: Any) -> T:
            with self.lock:
                self.active = own
                if self.pending:
                    _cancel(own)
            try:
                return c_call(own)
            finally:
                with self.lock:
                    self.active = None
        return run


_watcher: Optional[_Watcher] = None


def _start_watcher() -> _Watcher:
    global _watcher
    w = _watcher = _Watcher()
    return w


class _Job:
    """One call handed to a helper thread: ``done`` is released once ``box``
    holds ``(ok, result or exception)``."""

    __slots__ = ("ctx", "c_call", "own", "box", "done")

    def __init__(self, c_call: Callable[[Any], Any], own: Any) -> None:
        self.ctx = contextvars.copy_context()  # Python tools and hooks see the caller's context
        self.c_call = c_call
        self.own = own
        self.box: List[Tuple[bool, Any]] = []
        self.done = _thread.allocate_lock()
        self.done.acquire()

    def run(self) -> None:
        try:
            self.box.append((True, self.ctx.run(self.c_call, self.own)))
        except BaseException as e:
            self.box.append((False, e))
        finally:
            self.ctx = self.c_call = self.own = None
            self.done.release()


class _Worker:
    """The long-lived helper thread: a daemon ``llmspell-call`` thread,
    started by the first interruptible call and kept for the life of the
    process. Only the main thread hands it calls, one at a time (``busy``)."""

    def __init__(self) -> None:
        self.busy = False
        self.job: Optional[_Job] = None
        self.go = _thread.allocate_lock()  # locked while no job is pending
        self.go.acquire()
        self.thread = threading.Thread(target=self._serve, name="llmspell-call", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        go = self.go
        while True:
            go.acquire()
            job, self.job = self.job, None
            if job is not None:
                job.run()
            job = None


_worker: Optional[_Worker] = None


def _forget_threads() -> None:
    global _worker, _watcher
    _worker = _watcher = None  # a forked child has neither thread


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_threads)


def _on_helper(c_call: Callable[[Any], T], own: Any) -> T:
    """Run ``c_call(own)`` on the helper thread; wait for it in slices."""
    global _worker
    job = _Job(c_call, own)
    w = _worker
    if w is None:
        w = _worker = _Worker()  # RuntimeError when no thread can be made
    if w.busy:
        # Nested (from a signal handler during a call): a thread of its own.
        t = threading.Thread(target=job.run, name="llmspell-call-nested", daemon=True)
        t.start()
    else:
        w.busy = True
        w.job = job
        w.go.release()
        t = None
    try:
        try:
            while not job.done.acquire(timeout=_SLICE_S):
                pass
        except BaseException:
            _cancel(own)
            _finish(job)
            raise
    finally:
        if t is None:
            w.busy = False
        else:
            t.join()
    ok, value = job.box.pop()
    if ok:
        result: T = value
        return result
    try:
        raise value
    finally:
        value = None  # no cycle through the traceback


def _finish(job: _Job) -> None:
    """Wait until the call has returned; a further interrupt meanwhile is
    dropped (the first one is being raised)."""
    while True:
        try:
            while not job.box:
                job.done.acquire(timeout=_SLICE_S)
            return
        except BaseException:
            continue
