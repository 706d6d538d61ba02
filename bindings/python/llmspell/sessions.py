"""Sessions: ``engine.sessions``, over the Sessions part of the C ABI.

A session groups work and holds artifacts (see :mod:`llmspell.artifacts`).
A session record is a dict with ``id``, ``name``, ``description``, ``tags``,
``parent`` (an id or None), ``status``, ``created_at``, ``updated_at`` (RFC
3339 strings), ``metadata``, ``artifact_count``, ``artifact_bytes`` and, for a
failed session, ``fail_reason``.

Statuses move: active -> suspended, completed, failed; suspended -> active,
completed, failed; completed -> archived; failed -> archived. Any other move
raises :class:`~llmspell.errors.ConflictError`.

Every method is short and runs on the calling thread (ctypes releases the GIL
during the call). Wrong argument types raise :class:`TypeError` before any
native call; what makes a value valid beyond its type is left to the library
(:class:`~llmspell.errors.InvalidArgumentError`), so every binding agrees.
"""

from __future__ import annotations

import datetime as _dt
import json
from ctypes import c_size_t
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Union

from . import _ffi
from .errors import InvalidArgumentError

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = ["Sessions", "TimeArg"]

#: A time bound: a :class:`datetime.datetime` (naive means local time) or an
#: RFC 3339 string, passed as is.
TimeArg = Union[_dt.datetime, str]

_MAX_U64 = 2**64 - 1
_MAX_I64 = 2**63 - 1


def _invalid(message: str) -> InvalidArgumentError:
    text = f"invalid_argument: {message}"
    return InvalidArgumentError(text, details={"kind": "invalid_argument", "message": text})


def _json(value: Any, what: str) -> bytes:
    """Encode a value as compact UTF-8 JSON for the library."""
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError as e:  # NaN/Infinity, circular reference
        raise _invalid(f"{what} cannot be encoded as JSON: {e}") from e
    # surrogatepass keeps lone surrogates as (invalid) UTF-8 bytes so that
    # the library rejects them like any other invalid UTF-8.
    return text.encode("utf-8", "surrogatepass")


