"""The engine's event bus: ``engine.events``.

An event is a dict ``{"id", "type", "data", "timestamp", "sequence",
"correlation_id", "source", "tags"}``; sequences grow monotonically per
engine. Types are dot-separated (``"agent.execution.started"``). Patterns:
``"*"`` (all), an exact type, ``"agent.*"`` (one or more segments after
``agent.``), ``"*.error"``, ``"a.*.b"``, ``"tool_*"`` (a string prefix).
Spells publish and subscribe through their ``Event`` global on the same bus,
and the engine publishes its own events there.

Each subscription has a bounded buffer (``buffer_size``, default 1024) and a
policy for when it is full: ``"drop_oldest"`` (the default), ``"drop_newest"``,
``"block"`` (the publisher waits up to ``block_timeout_ms``, default 100, then
the event is dropped) or ``"reject"`` (:meth:`Events.publish` raises
:class:`~llmspell.errors.LimitExceededError`; every other subscription still
got the event). Drops are counted in :meth:`Events.stats`.

Two kinds of subscription:

- **pull**: ``sub = engine.events.subscribe("app.*")``, then
  ``sub.next(timeout)`` or ``for event in sub:``. The wait happens in the
  library with the GIL released.
- **push**: ``engine.events.subscribe("app.*", callback=fn)``. ``fn(event)`` is
  called on the library's dispatcher thread (one per engine, calling the
  callbacks of all its subscriptions one at a time, in publish order per
  subscription), never on a thread of yours. ctypes takes the GIL for each
  call. A callback must not block for long: it holds up every callback of
  the engine. An exception raised by the callback is logged on the
  ``"llmspell.events"`` logger and delivery goes on.

Lifetimes. Every subscription must be closed (``close()``, or ``with``).
:meth:`Subscription.close` guarantees that no callback runs after it returns
(when called from inside the subscription's own callback it returns at once,
and that call is the last). A push subscription stays active while it is open
even if you drop every reference to it; closing the engine
(:meth:`llmspell.Engine.close`) closes every subscription made through it, and
the ones still open when the interpreter exits are closed by an ``atexit``
hook, before the interpreter could no longer take a callback.

How the callback crosses ctypes. All push subscriptions share one
module-level ``CFUNCTYPE`` trampoline, created at import and never freed, so
the C function pointer the library holds can never dangle, not even when
:meth:`Subscription.close` is called from inside the callback itself (freeing
a per-subscription ``CFUNCTYPE`` there would free the code that is running).
The ``user_data`` given to ``llmspell_event_subscribe_callback`` is the key
of the subscription in a table of open push subscriptions: the address of
one byte of C memory that the :class:`Subscription` owns (a real address,
never a small integer, which the library's Go side cannot hold). The library
never reads through it, so the binding passes ``user_data_free = NULL``:
there is nothing to free in C. :meth:`Subscription.close` removes the table
entry (and so drops its reference to your callback) after
``llmspell_subscription_free`` returns.
"""

from __future__ import annotations

import atexit
import json
import logging
import math
import sys
import threading
import time
from datetime import datetime, timezone
from ctypes import addressof, c_char, c_size_t, c_uint64, c_void_p, string_at
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Optional, Union

from . import _ffi
from .errors import ClosedError, InvalidArgumentError

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = ["Events", "Subscription", "EventCallback"]

#: A push subscription's callback: receives one event dict.
EventCallback = Callable[[Dict[str, Any]], Any]

_log = logging.getLogger("llmspell.events")

#: Longest single wait in the library, in ms. Longer waits are cut into
#: pieces so that the main thread still sees Ctrl-C (signal handlers run
#: between the pieces).
_WAIT_SLICE_MS = 250
_MAX_U32 = 2**32 - 1


def _invalid(message: str) -> InvalidArgumentError:
    text = f"invalid_argument: {message}"
    return InvalidArgumentError(text, details={"kind": "invalid_argument", "message": text})


