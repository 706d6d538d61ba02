"""The engine's agents and providers: ``engine.agents`` and ``engine.providers``.

An agent lives in its engine's registry under a name (the same registry
spells reach through their ``Agent`` global); an :class:`Agent` object is
only that name plus the engine, so several objects may name one agent and
:meth:`Agents.get` finds one made elsewhere (by a spell, say).

Configs are dicts with the keys of ``Agent.create`` in SCRIPT_API.md:
``name``, ``description``, ``type`` (``"llm"`` or ``"basic"``), ``model``
(``"provider/model"``; default: the in-process ``local/stories260K``),
``provider``, ``system_prompt``, ``temperature``, ``top_p``, ``seed``,
``max_tokens``, ``tools``, ``memory``, ``max_tool_rounds``, ``base_url``,
``api_key_env``, ``custom_config``, ``resource_limits`` (``{"timeout_ms"}``).
The library checks them: an unknown key or a wrong type raises
:class:`~llmspell.errors.InvalidArgumentError`, an unknown tool, provider
or model :class:`~llmspell.errors.NotFoundError`, a taken name
:class:`~llmspell.errors.ConflictError`.

An input is a str (the user's text) or a dict ``{"text", "messages"?,
"parameters"?}``. A result is a dict ``{"text", "tool_calls": [{"id",
"name", "arguments", "success", "result" | "error", "duration_ms"}],
"usage": {"input_tokens", "output_tokens"}, "metadata": {"model",
"provider", "execution_time_ms", "finish_reason", "rounds",
"correlation_id"}}``.

Blocking calls (:meth:`Agent.execute`, the waits of a :class:`DeltaStream`)
release the GIL. :meth:`Agent.execute` takes a
:class:`~llmspell.RunToken` through which another thread can cancel it, and
on the main thread watches for Ctrl-C so that it stops the turn
(``interruptible``); a
:class:`DeltaStream` waits in slices of at most 250 ms, so Ctrl-C reaches
a main thread that reads one, and closing it (or breaking out of a ``with``
block or a ``for`` loop over it, once the generator is collected) cancels
the agent's turn.
"""

from __future__ import annotations

import json
import math
import threading
import time
from ctypes import c_int32
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Union

from . import _ffi
from ._registry import _engine_json, _engine_run_json, _Entry, _invalid, _json, _Registry, _token_handle
from .errors import ClosedError, InvalidArgumentError, LlmspellTimeoutError

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine, RunToken

__all__ = ["Agents", "Agent", "DeltaStream", "Providers", "AgentInput"]

#: What an agent takes: the user's text, or ``{"text", "messages"?, "parameters"?}``.
AgentInput = Union[str, Dict[str, Any]]

#: Longest single wait in the library, in ms (see the module docstring).
_WAIT_SLICE_MS = 250


def _input_json(value: Any) -> bytes:
    if not isinstance(value, (str, dict)):
        raise TypeError(f"input must be str or dict, not {type(value).__name__}")
    return _json(value, "input")


