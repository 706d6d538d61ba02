"""Persistent key-value state of an engine: :class:`State` and :class:`Transaction`.

Get a :class:`State` from :attr:`llmspell.Engine.state`. State lives in
scopes: ``"global"``, ``"agent:<id>"``, ``"workflow:<id>"``,
``"session:<id>"``, ``"tool:<id>"``, ``"user:<id>"``, ``"custom:<id>"``;
scopes never see each other's keys, and a scope of ``None`` means
``"global"``. It is the same state that spells see through their ``State``
global, so a Lua or JS spell run on the same engine reads what Python wrote,
and the other way round.

Values are any JSON-serializable Python value. They are encoded with
``json.dumps(value, separators=(",", ":"), ensure_ascii=False)`` as UTF-8 and
decoded with :func:`json.loads`, so tuples come back as lists and dict keys
as strings. Storing ``None`` (JSON null) deletes the key.

A key is 1..256 bytes of UTF-8, without ``".."``, CR or LF, and does not
start with ``"__"`` or ``"$$"``; a value is at most the engine's
``state.max_value_bytes`` (default 10 MiB) once encoded. The library checks
all of this and raises :class:`~llmspell.errors.InvalidArgumentError`.

Durability follows the engine config's ``state.durability``: ``"batched"``
(the default) syncs to disk within ``state.batch_window_ms``; ``"sync"``
has the value on disk when the call returns. Closing the engine flushes.

Thread-safety: every method may be called from any thread, concurrently.
The calls are short and run on the calling thread (the GIL is released
while the library works). A :class:`Transaction` object itself is meant for
one thread.
"""

from __future__ import annotations

import json
from ctypes import c_int32, c_size_t
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Type

from . import _ffi
from .errors import InvalidArgumentError

if TYPE_CHECKING:  # pragma: no cover
    from types import TracebackType

    from .engine import Engine

__all__ = ["State", "Transaction"]

_MAX_LIMIT = 2**32 - 1


def _invalid(message: str) -> InvalidArgumentError:
    text = f"invalid_argument: {message}"
    return InvalidArgumentError(text, details={"kind": "invalid_argument", "message": text})


def _encode_value(value: Any, what: str = "value") -> bytes:
    """Encode a value as compact UTF-8 JSON.

    Raises:
        InvalidArgumentError: NaN or infinity, or a circular reference.
        TypeError: the value holds something JSON cannot represent.
    """
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError as e:  # NaN/Infinity, circular reference
        raise _invalid(f"{what} cannot be encoded as JSON: {e}") from e
    # surrogatepass keeps lone surrogates as (invalid) UTF-8 bytes so that
    # the library rejects them like any other invalid UTF-8.
    return text.encode("utf-8", "surrogatepass")


