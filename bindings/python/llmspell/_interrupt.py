"""Private: blocking calls that Ctrl-C can stop.

A long C call (``llmspell_agent_execute``, ``llmspell_workflow_execute``,
``llmspell_workflow_resume``, ``llmspell_engine_run``) releases the GIL, but
the thread making it runs no Python code until it returns, so the
KeyboardInterrupt of a SIGINT waits for the end of the call. Python runs
signal handlers on the main thread only; when the call is made there and a
Python-level SIGINT handler is installed (the default one raises
KeyboardInterrupt), :func:`blocking` makes the call on a helper thread,
with a run token of its own, and waits for it in slices. When the wait is
interrupted (KeyboardInterrupt, or any exception a signal handler raises)
it cancels its token, waits for the C call to return (the engine stops its
HTTP request, tool calls and script promptly) and re-raises.

One helper thread per call, joined before :func:`blocking` returns, so no
thread is left behind. The hand-off costs a thread start and join (about
0.1-0.2 ms on a loaded 2-vCPU VM), so calls made elsewhere (another
thread, no Python SIGINT handler) or with ``interruptible=False`` call the
library directly on the caller's thread.

A caller's :class:`~llmspell.RunToken` is never cancelled by an
interrupt: the call runs under the helper's own token, linked to the
caller's through :meth:`RunToken._link`, so cancelling the caller's token
(before or during the call) cancels the helper's as well.
"""

from __future__ import annotations

import _thread
import contextvars
import signal
import threading
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple, TypeVar

from . import _ffi
from .errors import LlmspellError

if TYPE_CHECKING:  # pragma: no cover
    from .engine import RunToken

T = TypeVar("T")

#: Longest single wait of the main thread for the helper, in seconds. A
#: SIGINT delivered to the main thread ends the wait at once; one delivered
#: to another thread of the process is seen at the end of the slice.
_SLICE_S = 0.1


def _ctrl_c_reaches_here() -> bool:
    """True when a SIGINT would run a Python handler on this thread."""
    return threading.current_thread() is threading.main_thread() and callable(signal.getsignal(signal.SIGINT))


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
    if not interruptible or not _ctrl_c_reaches_here():
        return c_call(run)
    own = _ffi.RunP()
    err = _ffi.ErrorP()
    _ffi.llmspell_run_new(engine, _ffi.byref(own), _ffi.byref(err))
    try:
        if token is not None:
            token._link(own)
        try:
            return _on_helper(c_call, own)
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


def _on_helper(c_call: Callable[[Any], T], own: Any) -> T:
    """Run ``c_call(own)`` on a new thread; wait for it in slices."""
    box: List[Tuple[bool, Any]] = []  # [(ok, result or exception)] once the call returned
    done = _thread.allocate_lock()
    done.acquire()
    ctx = contextvars.copy_context()  # Python tools and hooks see the caller's context

    def target() -> None:
        try:
            box.append((True, ctx.run(c_call, own)))
        except BaseException as e:
            box.append((False, e))
        finally:
            done.release()

    t = threading.Thread(target=target, name="llmspell-call", daemon=True)
    try:
        t.start()
    except Exception:
        raise  # no thread was made (RuntimeError: can't start new thread)
    except BaseException:
        # Interrupted while start() waited for the new thread to begin.
        _cancel(own)
        _finish(t, done, box)
        raise
    try:
        # Not t.join(timeout): in 3.11 an interrupted join can mark a
        # running thread as stopped (bpo-45274), and the wait below must
        # know when the call has really returned.
        while not done.acquire(timeout=_SLICE_S):
            pass
    except BaseException:
        _cancel(own)
        _finish(t, done, box)
        raise
    _finish(t, done, box)
    ok, value = box.pop()
    if ok:
        result: T = value
        return result
    try:
        raise value
    finally:
        value = None  # no cycle through the traceback


def _finish(t: threading.Thread, done: Any, box: List[Tuple[bool, Any]]) -> None:
    """Wait until the call has returned and the helper has ended; a further
    interrupt meanwhile is dropped (the first one is being raised)."""
    while True:
        try:
            while not box:
                done.acquire(timeout=_SLICE_S)
            t.join()
            return
        except BaseException:
            continue
