"""Artifacts: ``engine.artifacts``, over the Artifacts part of the C ABI.

Artifacts are binary content stored in a session and named by (session id,
sequence number). The library addresses content by its BLAKE3 hash,
deduplicates it, compresses it when that saves space, and verifies it on
every read: a mismatch raises :class:`~llmspell.errors.StorageError` and the
bad bytes are never returned. Storing a name again makes a new version.

An artifact record is a dict with ``session_id``, ``sequence``, ``name``,
``type``, ``mime_type``, ``tags``, ``metadata``, ``content_hash``, ``size``,
``stored_size``, ``compressed``, ``version``, ``previous`` and
``created_at``. ``type`` is one of ``agent_output``, ``tool_result``,
``user_input``, ``system_generated``, ``custom`` or ``custom:<name>``.

Large content streams through :meth:`Artifacts.open_writer` (an
:class:`ArtifactWriter`) and :meth:`Artifacts.open` (an
:class:`ArtifactReader`), which are binary file objects
(:class:`io.RawIOBase`), so ``shutil.copyfileobj`` works with both.
"""

from __future__ import annotations

import builtins
import io
import os
import threading
from ctypes import c_char, c_size_t, c_void_p
from types import TracebackType
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Tuple, Type, Union

from . import _ffi
from .errors import ClosedError
from .sessions import (
    TimeArg,
    _cstr,
    _invalid,
    _json,
    _opt_count,
    _opt_mapping,
    _opt_str,
    _opt_tags,
    _opt_time,
    _sequence,
    _take_json,
)

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = ["Artifacts", "Artifact", "ArtifactWriter", "ArtifactReader"]

#: Bytes per item when iterating over an :class:`ArtifactReader`.
CHUNK_SIZE = 64 * 1024

BytesLike = Union[bytes, bytearray, memoryview]


class Artifact(NamedTuple):
    """An artifact's record and whole content, from :meth:`Artifacts.get`.

    A named tuple: ``record, data = artifacts.get(sid, 1)`` works too.
    """

    record: Dict[str, Any]
    data: bytes


def _in_buffer(data: Any, what: str) -> Tuple[Any, int]:
    """Return (pointer argument, length) for read-only bytes-like input.

    bytes go as they are; a writable contiguous buffer (bytearray, a
    memoryview of one, array.array) is passed without a copy; anything else
    bytes-like is copied once.
    """
    if isinstance(data, bytes):
        return data, len(data)
    if isinstance(data, str):
        raise TypeError(f"{what} must be a bytes-like object, not 'str'")
    try:
        mv = memoryview(data)
    except TypeError:
        raise TypeError(f"{what} must be a bytes-like object, not {type(data).__name__!r}") from None
    n = mv.nbytes
    if n == 0:
        return None, 0
    if mv.readonly or not mv.c_contiguous:
        copy = mv.tobytes()
        return copy, len(copy)
    return (c_char * n).from_buffer(mv.cast("B")), n


def _store_options(
    type: Any,
    name: Any,
    mime_type: Any,
    tags: Any,
    metadata: Any,
    name_optional: bool,
) -> bytes:
    fields: Dict[str, Any] = {}
    if not isinstance(type, str):
        raise TypeError(f"type must be str, not {builtins.type(type).__name__}")
    fields["type"] = type
    if name is None and name_optional:
        pass
    elif not isinstance(name, str):
        allowed = "str or None" if name_optional else "str"
        raise TypeError(f"name must be {allowed}, not {builtins.type(name).__name__}")
    else:
        fields["name"] = name
    _opt_str(fields, "mime_type", mime_type)
    _opt_tags(fields, tags)
    _opt_mapping(fields, "metadata", metadata)
    return _json(fields, "options")


def _fs_path(path: Any) -> bytes:
    try:
        p = os.fspath(path)
    except TypeError:
        raise TypeError(f"path must be str, bytes or os.PathLike, not {type(path).__name__}") from None
    raw = os.fsencode(p)
    if b"\0" in raw:
        raise _invalid("path contains a NUL character")
    return raw


