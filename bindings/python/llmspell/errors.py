"""Exception classes for llmspell, one per C status code.

This module has no dependency on the native library: it only defines the
classes and the mapping from the stable kind names (``llmspell_status_name``)
to them. :mod:`llmspell._ffi` uses :func:`error_class` to turn a failed call
into an exception.
"""

from __future__ import annotations

import builtins
from typing import Any, Dict, Optional, Tuple, Type

__all__ = [
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
    "STATUS_CODES",
    "error_class",
]


class LlmspellError(Exception):
    """Base class of every error raised by llmspell.

    Attributes:
        code: the stable kind name, e.g. ``"script_error"`` (the value of
            ``llmspell_status_name(status)``).
        status: the numeric C status code (``LLMSPELL_ERR_*``).
        message: the human-readable message; it starts with the kind name.
        details: structured detail from ``llmspell_error_details``; always has
            at least ``"kind"`` and ``"message"`` when it came from the
            library, and may hold ``"file"`` and ``"line"`` for script errors.
        output: for a failed run, the text the script printed before it
            failed; ``None`` otherwise.
    """

    #: Kind name of this class; subclasses override it.
    kind: str = "unknown"
    #: C status code of this class; subclasses override it.
    default_status: int = -1

    code: str
    status: int
    message: str
    details: Dict[str, Any]
    output: Optional[str]

    def __init__(
        self,
        message: str = "",
        *,
        status: Optional[int] = None,
        code: Optional[str] = None,
        details: Optional[Dict[str, Any]] = None,
        output: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = self.default_status if status is None else status
        self.code = self.kind if code is None else code
        self.details = dict(details) if details else {}
        self.output = output

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"

    def __reduce__(self) -> Tuple[Any, ...]:
        # Keyword-only fields are lost by the default exception pickling.
        return (
            _rebuild,
            (type(self), self.message, self.status, self.code, self.details, self.output),
        )


def _rebuild(
    cls: Type[LlmspellError],
    message: str,
    status: int,
    code: str,
    details: Dict[str, Any],
    output: Optional[str],
) -> LlmspellError:
    return cls(message, status=status, code=code, details=details, output=output)


class InvalidArgumentError(LlmspellError, ValueError):
    """A caller-supplied argument is wrong (``LLMSPELL_ERR_INVALID_ARGUMENT``):
    malformed JSON, bad UTF-8, unknown config key, unknown language, an
    out-of-range value."""

    kind = "invalid_argument"
    default_status = 1


class NotFoundError(LlmspellError):
    """A named thing does not exist (``LLMSPELL_ERR_NOT_FOUND``)."""

    kind = "not_found"
    default_status = 2


class DeniedError(LlmspellError, PermissionError):
    """The security policy refused the operation (``LLMSPELL_ERR_DENIED``)."""

    kind = "denied"
    default_status = 3


class LlmspellTimeoutError(LlmspellError, builtins.TimeoutError):
    """A deadline passed (``LLMSPELL_ERR_TIMEOUT``). Also a built-in
    :class:`TimeoutError`."""

    kind = "timeout"
    default_status = 4


class CancelledError(LlmspellError):
    """The operation was cancelled, for example through
    :meth:`llmspell.RunToken.cancel` (``LLMSPELL_ERR_CANCELLED``)."""

    kind = "cancelled"
    default_status = 5


class ProviderError(LlmspellError):
    """An LLM provider failed (``LLMSPELL_ERR_PROVIDER``)."""

    kind = "provider_error"
    default_status = 6


class ToolError(LlmspellError):
    """A tool failed while running (``LLMSPELL_ERR_TOOL``)."""

    kind = "tool_error"
    default_status = 7


class InternalError(LlmspellError):
    """A bug in the library, including a recovered panic
    (``LLMSPELL_ERR_INTERNAL``). The engine may be poisoned afterwards."""

    kind = "internal"
    default_status = 8


class ScriptError(LlmspellError):
    """A script failed: syntax error, runtime error, or a result that cannot
    become JSON (``LLMSPELL_ERR_SCRIPT``)."""

    kind = "script_error"
    default_status = 9


class ClosedError(LlmspellError):
    """The handle was closed, or its engine was (``LLMSPELL_ERR_CLOSED``)."""

    kind = "closed"
    default_status = 10


class StorageError(LlmspellError):
    """The storage layer failed: data folder locked, not a folder,
    unwritable, or an I/O error (``LLMSPELL_ERR_STORAGE``)."""

    kind = "storage_error"
    default_status = 11


class LimitExceededError(LlmspellError):
    """A resource limit was exceeded: output size, value size, recursion
    (``LLMSPELL_ERR_LIMIT``)."""

    kind = "limit_exceeded"
    default_status = 12


class ConflictError(LlmspellError):
    """A conflicting concurrent change (``LLMSPELL_ERR_CONFLICT``)."""

    kind = "conflict"
    default_status = 13


_CLASSES: Tuple[Type[LlmspellError], ...] = (
    InvalidArgumentError,
    NotFoundError,
    DeniedError,
    LlmspellTimeoutError,
    CancelledError,
    ProviderError,
    ToolError,
    InternalError,
    ScriptError,
    ClosedError,
    StorageError,
    LimitExceededError,
    ConflictError,
)

#: Kind name -> exception class, for every non-OK status.
STATUS_CODES: Dict[str, Type[LlmspellError]] = {c.kind: c for c in _CLASSES}

_BY_STATUS: Dict[int, Type[LlmspellError]] = {c.default_status: c for c in _CLASSES}


def error_class(code: "str | int") -> Type[LlmspellError]:
    """Return the exception class for a kind name or a numeric status.

    Args:
        code: a kind name such as ``"timeout"`` or a status such as ``4``.

    Returns:
        The matching subclass, or :class:`LlmspellError` for an unknown code.
    """
    if isinstance(code, int):
        return _BY_STATUS.get(code, LlmspellError)
    return STATUS_CODES.get(code, LlmspellError)
