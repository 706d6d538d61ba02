"""Private: a named registry of an engine and its entries, shared by
``engine.agents`` / :class:`~llmspell.Agent` and ``engine.workflows`` /
:class:`~llmspell.Workflow`, with the argument helpers both modules use.

An entry is only a name plus its engine; it owns nothing in the library.
The registry's exports take the engine handle and the entry's name, so
the calls differ only in the C function: the subclasses pass it in and
keep the public methods and their docstrings.
"""

from __future__ import annotations

import json
from ctypes import c_int32
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple, Type

from . import _ffi, _interrupt
from .errors import InvalidArgumentError

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine, RunToken


def _invalid(message: str) -> InvalidArgumentError:
    text = f"invalid_argument: {message}"
    return InvalidArgumentError(text, details={"kind": "invalid_argument", "message": text})


def _cstr(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, not {type(value).__name__}")
    if "\0" in value:
        raise _invalid(f"{what} contains a NUL character")
    return value.encode("utf-8", "surrogatepass")


def _json(value: Any, what: str) -> bytes:
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:  # not JSON-able, NaN, circular
        raise _invalid(f"{what} cannot be encoded as JSON: {e}") from e
    return text.encode("utf-8", "surrogatepass")


def _opt_json(value: Any, what: str) -> Optional[bytes]:
    """:func:`_json`, or None for None (an optional JSON argument)."""
    return None if value is None else _json(value, what)


def _token_handle(token: "Optional[RunToken]") -> Any:
    if token is None:
        return None
    from .engine import RunToken

    if not isinstance(token, RunToken):
        raise TypeError(f"token must be a RunToken or None, not {type(token).__name__}")
    return token._live()


def _engine_json(engine: "Engine", fn: Any, *args: Any) -> Any:
    """Call ``fn(handle, *args, &out, &len, &err)`` and decode its JSON."""
    text = _ffi.call_string(fn, engine._live(), *args)
    return json.loads(text) if text is not None else None


def _engine_run_json(
    engine: "Engine", fn: Any, args: Tuple[Any, ...], token: "Optional[RunToken]", interruptible: bool
) -> Any:
    """Call the blocking ``fn(handle, *args, run, &out, &len, &err)``
    through :func:`_interrupt.blocking` (so Ctrl-C stops it) and decode its
    JSON; ``run`` is the token handle."""
    run = _token_handle(token)
    handle = engine._live()
    text = _interrupt.blocking(
        handle, token, run, interruptible, lambda r: _ffi.call_string(fn, handle, *args, r)
    )
    return json.loads(text) if text is not None else None


class _Entry:
    """An entry of a :class:`_Registry`: a name plus the engine."""

    __slots__ = ("_engine", "_name")

    #: ``"agent"`` or ``"workflow"``: the repr and the default tool name.
    _kind = ""

    def __init__(self, engine: "Engine", name: str) -> None:
        self._engine = engine
        self._name = name

    def __repr__(self) -> str:
        return f"<llmspell.{self._kind.capitalize()} {self._name!r}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Entry) or other._kind != self._kind:
            return NotImplemented
        return self._engine is other._engine and self._name == other._name

    def __hash__(self) -> int:
        return hash((id(self._engine), self._name))

    def _n(self) -> bytes:
        return _cstr(self._name, "name")

    def info(self) -> Dict[str, Any]:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def _wrap_as_tool(self, fn: Any, tool_name: Optional[str], description: Optional[str]) -> str:
        """``fn`` is ``llmspell_<kind>_wrap_as_tool``."""
        opts: Dict[str, Any] = {}
        if tool_name is not None:
            _cstr(tool_name, "tool_name")
            opts["tool_name"] = tool_name
        if description is not None:
            _cstr(description, "description")
            opts["description"] = description
        raw = _json(opts, "options") if opts else None
        name = _ffi.call_string(fn, self._engine._live(), self._n(), raw, len(raw) if raw is not None else 0)
        return name if name is not None else (tool_name or f"{self._kind}_{self._name}")


class _Registry:
    """The registry of one kind of :class:`_Entry` in one engine."""

    __slots__ = ("_engine",)

    #: The entry class (:class:`~llmspell.Agent`, :class:`~llmspell.Workflow`).
    _entry: Type[_Entry] = _Entry

    def __init__(self, engine: "Engine") -> None:
        # Internal: use Engine.agents or Engine.workflows.
        self._engine = engine

    def __repr__(self) -> str:
        return f"<llmspell.{self._entry._kind.capitalize()}s of {self._engine!r}>"

    def _create(self, fn: Any, raw: bytes) -> Optional[str]:
        """Call ``fn`` (``llmspell_<kind>_create``) and return the name it gave."""
        return _ffi.call_string(fn, self._engine._live(), raw, len(raw))

    def _get(self, name: str) -> Any:
        entry = self._entry(self._engine, name)
        entry.info()
        return entry

    def _list(self, fn: Any) -> List[Dict[str, Any]]:
        infos: List[Dict[str, Any]] = _engine_json(self._engine, fn) or []
        return infos

    def _remove(self, fn: Any, name: str) -> bool:
        removed = c_int32()
        err = _ffi.ErrorP()
        fn(self._engine._live(), _cstr(name, "name"), _ffi.byref(removed), _ffi.byref(err))
        return bool(removed.value)

    def list(self) -> List[Dict[str, Any]]:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(i.get("name") == name for i in self.list())
