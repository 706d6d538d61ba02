"""The public Engine, RunToken and RunResult classes.

An :class:`Engine` owns one ``llmspell_engine`` handle; a :class:`RunToken`
owns one ``llmspell_run`` handle. Neither exposes the raw handle. Both have an
idempotent :meth:`close`, work as context managers, and free their handle from
``__del__`` if they were never closed. Any method called after ``close()``
raises :class:`~llmspell.errors.ClosedError` without reaching the library.

Thread-safety: every method of both classes may be called from any thread,
concurrently. :meth:`Engine.run` releases the GIL while the script runs, so
several threads can run scripts on one engine in parallel; on the main
thread Ctrl-C stops it (see ``_interrupt``).
"""

from __future__ import annotations

import json
import os
import threading
import weakref
from ctypes import c_size_t
from typing import Any, Dict, List, Optional, Union

from . import _ffi, _interrupt
from .errors import ClosedError, InvalidArgumentError, LlmspellError
from .agents import Agents, Providers
from .workflows import Workflows
from .artifacts import Artifacts
from .backups import Backups
from .events import Events, Subscription
from .hooks import Hook, Hooks
from .sessions import Sessions
from .state import State
from .tools import Tool, Tools

__all__ = ["Engine", "RunToken", "RunResult", "version", "version_number", "abi_version"]

JSONArgs = Union[Dict[str, Any], List[Any], None]

_EXT_LANG = {".lua": "lua", ".js": "js", ".mjs": "js", ".cjs": "js"}


def version() -> str:
    """Return the version of the loaded library, e.g. ``"0.1.0"``.

    Wraps ``llmspell_version``.

    Returns:
        The library version string.
    """
    return _ffi.llmspell_version().decode("ascii")


def version_number() -> int:
    """Return the library version as ``MAJOR * 1000000 + MINOR * 1000 + PATCH``.

    Wraps ``llmspell_version_number``.

    Returns:
        The version number.
    """
    return int(_ffi.llmspell_version_number())


def abi_version() -> int:
    """Return the ABI version of the loaded library (1 for this binding).

    Wraps ``llmspell_abi_version``.

    Returns:
        The ABI version.
    """
    return int(_ffi.llmspell_abi_version())


