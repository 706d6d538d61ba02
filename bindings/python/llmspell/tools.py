"""The engine's tool registry: ``engine.tools``.

The registry holds the built-in tools (``calculator``, ``hash_calculator``,
``json_processor``, ...), tools registered by spells (``Tool.register``) and
tools registered by hosts, such as Python functions registered with
:meth:`Tools.register`; all are alike to their callers: this process, Lua
and JS spells, agents and workflows.

:meth:`Tools.invoke` validates the parameters against the tool's JSON
Schema, enforces the engine's tool policy (the ``[tools]`` config: file
roots, allowed hosts, executables, highest security level, timeout, output
cap), runs the tool hooks and publishes ``tool.execution.*`` events. It
returns the envelope ``{"operation", "success", "result"?, "error"?:
{"kind", "message"}, "metadata"}``. A tool that ran and failed is not an
exception: the envelope says ``"success": False``. The call itself raises
when the tool could not run: :class:`~llmspell.errors.NotFoundError` (no
such tool), :class:`~llmspell.errors.InvalidArgumentError` (the parameters
do not match the schema; the message names the field),
:class:`~llmspell.errors.DeniedError` (the policy refused),
:class:`~llmspell.errors.CancelledError` (a hook cancelled),
:class:`~llmspell.errors.LlmspellTimeoutError`.

A Python tool ``fn(params)`` receives the validated parameters as a dict and
returns any JSON-serializable value, the envelope's ``result``; an exception
it raises makes the call fail with ``success`` False and ``error``
``{"kind": "tool_error", "message": str(exception)}``. It runs synchronously
on the thread that invoked the tool (a thread of yours, or a thread of the
library running a spell or an agent), possibly on several threads at once:
it must be thread-safe. It may call back into the engine.

Lifetimes and the ctypes crossing are as for hooks (see
:mod:`llmspell.hooks`): one module-level ``CFUNCTYPE`` trampoline for every
tool, a table keyed by the address of one byte of C memory owned by each
:class:`Tool` as ``user_data``, ``user_data_free`` NULL, and the table entry
removed after ``llmspell_tool_unregister`` returns. A tool stays registered
until :meth:`Tool.unregister` (or the end of its ``with`` block, or the
engine's close), even if you drop the :class:`Tool`.
"""

from __future__ import annotations

import atexit
import json
import logging
import sys
import threading
import weakref
from ctypes import addressof, c_char, c_size_t, c_void_p, string_at
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional

from . import _ffi
from .errors import ClosedError, InvalidArgumentError, NotFoundError

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = ["Tools", "Tool", "ToolFunction"]

#: A tool function: receives the parameters dict, returns a JSON-able value.
ToolFunction = Callable[[Dict[str, Any]], Any]

_log = logging.getLogger("llmspell.tools")


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


def _json_arg(value: Any, what: str) -> bytes:
    try:
        return _dumps(value)
    except (TypeError, ValueError) as e:  # not JSON-able, NaN, circular
        raise _invalid(f"{what} cannot be encoded as JSON: {e}") from e


