"""Hooks written in Python: ``engine.hooks``.

A hook is a function called at a named point of the engine
(``BeforeStateWrite``, ``AfterToolExecution``, ``SessionStart``,
``custom:<name>``, ...; the ``"state:before_write"`` spellings are accepted
too), whoever reaches it: this process through the binding, or a Lua or JS
spell. Hooks of every language share one registry and run in priority order,
lower first.

The function receives the hook context as a dict ``{"point", "component":
{"type", "name"}, "data", "metadata", "correlation_id"}`` and returns:

- ``None`` or ``"continue"``: go on unchanged;
- ``{"type": "modified", "data": ...}``: go on with this data instead;
- ``{"type": "cancel", "reason": "..."}``: the operation fails with
  :class:`~llmspell.errors.CancelledError`;
- ``{"type": "replace", "data": ...}``: the data is the result and the
  operation is skipped (for a state write: nothing is written);
- ``{"type": "retry", "delay_ms", "max_attempts"}``, ``{"type": "skipped"}``,
  ``{"type": "redirect", "target"}``, ``{"type": "cache", "key", "ttl_s"}``;
- any other string ``s``: the same as ``{"type": s}``.

An exception raised by the function is logged on the ``"llmspell.hooks"``
logger and reported to the library as a failed call, which counts toward
the hook's circuit breaker; the operation goes on as if the hook had not
run. A return value that is not one of the above, or that the library
rejects, is logged and counts the same way.
Each hook runs under the library's circuit breaker (3 failures in 30 s, or
2 calls over 50 ms, switch it off for 15 s): keep hooks fast.

Threads. A hook runs synchronously on the thread that hit the point: a
thread of yours that called, say, ``engine.state.set`` (the library is
entered with the GIL released, and ctypes takes it back for the hook), or a
thread of the library running a spell. Several threads may run one hook at
the same time, so it must be thread-safe. It may call back into the engine
(it must not wait on a thread that is itself waiting for the hook point).

Lifetimes. A hook stays registered until :meth:`Hook.unregister` (or the
``with`` block ends, or the engine is closed), even if you drop every
reference to the :class:`Hook`. After :meth:`Hook.unregister` returns, no
call of the hook starts, and calls in progress on other threads have ended
(called from inside the hook itself it returns at once, and the call in
progress is the last). :meth:`llmspell.Engine.close` unregisters every hook
registered through it.

How the function crosses ctypes: as for push subscriptions (see
:mod:`llmspell.events`), every hook shares one module-level ``CFUNCTYPE``
trampoline, never freed. The ``user_data`` given to
``llmspell_hook_register`` is the key of the hook in a table of registered
hooks: the address of one byte of C memory owned by the :class:`Hook`,
never a small integer. The library never reads through it, so
``user_data_free`` is NULL; the table entry (and with it the reference to
your function) is removed after ``llmspell_hook_unregister`` returns.
"""

from __future__ import annotations

import atexit
import json
import logging
import sys
import threading
import weakref
from ctypes import addressof, c_char, c_size_t, c_uint64, c_void_p, string_at
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Union

from . import _ffi
from .errors import ClosedError, InvalidArgumentError, NotFoundError

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = ["Hooks", "Hook", "HookFunction", "PRIORITIES"]

#: A hook function: receives the context dict, returns None, a string or a
#: result dict.
HookFunction = Callable[[Dict[str, Any]], Any]

#: The named priorities (lower runs first).
PRIORITIES: Dict[str, int] = {"highest": -100, "high": -50, "normal": 0, "low": 50, "lowest": 100}

_INT32 = (-(2**31), 2**31 - 1)

_log = logging.getLogger("llmspell.hooks")


def _invalid(message: str) -> InvalidArgumentError:
    text = f"invalid_argument: {message}"
    return InvalidArgumentError(text, details={"kind": "invalid_argument", "message": text})


def _cstr(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, not {type(value).__name__}")
    if "\0" in value:
        raise _invalid(f"{what} contains a NUL character")
    return value.encode("utf-8", "surrogatepass")


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8", "surrogatepass"
    )


