"""The engine's workflows: ``engine.workflows``.

A workflow is defined as a dict (or its JSON text) in the table form of
SCRIPT_API.md and registered under its name in the engine's registry, the
one spells reach through their ``Workflow`` global; a :class:`Workflow`
object is only that name plus the engine, like :class:`~llmspell.Agent`.

Example::

    wf = engine.workflows.create({
        "name": "chain", "type": "sequential",
        "steps": [
            {"name": "id", "tool": "uuid_generator"},
            {"name": "digest", "tool": "hash_calculator",
             "input": {"input": "{{steps.id.output.uuid}}", "algorithm": "sha256"}},
        ],
    })
    result = wf.execute()
    result["output"]["hash"]

Definitions: ``{"name", "type": "sequential"|"parallel"|"conditional"|
"loop", "steps", "branches", "iterator", "body", "aggregate",
"error_strategy", "retry", "timeout_ms", "output", ...}``; steps are
``{"name", "type": "tool"|"agent"|"workflow"|"function"|"input", "tool",
"agent", "workflow", "function", "input", "when", "error_strategy",
"retry", "timeout_ms", "prompt"}`` (see ``include/llmspell.h``). A
function step names a registered tool, so a Python closure registered with
:meth:`llmspell.Tools.register` is a step of a JSON workflow::

    engine.tools.register("shout", lambda p: {"text": p["text"].upper()})
    engine.workflows.create({"name": "w", "steps": [
        {"name": "s", "type": "function", "function": "shout", "input": {"text": "hi"}}]})

The library checks a definition when it is created: an unknown tool,
agent or workflow raises :class:`~llmspell.errors.NotFoundError`; a
reference to a step that does not run before, a loop without a bound, an
unknown key or cyclic nesting :class:`~llmspell.errors.InvalidArgumentError`;
a taken name :class:`~llmspell.errors.ConflictError`.

Results are dicts ``{"run_id", "workflow", "status": "completed"|"failed"|
"waiting_input", "success", "output", "steps": [{"name", "path", "type",
"success", "output", "error"?, "attempts", "duration_ms", "skipped"?,
"restored"?}], "duration_ms", "error"?, "pending_step"?, "prompt"?}``. A
failing step is in the result (``success`` False); the call itself raises
for bad input, a cancelled token (:class:`~llmspell.errors.CancelledError`)
or the workflow's timeout (:class:`~llmspell.errors.LlmspellTimeoutError`).
Every run is checkpointed after each step: :meth:`Workflows.resume`
finishes one that paused at an input step, failed or was cancelled.

:meth:`Workflow.execute` and :meth:`Workflows.resume` release the GIL
while they run; a :class:`~llmspell.RunToken` cancels them from another
thread. On the main thread Ctrl-C stops them (``interruptible``): the
run is cancelled (its record says
``"cancelled"``) and KeyboardInterrupt is raised once it has stopped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple, Union

from . import _ffi
from ._registry import _cstr, _engine_json, _engine_run_json, _Entry, _invalid, _json, _opt_json, _Registry

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine, RunToken

__all__ = ["Workflows", "Workflow", "Definition"]

#: A workflow definition: a dict, or its JSON text.
Definition = Union[Dict[str, Any], str]


def _definition_json(definition: Any) -> bytes:
    if isinstance(definition, str):
        if "\0" in definition:
            raise _invalid("definition contains a NUL character")
        return definition.encode("utf-8", "surrogatepass")
    if not isinstance(definition, dict):
        raise TypeError(f"definition must be a dict or a JSON str, not {type(definition).__name__}")
    return _json(definition, "definition")


def _run_json(
    engine: "Engine", fn: Any, args: Tuple[Any, ...], token: "Optional[RunToken]", interruptible: bool
) -> Dict[str, Any]:
    """Call the blocking ``fn(handle, *args, run, &out, &len, &err)`` (see
    :func:`_engine_run_json`)."""
    result: Dict[str, Any] = _engine_run_json(engine, fn, args, token, interruptible)
    return result


class Workflow(_Entry):
    """One workflow of an engine's registry, by name; from
    :meth:`Workflows.create` or :meth:`Workflows.get`.

    The object holds the name and the engine; it owns nothing in the
    library, so there is nothing to close. Once the workflow is removed its
    methods raise :class:`~llmspell.errors.NotFoundError`; once the engine
    is closed, :class:`~llmspell.errors.ClosedError`.

    Thread-safety: every method may be called from any thread; runs of one
    workflow may overlap.
    """

    # Internal: use engine.workflows.create() or engine.workflows.get().
    __slots__ = ()
    _kind = "workflow"

    @property
    def name(self) -> str:
        """The workflow's name in the registry."""
        return self._name

    def execute(
        self,
        input: Any = None,
        run_id: Optional[str] = None,
        timeout_ms: Optional[int] = None,
        token: "Optional[RunToken]" = None,
        *,
        interruptible: bool = True,
    ) -> Dict[str, Any]:
        """Run the workflow and block until it completes, fails, or pauses
        at an input step. The GIL is released while it runs; on the main
        thread Ctrl-C stops it (see ``interruptible``).

        Wraps ``llmspell_workflow_execute``.

        Args:
            input: the workflow's input, any JSON-serializable value
                (``{{input.<key>}}`` in the definition); None for null.
            run_id: the run's id (letters, digits, ``_``, ``-``); None for a
                generated one.
            timeout_ms: a limit for the whole run, in ms; None for the
                definition's.
            token: a :class:`~llmspell.RunToken` through which another
                thread may cancel the run. An interrupt never cancels it.
            interruptible: True (the default), when called on the main
                thread with a Python SIGINT handler (as by default), makes
                Ctrl-C cancel the run (its record says ``"cancelled"``) and
                raise KeyboardInterrupt once it has stopped; False calls
                the library plainly, saving a few µs (0.1 ms with a SIGINT
                handler of your own or an asyncio loop) for short runs in
                a hot loop.

        Returns:
            The result dict (see the module docstring).

        Raises:
            NotFoundError: no such workflow.
            InvalidArgumentError: an input that cannot be JSON, a bad run id
                or timeout.
            ConflictError: ``run_id`` is in use.
            CancelledError: ``token`` was cancelled (the run record says
                ``"cancelled"``; :meth:`Workflows.resume` finishes it).
            LlmspellTimeoutError: ``timeout_ms`` passed.
            ClosedError: the engine or the token was closed.
            TypeError: an argument has the wrong type.
            KeyboardInterrupt: Ctrl-C during an interruptible run.
        """
        opts: Dict[str, Any] = {}
        if run_id is not None:
            _cstr(run_id, "run_id")
            opts["run_id"] = run_id
        if timeout_ms is not None:
            if not isinstance(timeout_ms, int) or isinstance(timeout_ms, bool):
                raise TypeError(f"timeout_ms must be int or None, not {type(timeout_ms).__name__}")
            if timeout_ms < 0:
                raise _invalid(f"timeout_ms must be >= 0, got {timeout_ms}")
            opts["timeout_ms"] = timeout_ms
        raw = _opt_json(input, "input")
        o = _json(opts, "options") if opts else None
        return _run_json(
            self._engine, _ffi.llmspell_workflow_execute,
            (self._n(), raw, len(raw) if raw is not None else 0, o, len(o) if o is not None else 0),
            token, interruptible,
        )

    def info(self) -> Dict[str, Any]:
        """Describe the workflow.

        Wraps ``llmspell_workflow_info``.

        Returns:
            ``{"name", "description", "type", "steps", "branches",
            "serializable", "definition"?}``; ``"definition"`` is there when
            the workflow holds no script functions.

        Raises:
            NotFoundError: no such workflow.
            ClosedError: the engine was closed.
        """
        info: Dict[str, Any] = _engine_json(self._engine, _ffi.llmspell_workflow_info, self._n())
        return info

    def wrap_as_tool(self, tool_name: Optional[str] = None, description: Optional[str] = None) -> str:
        """Register the workflow as a tool taking ``{"input": any}`` and
        returning the workflow's result, so that agents, other workflows,
        spells and :meth:`llmspell.Tools.invoke` can call it.

        Wraps ``llmspell_workflow_wrap_as_tool``.

        Args:
            tool_name: the tool's name; None for ``"workflow_<name>"``.
            description: the tool's description, shown to models.

        Returns:
            The tool's name.

        Raises:
            NotFoundError: no such workflow.
            ConflictError: the tool name is taken.
            InvalidArgumentError: a bad tool name.
            ClosedError: the engine was closed.
        """
        return self._wrap_as_tool(_ffi.llmspell_workflow_wrap_as_tool, tool_name, description)

    def remove(self) -> bool:
        """Unregister the workflow; runs in progress finish, and its run
        records stay (see :meth:`Workflows.remove`).

        Wraps ``llmspell_workflow_remove``.

        Returns:
            True when it existed.

        Raises:
            ClosedError: the engine was closed.
        """
        return self._engine.workflows.remove(self._name)