def _cstr(value: Any, what: str, optional: bool = False) -> Optional[bytes]:
    """Check a NUL-terminated string argument (an id, a status, a path)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        allowed = "str or None" if optional else "str"
        raise TypeError(f"{what} must be {allowed}, not {type(value).__name__}")
    if "\0" in value:
        # The C ABI takes NUL-terminated strings: a NUL would cut it short.
        raise _invalid(f"{what} contains a NUL character")
    return value.encode("utf-8", "surrogatepass")


def _opt_str(fields: Dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise TypeError(f"{key} must be str or None, not {type(value).__name__}")
    fields[key] = value


def _opt_tags(fields: Dict[str, Any], value: Any, key: str = "tags") -> None:
    if value is None:
        return
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{key} must be a list of str or None, not {type(value).__name__}")
    tags = list(value)
    for i, t in enumerate(tags):
        if not isinstance(t, str):
            raise TypeError(f"{key}[{i}] must be str, not {type(t).__name__}")
    fields[key] = tags


def _opt_mapping(fields: Dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise TypeError(f"{key} must be a dict or None, not {type(value).__name__}")
    fields[key] = dict(value)


def _opt_count(fields: Dict[str, Any], key: str, value: Any, zero_means_none: bool = False) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{key} must be int, not {type(value).__name__}")
    if value < 0 or value > _MAX_I64:
        raise _invalid(f"{key} must be from 0 to {_MAX_I64}, got {value}")
    if value == 0 and zero_means_none:
        return
    fields[key] = value


def _rfc3339(value: Any, what: str) -> str:
    """Format a time bound for the library (RFC 3339, UTC)."""
    if isinstance(value, str):
        return value
    if isinstance(value, _dt.datetime):
        # astimezone() reads a naive datetime as local time (Python's rule).
        utc = value.astimezone(_dt.timezone.utc)
        return utc.replace(tzinfo=None).isoformat() + "Z"
    raise TypeError(f"{what} must be a datetime or an RFC 3339 str, not {type(value).__name__}")


def _opt_time(fields: Dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        fields[key] = _rfc3339(value, key)


def _sequence(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"sequence must be int, not {type(value).__name__}")
    if value < 0 or value > _MAX_U64:
        raise _invalid(f"sequence must be from 0 to {_MAX_U64}, got {value}")
    return value


def _take_json(buf: Any, n: c_size_t, default: Any) -> Any:
    text = _ffi.take_string(buf, n)
    return default if text is None else json.loads(text)


class Sessions:
    """The sessions of one :class:`~llmspell.Engine`; get it from ``engine.sessions``.

    They are the sessions spells see through their ``Session`` global. The
    object keeps the engine object alive; every method raises
    :class:`~llmspell.errors.ClosedError` once the engine is closed.
    """

    __slots__ = ("_engine",)

    def __init__(self, engine: "Engine") -> None:
        # Internal: use Engine.sessions.
        self._engine = engine

    def __repr__(self) -> str:
        return f"<llmspell.Sessions of {self._engine!r}>"

    def create(
        self,
        name: Optional[str] = None,
        description: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        parent: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
    ) -> str:
        """Create an active session.

        Wraps ``llmspell_session_create``.

        Args:
            name: a display name.
            description: a description.
            tags: a list of tags.
            parent: the id of a parent session.
            metadata: a JSON-serializable dict.

        Returns:
            The new session's id.

        Raises:
            NotFoundError: ``parent`` does not exist.
            InvalidArgumentError: a value the library rejects, or metadata
                that cannot be JSON (NaN, a cycle).
            StorageError: the store failed.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        fields: Dict[str, Any] = {}
        _opt_str(fields, "name", name)
        _opt_str(fields, "description", description)
        _opt_tags(fields, tags)
        _opt_str(fields, "parent", parent)
        _opt_mapping(fields, "metadata", metadata)
        return self._create_raw(_json(fields, "options") if fields else None)

    def _create_raw(self, raw: Optional[bytes]) -> str:
        out = _ffi.BufP()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_session_create(
                self._engine._live(), raw, len(raw) if raw is not None else 0,
                _ffi.byref(out), _ffi.byref(err),
            )
        finally:
            sid = _ffi.take_string(out)
        return sid or ""

    def get(self, id: str) -> Dict[str, Any]:
        """Return a session record.

        Wraps ``llmspell_session_get``.

        Args:
            id: the session id.

        Returns:
            The record (see the module documentation).

        Raises:
            NotFoundError: no such session.
            InvalidArgumentError: a bad id.
            ClosedError: the engine was closed.
            TypeError: ``id`` is not a str.
        """
        sid = _cstr(id, "id")
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_session_get(self._engine._live(), sid, _ffi.byref(out), _ffi.byref(n), _ffi.byref(err))
        finally:
            record: Dict[str, Any] = _take_json(out, n, {})
        return record

    def list(
        self,
        tags: Optional[Iterable[str]] = None,
        status: Optional[str] = None,
        parent: Optional[str] = None,
        limit: int = 0,
        created_after: Optional[TimeArg] = None,
        created_before: Optional[TimeArg] = None,
    ) -> List[Dict[str, Any]]:
        """List the sessions matching every given filter, oldest first.

        Wraps ``llmspell_session_list``.

        Args:
            tags: sessions carrying all of these tags.
            status: sessions in this status (``"active"``, ...).
            parent: children of this session.
            limit: at most this many; 0 for no limit.
            created_after: created after this time.
            created_before: created before this time. Times are datetimes
                (a naive one is local time; sent in UTC) or RFC 3339 strings.

        Returns:
            The session records.

        Raises:
            InvalidArgumentError: a negative limit, a malformed time string.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        fields: Dict[str, Any] = {}
        _opt_tags(fields, tags)
        _opt_str(fields, "status", status)
        _opt_str(fields, "parent", parent)
        _opt_count(fields, "limit", limit, zero_means_none=True)
        _opt_time(fields, "created_after", created_after)
        _opt_time(fields, "created_before", created_before)
        return self._list_raw(_json(fields, "query") if fields else None)

    def _list_raw(self, raw: Optional[bytes]) -> List[Dict[str, Any]]:
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_session_list(
                self._engine._live(), raw, len(raw) if raw is not None else 0,
                _ffi.byref(out), _ffi.byref(n), _ffi.byref(err),
            )
        finally:
            records: List[Dict[str, Any]] = _take_json(out, n, [])
        return records

    def transition(self, id: str, status: str, reason: Optional[str] = None) -> None:
        """Move a session to ``status``; the named methods below are shortcuts.

        Wraps ``llmspell_session_transition``.

        Args:
            id: the session id.
            status: ``"active"`` (resume), ``"suspended"``, ``"completed"``,
                ``"failed"`` or ``"archived"``.
            reason: kept for ``"failed"``.

        Raises:
            ConflictError: the move is not allowed from the current status.
            NotFoundError: no such session.
            InvalidArgumentError: an unknown status.
            ClosedError: the engine was closed.
            TypeError: an argument is not a str.
        """
        sid = _cstr(id, "id")
        st = _cstr(status, "status")
        why = _cstr(reason, "reason", optional=True)
        err = _ffi.ErrorP()
        _ffi.llmspell_session_transition(self._engine._live(), sid, st, why, _ffi.byref(err))

    def suspend(self, id: str) -> None:
        """Suspend an active session (``transition(id, "suspended")``)."""
        self.transition(id, "suspended")

    def resume(self, id: str) -> None:
        """Make a suspended session active again (``transition(id, "active")``)."""
        self.transition(id, "active")

    def complete(self, id: str) -> None:
        """Complete an active or suspended session (``transition(id, "completed")``)."""
        self.transition(id, "completed")

    def fail(self, id: str, reason: str) -> None:
        """Mark an active or suspended session failed, keeping ``reason``
        as its ``fail_reason`` (``transition(id, "failed", reason)``)."""
        if not isinstance(reason, str):
            raise TypeError(f"reason must be str, not {type(reason).__name__}")
        self.transition(id, "failed", reason)

    def archive(self, id: str) -> None:
        """Archive a completed or failed session (``transition(id, "archived")``).
        An archived session takes no more artifacts."""
        self.transition(id, "archived")

    def update_metadata(self, id: str, fields: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> None:
        """Merge fields into a session's metadata; a ``None`` value removes a field.

        ``update_metadata(id, {"a": 1})`` and ``update_metadata(id, a=1)``
        are the same; given both, the keywords win.

        Wraps ``llmspell_session_update_metadata``.

        Args:
            id: the session id.
            fields: a dict of JSON-serializable values.
            **kwargs: more fields.

        Raises:
            NotFoundError: no such session.
            InvalidArgumentError: a value that cannot be JSON.
            ClosedError: the engine was closed.
            TypeError: ``id`` is not a str or ``fields`` not a dict.
        """
        sid = _cstr(id, "id")
        merged: Dict[str, Any] = {}
        if fields is not None:
            if not isinstance(fields, Mapping):
                raise TypeError(f"fields must be a dict, not {type(fields).__name__}")
            merged.update(fields)
        merged.update(kwargs)
        raw = _json(merged, "fields")
        err = _ffi.ErrorP()
        _ffi.llmspell_session_update_metadata(self._engine._live(), sid, raw, len(raw), _ffi.byref(err))

    def delete(self, id: str) -> None:
        """Delete a session and all its artifacts (content shared with other
        artifacts stays).

        Wraps ``llmspell_session_delete``.

        Args:
            id: the session id.

        Raises:
            NotFoundError: no such session.
            ClosedError: the engine was closed.
            TypeError: ``id`` is not a str.
        """
        sid = _cstr(id, "id")
        err = _ffi.ErrorP()
        _ffi.llmspell_session_delete(self._engine._live(), sid, _ffi.byref(err))