class DeltaStream:
    """The text deltas of one agent turn, as the model produces them.

    Get one from :meth:`Agent.stream`. Iterate it for ``str`` deltas; once
    the iteration ends, :attr:`result` holds the turn's result dict (whose
    ``"text"`` is the deltas joined). A failed turn raises its error from
    the iteration (:class:`~llmspell.errors.ProviderError`,
    :class:`~llmspell.errors.CancelledError` after :meth:`cancel`, ...).

    The caller must :meth:`close` it, or use it as a context manager:
    closing a stream that has not ended cancels the agent's turn, waits for
    it to stop and frees the stream (``llmspell_delta_stream_free``). A
    stream that is garbage-collected unclosed is closed then.

    Thread-safety: one thread reads it at a time; :meth:`cancel` may come
    from any thread, also while another waits for a delta.
    """

    def __init__(self, _handle: Any) -> None:
        # Internal: use Agent.stream().
        self._handle: Any = _handle
        self._lock = threading.Lock()
        self._result: Optional[Dict[str, Any]] = None
        self._done = False

    def _live(self) -> Any:
        h = self._handle
        if h is None:
            raise ClosedError("closed: delta stream is closed")
        return h

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._handle is None

    @property
    def done(self) -> bool:
        """True once the turn has ended successfully (:attr:`result` is set)."""
        return self._done

    @property
    def result(self) -> Optional[Dict[str, Any]]:
        """The turn's result dict once the iteration has ended; None before
        (and after a failed or cancelled turn)."""
        return self._result

    def _next_ms(self, handle: Any, timeout_ms: int) -> Optional[str]:
        """One ``llmspell_delta_stream_next``; raises LlmspellTimeoutError
        when no delta came in time."""
        return _ffi.call_string(_ffi.llmspell_delta_stream_next, handle, timeout_ms)

    def _finish(self, handle: Any) -> Dict[str, Any]:
        text = _ffi.call_string(_ffi.llmspell_delta_stream_result, handle)
        result: Dict[str, Any] = json.loads(text or "{}")
        return result

    def next(self, timeout: Optional[float] = None) -> Optional[str]:
        """Wait up to ``timeout`` seconds for the next delta.

        Wraps ``llmspell_delta_stream_next`` (and, at the end,
        ``llmspell_delta_stream_result``). The GIL is released while it
        waits, in slices of at most 250 ms.

        Args:
            timeout: seconds (0 does not wait); None waits for the next
                delta or the end.

        Returns:
            The delta, or None when none came in time.

        Raises:
            StopIteration: the turn has ended; :attr:`result` is set.
            ProviderError, CancelledError, LlmspellTimeoutError, ...: the
                turn failed (the stream has then ended).
            ClosedError: the stream was closed.
        """
        handle = self._live()
        if self._done:
            raise StopIteration
        deadline = None
        if timeout is not None:
            if not isinstance(timeout, (int, float)) or isinstance(timeout, bool):
                raise TypeError(f"timeout must be a number of seconds or None, not {type(timeout).__name__}")
            if not timeout >= 0:
                raise _invalid(f"timeout must be >= 0 seconds, got {timeout}")
            if not math.isinf(timeout):
                deadline = time.monotonic() + timeout
        while True:
            if deadline is None:
                wait = _WAIT_SLICE_MS
            else:
                wait = min(_WAIT_SLICE_MS, max(0, math.ceil((deadline - time.monotonic()) * 1000)))
            try:
                text = self._next_ms(handle, wait)
            except LlmspellTimeoutError:
                # Either no delta in time, or the turn itself timed out: only
                # an ended stream has a result (or its error) to give.
                try:
                    self._finish(handle)
                except InvalidArgumentError:
                    if deadline is not None and time.monotonic() >= deadline:
                        return None
                    continue
                raise
            if text is None:
                self._result = self._finish(handle)
                self._done = True
                raise StopIteration
            return text

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        text = self.next()
        assert text is not None
        return text

    def text(self) -> str:
        """Read the rest of the stream and return the turn's whole text.

        Raises:
            as :meth:`next`.
        """
        for _ in self:
            pass
        assert self._result is not None
        return str(self._result.get("text", ""))

    def cancel(self) -> None:
        """Stop the agent's turn (its HTTP request and tool calls); the
        iteration then raises :class:`~llmspell.errors.CancelledError` after
        the deltas already made. Harmless once the turn has ended. Safe from
        any thread.

        Wraps ``llmspell_delta_stream_cancel``.

        Raises:
            ClosedError: the stream was closed.
        """
        err = _ffi.ErrorP()
        _ffi.llmspell_delta_stream_cancel(self._live(), _ffi.byref(err))

    def close(self) -> None:
        """Cancel the turn if it still runs, wait for it to stop, and free
        the stream. Idempotent.

        Wraps ``llmspell_delta_stream_free``.
        """
        with self._lock:
            h, self._handle = self._handle, None
        if h is not None:
            _ffi.llmspell_delta_stream_free(h)

    def __enter__(self) -> "DeltaStream":
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
        state = "closed" if self.closed else ("done" if self._done else "open")
        return f"<llmspell.DeltaStream {state}>"