def _priority(priority: Union[int, str]) -> int:
    if isinstance(priority, str):
        p = PRIORITIES.get(priority.lower())
        if p is None:
            raise _invalid(f"priority {priority!r} is not one of {', '.join(PRIORITIES)} or an int")
        return p
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise TypeError(f"priority must be an int or a str, not {type(priority).__name__}")
    if not _INT32[0] <= priority <= _INT32[1]:
        raise _invalid(f"priority {priority} does not fit in 32 bits")
    return priority


def _answer(result: Any) -> Optional[bytes]:
    """The JSON answer for a hook function's return value; None: no answer."""
    if result is None:
        return None
    if isinstance(result, str):
        if result == "continue":
            return None
        return _dumps({"type": result})
    if isinstance(result, dict):
        return _dumps(result)
    raise TypeError(f"a hook must return None, a str or a dict, not {type(result).__name__}")


# Registered hooks by key (the user_data the library passes back). Entries
# hold the Hook strongly: a hook stays registered until unregistered.
_table_lock = threading.Lock()
_table: Dict[int, "Hook"] = {}


def _dispatch(user_data: Optional[int], context_json: Optional[int], context_len: int, reply: Optional[int]) -> None:
    """The ``llmspell_hook_fn`` of every hook.

    Runs on the thread that hit the hook point, with the GIL (ctypes takes
    it). Nothing may escape into C: every exception is caught and logged.
    """
    hook = None
    try:
        if sys.is_finalizing():
            return
        hook = _table.get(user_data or 0)  # a dict read is atomic under the GIL
        if hook is None:
            return
        fn = hook._fn
        if fn is None or context_json is None or not reply:
            return
        ctx = json.loads(string_at(context_json, context_len).decode("utf-8", "replace"))
        raw = _answer(fn(ctx))
        if raw is None:
            return
        st = _ffi.llmspell_hook_reply_set(reply, raw, len(raw))
        if st != 0:
            _log.warning(
                "llmspell: hook %s at %s: the library rejected its answer %s (%s)",
                hook._label(), hook.point, raw[:200].decode("utf-8", "replace"), _ffi.status_name(st),
            )
    except BaseException as exc:  # noqa: B036 - a hook must never raise into C
        try:
            if reply:
                # the library counts the failure toward the hook's breaker
                msg = f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")[:4096]
                _ffi.llmspell_hook_reply_fail(reply, msg, len(msg))
            _log.exception("llmspell: hook %s raised", hook._label() if hook is not None else "?")
        except BaseException:  # logging itself failed (interpreter shutdown)
            pass


# One trampoline for every hook; never freed.
_TRAMPOLINE = _ffi.HOOK_FN(_dispatch)
# A NULL llmspell_free_fn.
_NO_FREE = _ffi.FREE_FN()


def _unregister_all() -> None:
    """Unregister the hooks still registered at interpreter exit, while
    Python can still take a call from another thread."""
    with _table_lock:
        left = list(_table.values())
    for x in left:
        try:
            x.unregister()
        except Exception:  # pragma: no cover - best effort at exit
            pass


atexit.register(_unregister_all)