def _check_name(value: Any, what: str, optional: bool) -> Optional[str]:
    """Check a scope, key or prefix: a str without NUL (or None if optional)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        allowed = "str or None" if optional else "str"
        raise TypeError(f"{what} must be {allowed}, not {type(value).__name__}")
    if "\0" in value:
        # The C ABI takes NUL-terminated names: a NUL would cut the name short.
        raise _invalid(f"{what} contains a NUL character")
    return value


def _name_bytes(value: Any, what: str, optional: bool) -> Optional[bytes]:
    s = _check_name(value, what, optional)
    return None if s is None else s.encode("utf-8", "surrogatepass")


class State:
    """The persistent key-value state of one :class:`~llmspell.Engine`.

    Obtain it with ``engine.state``; it keeps the engine object alive. Every
    method raises :class:`~llmspell.errors.ClosedError` once the engine is
    closed, :class:`~llmspell.errors.InvalidArgumentError` for a bad scope,
    key or value, and :class:`~llmspell.errors.StorageError` when the store
    fails.
    """

    __slots__ = ("_engine",)

    def __init__(self, engine: "Engine") -> None:
        # Internal: use Engine.state.
        self._engine = engine

    def __repr__(self) -> str:
        return f"<llmspell.State of {self._engine!r}>"

    def set(self, scope: Optional[str], key: str, value: Any) -> None:
        """Store ``value`` under ``key`` in ``scope``; ``None`` deletes the key.

        Wraps ``llmspell_state_set``.

        Args:
            scope: the scope, e.g. ``"agent:a"``; None for ``"global"``.
            key: the key.
            value: any JSON-serializable value.

        Raises:
            InvalidArgumentError: bad scope or key, a value that cannot be
                JSON (NaN, a cycle) or that is larger than
                ``state.max_value_bytes``.
            StorageError: the store failed.
            ClosedError: the engine was closed.
            TypeError: scope or key is not a str, or the value is not
                JSON-serializable.
        """
        sc = _name_bytes(scope, "scope", True)
        k = _name_bytes(key, "key", False)
        raw = _encode_value(value)
        err = _ffi.ErrorP()
        _ffi.llmspell_state_set(self._engine._live(), sc, k, raw, len(raw), _ffi.byref(err))

    def get(self, scope: Optional[str], key: str, default: Any = None) -> Any:
        """Return the value of ``key`` in ``scope``, or ``default`` when absent.

        Wraps ``llmspell_state_get``.

        Args:
            scope: the scope; None for ``"global"``.
            key: the key.
            default: what to return when the key is not set.

        Returns:
            The stored value, decoded from JSON, or ``default``.

        Raises:
            InvalidArgumentError: bad scope or key.
            StorageError: the store failed.
            ClosedError: the engine was closed.
            TypeError: scope or key is not a str.
        """
        sc = _name_bytes(scope, "scope", True)
        k = _name_bytes(key, "key", False)
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_state_get(
                self._engine._live(), sc, k, _ffi.byref(out), _ffi.byref(n), _ffi.byref(err)
            )
        finally:
            text = _ffi.take_string(out, n)
        if text is None:
            return default
        return json.loads(text)

    def delete(self, scope: Optional[str], key: str) -> bool:
        """Remove ``key`` from ``scope``. Deleting a missing key is not an error.

        Wraps ``llmspell_state_delete``.

        Args:
            scope: the scope; None for ``"global"``.
            key: the key.

        Returns:
            True if the key existed.

        Raises:
            InvalidArgumentError: bad scope or key.
            StorageError: the store failed.
            ClosedError: the engine was closed.
            TypeError: scope or key is not a str.
        """
        sc = _name_bytes(scope, "scope", True)
        k = _name_bytes(key, "key", False)
        existed = c_int32()
        err = _ffi.ErrorP()
        _ffi.llmspell_state_delete(
            self._engine._live(), sc, k, _ffi.byref(existed), _ffi.byref(err)
        )
        return existed.value != 0

    def exists(self, scope: Optional[str], key: str) -> bool:
        """Report whether ``key`` is set in ``scope``.

        Wraps ``llmspell_state_exists``.

        Args:
            scope: the scope; None for ``"global"``.
            key: the key.

        Returns:
            True if the key is set.

        Raises:
            InvalidArgumentError: bad scope or key.
            StorageError: the store failed.
            ClosedError: the engine was closed.
            TypeError: scope or key is not a str.
        """
        sc = _name_bytes(scope, "scope", True)
        k = _name_bytes(key, "key", False)
        found = c_int32()
        err = _ffi.ErrorP()
        _ffi.llmspell_state_exists(self._engine._live(), sc, k, _ffi.byref(found), _ffi.byref(err))
        return found.value != 0

    def keys(self, scope: Optional[str], prefix: Optional[str] = None, limit: int = 0) -> List[str]:
        """List the keys of ``scope`` in byte order, as a consistent snapshot.

        Wraps ``llmspell_state_list``.

        Args:
            scope: the scope; None for ``"global"``.
            prefix: only keys starting with this; None for all keys.
            limit: at most this many keys; 0 for no limit.

        Returns:
            The keys.

        Raises:
            InvalidArgumentError: bad scope, or ``limit`` outside
                0..4294967295.
            StorageError: the store failed.
            ClosedError: the engine was closed.
            TypeError: scope or prefix is not a str, or limit not an int.
        """
        sc = _name_bytes(scope, "scope", True)
        p = _name_bytes(prefix, "prefix", True)
        if not isinstance(limit, int) or isinstance(limit, bool):
            raise TypeError(f"limit must be int, not {type(limit).__name__}")
        if limit < 0 or limit > _MAX_LIMIT:
            raise _invalid(f"limit must be from 0 to {_MAX_LIMIT}, got {limit}")
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_state_list(
                self._engine._live(), sc, p, limit, _ffi.byref(out), _ffi.byref(n), _ffi.byref(err)
            )
        finally:
            text = _ffi.take_string(out, n)
        result: List[str] = json.loads(text) if text else []
        return result

    def compare_and_set(self, scope: Optional[str], key: str, expected: Any, new: Any) -> bool:
        """Set ``key`` to ``new`` only if its value equals ``expected``.

        Equality is JSON equality: ``1`` equals ``1.0``, and object key order
        does not matter. The check and the write are atomic against every
        other write, from any thread, process call or spell.

        Wraps ``llmspell_state_compare_and_set``.

        Args:
            scope: the scope; None for ``"global"``.
            key: the key.
            expected: the value the key must hold; None means "only if the
                key is absent".
            new: the value to store; None deletes the key.

        Returns:
            True if it wrote, False if the current value differed.

        Raises:
            InvalidArgumentError: bad scope, key or value.
            StorageError: the store failed.
            ClosedError: the engine was closed.
            TypeError: scope or key is not a str, or a value is not
                JSON-serializable.
        """
        sc = _name_bytes(scope, "scope", True)
        k = _name_bytes(key, "key", False)
        exp = None if expected is None else _encode_value(expected, "expected")
        nv = None if new is None else _encode_value(new, "new")
        swapped = c_int32()
        err = _ffi.ErrorP()
        _ffi.llmspell_state_compare_and_set(
            self._engine._live(),
            sc,
            k,
            exp, len(exp) if exp is not None else 0,
            nv, len(nv) if nv is not None else 0,
            _ffi.byref(swapped),
            _ffi.byref(err),
        )
        return swapped.value != 0

    def apply(self, ops: Sequence[Dict[str, Any]]) -> None:
        """Apply a list of writes atomically: all of them or none.

        Each op is ``{"op": "set", "scope": "agent:a", "key": "k", "value": v}``
        or ``{"op": "delete", "scope": "global", "key": "k"}``; ``"scope"``
        may be left out (or None) for global. Any invalid op fails the whole
        call before anything is written.

        Wraps ``llmspell_state_transaction``.

        Args:
            ops: the operations, a list (or tuple) of dicts.

        Raises:
            InvalidArgumentError: an invalid op (the message names its
                index), or a value that cannot be JSON.
            StorageError: the store failed.
            ClosedError: the engine was closed.
            TypeError: ops is not a list of dicts, or a value is not
                JSON-serializable.
        """
        if not isinstance(ops, (list, tuple)):
            raise TypeError(f"ops must be a list of dicts, not {type(ops).__name__}")
        for i, op in enumerate(ops):
            if not isinstance(op, dict):
                raise TypeError(f"ops[{i}] must be a dict, not {type(op).__name__}")
        self._apply_raw(_encode_value(list(ops), "ops"))

    def _apply_raw(self, raw: bytes) -> None:
        err = _ffi.ErrorP()
        _ffi.llmspell_state_transaction(self._engine._live(), raw, len(raw), _ffi.byref(err))

    def transaction(self) -> "Transaction":
        """Start buffering writes to apply atomically; use it with ``with``.

        ``set`` and ``delete`` on the returned :class:`Transaction` are only
        recorded. Leaving the ``with`` block normally applies them all at
        once through ``llmspell_state_transaction``; leaving it with an
        exception applies nothing and lets the exception propagate. Reads
        (``state.get``) inside the block do not see the buffered writes.

        Example::

            with engine.state.transaction() as tx:
                tx.set("agent:a", "x", 1)
                tx.delete(None, "old")

        Returns:
            A new :class:`Transaction`.
        """
        return Transaction(self)

    # --- schema migrations ---------------------------------------------------

    def register_schema(
        self,
        version: str,
        fields: Optional[Mapping[str, Any]] = None,
        migrations: Optional[Sequence[Mapping[str, Any]]] = None,
        scopes: Optional[Iterable[str]] = None,
    ) -> None:
        """Record a schema version of state values and the transforms that
        bring a value from the previous registered version to this one.

        Wraps ``llmspell_state_register_schema``. Transforms are dicts:
        ``{"op": "rename", "from": "name", "to": "full_name"}``,
        ``{"op": "copy", "from": "a", "to": "b"}``,
        ``{"op": "default", "field": "tier", "value": "free"}``,
        ``{"op": "remove", "field": "legacy"}``,
        ``{"op": "convert", "field": "age", "to": "integer"}``. (``"custom"``
        transforms need a script function and exist only in spells.)

        Args:
            version: the version, ``"MAJOR.MINOR.PATCH"``.
            fields: a JSON-serializable description of the fields, kept as is.
            migrations: the transforms from the previous version, in order.
            scopes: scope patterns the schema applies to, e.g. ``["user:*"]``;
                None for every scope.

        Raises:
            InvalidArgumentError: a bad version, an unknown op, a transform
                missing a field, a bad scope pattern.
            StorageError: the store failed.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        if not isinstance(version, str):
            raise TypeError(f"version must be str, not {type(version).__name__}")
        schema: Dict[str, Any] = {"version": version}
        if fields is not None:
            if not isinstance(fields, Mapping):
                raise TypeError(f"fields must be a dict or None, not {type(fields).__name__}")
            schema["fields"] = dict(fields)
        if migrations is not None:
            if isinstance(migrations, (str, bytes, Mapping)) or not isinstance(migrations, Iterable):
                raise TypeError(
                    f"migrations must be a list of dicts or None, not {type(migrations).__name__}"
                )
            steps = list(migrations)
            for i, m in enumerate(steps):
                if not isinstance(m, Mapping):
                    raise TypeError(f"migrations[{i}] must be a dict, not {type(m).__name__}")
            schema["migrations"] = [dict(m) for m in steps]
        if scopes is not None:
            if isinstance(scopes, (str, bytes)) or not isinstance(scopes, Iterable):
                raise TypeError(f"scopes must be a list of str or None, not {type(scopes).__name__}")
            patterns = list(scopes)
            for i, p in enumerate(patterns):
                if not isinstance(p, str):
                    raise TypeError(f"scopes[{i}] must be str, not {type(p).__name__}")
            schema["scopes"] = patterns
        raw = _encode_value(schema, "schema")
        err = _ffi.ErrorP()
        _ffi.llmspell_state_register_schema(self._engine._live(), raw, len(raw), _ffi.byref(err))

    def migrate(
        self,
        target: str,
        dry_run: bool = False,
        batch_size: Optional[int] = None,
        backup: bool = True,
    ) -> Dict[str, Any]:
        """Bring every matching state value to schema version ``target``.

        Wraps ``llmspell_state_migrate``. The registered versions between the
        current one and ``target`` are chained; values are rewritten in
        atomic batches that record progress, so an interrupted migration
        resumes when run again. Unless ``backup`` is False or ``dry_run`` is
        True, a backup of the whole store is taken first (its id is the
        report's ``backup_id``). Writers wait while it runs; the GIL is
        released.

        Args:
            target: the version to reach.
            dry_run: count what would change and change nothing.
            batch_size: values per atomic batch; None for the default (500).
            backup: take a backup first.

        Returns:
            The report: ``from``, ``to``, ``steps``, ``items_migrated``,
            ``items_scanned``, ``duration_ms``, ``warnings``, ``dry_run``,
            ``resumed`` and ``backup_id`` (None when no backup was taken).

        Raises:
            NotFoundError: ``target`` is not registered.
            InvalidArgumentError: a downgrade, a bad version.
            ConflictError: another migration is under way.
            StorageError: the store or the backup failed.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        t = _name_bytes(target, "target", False)
        opts: Dict[str, Any] = {"dry_run": _bool(dry_run, "dry_run"), "backup": _bool(backup, "backup")}
        if batch_size is not None:
            if not isinstance(batch_size, int) or isinstance(batch_size, bool):
                raise TypeError(f"batch_size must be int or None, not {type(batch_size).__name__}")
            opts["batch_size"] = batch_size
        raw = _encode_value(opts, "options")
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_state_migrate(
                self._engine._live(), t, raw, len(raw), _ffi.byref(out), _ffi.byref(n), _ffi.byref(err)
            )
        finally:
            text = _ffi.take_string(out, n)
        report: Dict[str, Any] = json.loads(text or "{}")
        return report

    def migration_status(self) -> Dict[str, Any]:
        """Describe the schema state.

        Wraps ``llmspell_state_migration_status``.

        Returns:
            ``{"current": version or None, "in_progress": bool,
            "versions": [...]}``, plus ``from``, ``to`` and
            ``items_migrated`` while a migration is under way.

        Raises:
            StorageError: the store failed.
            ClosedError: the engine was closed.
        """
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_state_migration_status(
                self._engine._live(), _ffi.byref(out), _ffi.byref(n), _ffi.byref(err)
            )
        finally:
            text = _ffi.take_string(out, n)
        status: Dict[str, Any] = json.loads(text or "{}")
        return status


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be bool, not {type(value).__name__}")
    return value


class Transaction:
    """Writes buffered for one atomic :meth:`State.apply`.

    Create it with :meth:`State.transaction` and use it as a context manager.
    Each value is encoded to JSON when ``set`` is called, so a later change
    to the Python object does not affect what is written, and an
    unserializable value fails at once. A transaction is used once: after
    its ``with`` block ends, ``set`` and ``delete`` raise
    :class:`RuntimeError`.
    """

    __slots__ = ("_state", "_ops", "_done")

    def __init__(self, state: State) -> None:
        # Internal: use State.transaction().
        self._state = state
        self._ops: List[bytes] = []
        self._done = False

    def _add(self, fields: List[str]) -> None:
        if self._done:
            raise RuntimeError("llmspell: this transaction has already ended")
        self._ops.append(("{" + ",".join(fields) + "}").encode("utf-8", "surrogatepass"))

    @staticmethod
    def _head(op: str, scope: Optional[str], key: str) -> List[str]:
        sc = _check_name(scope, "scope", True)
        k = _check_name(key, "key", False)
        fields = [f'"op":"{op}"']
        if sc is not None:
            fields.append('"scope":' + json.dumps(sc, ensure_ascii=False))
        fields.append('"key":' + json.dumps(k, ensure_ascii=False))
        return fields

    def set(self, scope: Optional[str], key: str, value: Any) -> None:
        """Record a set of ``key`` in ``scope`` (``None`` value deletes).

        Args:
            scope: the scope; None for ``"global"``.
            key: the key.
            value: any JSON-serializable value.

        Raises:
            InvalidArgumentError: NaN/infinity or a cycle in the value; a
                NUL in scope or key. Other bad scopes and keys are reported
                when the transaction is applied.
            TypeError: scope or key is not a str, or the value is not
                JSON-serializable.
            RuntimeError: the transaction has ended.
        """
        fields = self._head("set", scope, key)
        fields.append('"value":' + _encode_value(value).decode("utf-8", "surrogatepass"))
        self._add(fields)

    def delete(self, scope: Optional[str], key: str) -> None:
        """Record a delete of ``key`` in ``scope``.

        Args:
            scope: the scope; None for ``"global"``.
            key: the key.

        Raises:
            InvalidArgumentError: a NUL in scope or key.
            TypeError: scope or key is not a str.
            RuntimeError: the transaction has ended.
        """
        self._add(self._head("delete", scope, key))

    def __len__(self) -> int:
        return len(self._ops)

    @property
    def ops(self) -> List[Dict[str, Any]]:
        """The buffered operations, in the form :meth:`State.apply` takes."""
        return [json.loads(op.decode("utf-8", "surrogatepass")) for op in self._ops]

    def __enter__(self) -> "Transaction":
        if self._done:
            raise RuntimeError("llmspell: this transaction has already ended")
        self._state._engine._live()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: "Optional[TracebackType]",
    ) -> None:
        """Apply the buffered writes (``llmspell_state_transaction``) unless
        the block raised; then end the transaction."""
        if self._done:
            return
        self._done = True
        ops, self._ops = self._ops, []
        if exc_type is None:
            self._state._apply_raw(b"[" + b",".join(ops) + b"]")