def _utf8(value: Union[str, bytes], what: str) -> bytes:
    """Encode text for the library; invalid text is left for C to reject."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        # surrogatepass keeps lone surrogates as (invalid) UTF-8 bytes so the
        # library reports them like any other invalid UTF-8.
        return value.encode("utf-8", "surrogatepass")
    raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")


def _dumps(value: Any, what: str) -> bytes:
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    except ValueError as e:  # NaN/Infinity, circular reference
        raise InvalidArgumentError(f"invalid_argument: {what} cannot be encoded as JSON: {e}") from e


class RunResult:
    """The outcome of a successful :meth:`Engine.run`.

    Attributes:
        value: the value the script returned from its top level, decoded from
            JSON (``None`` when it returned nothing).
        output: the text the script printed.
    """

    __slots__ = ("value", "output")

    def __init__(self, value: Any, output: str) -> None:
        self.value = value
        self.output = output

    def __repr__(self) -> str:
        return f"RunResult(value={self.value!r}, output={self.output!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RunResult):
            return NotImplemented
        return self.value == other.value and self.output == other.output


class RunToken:
    """A cancellation handle for :meth:`Engine.run` (an ``llmspell_run``).

    Create one with :meth:`Engine.run_token`, pass it as ``token=`` to one or
    more runs, and call :meth:`cancel` from any thread to stop them all,
    current and future. The caller must :meth:`close` it (or use ``with``).
    The token keeps its engine alive inside the library until it is closed.
    """

    def __init__(self, _handle: Any) -> None:
        # Internal: use Engine.run_token().
        self._handle: Any = _handle
        self._lock = threading.Lock()
        self._cancelled = False
        # The own tokens of interruptible calls made with this token (see
        # _interrupt.blocking); cancel() cancels them too.
        self._links: List[Any] = []

    def _live(self) -> Any:
        h = self._handle
        if h is None:
            raise ClosedError("closed: run token is closed")
        return h

    def cancel(self) -> None:
        """Cancel every run using this token. Cancelling twice is harmless.

        Wraps ``llmspell_run_cancel``. Safe from any thread, including while
        a run is in progress on another thread. If the run is just finishing
        the cancel may come too late; it then still applies to later runs.
        An interruptible call (see ``interruptible`` of
        :meth:`Engine.run`) runs under a token of its own, which is
        cancelled as well.

        Raises:
            ClosedError: the token was closed.
        """
        with self._lock:
            h = self._live()
            self._cancelled = True
            _ffi.llmspell_run_cancel(h, _ffi.byref(_ffi.ErrorP()))
            for own in self._links:
                _interrupt._cancel(own)

    def _link(self, own: Any) -> None:
        """Internal: cancel the live run handle ``own`` with this token (at
        once if this token is already cancelled) until :meth:`_unlink`."""
        with self._lock:
            self._links.append(own)
            if self._cancelled:
                _interrupt._cancel(own)

    def _unlink(self, own: Any) -> None:
        """Internal: undo :meth:`_link` (before ``own`` is freed)."""
        with self._lock:
            self._links = [h for h in self._links if h is not own]

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._handle is None

    def close(self) -> None:
        """Free the token. Idempotent. A run still using it goes on.

        Wraps ``llmspell_run_free``.
        """
        with self._lock:
            h, self._handle = self._handle, None
        if h is not None:
            _ffi.llmspell_run_free(h)

    def __enter__(self) -> "RunToken":
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
        return f"<llmspell.RunToken {'closed' if self.closed else 'open'}>"


class Engine:
    """An llmspell engine: its store, registries and script runtimes.

    Several engines per process are fully isolated. The caller must
    :meth:`close` the engine (or use it as a context manager); closing drops
    this object's reference and the library closes the engine once no run
    token or call in flight refers to it.

    Thread-safety: every method may be called from any thread, concurrently.
    """

    def __init__(self, config: Union[Dict[str, Any], str, bytes, None] = None) -> None:
        """Create an engine.

        Wraps ``llmspell_engine_new``.

        Args:
            config: a dict with the sections and keys of the TOML config file
                (e.g. ``{"storage": {"backend": "pebble", "data_dir": "..."}}``),
                the same as a JSON string, or None for the defaults (in-memory
                store). ``LLMSPELL_*`` environment variables override it.

        Raises:
            InvalidArgumentError: malformed or non-object JSON, an unknown
                key, or a bad value.
            StorageError: the data folder is a file, unwritable, or locked by
                another process or engine.
            TypeError: ``config`` is of an unsupported type.
        """
        self._handle: Any = None
        self._lock = threading.Lock()
        # Subscriptions made through engine.events, closed by close().
        self._subscriptions: "weakref.WeakSet[Subscription]" = weakref.WeakSet()
        # Hooks and tools registered through engine.hooks / engine.tools,
        # unregistered by close() (their module tables hold them strongly).
        self._hooks: "weakref.WeakSet[Hook]" = weakref.WeakSet()
        self._tools: "weakref.WeakSet[Tool]" = weakref.WeakSet()
        if config is None:
            raw: Optional[bytes] = None
        elif isinstance(config, dict):
            raw = _dumps(config, "config")
        elif isinstance(config, (str, bytes, bytearray)):
            raw = _utf8(config, "config")
        else:
            raise TypeError(f"config must be a dict, a JSON string or None, not {type(config).__name__}")
        out = _ffi.EngineP()
        err = _ffi.ErrorP()
        _ffi.llmspell_engine_new(raw, len(raw) if raw is not None else 0, _ffi.byref(out), _ffi.byref(err))
        self._handle = out

    def _live(self) -> Any:
        h = self._handle
        if h is None:
            raise ClosedError("closed: engine is closed")
        return h

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._handle is None

    def close(self) -> None:
        """Drop this engine. Idempotent; runs in flight on other threads
        finish normally.

        Every event subscription made through :attr:`events` that is still
        open is closed first (a push subscription would otherwise keep the
        engine, and its data folder, open for good), and every hook and tool
        registered through :attr:`hooks` and :attr:`tools` is unregistered.
        Run tokens and artifact streams go on working.

        Wraps ``llmspell_subscription_free``, ``llmspell_hook_unregister``,
        ``llmspell_tool_unregister`` and ``llmspell_engine_free``.
        """
        with self._lock:
            h, self._handle = self._handle, None
            subs = list(getattr(self, "_subscriptions", ()))
            hooks = list(getattr(self, "_hooks", ()))
            tools = list(getattr(self, "_tools", ()))
        for sub in subs:
            sub.close()
        # Through the handle still held: no hook or tool of this binding is
        # called once the engine is closed, even if a run token keeps the
        # library's engine alive.
        for hook in hooks:
            hook._detach(h)
        for tool in tools:
            tool._detach(h)
        if h is not None:
            _ffi.llmspell_engine_free(h)

    def __enter__(self) -> "Engine":
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
        return f"<llmspell.Engine {'closed' if self.closed else 'open'}>"

    @property
    def state(self) -> State:
        """The engine's persistent key-value state, as a :class:`~llmspell.State`.

        Wraps ``llmspell_state_set``, ``llmspell_state_get``,
        ``llmspell_state_delete``, ``llmspell_state_exists``,
        ``llmspell_state_list``, ``llmspell_state_compare_and_set`` and
        ``llmspell_state_transaction``. It is the same state that spells
        see through their ``State`` global. The object keeps this engine
        alive; its methods raise :class:`~llmspell.errors.ClosedError` once
        the engine is closed.

        Returns:
            A :class:`~llmspell.State` bound to this engine.
        """
        return State(self)

    @property
    def sessions(self) -> Sessions:
        """The engine's sessions, as a :class:`~llmspell.Sessions`.

        Wraps ``llmspell_session_create``, ``llmspell_session_get``,
        ``llmspell_session_list``, ``llmspell_session_transition``,
        ``llmspell_session_update_metadata`` and ``llmspell_session_delete``.
        They are the sessions spells see through their ``Session`` global.
        The object keeps this engine alive; its methods raise
        :class:`~llmspell.errors.ClosedError` once the engine is closed.

        Returns:
            A :class:`~llmspell.Sessions` bound to this engine.
        """
        return Sessions(self)

    @property
    def artifacts(self) -> Artifacts:
        """The engine's artifacts, as an :class:`~llmspell.Artifacts`.

        Wraps the ``llmspell_artifact_*`` functions, including the
        streaming writers and readers. They are the artifacts spells see
        through their ``Artifact`` global. The object keeps this engine
        alive; its methods raise :class:`~llmspell.errors.ClosedError` once
        the engine is closed (open writers and readers go on working).

        Returns:
            An :class:`~llmspell.Artifacts` bound to this engine.
        """
        return Artifacts(self)

    @property
    def backups(self) -> Backups:
        """The backups of the engine's whole store, as a :class:`~llmspell.Backups`.

        Wraps ``llmspell_backup_create``, ``llmspell_backup_list``,
        ``llmspell_backup_validate``, ``llmspell_backup_restore`` and
        ``llmspell_backup_cleanup``. The object keeps this engine alive; its
        methods raise :class:`~llmspell.errors.ClosedError` once the engine
        is closed.

        Returns:
            A :class:`~llmspell.Backups` bound to this engine.
        """
        return Backups(self)

    @property
    def events(self) -> Events:
        """The engine's event bus, as an :class:`~llmspell.Events`.

        Wraps ``llmspell_event_publish``, ``llmspell_subscription_new``,
        ``llmspell_subscription_next``, ``llmspell_event_subscribe_callback``,
        ``llmspell_subscription_free`` and ``llmspell_event_stats``. It is the
        bus spells see through their ``Event`` global. Closing the engine
        closes the subscriptions made through it.

        Returns:
            An :class:`~llmspell.Events` bound to this engine.
        """
        return Events(self)

    @property
    def hooks(self) -> Hooks:
        """The engine's hooks, as a :class:`~llmspell.Hooks`.

        Wraps ``llmspell_hook_register``, ``llmspell_hook_reply_set``,
        ``llmspell_hook_unregister``, ``llmspell_hook_list``,
        ``llmspell_hook_metrics`` and ``llmspell_hook_records``. It is the
        registry spells use through their ``Hook`` global. Closing the
        engine unregisters the hooks registered through it.

        Returns:
            A :class:`~llmspell.Hooks` bound to this engine.
        """
        return Hooks(self)

    @property
    def tools(self) -> Tools:
        """The engine's tool registry, as a :class:`~llmspell.Tools`.

        Wraps ``llmspell_tool_invoke``, ``llmspell_tool_list``,
        ``llmspell_tool_register``, ``llmspell_tool_reply_set``,
        ``llmspell_tool_reply_error`` and ``llmspell_tool_unregister``. It is
        the registry spells use through their ``Tool`` global. Closing the
        engine unregisters the tools registered through it.

        Returns:
            A :class:`~llmspell.Tools` bound to this engine.
        """
        return Tools(self)

    @property
    def agents(self) -> Agents:
        """The engine's agent registry, as an :class:`~llmspell.Agents`.

        Wraps the ``llmspell_agent_*`` functions and the pull streams
        (``llmspell_agent_stream_open``, ``llmspell_delta_stream_*``). It is
        the registry spells use through their ``Agent`` global. Its methods
        raise :class:`~llmspell.errors.ClosedError` once the engine is
        closed; open :class:`~llmspell.DeltaStream` objects go on working.

        Returns:
            An :class:`~llmspell.Agents` bound to this engine.
        """
        return Agents(self)

    @property
    def workflows(self) -> Workflows:
        """The engine's workflow registry, as a :class:`~llmspell.Workflows`.

        Wraps the ``llmspell_workflow_*`` functions. It is the registry
        spells use through their ``Workflow`` global. Its methods raise
        :class:`~llmspell.errors.ClosedError` once the engine is closed.

        Returns:
            A :class:`~llmspell.Workflows` bound to this engine.
        """
        return Workflows(self)

    @property
    def providers(self) -> Providers:
        """The engine's LLM providers, as a :class:`~llmspell.Providers`.

        Wraps ``llmspell_provider_list``.

        Returns:
            A :class:`~llmspell.Providers` bound to this engine.
        """
        return Providers(self)

    def ping(self) -> None:
        """Check that the engine is live and not poisoned; does nothing else.

        Wraps ``llmspell_engine_ping``.

        Raises:
            ClosedError: the engine was closed.
            InternalError: the engine is poisoned by an earlier internal error.
        """
        err = _ffi.ErrorP()
        _ffi.llmspell_engine_ping(self._live(), _ffi.byref(err))

    def info(self) -> Dict[str, Any]:
        """Describe the engine.

        Wraps ``llmspell_engine_info``.

        Returns:
            A dict with ``version``, ``abi_version``, ``languages``,
            ``storage`` (``backend``, ``data_dir``) and ``config`` (secrets
            redacted).

        Raises:
            ClosedError: the engine was closed.
        """
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_engine_info(self._live(), _ffi.byref(out), _ffi.byref(n), _ffi.byref(err))
        finally:
            text = _ffi.take_string(out, n)
        result: Dict[str, Any] = json.loads(text or "{}")
        return result

    def run_token(self) -> RunToken:
        """Create a cancellation token for :meth:`run`.

        Wraps ``llmspell_run_new``.

        Returns:
            A new :class:`RunToken`; the caller must close it.

        Raises:
            ClosedError: the engine was closed.
        """
        out = _ffi.RunP()
        err = _ffi.ErrorP()
        _ffi.llmspell_run_new(self._live(), _ffi.byref(out), _ffi.byref(err))
        return RunToken(out)

    def run(
        self,
        source: Union[str, bytes],
        lang: str = "lua",
        args: JSONArgs = None,
        *,
        timeout_ms: Optional[int] = None,
        name: Optional[str] = None,
        max_output_bytes: Optional[int] = None,
        token: Optional[RunToken] = None,
        interruptible: bool = True,
    ) -> RunResult:
        """Run a script to completion. The GIL is released while it runs.

        Called on the main thread (with a Python SIGINT handler, as by
        default), Ctrl-C stops it: the run is cancelled, and
        KeyboardInterrupt is raised once it has stopped (see the README's
        "Cancellation and Ctrl-C").

        Wraps ``llmspell_engine_run``.

        Args:
            source: the script text (str, or UTF-8 bytes).
            lang: ``"lua"`` or ``"js"`` (``"javascript"`` also accepted).
            args: a JSON-compatible dict or list, visible to the script as
                the global ``ARGS``; None for none.
            timeout_ms: wall-clock limit in milliseconds; None or 0 for the
                configured default.
            name: file name used in error messages, e.g. ``"spell.lua"``.
            max_output_bytes: bound on printed output; None or 0 for the
                default.
            token: a :class:`RunToken` through which another thread may
                cancel the run. An interrupt never cancels it.
            interruptible: False calls the library plainly, saving a few
                µs (0.1 ms with a SIGINT handler of your own or an asyncio
                loop) for short runs in a hot loop; Ctrl-C then waits for
                the run to end.

        Returns:
            A :class:`RunResult` with the returned ``value`` and the printed
            ``output``.

        Raises:
            ScriptError: syntax or runtime error (``details`` holds ``file``
                and ``line`` when known), or a result that cannot become JSON.
            LlmspellTimeoutError: the timeout passed.
            CancelledError: the run was cancelled through ``token``.
            LimitExceededError: the output bound was exceeded.
            InvalidArgumentError: unknown language, invalid UTF-8, bad option.
            ClosedError: the engine or the token was closed.
            TypeError: an argument has an unsupported type.
            KeyboardInterrupt: Ctrl-C during an interruptible run.

            A failed run's exception carries the text printed before the
            failure in its ``output`` attribute.
        """
        handle = self._live()
        run_handle = token._live() if token is not None else None
        if not isinstance(lang, str):
            raise TypeError(f"lang must be str, not {type(lang).__name__}")
        if "\0" in lang:
            raise InvalidArgumentError("invalid_argument: lang contains a NUL character")
        src = _utf8(source, "source")
        if args is None:
            args_raw: Optional[bytes] = None
        elif isinstance(args, (dict, list, tuple)):
            args_raw = _dumps(args, "args")
        else:
            raise TypeError(f"args must be a dict, a list or None, not {type(args).__name__}")
        opts: Dict[str, Any] = {}
        if name is not None:
            opts["name"] = name
        if timeout_ms is not None:
            opts["timeout_ms"] = timeout_ms
        if max_output_bytes is not None:
            opts["max_output_bytes"] = max_output_bytes
        opts_raw = _dumps(opts, "options") if opts else None

        result = _ffi.BufP()
        result_len = c_size_t()
        output = _ffi.BufP()
        output_len = c_size_t()
        lang_raw = lang.encode("utf-8", "surrogatepass")

        def c_call(run: Any) -> None:
            _ffi.llmspell_engine_run(
                handle,
                lang_raw,
                src, len(src),
                args_raw, len(args_raw) if args_raw is not None else 0,
                opts_raw, len(opts_raw) if opts_raw is not None else 0,
                run,
                _ffi.byref(result), _ffi.byref(result_len),
                _ffi.byref(output), _ffi.byref(output_len),
                _ffi.byref(_ffi.ErrorP()),
            )

        try:
            _interrupt.blocking(handle, token, run_handle, interruptible, c_call)
        except LlmspellError as e:
            e.output = _ffi.take_string(output, output_len, "replace")
            _ffi.take_string(result, result_len, "replace")
            raise
        except BaseException:  # KeyboardInterrupt: the cancelled run has returned
            _ffi.take_string(output, output_len, "replace")
            _ffi.take_string(result, result_len, "replace")
            raise
        try:
            text = _ffi.take_string(result, result_len)
        finally:
            printed = _ffi.take_string(output, output_len, "replace")
        return RunResult(json.loads(text) if text is not None else None, printed or "")

    def run_file(
        self,
        path: Union[str, "os.PathLike[str]"],
        lang: Optional[str] = None,
        args: JSONArgs = None,
        *,
        timeout_ms: Optional[int] = None,
        name: Optional[str] = None,
        max_output_bytes: Optional[int] = None,
        token: Optional[RunToken] = None,
        interruptible: bool = True,
    ) -> RunResult:
        """Read a script file and run it; see :meth:`run`.

        Wraps ``llmspell_engine_run``.

        Args:
            path: the file; its extension picks the language (``.lua``,
                ``.js``, ``.mjs``, ``.cjs``) unless ``lang`` is given.
            lang: the language, overriding the extension.
            args: as for :meth:`run`.
            timeout_ms: as for :meth:`run`.
            name: name used in error messages; defaults to the file's base
                name.
            max_output_bytes: as for :meth:`run`.
            token: as for :meth:`run`.
            interruptible: as for :meth:`run`.

        Returns:
            A :class:`RunResult`.

        Raises:
            InvalidArgumentError: the language cannot be told from the
                extension.
            OSError: the file cannot be read.
            LlmspellError: any error of :meth:`run`.
        """
        p = os.fspath(path)
        if lang is None:
            ext = os.path.splitext(p)[1].lower()
            if ext not in _EXT_LANG:
                raise InvalidArgumentError(
                    f"invalid_argument: cannot tell the language of {p!r} from its extension; pass lang="
                )
            lang = _EXT_LANG[ext]
        with open(p, "rb") as f:
            source = f.read()
        return self.run(
            source,
            lang,
            args,
            timeout_ms=timeout_ms,
            name=os.path.basename(p) if name is None else name,
            max_output_bytes=max_output_bytes,
            token=token,
            interruptible=interruptible,
        )