class Artifacts:
    """The artifacts of one :class:`~llmspell.Engine`; get it from ``engine.artifacts``.

    They are the artifacts spells see through their ``Artifact`` global:
    what Python stores, a Lua or JS spell can read, and the other way round.
    The object keeps the engine object alive; every method raises
    :class:`~llmspell.errors.ClosedError` once the engine is closed.
    """

    __slots__ = ("_engine",)

    def __init__(self, engine: "Engine") -> None:
        # Internal: use Engine.artifacts.
        self._engine = engine

    def __repr__(self) -> str:
        return f"<llmspell.Artifacts of {self._engine!r}>"

    def store(
        self,
        session_id: str,
        type: str,
        name: str,
        data: Union[BytesLike, str],
        mime_type: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        metadata: Optional[Mapping[str, Any]] = None,
    ) -> Dict[str, Any]:
        """Store content in one call.

        Wraps ``llmspell_artifact_store``.

        Args:
            session_id: the session.
            type: ``agent_output``, ``tool_result``, ``user_input``,
                ``system_generated``, ``custom`` or ``custom:<name>``.
            name: the artifact's name; storing a name again makes a new
                version.
            data: the content: bytes-like, or a str (stored as UTF-8).
            mime_type: e.g. ``"text/plain"``.
            tags: a list of tags.
            metadata: a JSON-serializable dict.

        Returns:
            The artifact record.

        Raises:
            NotFoundError: no such session.
            ConflictError: the session is archived.
            LimitExceededError: the session's artifact count or byte limit.
            InvalidArgumentError: an unknown type, an empty name, metadata
                that cannot be JSON.
            StorageError: the store failed.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        opts = _store_options(type, name, mime_type, tags, metadata, name_optional=False)
        return self._store_raw(session_id, opts, data)

    def _store_raw(self, session_id: Any, opts: bytes, data: Any) -> Dict[str, Any]:
        sid = _cstr(session_id, "session_id")
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        ptr, n = _in_buffer(data, "data")
        out = _ffi.BufP()
        rn = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_artifact_store(
                self._engine._live(), sid, opts, len(opts), ptr, n,
                _ffi.byref(out), _ffi.byref(rn), _ffi.byref(err),
            )
        finally:
            record: Dict[str, Any] = _take_json(out, rn, {})
        return record

    def store_file(
        self,
        session_id: str,
        path: Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"],
        type: str,
        name: Optional[str] = None,
        mime_type: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        metadata: Optional[Mapping[str, Any]] = None,
    ) -> Dict[str, Any]:
        """Store a file's content; the library streams it from the file.

        The host is trusted with the path (unlike a spell's
        ``Artifact.store_file``, which is confined to a sandbox).

        Wraps ``llmspell_artifact_store_file``.

        Args:
            session_id: the session.
            path: the file.
            type: as for :meth:`store`.
            name: the artifact's name; defaults to the file's base name.
            mime_type: as for :meth:`store`.
            tags: as for :meth:`store`.
            metadata: as for :meth:`store`.

        Returns:
            The artifact record.

        Raises:
            NotFoundError: no such session, or no such file.
            LlmspellError: any error of :meth:`store`.
            TypeError: an argument has the wrong type.
        """
        sid = _cstr(session_id, "session_id")
        p = _fs_path(path)
        opts = _store_options(type, name, mime_type, tags, metadata, name_optional=True)
        out = _ffi.BufP()
        rn = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_artifact_store_file(
                self._engine._live(), sid, p, opts, len(opts),
                _ffi.byref(out), _ffi.byref(rn), _ffi.byref(err),
            )
        finally:
            record: Dict[str, Any] = _take_json(out, rn, {})
        return record

    def get(self, session_id: str, sequence: int) -> Artifact:
        """Return an artifact's record and whole content; for large content
        use :meth:`open`.

        Wraps ``llmspell_artifact_get``.

        Args:
            session_id: the session.
            sequence: the artifact's sequence number.

        Returns:
            An :class:`Artifact` ``(record, data)``.

        Raises:
            NotFoundError: no such session or artifact.
            StorageError: the store failed, or the content does not match
                its hash (no data is returned then).
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        sid = _cstr(session_id, "session_id")
        seq = _sequence(sequence)
        rec = _ffi.BufP()
        rn = c_size_t()
        data = c_void_p()
        dn = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_artifact_get(
                self._engine._live(), sid, seq, _ffi.byref(rec), _ffi.byref(rn),
                _ffi.byref(data), _ffi.byref(dn), _ffi.byref(err),
            )
        finally:
            try:
                content = _ffi.take_bytes(data, dn)
            finally:
                record: Dict[str, Any] = _take_json(rec, rn, {})
        return Artifact(record, content or b"")

    def query(
        self,
        session_id: Optional[str] = None,
        type: Optional[str] = None,
        name_pattern: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        min_size: Optional[int] = None,
        max_size: Optional[int] = None,
        limit: int = 0,
        created_after: Optional[TimeArg] = None,
        created_before: Optional[TimeArg] = None,
    ) -> List[Dict[str, Any]]:
        """Return the records of the artifacts matching every given filter.

        Wraps ``llmspell_artifact_query``.

        Args:
            session_id: artifacts of this session (default: all sessions).
            type: of this type.
            name_pattern: whose name matches this glob, e.g. ``"*.txt"``.
            tags: carrying all of these tags.
            min_size: at least this many bytes.
            max_size: at most this many bytes.
            limit: at most this many records; 0 for no limit.
            created_after: created after this time.
            created_before: created before this time. Times are datetimes
                (a naive one is local time; sent in UTC) or RFC 3339 strings.

        Returns:
            The artifact records.

        Raises:
            InvalidArgumentError: a bad glob, a negative number, a malformed
                time string.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        fields: Dict[str, Any] = {}
        _opt_str(fields, "session_id", session_id)
        _opt_str(fields, "type", type)
        _opt_str(fields, "name_pattern", name_pattern)
        _opt_tags(fields, tags)
        _opt_count(fields, "min_size", min_size)
        _opt_count(fields, "max_size", max_size)
        _opt_count(fields, "limit", limit, zero_means_none=True)
        _opt_time(fields, "created_after", created_after)
        _opt_time(fields, "created_before", created_before)
        return self._query_raw(_json(fields, "query") if fields else None)

    def _query_raw(self, raw: Optional[bytes]) -> List[Dict[str, Any]]:
        out = _ffi.BufP()
        n = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_artifact_query(
                self._engine._live(), raw, len(raw) if raw is not None else 0,
                _ffi.byref(out), _ffi.byref(n), _ffi.byref(err),
            )
        finally:
            records: List[Dict[str, Any]] = _take_json(out, n, [])
        return records

    def delete(self, session_id: str, sequence: int) -> None:
        """Delete an artifact; its content goes when no other artifact refers to it.

        Wraps ``llmspell_artifact_delete``.

        Args:
            session_id: the session.
            sequence: the artifact's sequence number.

        Raises:
            NotFoundError: no such session or artifact.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        sid = _cstr(session_id, "session_id")
        seq = _sequence(sequence)
        err = _ffi.ErrorP()
        _ffi.llmspell_artifact_delete(self._engine._live(), sid, seq, _ffi.byref(err))

    def open_writer(
        self,
        session_id: str,
        type: str,
        name: str,
        mime_type: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        metadata: Optional[Mapping[str, Any]] = None,
    ) -> "ArtifactWriter":
        """Start streaming an artifact into a session; see :class:`ArtifactWriter`.

        Wraps ``llmspell_artifact_writer_new``.

        Args:
            session_id: the session.
            type: as for :meth:`store`.
            name: as for :meth:`store`.
            mime_type: as for :meth:`store`.
            tags: as for :meth:`store`.
            metadata: as for :meth:`store`.

        Returns:
            A new :class:`ArtifactWriter`.

        Raises:
            NotFoundError: no such session.
            ConflictError: the session is archived.
            InvalidArgumentError: an unknown type, an empty name.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        opts = _store_options(type, name, mime_type, tags, metadata, name_optional=False)
        return self._open_writer_raw(session_id, opts)

    def _open_writer_raw(self, session_id: Any, opts: bytes) -> "ArtifactWriter":
        sid = _cstr(session_id, "session_id")
        out = _ffi.WriterP()
        err = _ffi.ErrorP()
        _ffi.llmspell_artifact_writer_new(self._engine._live(), sid, opts, len(opts), _ffi.byref(out), _ffi.byref(err))
        return ArtifactWriter(out)

    def open(self, session_id: str, sequence: int) -> "ArtifactReader":
        """Start streaming an artifact's content; see :class:`ArtifactReader`.

        Wraps ``llmspell_artifact_reader_open``.

        Args:
            session_id: the session.
            sequence: the artifact's sequence number.

        Returns:
            A new :class:`ArtifactReader`; its ``record`` attribute holds the
            artifact record.

        Raises:
            NotFoundError: no such session or artifact.
            StorageError: the store failed.
            ClosedError: the engine was closed.
            TypeError: an argument has the wrong type.
        """
        sid = _cstr(session_id, "session_id")
        seq = _sequence(sequence)
        out = _ffi.ReaderP()
        rec = _ffi.BufP()
        rn = c_size_t()
        err = _ffi.ErrorP()
        try:
            _ffi.llmspell_artifact_reader_open(
                self._engine._live(), sid, seq, _ffi.byref(out), _ffi.byref(rec), _ffi.byref(rn), _ffi.byref(err)
            )
        finally:
            record: Dict[str, Any] = _take_json(rec, rn, {})
        return ArtifactReader(out, record)


class ArtifactWriter(io.RawIOBase):
    """A writable binary file that streams one artifact into a session.

    Get one from :meth:`Artifacts.open_writer`. :meth:`write` hands each
    piece to the library, which buffers at most one 1 MiB chunk, so content
    of any size streams in bounded memory. Nothing is visible until
    :meth:`commit`.

    How it ends, exactly:

    - :meth:`commit` finishes the artifact, frees the native writer and
      returns the record (also kept in :attr:`record`). The writer is then
      closed. If the commit fails (e.g. :class:`LimitExceededError`), the
      content is discarded and the writer is closed too.
    - :meth:`close` (or :meth:`discard`, its alias) before :meth:`commit`
      **discards** the content. So does garbage collection of a writer that
      was never committed or closed.
    - ``with`` block: leaving it normally commits, unless the writer was
      already committed or closed; leaving it through an exception
      discards and lets the exception propagate. A commit error raised on
      the way out propagates too.

    Closing is what ``io`` wrappers do when they close: a
    :class:`io.TextIOWrapper` or :class:`io.BufferedWriter` around a writer
    discards it if it closes (or is collected) before the commit. Flush the
    wrapper before the writer commits and let the writer's ``with`` block
    (or :meth:`commit`) end it; a later close of the wrapper is then
    harmless.

    Any write or commit on a closed writer raises
    :class:`~llmspell.errors.ClosedError`. After a failed write (e.g.
    :class:`LimitExceededError`: the session byte limit) the library has
    already discarded the content; later calls raise ``ClosedError``.

    The writer keeps its engine alive inside the library, so it may still be
    used after ``engine.close()``. A writer is not meant for use from two
    threads at once; if that happens the calls are serialized.
    """

    def __init__(self, _handle: Any) -> None:
        # Internal: use Artifacts.open_writer().
        super().__init__()
        self._handle: Any = _handle
        self._lock = threading.Lock()
        self._record: Optional[Dict[str, Any]] = None
        self._written = 0

    def _live(self) -> Any:
        h = self._handle
        if h is None:
            state = "committed" if self._record is not None else "closed"
            raise ClosedError(
                f"closed: artifact writer is {state}",
                details={"kind": "closed", "message": f"artifact writer is {state}"},
            )
        return h

    def writable(self) -> bool:
        """True: this is a writable stream."""
        return True

    def seekable(self) -> bool:
        """False: a writer only appends."""
        return False

    def readable(self) -> bool:
        """False."""
        return False

    def tell(self) -> int:
        """Return the number of bytes written so far."""
        return self._written

    def flush(self) -> None:
        """Do nothing: the library keeps what it buffers until :meth:`commit`."""

    def write(self, b: Any) -> int:  # type: ignore[override]
        """Append bytes to the artifact.

        Wraps ``llmspell_artifact_writer_write``.

        Args:
            b: a bytes-like object (bytes, bytearray, memoryview, ...).

        Returns:
            ``len(b)`` in bytes: the whole buffer is always taken.

        Raises:
            LimitExceededError: the session byte limit (the content is then
                discarded).
            StorageError: the store failed.
            ClosedError: the writer was committed or closed.
            TypeError: ``b`` is not bytes-like (a str, for instance).
        """
        ptr, n = _in_buffer(b, "write() argument")
        with self._lock:
            h = self._live()
            if n:
                err = _ffi.ErrorP()
                _ffi.llmspell_artifact_writer_write(h, ptr, n, _ffi.byref(err))
            self._written += n
        return n

    def commit(self) -> Dict[str, Any]:
        """Finish the artifact and close the writer.

        Wraps ``llmspell_artifact_writer_commit`` and
        ``llmspell_artifact_writer_free``.

        Returns:
            The artifact record (also in :attr:`record`).

        Raises:
            LimitExceededError: the session's artifact count or byte limit.
            StorageError: the store failed.
            ClosedError: the writer was already committed or closed.
        """
        with self._lock:
            h = self._live()
            out = _ffi.BufP()
            n = c_size_t()
            err = _ffi.ErrorP()
            self._handle = None
            try:
                _ffi.llmspell_artifact_writer_commit(h, _ffi.byref(out), _ffi.byref(n), _ffi.byref(err))
                record: Dict[str, Any] = _take_json(out, n, {})
            finally:
                _ffi.llmspell_artifact_writer_free(h)
                super().close()
            self._record = record
        return record

    def close(self) -> None:
        """Close the writer, discarding the content unless it was committed.
        Idempotent.

        Wraps ``llmspell_artifact_writer_free``.
        """
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ did not finish
            return
        with lock:
            h, self._handle = self._handle, None
            if h is not None:
                _ffi.llmspell_artifact_writer_free(h)
        super().close()

    def discard(self) -> None:
        """Discard the content and close the writer: the same as :meth:`close`
        before a commit, and nothing after one."""
        self.close()

    @property
    def record(self) -> Optional[Dict[str, Any]]:
        """The artifact record once committed, else None."""
        return self._record

    @property
    def committed(self) -> bool:
        """True once :meth:`commit` succeeded."""
        return self._record is not None

    def __enter__(self) -> "ArtifactWriter":
        self._live()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        """Commit on a normal exit (unless already committed or closed);
        discard on an exception."""
        if exc_type is None and self._handle is not None:
            self.commit()
        else:
            self.close()

    def __repr__(self) -> str:
        state = "committed" if self.committed else ("closed" if self._handle is None else "open")
        return f"<llmspell.ArtifactWriter {state}, {self._written} bytes>"


class ArtifactReader(io.RawIOBase):
    """A readable binary file over one artifact's content.

    Get one from :meth:`Artifacts.open`; :attr:`record` holds the artifact
    record. Reads come from the library chunk by chunk, each chunk verified
    before any of its bytes are returned, and the whole content hash is
    checked before the end (an empty read) is reported: a mismatch raises
    :class:`~llmspell.errors.StorageError`. A read of ``n`` bytes returns
    ``n`` bytes unless the end comes first.

    Iterating yields the content in pieces of up to 64 KiB (not lines). The
    reader is a context manager; :meth:`close` is idempotent, and reading a
    closed reader raises :class:`~llmspell.errors.ClosedError`. The reader
    keeps its engine alive inside the library: reading goes on working after
    ``engine.close()``. A reader is not meant for use from two threads at
    once; if that happens the calls are serialized.
    """

    def __init__(self, _handle: Any, record: Dict[str, Any]) -> None:
        # Internal: use Artifacts.open().
        super().__init__()
        self._handle: Any = _handle
        self._lock = threading.Lock()
        self.record: Dict[str, Any] = record
        self._pos = 0

    def _live(self) -> Any:
        h = self._handle
        if h is None:
            raise ClosedError(
                "closed: artifact reader is closed",
                details={"kind": "closed", "message": "artifact reader is closed"},
            )
        return h

    def readable(self) -> bool:
        """True: this is a readable stream."""
        return True

    def seekable(self) -> bool:
        """False: content streams forward only."""
        return False

    def writable(self) -> bool:
        """False."""
        return False

    def tell(self) -> int:
        """Return the number of bytes read so far."""
        return self._pos

    def readinto(self, b: Any) -> int:  # type: ignore[override]
        """Read into a writable buffer, without an extra copy.

        Wraps ``llmspell_artifact_reader_read``.

        Args:
            b: a writable bytes-like object (bytearray, memoryview, ...).

        Returns:
            The number of bytes read; 0 at the end of the content (or for an
            empty buffer).

        Raises:
            StorageError: an integrity failure (the bad chunk's bytes are
                never returned) or a store failure.
            ClosedError: the reader was closed.
            TypeError: ``b`` is not a writable bytes-like object.
        """
        try:
            mv = memoryview(b)
        except TypeError:
            raise TypeError(f"readinto() argument must be a writable bytes-like object, not {type(b).__name__!r}") from None
        if mv.readonly:
            raise TypeError("readinto() argument must be a writable bytes-like object, not read-only")
        if not mv.c_contiguous:
            raise TypeError("readinto() argument must be a contiguous buffer")
        n = mv.nbytes
        with self._lock:
            h = self._live()
            if n == 0:
                return 0
            buf = (c_char * n).from_buffer(mv.cast("B"))
            got = c_size_t()
            err = _ffi.ErrorP()
            _ffi.llmspell_artifact_reader_read(h, buf, n, _ffi.byref(got), _ffi.byref(err))
            self._pos += got.value
            return got.value

    def read(self, size: Optional[int] = -1) -> bytes:  # type: ignore[override]
        """Read up to ``size`` bytes; all the rest when ``size`` is None or
        negative.

        Returns:
            The bytes; ``b""`` at the end.

        Raises:
            StorageError: an integrity failure or a store failure.
            ClosedError: the reader was closed.
        """
        if size is None or size < 0:
            return self.readall()
        if size == 0:
            self._live()
            return b""
        buf = bytearray(size)
        n = self.readinto(buf)
        del buf[n:]
        return bytes(buf)

    def readall(self) -> bytes:
        """Read the rest of the content, up to the verified end.

        Raises:
            StorageError: an integrity failure or a store failure.
            ClosedError: the reader was closed.
        """
        remaining = int(self.record.get("size", 0) or 0) - self._pos
        buf = bytearray(max(remaining, 0) + 1)
        filled = 0
        view = memoryview(buf)
        try:
            while True:
                if filled == len(buf):
                    view.release()
                    buf.extend(bytes(max(CHUNK_SIZE, len(buf) // 2)))
                    view = memoryview(buf)
                n = self.readinto(view[filled:])
                if n == 0:
                    break
                filled += n
        finally:
            view.release()
        del buf[filled:]
        return bytes(buf)

    def iter_chunks(self, size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """Yield the rest of the content in pieces of up to ``size`` bytes."""
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise ValueError(f"size must be a positive int, got {size!r}")
        while True:
            data = self.read(size)
            if not data:
                return
            yield data

    def __iter__(self) -> "ArtifactReader":
        self._live()
        return self

    def __next__(self) -> bytes:
        data = self.read(CHUNK_SIZE)
        if not data:
            raise StopIteration
        return data

    def close(self) -> None:
        """Close the reader. Idempotent.

        Wraps ``llmspell_artifact_reader_free``.
        """
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ did not finish
            return
        with lock:
            h, self._handle = self._handle, None
            if h is not None:
                _ffi.llmspell_artifact_reader_free(h)
        super().close()

    def __enter__(self) -> "ArtifactReader":
        self._live()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._handle is None else "open"
        return f"<llmspell.ArtifactReader {state}, {self._pos}/{self.record.get('size')} bytes>"
