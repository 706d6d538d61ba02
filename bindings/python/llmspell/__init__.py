"""Python binding of llmspell-go, over its C ABI (``include/llmspell.h``).

Example::

    import llmspell

    with llmspell.Engine() as engine:
        r = engine.run("print('hi'); return {answer = 42}", "lua")
        print(r.value["answer"], r.output)

The native library is found through ``LLMSPELL_LIBRARY``, the package
directory, the source tree's ``build/lib``, then the system search path. It
embeds a Go runtime: it cannot be unloaded, and a process must not ``fork()``
without ``exec()`` after importing this package.
"""

from .engine import Engine, RunResult, RunToken, abi_version, version, version_number
from .state import State, Transaction
from .sessions import Sessions
from .artifacts import Artifact, ArtifactReader, Artifacts, ArtifactWriter
from .backups import Backups
from .events import Events, Subscription
from .hooks import Hook, Hooks
from .tools import Tool, Tools
from .agents import Agent, Agents, DeltaStream, Providers
from .workflows import Workflow, Workflows
from .errors import (
    STATUS_CODES,
    CancelledError,
    ClosedError,
    ConflictError,
    DeniedError,
    InternalError,
    InvalidArgumentError,
    LimitExceededError,
    LlmspellError,
    LlmspellTimeoutError,
    NotFoundError,
    ProviderError,
    ScriptError,
    StorageError,
    ToolError,
)

__version__ = "0.1.0"

__all__ = [
    "Engine",
    "RunResult",
    "RunToken",
    "State",
    "Transaction",
    "Sessions",
    "Artifacts",
    "Artifact",
    "ArtifactWriter",
    "ArtifactReader",
    "Backups",
    "Events",
    "Subscription",
    "Hooks",
    "Hook",
    "Tools",
    "Tool",
    "Agents",
    "Agent",
    "DeltaStream",
    "Providers",
    "Workflows",
    "Workflow",
    "version",
    "version_number",
    "abi_version",
    "STATUS_CODES",
    "LlmspellError",
    "InvalidArgumentError",
    "NotFoundError",
    "DeniedError",
    "LlmspellTimeoutError",
    "CancelledError",
    "ProviderError",
    "ToolError",
    "InternalError",
    "ScriptError",
    "ClosedError",
    "StorageError",
    "LimitExceededError",
    "ConflictError",
]