class Agent(_Entry):
    """One agent of an engine's registry, by name; from
    :meth:`Agents.create` or :meth:`Agents.get`.

    The object holds the name and the engine; it owns nothing in the
    library, so there is nothing to close. Once the agent is removed (by
    :meth:`remove` or anywhere else) its methods raise
    :class:`~llmspell.errors.NotFoundError`; once the engine is closed,
    :class:`~llmspell.errors.ClosedError`.

    Thread-safety: every method may be called from any thread; concurrent
    turns each see the agent's memory as it was when they started.
    """

    # Internal: use engine.agents.create() or engine.agents.get().
    __slots__ = ()
    _kind = "agent"

    @property
    def name(self) -> str:
        """The agent's name in the registry."""
        return self._name

    def execute(
        self, input: AgentInput, token: "Optional[RunToken]" = None, *, interruptible: bool = True
    ) -> Dict[str, Any]:
        """Run one turn (with its tool loop) and return the result. The GIL
        is released while it runs; on the main thread Ctrl-C stops it (see
        ``interruptible``).

        Wraps ``llmspell_agent_execute``.

        Args:
            input: the user's text, or ``{"text", "messages"?, "parameters"?}``.
            token: a :class:`~llmspell.RunToken` through which another
                thread may cancel the turn. An interrupt never cancels it.
            interruptible: True (the default), when called on the main
                thread with a Python SIGINT handler (as by default), makes
                Ctrl-C cancel the turn and raise KeyboardInterrupt once it
                has stopped (see the README's "Cancellation and Ctrl-C");
                False calls the library plainly, saving a few µs (0.1 ms
                with a SIGINT handler of your own or an asyncio loop) for
                short calls in a hot loop.

        Returns:
            The result dict (see the module docstring).

        Raises:
            NotFoundError: no such agent.
            InvalidArgumentError: an empty or malformed input.
            ProviderError: the model's server failed (``details`` has
                ``"status"`` and ``"provider"``).
            CancelledError: ``token`` was cancelled.
            LlmspellTimeoutError: the agent's ``resource_limits.timeout_ms`` passed.
            ClosedError: the engine or the token was closed.
            TypeError: ``input`` is neither str nor dict.
            KeyboardInterrupt: Ctrl-C during an interruptible turn.
        """
        raw = _input_json(input)
        result: Dict[str, Any] = _engine_run_json(
            self._engine, _ffi.llmspell_agent_execute, (self._n(), raw, len(raw)), token, interruptible
        )
        return result

    def stream(self, input: AgentInput, token: "Optional[RunToken]" = None) -> DeltaStream:
        """Start a turn whose text deltas are read as they come.

        Wraps ``llmspell_agent_stream_open``. The agent runs in the
        background and waits when 16 deltas are unread.

        Example::

            with agent.stream("Once upon a time") as s:
                for delta in s:
                    print(delta, end="", flush=True)
            s.result["usage"]

        Args:
            input: as for :meth:`execute`.
            token: as for :meth:`execute`.

        Returns:
            A :class:`DeltaStream`; the caller must close it.

        Raises:
            NotFoundError: no such agent.
            InvalidArgumentError: a malformed input.
            ClosedError: the engine or the token was closed.
            TypeError: ``input`` is neither str nor dict.

            Errors of the turn itself come from the iteration.
        """
        raw = _input_json(input)
        run = _token_handle(token)
        out = _ffi.DeltaStreamP()
        err = _ffi.ErrorP()
        _ffi.llmspell_agent_stream_open(
            self._engine._live(), self._n(), raw, len(raw), run, _ffi.byref(out), _ffi.byref(err)
        )
        return DeltaStream(out)

    def info(self) -> Dict[str, Any]:
        """Describe the agent.

        Wraps ``llmspell_agent_info``.

        Returns:
            ``{"name", "description", "type", "model", "provider", "tools",
            "system_prompt", "max_conversation_length", "max_tool_rounds",
            "memory_length"}``.

        Raises:
            NotFoundError: no such agent.
            ClosedError: the engine was closed.
        """
        info: Dict[str, Any] = _engine_json(self._engine, _ffi.llmspell_agent_info, self._n())
        return info

    def history(self) -> List[Dict[str, Any]]:
        """Return the agent's conversation memory.

        Wraps ``llmspell_agent_history``.

        Returns:
            A list of messages ``{"role", "content", "tool_calls"?,
            "tool_call_id"?, "name"?}``, oldest first.

        Raises:
            NotFoundError: no such agent.
            ClosedError: the engine was closed.
        """
        messages: List[Dict[str, Any]] = _engine_json(self._engine, _ffi.llmspell_agent_history, self._n()) or []
        return messages

    def clear_history(self) -> None:
        """Empty the agent's memory (not its saved copy).

        Wraps ``llmspell_agent_clear_history``.

        Raises:
            NotFoundError: no such agent.
            ClosedError: the engine was closed.
        """
        err = _ffi.ErrorP()
        _ffi.llmspell_agent_clear_history(self._engine._live(), self._n(), _ffi.byref(err))

    def save_state(self) -> None:
        """Save the agent's memory in state scope ``agent:<name>``, so that
        a later engine on the same store can :meth:`load_state` it.

        Wraps ``llmspell_agent_save_state``.

        Raises:
            NotFoundError: no such agent.
            StorageError: the store failed.
            ClosedError: the engine was closed.
        """
        err = _ffi.ErrorP()
        _ffi.llmspell_agent_save_state(self._engine._live(), self._n(), _ffi.byref(err))

    def load_state(self) -> bool:
        """Replace the agent's memory with its saved copy.

        Wraps ``llmspell_agent_load_state``.

        Returns:
            True when a saved copy existed; False leaves the memory as it was.

        Raises:
            NotFoundError: no such agent.
            StorageError: the saved copy is damaged.
            ClosedError: the engine was closed.
        """
        found = c_int32()
        err = _ffi.ErrorP()
        _ffi.llmspell_agent_load_state(self._engine._live(), self._n(), _ffi.byref(found), _ffi.byref(err))
        return bool(found.value)

    def wrap_as_tool(self, tool_name: Optional[str] = None, description: Optional[str] = None) -> str:
        """Register the agent as a tool taking ``{"input": "..."}``, so that
        other agents, workflows, spells and :meth:`llmspell.Tools.invoke`
        can call it.

        Wraps ``llmspell_agent_wrap_as_tool``.

        Args:
            tool_name: the tool's name; None for ``"agent_<name>"``.
            description: the tool's description, shown to models.

        Returns:
            The tool's name.

        Raises:
            NotFoundError: no such agent.
            ConflictError: the tool name is taken.
            InvalidArgumentError: a bad tool name.
            ClosedError: the engine was closed.
        """
        return self._wrap_as_tool(_ffi.llmspell_agent_wrap_as_tool, tool_name, description)

    def remove(self) -> bool:
        """Unregister the agent; turns in progress finish, and its saved
        memory stays in state.

        Wraps ``llmspell_agent_remove``.

        Returns:
            True when it existed.

        Raises:
            ClosedError: the engine was closed.
        """
        return self._engine.agents.remove(self._name)