def _cstr(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, not {type(value).__name__}")
    if "\0" in value:
        # The C ABI takes NUL-terminated strings: a NUL would cut it short.
        raise _invalid(f"{what} contains a NUL character")
    return value.encode("utf-8", "surrogatepass")


def _json(value: Any, what: str) -> bytes:
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError as e:  # NaN/Infinity, circular reference
        raise _invalid(f"{what} cannot be encoded as JSON: {e}") from e
    return text.encode("utf-8", "surrogatepass")


def _opt_int(opts: Dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{key} must be int or None, not {type(value).__name__}")
    opts[key] = value


# --- push delivery ---------------------------------------------------------

# Open push subscriptions by key (the user_data the library passes back).
# Entries hold the Subscription strongly: a push subscription stays active
# until it is closed.
_push_lock = threading.Lock()
_push: Dict[int, "Subscription"] = {}


def _dispatch(user_data: Optional[int], event_json: Optional[int], event_len: int) -> None:
    """The ``llmspell_event_fn`` of every push subscription.

    Runs on the library's dispatcher thread, with the GIL (ctypes takes it).
    Nothing may escape into C: every exception is caught and logged.
    """
    sub = None
    try:
        if sys.is_finalizing():
            return
        sub = _push.get(user_data or 0)  # a dict read is atomic under the GIL
        if sub is None:
            return
        fn = sub._callback
        if fn is None or event_json is None:
            return
        event = json.loads(string_at(event_json, event_len).decode("utf-8", "replace"))
        fn(event)
    except BaseException:  # noqa: B036 - a callback must never raise into C
        try:
            _log.exception("llmspell: event callback for pattern %r raised", getattr(sub, "pattern", "?"))
        except BaseException:  # logging itself failed (interpreter shutdown)
            pass


# One trampoline for every push subscription; never freed (see the module
# docstring).
_TRAMPOLINE = _ffi.EVENT_FN(_dispatch)
# A NULL llmspell_free_fn (ctypes does not take None for a function type).
_NO_FREE = _ffi.FREE_FN()


def _close_push_subscriptions() -> None:
    """Close the push subscriptions still open at interpreter exit, while
    Python can still take a callback."""
    with _push_lock:
        subs = list(_push.values())
    for sub in subs:
        try:
            sub.close()
        except Exception:  # pragma: no cover - best effort at exit
            pass


atexit.register(_close_push_subscriptions)


class Subscription:
    """One subscription to a pattern of the event bus (an ``llmspell_subscription``).

    Get one from :meth:`Events.subscribe`. A pull subscription is read with
    :meth:`next` or by iterating it; a push subscription calls its callback
    and cannot be read. The caller must :meth:`close` it (or use ``with``).

    Thread-safety: every method may be called from any thread. Concurrent
    :meth:`next` calls each get distinct events; :meth:`close` from another
    thread wakes a waiting :meth:`next`, which raises
    :class:`~llmspell.errors.ClosedError` (iteration just stops).
    """

    def __init__(self, _handle: Any, pattern: str, callback: Optional[EventCallback]) -> None:
        # Internal: use Events.subscribe().
        self._handle: Any = _handle
        self._lock = threading.Lock()
        self._pattern = pattern
        self._callback = callback
        # A push subscription's user_data: the address of a byte of C memory
        # owned by this object, used as its key in _push. A real C address,
        # not a small integer: the library keeps user_data in a Go
        # unsafe.Pointer, and the Go runtime aborts the process when it
        # finds a value such as 3 in a pointer slot ("invalid pointer found
        # on stack").
        self._anchor: Optional[c_char] = c_char() if callback is not None else None
        self._key = addressof(self._anchor) if self._anchor is not None else 0  # 0: pull
        # close() was called on a push subscription whose creation had not
        # returned yet (from its own first callback): subscribe() frees it.
        self._close_requested = False
        self._id: Optional[int] = None

    @property
    def pattern(self) -> str:
        """The pattern this subscription matches."""
        return self._pattern

    @property
    def id(self) -> int:
        """The subscription's id: the ``"id"`` of its entry in
        :meth:`Events.stats`.

        Wraps ``llmspell_subscription_id``.

        Raises:
            ClosedError: the subscription was closed.
        """
        if self._id is None:
            out = c_uint64()
            err = _ffi.ErrorP()
            _ffi.llmspell_subscription_id(self._live(), _ffi.byref(out), _ffi.byref(err))
            self._id = int(out.value)
        elif self._handle is None:
            raise ClosedError("closed: subscription is closed")
        return self._id

    @property
    def is_push(self) -> bool:
        """True for a push (callback) subscription."""
        return self._key != 0

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called (or the engine was closed)."""
        return self._handle is None

    def _live(self) -> Any:
        h = self._handle
        if h is None:
            raise ClosedError("closed: subscription is closed")
        return h

    def _next_ms(self, handle: Any, timeout_ms: int) -> Optional[Dict[str, Any]]:
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_subscription_next(handle, timeout_ms, _ffi.byref(out), _ffi.byref(n), _ffi.byref(err))
        finally:
            text = _ffi.take_string(out, n)
        if text is None:
            return None
        event: Dict[str, Any] = json.loads(text)
        return event

    def next(self, timeout: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """Take the next event, waiting up to ``timeout`` seconds.

        Wraps ``llmspell_subscription_next``. The GIL is released while it
        waits. Long waits are made of waits of at most 250 ms, so Ctrl-C
        still works on the main thread.

        Args:
            timeout: seconds to wait (a float); 0 does not wait; None waits
                until an event comes or the subscription is closed.

        Returns:
            The event dict, or None when none came in time.

        Raises:
            ClosedError: the subscription (or its engine) was closed, also
                while waiting.
            InvalidArgumentError: a push subscription (it cannot be read), or
                a negative timeout.
            TypeError: timeout is not a number.
        """
        handle = self._live()
        if timeout is None:
            while True:
                event = self._next_ms(handle, _WAIT_SLICE_MS)
                if event is not None:
                    return event
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool):
            raise TypeError(f"timeout must be a number of seconds or None, not {type(timeout).__name__}")
        if not timeout >= 0:  # also NaN
            raise _invalid(f"timeout must be >= 0 seconds, got {timeout}")
        if timeout == 0:
            return self._next_ms(handle, 0)
        if math.isinf(timeout):
            return self.next(None)
        deadline = time.monotonic() + timeout
        while True:
            left_ms = max(0, math.ceil((deadline - time.monotonic()) * 1000))
            event = self._next_ms(handle, min(left_ms, _WAIT_SLICE_MS))
            if event is not None or left_ms <= _WAIT_SLICE_MS:
                return event

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        return self

    def __next__(self) -> Dict[str, Any]:
        """Wait for the next event; iteration stops when the subscription is
        closed (from another thread, or by closing the engine)."""
        try:
            event = self.next()
        except ClosedError:
            raise StopIteration from None
        assert event is not None
        return event

    def close(self) -> None:
        """Unsubscribe and free the subscription. Idempotent.

        Wraps ``llmspell_subscription_free``. For a push subscription no
        callback runs after this returns: it waits for a callback in
        progress on the dispatcher thread (the GIL is released while it
        waits, so that callback can finish). Called from inside the
        subscription's own callback it returns at once and the call in
        progress is the last. Then the binding drops its reference to the
        callback.
        """
        with self._lock:
            h, self._handle = self._handle, None
            if h is None and self._key and not self._close_requested and self._callback is not None:
                self._close_requested = True  # still being created
        if h is not None:
            _ffi.llmspell_subscription_free(h)
        if self._key:
            with _push_lock:
                _push.pop(self._key, None)
            self._callback = None
            # The anchor stays until the object goes: a second subscription
            # must not reuse the address while this one may still be in the
            # library's hands (close() from inside the callback).

    def __enter__(self) -> "Subscription":
        self._live()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: module globals may be gone
            pass

    def __repr__(self) -> str:
        kind = "push" if self._key else "pull"
        state = "closed" if self.closed else "open"
        return f"<llmspell.Subscription {kind} {self._pattern!r} {state}>"


class Events:
    """The event bus of one :class:`~llmspell.Engine`; get it from ``engine.events``.

    It is the bus spells see through their ``Event`` global. The object
    keeps the engine object alive; every method raises
    :class:`~llmspell.errors.ClosedError` once the engine is closed.
    """

    __slots__ = ("_engine",)

    def __init__(self, engine: "Engine") -> None:
        # Internal: use Engine.events.
        self._engine = engine

    def __repr__(self) -> str:
        return f"<llmspell.Events of {self._engine!r}>"

    def publish(
        self,
        type: str,
        data: Any = None,
        correlation_id: Optional[str] = None,
        source: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
    ) -> Dict[str, Any]:
        """Publish an event to every matching subscription.

        Wraps ``llmspell_event_publish``. It never blocks, except on a
        ``"block"`` subscription that is full, for at most its
        ``block_timeout_ms``.

        Args:
            type: the event type, dot-separated, e.g. ``"app.step.done"``.
            data: any JSON-serializable value (None is JSON null).
            correlation_id: ties related events together.
            source: who published it; None for ``"host"``.
            tags: a list of str.

        Returns:
            The event as published, with its ``id``, ``sequence`` and
            ``timestamp``.

        Raises:
            LimitExceededError: a ``"reject"`` subscription was full (every
                other subscription still got the event).
            InvalidArgumentError: a bad type, or data that cannot be JSON.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        t = _cstr(type, "type")
        raw = None if data is None else _json(data, "data")
        opts: Dict[str, Any] = {}
        if correlation_id is not None:
            if not isinstance(correlation_id, str):
                raise TypeError(f"correlation_id must be str or None, not {correlation_id.__class__.__name__}")
            opts["correlation_id"] = correlation_id
        if source is not None:
            if not isinstance(source, str):
                raise TypeError(f"source must be str or None, not {source.__class__.__name__}")
            opts["source"] = source
        if tags is not None:
            if isinstance(tags, (str, bytes)) or not isinstance(tags, Iterable):
                raise TypeError(f"tags must be a list of str or None, not {tags.__class__.__name__}")
            tag_list = list(tags)
            for i, tag in enumerate(tag_list):
                if not isinstance(tag, str):
                    raise TypeError(f"tags[{i}] must be str, not {tag.__class__.__name__}")
            opts["tags"] = tag_list
        opts_raw = _json(opts, "options") if opts else None
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_event_publish(
                self._engine._live(),
                t,
                raw, len(raw) if raw is not None else 0,
                opts_raw, len(opts_raw) if opts_raw is not None else 0,
                _ffi.byref(out), _ffi.byref(n),
                _ffi.byref(err),
            )
        finally:
            text = _ffi.take_string(out, n)
        event: Dict[str, Any] = json.loads(text) if text is not None else {}
        return event

    def subscribe(
        self,
        pattern: str,
        callback: Optional[EventCallback] = None,
        *,
        buffer_size: Optional[int] = None,
        policy: Optional[str] = None,
        block_timeout_ms: Optional[int] = None,
    ) -> Subscription:
        """Subscribe to a pattern.

        Wraps ``llmspell_subscription_new`` (no callback: a pull
        subscription) or ``llmspell_event_subscribe_callback`` (with a
        callback: a push subscription; see the module docstring for the
        thread the callback runs on and what it must not do).

        Args:
            pattern: ``"*"``, an exact type, ``"agent.*"``, ``"*.error"``,
                ``"a.*.b"`` or a string prefix ``"tool_*"``.
            callback: for push delivery, called as ``callback(event)`` on the
                library's dispatcher thread.
            buffer_size: the subscription's buffer, in events; None for 1024.
            policy: ``"drop_oldest"`` (default), ``"drop_newest"``,
                ``"block"`` or ``"reject"``.
            block_timeout_ms: how long ``"block"`` makes a publisher wait;
                None for 100.

        Returns:
            A new :class:`Subscription`; the caller must close it.

        Raises:
            InvalidArgumentError: a bad pattern, buffer size or policy.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        p = _cstr(pattern, "pattern")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable or None, not {type(callback).__name__}")
        opts: Dict[str, Any] = {}
        _opt_int(opts, "buffer_size", buffer_size)
        if policy is not None:
            if not isinstance(policy, str):
                raise TypeError(f"policy must be str or None, not {type(policy).__name__}")
            opts["policy"] = policy
        _opt_int(opts, "block_timeout_ms", block_timeout_ms)
        raw = _json(opts, "options") if opts else None
        raw_len = len(raw) if raw is not None else 0
        engine = self._engine
        out = _ffi.SubscriptionP()
        err = _ffi.ErrorP()
        # Under the engine's lock, so that Engine.close() sees every
        # subscription made before it and none is made after it.
        with engine._lock:
            handle = engine._live()
            if callback is None:
                _ffi.llmspell_subscription_new(handle, p, raw, raw_len, _ffi.byref(out), _ffi.byref(err))
                sub = Subscription(out, pattern, None)
            else:
                sub = Subscription(None, pattern, callback)
                key = sub._key
                # Registered first: the first event may come before the
                # call returns.
                with _push_lock:
                    _push[key] = sub
                try:
                    _ffi.llmspell_event_subscribe_callback(
                        handle, p, raw, raw_len,
                        _TRAMPOLINE, c_void_p(key), _NO_FREE,  # user_data_free: nothing to free
                        _ffi.byref(out), _ffi.byref(err),
                    )
                except BaseException:
                    with _push_lock:
                        _push.pop(key, None)
                    raise
                with sub._lock:
                    early_close = sub._close_requested
                    if not early_close:
                        sub._handle = out
                if early_close:
                    _ffi.llmspell_subscription_free(out)
                    return sub
            engine._subscriptions.add(sub)
        return sub

    def stats(self) -> Dict[str, Any]:
        """Return the bus statistics.

        Wraps ``llmspell_event_stats``.

        Returns:
            ``{"published": n, "subscriptions": [{"id", "pattern", "policy",
            "handler", "queued", "capacity", "delivered", "dropped",
            "rejected"}, ...]}``. Subscriptions made by spells and by the
            engine itself are listed too.

        Raises:
            ClosedError: the engine was closed.
        """
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_event_stats(self._engine._live(), _ffi.byref(out), _ffi.byref(n), _ffi.byref(err))
        finally:
            text = _ffi.take_string(out, n)
        stats: Dict[str, Any] = json.loads(text or "{}")
        return stats

    def query(
        self,
        pattern: Optional[str] = None,
        correlation_id: Optional[str] = None,
        since: Union[str, datetime, None] = None,
        until: Union[str, datetime, None] = None,
        limit: Optional[int] = None,
    ) -> List[Dict[str, Any]]:
        """Return persisted events, oldest first.

        Wraps ``llmspell_event_query``. Persistence must be on in the
        engine's config (``{"events": {"persist": True}}``;
        ``events.persist_patterns`` picks which types are kept). Every event
        published before the call is included.

        Args:
            pattern: only the types matching this pattern.
            correlation_id: only this correlation (alone: its timeline).
            since: only the events at or after this time: an RFC 3339
                string or a ``datetime`` (a naive one is taken as UTC).
            until: only the events up to this time, likewise.
            limit: at most this many events.

        Returns:
            A list of event dicts.

        Raises:
            InvalidArgumentError: a bad query, or persistence is off.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        q: Dict[str, Any] = {}
        for key, value in (("pattern", pattern), ("correlation_id", correlation_id)):
            if value is not None:
                if not isinstance(value, str):
                    raise TypeError(f"{key} must be str or None, not {type(value).__name__}")
                q[key] = value
        for key, when in (("since", since), ("until", until)):
            if when is None:
                continue
            if isinstance(when, datetime):
                if when.tzinfo is None:
                    when = when.replace(tzinfo=timezone.utc)
                q[key] = when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
            elif isinstance(when, str):
                q[key] = when
            else:
                raise TypeError(f"{key} must be a str, a datetime or None, not {type(when).__name__}")
        _opt_int(q, "limit", limit)
        raw = _json(q, "query") if q else None
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_event_query(
                self._engine._live(),
                raw, len(raw) if raw is not None else 0,
                _ffi.byref(out), _ffi.byref(n),
                _ffi.byref(err),
            )
        finally:
            text = _ffi.take_string(out, n)
        events: List[Dict[str, Any]] = json.loads(text or "[]")
        return events