class Workflows(_Registry):
    """The workflow registry of one :class:`~llmspell.Engine`; get it from
    ``engine.workflows``. It is the registry spells use through their
    ``Workflow`` global. Every method raises
    :class:`~llmspell.errors.ClosedError` once the engine is closed.
    """

    # Internal: use Engine.workflows.
    __slots__ = ()
    _entry = Workflow

    def create(self, definition: Definition) -> Workflow:
        """Check a definition and register the workflow.

        Wraps ``llmspell_workflow_create``.

        Args:
            definition: a dict (see the module docstring), or its JSON text.

        Returns:
            The :class:`Workflow`.

        Raises:
            NotFoundError: an unknown tool, agent or workflow (a function
                step names a tool that is not registered).
            InvalidArgumentError: a malformed definition, an unknown key, a
                reference to a step that does not run before, a loop
                without a bound, cyclic nesting.
            ConflictError: the name is taken.
            ClosedError: the engine was closed.
            TypeError: ``definition`` is neither a dict nor a str.
        """
        name = self._create(_ffi.llmspell_workflow_create, _definition_json(definition))
        if name is None and isinstance(definition, dict):
            name = str(definition.get("name", ""))
        return Workflow(self._engine, name or "")

    def get(self, name: str) -> Workflow:
        """Return the workflow named ``name`` (made here or by a spell).

        Wraps ``llmspell_workflow_info``.

        Raises:
            NotFoundError: no such workflow.
            ClosedError: the engine was closed.
        """
        wf: Workflow = self._get(name)
        return wf

    def list(self) -> List[Dict[str, Any]]:
        """Describe every workflow: ``{"name", "description", "type",
        "steps", "branches", "serializable"}``.

        Wraps ``llmspell_workflow_list``.

        Raises:
            ClosedError: the engine was closed.
        """
        return self._list(_ffi.llmspell_workflow_list)

    def remove(self, name: str) -> bool:
        """Unregister the workflow named ``name``; runs in progress finish.

        Wraps ``llmspell_workflow_remove``.

        Returns:
            True when it existed.

        Raises:
            ClosedError: the engine was closed.
        """
        return self._remove(_ffi.llmspell_workflow_remove, name)

    def resume(
        self, run_id: str, input: Any = None, token: "Optional[RunToken]" = None, *, interruptible: bool = True
    ) -> Dict[str, Any]:
        """Finish a run that paused at an input step, failed, was cancelled,
        timed out or was killed: finished steps are restored from its
        checkpoint, the rest run. The GIL is released while it runs; Ctrl-C
        stops it as it stops :meth:`Workflow.execute`.

        Wraps ``llmspell_workflow_resume``.

        Args:
            run_id: the run's id (``result["run_id"]``).
            input: the answer for the input step the run waits for (any
                JSON-serializable value); None for null.
            token: a :class:`~llmspell.RunToken` that cancels the run.
            interruptible: as for :meth:`Workflow.execute`.

        Returns:
            The result dict, as :meth:`Workflow.execute`.

        Raises:
            NotFoundError: no such run.
            ConflictError: the run completed.
            InvalidArgumentError: a malformed run id.
            CancelledError, LlmspellTimeoutError, ClosedError,
                KeyboardInterrupt: as :meth:`Workflow.execute`.
        """
        raw = _opt_json(input, "input")
        return _run_json(
            self._engine, _ffi.llmspell_workflow_resume,
            (_cstr(run_id, "run_id"), raw, len(raw) if raw is not None else 0), token, interruptible,
        )

    def run_record(self, run_id: str) -> Dict[str, Any]:
        """Return a run's record: ``{"id", "workflow", "status", "input",
        "shared", "output"?, "error"?, "started_at", "updated_at",
        "steps"}``; ``status`` is ``"running"``, ``"completed"``,
        ``"failed"``, ``"cancelled"`` or ``"waiting_input"``.

        Wraps ``llmspell_workflow_run_record``.

        Raises:
            NotFoundError: no such run.
            InvalidArgumentError: a malformed run id.
            ClosedError: the engine was closed.
        """
        record: Dict[str, Any] = _engine_json(self._engine, _ffi.llmspell_workflow_run_record, _cstr(run_id, "run_id"))
        return record