class Agents(_Registry):
    """The agent registry of one :class:`~llmspell.Engine`; get it from
    ``engine.agents``. It is the registry spells use through their
    ``Agent`` global. Every method raises
    :class:`~llmspell.errors.ClosedError` once the engine is closed.
    """

    # Internal: use Engine.agents.
    __slots__ = ()
    _entry = Agent

    def create(self, config: Optional[Dict[str, Any]] = None, /, **fields: Any) -> Agent:
        """Build and register an agent.

        Wraps ``llmspell_agent_create``. Unknown tools and providers fail
        here, not at the first turn.

        Example::

            agent = engine.agents.create(name="teller", tools=["calculator"],
                                         temperature=0, max_tokens=24)
            agent = engine.agents.create({"name": "echo", "type": "basic"})

        Args:
            config: a config dict (see the module docstring); None for {}.
            **fields: config keys, added to (and overriding) ``config``:
                ``name``, ``model``, ``tools``, ``system_prompt``,
                ``temperature``, ``max_tokens``, ``memory``, ``type``, ...
                A value of None leaves the key out.

        Returns:
            The :class:`Agent` (with a generated name when none was given).

        Raises:
            InvalidArgumentError: an unknown key, a wrong type or a bad value.
            NotFoundError: an unknown tool or provider, or a missing local
                model.
            ConflictError: the name is taken.
            ClosedError: the engine was closed.
            TypeError: ``config`` is not a dict.
        """
        if config is None:
            cfg: Dict[str, Any] = {}
        elif isinstance(config, dict):
            cfg = dict(config)
        else:
            raise TypeError(f"config must be a dict or None, not {type(config).__name__}")
        for key, value in fields.items():
            if value is not None:
                cfg[key] = value
        name = self._create(_ffi.llmspell_agent_create, _json(cfg, "config"))
        return Agent(self._engine, name or str(cfg.get("name", "")))

    def get(self, name: str) -> Agent:
        """Return the agent named ``name`` (made by this process or a spell).

        Wraps ``llmspell_agent_info``.

        Raises:
            NotFoundError: no such agent.
            ClosedError: the engine was closed.
        """
        agent: Agent = self._get(name)
        return agent

    def list(self) -> List[Dict[str, Any]]:
        """Describe every agent, sorted by name (infos as :meth:`Agent.info`).

        Wraps ``llmspell_agent_list``.

        Raises:
            ClosedError: the engine was closed.
        """
        return self._list(_ffi.llmspell_agent_list)

    def remove(self, name: str) -> bool:
        """Unregister the agent named ``name``.

        Wraps ``llmspell_agent_remove``.

        Returns:
            True when it existed.

        Raises:
            ClosedError: the engine was closed.
        """
        return self._remove(_ffi.llmspell_agent_remove, name)


class Providers:
    """The LLM providers of one :class:`~llmspell.Engine`; get it from
    ``engine.providers``."""

    __slots__ = ("_engine",)

    def __init__(self, engine: "Engine") -> None:
        # Internal: use Engine.providers.
        self._engine = engine

    def __repr__(self) -> str:
        return f"<llmspell.Providers of {self._engine!r}>"

    def list(self) -> List[Dict[str, Any]]:
        """Describe the configured providers, and the presets whose key is
        set or that need none (``"local"``, ``"ollama"``, ...).

        Wraps ``llmspell_provider_list``.

        Returns:
            A list of ``{"name", "type", "base_url", "default_model",
            "has_key", "capabilities": {"streaming", "tools",
            "parallel_tool_calls", "vision", "json_mode"}}``; keys never
            appear.

        Raises:
            ClosedError: the engine was closed.
        """
        providers: List[Dict[str, Any]] = _engine_json(self._engine, _ffi.llmspell_provider_list) or []
        return providers

    def names(self) -> List[str]:
        """Return the providers' names (see :meth:`list`)."""
        return [str(p.get("name")) for p in self.list()]