def _opt_str(spec: Dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        return
    _cstr(value, key)
    spec[key] = value


# Registered tools by key (the user_data the library passes back).
_table_lock = threading.Lock()
_table: Dict[int, "Tool"] = {}


def _fail(reply: int, message: str) -> None:
    msg = (message or "the tool failed").replace("\0", " ").encode("utf-8", "replace")
    _ffi.llmspell_tool_reply_error(reply, msg)


def _dispatch(user_data: Optional[int], params_json: Optional[int], params_len: int, reply: Optional[int]) -> None:
    """The ``llmspell_tool_fn`` of every Python tool.

    Runs on the thread that invoked the tool, with the GIL (ctypes takes
    it). Nothing may escape into C: every exception becomes the tool's
    failure.
    """
    if not reply:
        return
    tool = None
    try:
        if sys.is_finalizing():
            _fail(reply, "the Python interpreter is shutting down")
            return
        tool = _table.get(user_data or 0)  # a dict read is atomic under the GIL
        fn = tool._fn if tool is not None else None
        if fn is None:
            _fail(reply, "the tool was unregistered")
            return
        params = json.loads(string_at(params_json, params_len).decode("utf-8", "replace")) if params_json else {}
        try:
            result = fn(params)
        except BaseException as e:  # noqa: B036 - the tool's failure, never into C
            _log.debug("llmspell: tool %r raised", tool.name, exc_info=True)
            _fail(reply, str(e) or type(e).__name__)
            return
        try:
            raw = _dumps(result)
        except (TypeError, ValueError) as e:
            _fail(reply, f"the result of tool {tool.name!r} cannot be encoded as JSON: {e}")
            return
        st = _ffi.llmspell_tool_reply_set(reply, raw, len(raw))
        if st != 0:
            _fail(reply, f"the library rejected the result of tool {tool.name!r} ({_ffi.status_name(st)})")
    except BaseException:  # noqa: B036 - never raise into C
        try:
            _log.exception("llmspell: tool %r: the binding failed", getattr(tool, "name", "?"))
            _fail(reply, "the Python binding failed to run the tool")
        except BaseException:  # interpreter shutdown
            pass


# One trampoline for every tool; never freed.
_TRAMPOLINE = _ffi.TOOL_FN(_dispatch)
# A NULL llmspell_free_fn.
_NO_FREE = _ffi.FREE_FN()


def _unregister_all() -> None:
    """Unregister the tools still registered at interpreter exit, while
    Python can still take a call from another thread."""
    with _table_lock:
        left = list(_table.values())
    for x in left:
        try:
            x.unregister()
        except Exception:  # pragma: no cover - best effort at exit
            pass


atexit.register(_unregister_all)


class Tool:
    """A Python tool registered through :meth:`Tools.register`.

    :meth:`unregister` (or leaving a ``with`` block) removes it. Every
    method may be called from any thread.
    """

    def __init__(self, engine: "Engine", name: str, fn: ToolFunction) -> None:
        # Internal: use Tools.register().
        self._engine_ref = weakref.ref(engine)
        self._name = name
        self._fn: Optional[ToolFunction] = fn
        self._registered = False
        self._lock = threading.Lock()
        # The user_data: the address of a byte of C memory this object owns
        # (never a small integer); kept until the object goes.
        self._anchor = c_char()
        self._key = addressof(self._anchor)

    @property
    def name(self) -> str:
        """The tool's name."""
        return self._name

    @property
    def registered(self) -> bool:
        """True until :meth:`unregister` (or the engine's close)."""
        return self._registered

    def _detach(self, handle: Any) -> None:
        """Unregister through ``handle``, then drop the table entry."""
        with self._lock:
            if not self._registered:
                return
            self._registered = False
        try:
            if handle is not None:
                err = _ffi.ErrorP()
                try:
                    _ffi.llmspell_tool_unregister(handle, _cstr(self._name, "name"), _ffi.byref(err))
                except (NotFoundError, ClosedError):
                    pass  # already gone with its engine
        finally:
            with _table_lock:
                _table.pop(self._key, None)
            self._fn = None

    def unregister(self) -> None:
        """Remove the tool. Idempotent.

        Wraps ``llmspell_tool_unregister``. No call of the tool starts after
        this returns (it is then :class:`~llmspell.errors.NotFoundError` to
        invoke), and calls in progress on other threads have ended (the GIL
        is released while it waits for them). Called from inside the tool
        itself it returns at once. A tool of a closed engine is already
        unregistered.
        """
        engine = self._engine_ref()
        handle = engine._handle if engine is not None else None
        if handle is None:
            return  # a closed engine: Engine.close() unregisters its tools
        self._detach(handle)

    def __enter__(self) -> "Tool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.unregister()

    def __repr__(self) -> str:
        state = "registered" if self._registered else "unregistered"
        return f"<llmspell.Tool {self._name!r} {state}>"


class Tools:
    """The tool registry of one :class:`~llmspell.Engine`; get it from ``engine.tools``.

    It is the registry spells use through their ``Tool`` global. Every
    method raises :class:`~llmspell.errors.ClosedError` once the engine is
    closed.
    """

    __slots__ = ("_engine",)

    def __init__(self, engine: "Engine") -> None:
        # Internal: use Engine.tools.
        self._engine = engine

    def __repr__(self) -> str:
        return f"<llmspell.Tools of {self._engine!r}>"

    def invoke(self, name: str, params: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Call a tool by name (or alias). The GIL is released while it runs.

        Wraps ``llmspell_tool_invoke``.

        Args:
            name: the tool's name, e.g. ``"calculator"``.
            params: the parameters, a JSON-serializable dict; None for ``{}``.

        Returns:
            The envelope ``{"operation", "success", "result"?, "error"?:
            {"kind", "message"}, "metadata"}``; ``success`` is False when
            the tool ran and failed.

        Raises:
            NotFoundError: no such tool.
            InvalidArgumentError: the parameters do not match the tool's
                schema (the message names the field), or cannot be JSON.
            DeniedError: the tool policy refused the call.
            CancelledError: a hook cancelled the call.
            LlmspellTimeoutError: the tool ran past the policy's timeout.
            ClosedError: the engine was closed.
            TypeError: ``params`` is not a dict.
        """
        n = _cstr(name, "name")
        if params is None:
            raw: Optional[bytes] = None
        elif isinstance(params, dict):
            raw = _json_arg(params, "params")
        else:
            raise TypeError(f"params must be a dict or None, not {type(params).__name__}")
        out = _ffi.BufP()
        size = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_tool_invoke(
                self._engine._live(), n,
                raw, len(raw) if raw is not None else 0,
                _ffi.byref(out), _ffi.byref(size),
                _ffi.byref(err),
            )
        finally:
            text = _ffi.take_string(out, size)
        envelope: Dict[str, Any] = json.loads(text or "{}")
        return envelope

    def list(
        self,
        category: Optional[str] = None,
        tag: Optional[str] = None,
        format: str = "info",
    ) -> List[Dict[str, Any]]:
        """List the tools, sorted by name.

        Wraps ``llmspell_tool_list``.

        Args:
            category: only this category, e.g. ``"utility"``.
            tag: only the tools with this tag.
            format: ``"info"`` gives ``{"name", "description", "category",
                "security_level", "version", "tags", "language",
                "schema"}``; ``"openai"`` and ``"anthropic"`` the providers'
                tool shapes, ready for a request.

        Returns:
            A list of dicts.

        Raises:
            InvalidArgumentError: an unknown format.
            ClosedError: the engine was closed.
        """
        opts: Dict[str, Any] = {}
        _opt_str(opts, "category", category)
        _opt_str(opts, "tag", tag)
        _opt_str(opts, "format", format)
        raw = _dumps(opts)
        out = _ffi.BufP()
        size = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_tool_list(
                self._engine._live(), raw, len(raw), _ffi.byref(out), _ffi.byref(size), _ffi.byref(err)
            )
        finally:
            text = _ffi.take_string(out, size)
        tools: List[Dict[str, Any]] = json.loads(text or "[]")
        return tools

    def register(
        self,
        name: str,
        fn: ToolFunction,
        description: str = "",
        category: str = "custom",
        security_level: str = "safe",
        parameters: Optional[Dict[str, Any]] = None,
        tags: Optional[Iterable[str]] = None,
        version: Optional[str] = None,
    ) -> Tool:
        """Register a Python function as a tool.

        Wraps ``llmspell_tool_register``. See the module docstring for how
        ``fn`` is called.

        Args:
            name: letters, digits, ``_``, ``-`` and ``.``.
            fn: called as ``fn(params)``; returns the result (any
                JSON-serializable value) or raises to fail.
            description: shown to callers and to LLMs.
            category: e.g. ``"custom"``, ``"utility"``.
            security_level: ``"safe"``, ``"restricted"`` or ``"privileged"``
                (the policy's highest level decides whether it may run).
            parameters: the JSON Schema of the parameters (an object
                schema); None accepts any object.
            tags: a list of str, for :meth:`list`.
            version: e.g. ``"1.0.0"``.

        Returns:
            The :class:`Tool`; it stays registered until unregistered.

        Raises:
            ConflictError: the name is taken.
            InvalidArgumentError: a bad name, level or schema.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        _cstr(name, "name")
        if not callable(fn):
            raise TypeError(f"fn must be callable, not {type(fn).__name__}")
        spec: Dict[str, Any] = {"name": name, "language": "python"}
        _opt_str(spec, "description", description)
        _opt_str(spec, "category", category)
        _opt_str(spec, "security_level", security_level)
        _opt_str(spec, "version", version)
        if tags is not None:
            if isinstance(tags, (str, bytes)) or not isinstance(tags, Iterable):
                raise TypeError(f"tags must be a list of str or None, not {type(tags).__name__}")
            tag_list = list(tags)
            for i, t in enumerate(tag_list):
                if not isinstance(t, str):
                    raise TypeError(f"tags[{i}] must be str, not {type(t).__name__}")
            spec["tags"] = tag_list
        if parameters is not None:
            if not isinstance(parameters, dict):
                raise TypeError(f"parameters must be a dict (a JSON Schema) or None, not {type(parameters).__name__}")
            spec["parameters"] = parameters
        raw = _json_arg(spec, "the tool spec")
        engine = self._engine
        tool = Tool(engine, name, fn)
        err = _ffi.ErrorP()
        # Under the engine's lock, so that Engine.close() sees every tool
        # registered before it and none is registered after it.
        with engine._lock:
            handle = engine._live()
            with _table_lock:  # first: a call may come before register returns
                _table[tool._key] = tool
            try:
                _ffi.llmspell_tool_register(
                    handle, raw, len(raw),
                    _TRAMPOLINE, c_void_p(tool._key), _NO_FREE,  # user_data_free: nothing to free
                    _ffi.byref(err),
                )
            except BaseException:
                with _table_lock:
                    _table.pop(tool._key, None)
                raise
            tool._registered = True
            engine._tools.add(tool)
        return tool