class Hook:
    """One hook registered through :meth:`Hooks.register`.

    :meth:`unregister` (or leaving a ``with`` block) removes it. Every
    method may be called from any thread.
    """

    def __init__(self, engine: "Engine", point: str, fn: HookFunction, priority: int, name: Optional[str]) -> None:
        # Internal: use Hooks.register().
        self._engine_ref = weakref.ref(engine)
        self._point = point
        self._fn: Optional[HookFunction] = fn
        self._priority = priority
        self._name = name
        self._id = 0
        self._registered = False
        self._lock = threading.Lock()
        # The user_data: the address of a byte of C memory this object owns
        # (never a small integer, which the library's Go side cannot hold).
        # It stays until the object goes, so no later hook reuses the
        # address while this one may be in the library's hands.
        self._anchor = c_char()
        self._key = addressof(self._anchor)

    @property
    def id(self) -> int:
        """The hook id the library gave (the ``"id"`` of :meth:`Hooks.list`)."""
        return self._id

    @property
    def point(self) -> str:
        """The point name as given to :meth:`Hooks.register`."""
        return self._point

    @property
    def priority(self) -> int:
        """The numeric priority (lower runs first)."""
        return self._priority

    @property
    def name(self) -> Optional[str]:
        """The name given to :meth:`Hooks.register`, if any."""
        return self._name

    @property
    def registered(self) -> bool:
        """True until :meth:`unregister` (or the engine's close)."""
        return self._registered

    def _label(self) -> str:
        return repr(self._name) if self._name else f"#{self._id}"

    def _detach(self, handle: Any) -> None:
        """Unregister through ``handle`` (the engine's, also while it is
        being closed), then drop the table entry."""
        with self._lock:
            if not self._registered:
                return
            self._registered = False
        try:
            if handle is not None:
                err = _ffi.ErrorP()
                try:
                    _ffi.llmspell_hook_unregister(handle, self._id, _ffi.byref(err))
                except (NotFoundError, ClosedError):
                    pass  # already gone with its engine
        finally:
            with _table_lock:
                _table.pop(self._key, None)
            self._fn = None

    def unregister(self) -> None:
        """Remove the hook. Idempotent.

        Wraps ``llmspell_hook_unregister``. No call of the hook starts after
        this returns, and calls in progress on other threads have ended (the
        GIL is released while it waits for them). Called from inside the
        hook itself it returns at once and the call in progress is the last.
        A hook of a closed engine is already unregistered.
        """
        engine = self._engine_ref()
        handle = engine._handle if engine is not None else None
        if handle is None:
            return  # a closed engine: Engine.close() unregisters its hooks
        self._detach(handle)

    def __enter__(self) -> "Hook":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.unregister()

    def __repr__(self) -> str:
        state = "registered" if self._registered else "unregistered"
        return f"<llmspell.Hook {self._label()} at {self._point!r} priority {self._priority} {state}>"


