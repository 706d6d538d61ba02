"""Backups of an engine's whole store: ``engine.backups``.

A backup holds the state, the sessions and the artifacts of an engine. The
library takes it from a pebble checkpoint, compresses it, checksums every
file with BLAKE3 and keeps it in the backup folder (config ``backup.dir``;
default ``<data_dir>.backups``). An in-memory engine can only back up when
``backup.dir`` is set. Old backups are pruned by ``backup.max_count`` and
``backup.max_age_days``, or by :meth:`Backups.cleanup`.

A backup summary is a dict with ``id``, ``created_at``, ``kind`` (``"full"``
or ``"incremental"``), ``parent`` (the backup an incremental one builds on),
``label``, ``file_count``, ``total_bytes``, ``stored_bytes``, ``key_count``,
``duration_ms`` and more. Wherever an id is taken, ``"latest"`` names the
newest backup.

Every method runs on the calling thread and releases the GIL while the
library works (a backup or a restore of a large store takes a while; other
Python threads go on). Writes to the engine continue during a backup; calls
that arrive during a restore wait for the swap.
"""

from __future__ import annotations

import json
from ctypes import c_size_t
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from . import _ffi
from .errors import InvalidArgumentError

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = ["Backups"]

_MAX_I64 = 2**63 - 1


def _invalid(message: str) -> InvalidArgumentError:
    text = f"invalid_argument: {message}"
    return InvalidArgumentError(text, details={"kind": "invalid_argument", "message": text})


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


def _id(value: Any) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"id must be str, not {type(value).__name__}")
    if "\0" in value:
        # The C ABI takes a NUL-terminated id: a NUL would cut it short.
        raise _invalid("id contains a NUL character")
    return value.encode("utf-8", "surrogatepass")


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be bool, not {type(value).__name__}")
    return value


def _limit(value: Any, what: str) -> Optional[int]:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be int or None, not {type(value).__name__}")
    if not -_MAX_I64 <= value <= _MAX_I64:
        raise _invalid(f"{what} is out of range: {value}")
    return value


def _take_json(out: Any, n: c_size_t, default: Any) -> Any:
    text = _ffi.take_string(out, n)
    return default if text is None else json.loads(text)


class Backups:
    """The backups of one :class:`~llmspell.Engine`; get it from ``engine.backups``.

    They are the backups spells see through ``State.create_backup`` and
    friends. The object keeps the engine object alive; every method raises
    :class:`~llmspell.errors.ClosedError` once the engine is closed.
    """

    __slots__ = ("_engine",)

    def __init__(self, engine: "Engine") -> None:
        # Internal: use Engine.backups.
        self._engine = engine

    def __repr__(self) -> str:
        return f"<llmspell.Backups of {self._engine!r}>"

    def create(self, incremental: bool = False, label: Optional[str] = None) -> Dict[str, Any]:
        """Take a backup of the whole store.

        Wraps ``llmspell_backup_create``.

        Args:
            incremental: store only what changed since the newest backup
                (which the new one then builds on); a full backup otherwise.
            label: a free-form label kept in the summary.

        Returns:
            The new backup's summary.

        Raises:
            InvalidArgumentError: a bad option; an in-memory engine without
                ``backup.dir``.
            StorageError: the backup could not be written.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        opts: Dict[str, Any] = {}
        if _flag(incremental, "incremental"):
            opts["incremental"] = True
        if label is not None:
            if not isinstance(label, str):
                raise TypeError(f"label must be str or None, not {type(label).__name__}")
            opts["label"] = label
        raw = _json(opts) if opts else None
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_backup_create(
                self._engine._live(),
                raw, len(raw) if raw is not None else 0,
                _ffi.byref(out), _ffi.byref(n), _ffi.byref(err),
            )
        finally:
            summary: Dict[str, Any] = _take_json(out, n, {})
        return summary

    def list(self) -> List[Dict[str, Any]]:
        """Return the summaries of the backups, newest first.

        Wraps ``llmspell_backup_list``.

        Returns:
            A list of backup summaries (empty when there is none).

        Raises:
            StorageError: the backup folder could not be read.
            ClosedError: the engine was closed.
        """
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_backup_list(self._engine._live(), _ffi.byref(out), _ffi.byref(n), _ffi.byref(err))
        finally:
            summaries: List[Dict[str, Any]] = _take_json(out, n, [])
        return summaries

    def validate(self, id: str) -> Dict[str, Any]:
        """Re-hash every file of a backup and of the backups it builds on.

        Wraps ``llmspell_backup_validate``.

        Args:
            id: a backup id, or ``"latest"``.

        Returns:
            The report, ``{"id": ..., "valid": True, ...}``.

        Raises:
            StorageError: the backup is corrupt; the message and ``details``
                name the file.
            NotFoundError: no such backup.
            ClosedError: the engine was closed.
            TypeError: id is not a str.
        """
        return self._by_id(_ffi.llmspell_backup_validate, id)

    def restore(self, id: str) -> Dict[str, Any]:
        """Replace the engine's whole store with a backup, while it stays open.

        Wraps ``llmspell_backup_restore``. The backup is restored into a
        fresh folder and checked there, then swapped in atomically; a failed
        restore leaves the store as it was. Calls that arrive during the
        swap wait for it. Restores run one at a time.

        Args:
            id: a backup id, or ``"latest"``.

        Returns:
            The report: ``id``, ``key_count``, ``files``, ``bytes``,
            ``duration_ms``.

        Raises:
            NotFoundError: no such backup.
            StorageError: a corrupt backup, or an I/O error.
            ClosedError: the engine was closed.
            TypeError: id is not a str.
        """
        return self._by_id(_ffi.llmspell_backup_restore, id)

    def _by_id(self, fn: Any, id: str) -> Dict[str, Any]:
        raw = _id(id)
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            fn(self._engine._live(), raw, _ffi.byref(out), _ffi.byref(n), _ffi.byref(err))
        finally:
            report: Dict[str, Any] = _take_json(out, n, {})
        return report

    def cleanup(
        self,
        dry_run: bool = False,
        max_count: Optional[int] = None,
        max_age_days: Optional[int] = None,
    ) -> Dict[str, Any]:
        """Prune backups: keep the newest ``max_count``, drop those older than
        ``max_age_days``, and never drop one that a kept backup builds on.

        Wraps ``llmspell_backup_cleanup``.

        Args:
            dry_run: report what would go and remove nothing.
            max_count: overrides the config's ``backup.max_count``; a
                negative value means no limit; None keeps the config's.
            max_age_days: overrides the config's ``backup.max_age_days``; a
                negative value means no limit; None keeps the config's.

        Returns:
            ``{"kept": [ids...], "removed": [ids...]}``.

        Raises:
            InvalidArgumentError: a bad option.
            StorageError: a backup could not be removed.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        opts: Dict[str, Any] = {}
        if _flag(dry_run, "dry_run"):
            opts["dry_run"] = True
        mc = _limit(max_count, "max_count")
        if mc is not None:
            opts["max_count"] = mc
        ma = _limit(max_age_days, "max_age_days")
        if ma is not None:
            opts["max_age_days"] = ma
        raw = _json(opts) if opts else None
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_backup_cleanup(
                self._engine._live(),
                raw, len(raw) if raw is not None else 0,
                _ffi.byref(out), _ffi.byref(n), _ffi.byref(err),
            )
        finally:
            report: Dict[str, Any] = _take_json(out, n, {})
        return report