class Hooks:
    """The hook registry of one :class:`~llmspell.Engine`; get it from ``engine.hooks``.

    It is the registry spells use through their ``Hook`` global. Every
    method raises :class:`~llmspell.errors.ClosedError` once the engine is
    closed.
    """

    __slots__ = ("_engine",)

    def __init__(self, engine: "Engine") -> None:
        # Internal: use Engine.hooks.
        self._engine = engine

    def __repr__(self) -> str:
        return f"<llmspell.Hooks of {self._engine!r}>"

    def register(
        self,
        point: str,
        fn: HookFunction,
        priority: Union[int, str] = 0,
        name: Optional[str] = None,
        component: Optional[str] = None,
    ) -> Hook:
        """Register ``fn`` as a hook at ``point``.

        Wraps ``llmspell_hook_register``. See the module docstring for what
        ``fn`` receives and returns, and the thread it runs on.

        Args:
            point: a point name, e.g. ``"BeforeStateWrite"``,
                ``"state:before_write"`` or ``"custom:my_point"``.
            fn: called as ``fn(context)`` at every hit of the point.
            priority: an int (lower runs first) or ``"highest"`` (-100),
                ``"high"`` (-50), ``"normal"`` (0), ``"low"`` (50),
                ``"lowest"`` (100).
            name: a name shown by :meth:`list`.
            component: limit the hook to one component type, e.g.
                ``"state"``.

        Returns:
            The :class:`Hook`; it stays registered until unregistered.

        Raises:
            InvalidArgumentError: an unknown point or priority name.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        p = _cstr(point, "point")
        if not callable(fn):
            raise TypeError(f"fn must be callable, not {type(fn).__name__}")
        prio = _priority(priority)
        opts: Dict[str, Any] = {"language": "python"}
        if name is not None:
            _cstr(name, "name")
            opts["name"] = name
        if component is not None:
            _cstr(component, "component")
            opts["component"] = component
        raw = _dumps(opts)
        engine = self._engine
        hook = Hook(engine, point, fn, prio, name)
        id_out = c_uint64()
        err = _ffi.ErrorP()
        # Under the engine's lock, so that Engine.close() sees every hook
        # registered before it and none is registered after it.
        with engine._lock:
            handle = engine._live()
            with _table_lock:  # first: a call may come before register returns
                _table[hook._key] = hook
            try:
                _ffi.llmspell_hook_register(
                    handle, p, prio, raw, len(raw) if raw is not None else 0,
                    _TRAMPOLINE, c_void_p(hook._key), _NO_FREE,  # user_data_free: nothing to free
                    _ffi.byref(id_out), _ffi.byref(err),
                )
            except BaseException:
                with _table_lock:
                    _table.pop(hook._key, None)
                raise
            hook._id = int(id_out.value)
            hook._registered = True
            engine._hooks.add(hook)
        return hook

    def list(self, point: Optional[str] = None) -> List[Dict[str, Any]]:
        """Describe the registered hooks, of every language.

        Wraps ``llmspell_hook_list``.

        Args:
            point: only the hooks of this point; None for all.

        Returns:
            A list of ``{"id", "name", "point", "priority", "language",
            "breaker", "calls", "failures", "slow", "skipped"}``, in
            execution order per point.

        Raises:
            InvalidArgumentError: an unknown point.
            ClosedError: the engine was closed.
        """
        p = _cstr(point, "point") if point is not None else None
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_hook_list(self._engine._live(), p, _ffi.byref(out), _ffi.byref(n), _ffi.byref(err))
        finally:
            text = _ffi.take_string(out, n)
        hooks: List[Dict[str, Any]] = json.loads(text or "[]")
        return hooks

    def metrics(self) -> Dict[str, Any]:
        """Return the built-in hook metrics.

        Wraps ``llmspell_hook_metrics``. Metrics must be on in the engine's
        config (``{"hooks": {"metrics": True}}``).

        Returns:
            ``{"counts": {point: n}, "latency": {point: {"count", "mean_ms",
            "errors", "buckets": [{"le_ms", "count"}]}}}``: the calls of each
            point the metrics hook watches (state writes, sessions, system,
            model and tool calls), and the latency of the operations run
            through hooks (tool and model calls) under their before point;
            the last bucket's ``le_ms`` is ``"inf"``.

        Raises:
            InvalidArgumentError: metrics are off.
            ClosedError: the engine was closed.
        """
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_hook_metrics(self._engine._live(), _ffi.byref(out), _ffi.byref(n), _ffi.byref(err))
        finally:
            text = _ffi.take_string(out, n)
        metrics: Dict[str, Any] = json.loads(text or "{}")
        return metrics

    def records(self, correlation_id: Optional[str] = None, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """Return the stored records of hook calls, oldest first.

        Wraps ``llmspell_hook_records``. Recording must be on in the
        engine's config (``{"hooks": {"record": True}}``); every hook call
        is recorded, the built-in hooks' too.

        Args:
            correlation_id: only the calls of this correlation.
            limit: at most this many records (0 or None: all).

        Returns:
            A list of ``{"hook_id", "hook", "point", "component": {"type",
            "name"}, "input", "result", "error", "duration_us",
            "correlation_id", "at"}``; ``result`` is the answer's type
            (``"continue"``, ``"modified"``, ...), ``error`` the failure's
            message or None, ``at`` an RFC 3339 time.

        Raises:
            InvalidArgumentError: a negative limit, or recording is off.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        q: Dict[str, Any] = {}
        if correlation_id is not None:
            if not isinstance(correlation_id, str):
                raise TypeError(f"correlation_id must be str or None, not {type(correlation_id).__name__}")
            q["correlation_id"] = correlation_id
        if limit is not None:
            if not isinstance(limit, int) or isinstance(limit, bool):
                raise TypeError(f"limit must be int or None, not {type(limit).__name__}")
            q["limit"] = limit
        raw = _dumps(q) if q else None
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_hook_records(
                self._engine._live(),
                raw, len(raw) if raw is not None else 0,
                _ffi.byref(out), _ffi.byref(n),
                _ffi.byref(err),
            )
        finally:
            text = _ffi.take_string(out, n)
        records: List[Dict[str, Any]] = json.loads(text or "[]")
        return records

