"""Low-level ctypes declarations of the llmspell C ABI (include/llmspell.h).

Each C function is declared exactly once, through :func:`_fn`. Functions that
return an ``llmspell_status`` get :func:`_check` as their ``errcheck``: it
turns a non-zero status and the ``llmspell_error`` received through the last
parameter into an :class:`llmspell.errors.LlmspellError` subclass, and frees
the error object straight away. Callers always pass ``ctypes.byref(err)`` as
that last argument, where ``err`` is a fresh :data:`ErrorP`.

Owned buffers (``char **`` out-parameters) are declared as
``POINTER(POINTER(c_char))`` rather than ``c_char_p`` so that the pointer is
kept and can be handed back to ``llmspell_free``; :func:`take_string` decodes
and frees one.

The library is found in this order: the ``LLMSPELL_LIBRARY`` environment
variable (a full path), ``libllmspell.so.0`` in the package directory, the
source tree's ``build/lib`` (when the package is used from
``bindings/python``), then :func:`ctypes.util.find_library`. It is opened with
``RTLD_NODELETE`` because an embedded Go runtime cannot be unloaded.

Nothing here is public API: the classes in :mod:`llmspell.engine` never expose
raw handles.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import sys
from ctypes import POINTER, byref, c_char, c_char_p, c_int32, c_size_t, c_uint32, c_uint64, c_void_p
from typing import Any, Callable, List, Optional, Sequence, Tuple

from .errors import LlmspellError, error_class

#: ABI version this binding was written for (LLMSPELL_ABI_VERSION).
ABI_VERSION = 1

_RTLD_NODELETE: int = getattr(os, "RTLD_NODELETE", 0x1000)

if sys.platform == "darwin":
    _NAMES: Tuple[str, ...] = ("libllmspell.0.dylib", "libllmspell.dylib")
elif sys.platform == "win32":
    _NAMES = ("llmspell.dll",)
else:
    _NAMES = ("libllmspell.so.0",)


class _Engine(ctypes.Structure):
    """Opaque ``llmspell_engine``."""


class _Run(ctypes.Structure):
    """Opaque ``llmspell_run``."""


class _Error(ctypes.Structure):
    """Opaque ``llmspell_error``."""


class _ArtifactWriter(ctypes.Structure):
    """Opaque ``llmspell_artifact_writer``."""


class _ArtifactReader(ctypes.Structure):
    """Opaque ``llmspell_artifact_reader``."""


class _Subscription(ctypes.Structure):
    """Opaque ``llmspell_subscription``."""


class _DeltaStream(ctypes.Structure):
    """Opaque ``llmspell_delta_stream``."""


EngineP = POINTER(_Engine)
RunP = POINTER(_Run)
ErrorP = POINTER(_Error)
WriterP = POINTER(_ArtifactWriter)
ReaderP = POINTER(_ArtifactReader)
SubscriptionP = POINTER(_Subscription)
DeltaStreamP = POINTER(_DeltaStream)
#: ``char *`` owned by the caller (freed with ``llmspell_free``).
BufP = POINTER(c_char)
status_t = c_int32


def _candidates() -> List[Tuple[str, str]]:
    """Return (description, path-or-name) pairs to try, in order."""
    out: List[Tuple[str, str]] = []
    pkg_dir = os.path.dirname(os.path.abspath(__file__))
    for name in _NAMES:
        out.append(("package directory", os.path.join(pkg_dir, name)))
    # Used from the source tree: <repo>/bindings/python/llmspell -> <repo>/build/lib
    python_dir = os.path.dirname(pkg_dir)
    bindings_dir = os.path.dirname(python_dir)
    if os.path.basename(python_dir) == "python" and os.path.basename(bindings_dir) == "bindings":
        build_lib = os.path.join(os.path.dirname(bindings_dir), "build", "lib")
        for name in _NAMES:
            out.append(("source tree build directory", os.path.join(build_lib, name)))
    return out


def _load() -> Tuple[ctypes.CDLL, str]:
    mode = _RTLD_NODELETE | ctypes.RTLD_LOCAL
    env = os.environ.get("LLMSPELL_LIBRARY")
    if env:
        try:
            return ctypes.CDLL(env, mode=mode), env
        except OSError as e:
            raise ImportError(
                f"llmspell: cannot load the library named by LLMSPELL_LIBRARY={env!r}: {e}"
            ) from e
    tried: List[str] = []
    for where, path in _candidates():
        if not os.path.exists(path):
            tried.append(f"{path} ({where}: not found)")
            continue
        try:
            return ctypes.CDLL(path, mode=mode), path
        except OSError as e:
            tried.append(f"{path} ({where}: {e})")
    found = ctypes.util.find_library("llmspell")
    if found:
        try:
            return ctypes.CDLL(found, mode=mode), found
        except OSError as e:
            tried.append(f"{found} (find_library: {e})")
    else:
        tried.append("ctypes.util.find_library('llmspell') (nothing found)")
    raise ImportError(
        "llmspell: cannot find the native library libllmspell. Looked in:\n  "
        + "\n  ".join(tried)
        + "\nBuild it with `make lib` in the llmspell-go repository, or set "
        "LLMSPELL_LIBRARY to the full path of libllmspell.so.0."
    )


_lib, LIBRARY_PATH = _load()


def _fn(
    name: str,
    argtypes: Sequence[Any],
    restype: Any,
    errcheck: Optional[Callable[..., Any]] = None,
) -> Any:
    """Declare the C function ``name`` once and return it."""
    try:
        f = getattr(_lib, name)
    except AttributeError as e:
        raise ImportError(
            f"llmspell: {LIBRARY_PATH} does not export {name}; "
            "the library does not match this binding"
        ) from e
    f.argtypes = list(argtypes)
    f.restype = restype
    if errcheck is not None:
        f.errcheck = errcheck
    return f


# --- version and errors (no errcheck: these cannot fail) -------------------

llmspell_version = _fn("llmspell_version", [], c_char_p)
llmspell_version_number = _fn("llmspell_version_number", [], c_uint32)
llmspell_abi_version = _fn("llmspell_abi_version", [], c_uint32)
llmspell_status_name = _fn("llmspell_status_name", [status_t], c_char_p)
llmspell_error_code = _fn("llmspell_error_code", [ErrorP], status_t)
llmspell_error_message = _fn("llmspell_error_message", [ErrorP], c_char_p)
llmspell_error_details = _fn("llmspell_error_details", [ErrorP], c_char_p)
llmspell_error_free = _fn("llmspell_error_free", [ErrorP], None)
llmspell_free = _fn("llmspell_free", [c_void_p], None)

_abi = llmspell_abi_version()
if _abi != ABI_VERSION:
    raise ImportError(
        f"llmspell: {LIBRARY_PATH} has ABI version {_abi}, but this binding "
        f"needs ABI version {ABI_VERSION}; install matching versions "
        "(or point LLMSPELL_LIBRARY at the right library)"
    )


def status_name(status: int) -> str:
    """Return the kind name of a status code (wraps ``llmspell_status_name``)."""
    return (llmspell_status_name(status) or b"unknown").decode("utf-8", "replace")


def error_from(status: int, errp: Any) -> LlmspellError:
    """Build the exception for a failed call and free ``errp`` right away.

    Args:
        status: the status the C function returned (non-zero).
        errp: the ``llmspell_error *`` it filled in, or NULL/None.

    Returns:
        An instance of the subclass of :class:`LlmspellError` for ``status``.
    """
    code = status_name(status)
    message = ""
    details: dict = {}
    if errp:
        try:
            raw = llmspell_error_message(errp)
            message = raw.decode("utf-8", "replace") if raw else ""
            raw = llmspell_error_details(errp)
            if raw:
                try:
                    parsed = json.loads(raw.decode("utf-8", "replace"))
                    if isinstance(parsed, dict):
                        details = parsed
                except ValueError:
                    details = {}
        finally:
            llmspell_error_free(errp)
    if not message:
        message = code
    cls = error_class(status)
    return cls(message, status=status, code=code, details=details)


def _check(result: int, func: Any, args: Tuple[Any, ...]) -> int:
    """ctypes errcheck for functions returning ``llmspell_status``."""
    if result == 0:
        return result
    last = args[-1] if args else None
    errp = getattr(last, "_obj", None)  # byref(err) -> err
    if errp is None and last is not None and isinstance(last, ctypes._Pointer):
        errp = last.contents if last else None
    raise error_from(result, errp)


def take_string(buf: Any, length: Optional[c_size_t] = None, errors: str = "strict") -> Optional[str]:
    """Decode an owned ``char *`` buffer as UTF-8, then ``llmspell_free`` it.

    Args:
        buf: a :data:`BufP` filled in by the library (may be NULL).
        length: its length out-parameter, or None to read up to the NUL.
        errors: the codec error handler.

    Returns:
        The decoded text, or None when ``buf`` is NULL.
    """
    if not buf:
        return None
    try:
        if length is not None:
            data = ctypes.string_at(buf, length.value)
        else:
            data = ctypes.string_at(buf)
        return data.decode("utf-8", errors)
    finally:
        llmspell_free(buf)


def call_string(fn: Any, *args: Any) -> Optional[str]:
    """Call ``fn(*args, &out, &len, &err)`` and :func:`take_string` its ``out``.

    For the exports whose last parameters are a ``char **`` with its
    ``size_t *`` length and the ``llmspell_error **``; the buffer is freed
    also when ``fn`` raises.

    Returns:
        The decoded text, or None when the library left ``out`` NULL.
    """
    out = BufP()
    size = c_size_t()
    err = ErrorP()
    try:
        fn(*args, byref(out), byref(size), byref(err))
    finally:
        text = take_string(out, size)
    return text


# --- engine --------------------------------------------------------------

llmspell_engine_new = _fn(
    "llmspell_engine_new",
    [c_char_p, c_size_t, POINTER(EngineP), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_engine_free = _fn("llmspell_engine_free", [EngineP], None)
llmspell_engine_info = _fn(
    "llmspell_engine_info",
    [EngineP, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_engine_ping = _fn("llmspell_engine_ping", [EngineP, POINTER(ErrorP)], status_t, _check)

# --- runs -----------------------------------------------------------------

llmspell_run_new = _fn(
    "llmspell_run_new", [EngineP, POINTER(RunP), POINTER(ErrorP)], status_t, _check
)
llmspell_run_cancel = _fn("llmspell_run_cancel", [RunP, POINTER(ErrorP)], status_t, _check)
llmspell_run_free = _fn("llmspell_run_free", [RunP], None)
llmspell_engine_run = _fn(
    "llmspell_engine_run",
    [
        EngineP,  # engine
        c_char_p,  # lang (NUL-terminated)
        c_char_p, c_size_t,  # source, source_len
        c_char_p, c_size_t,  # args_json, args_len
        c_char_p, c_size_t,  # options_json, options_len
        RunP,  # run token (optional)
        POINTER(BufP), POINTER(c_size_t),  # result_out, result_len
        POINTER(BufP), POINTER(c_size_t),  # output_out, output_len
        POINTER(ErrorP),  # err
    ],
    status_t,
    _check,
)

# --- state ----------------------------------------------------------------

llmspell_state_set = _fn(
    "llmspell_state_set",
    [EngineP, c_char_p, c_char_p, c_char_p, c_size_t, POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_state_get = _fn(
    "llmspell_state_get",
    [EngineP, c_char_p, c_char_p, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_state_delete = _fn(
    "llmspell_state_delete",
    [EngineP, c_char_p, c_char_p, POINTER(c_int32), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_state_exists = _fn(
    "llmspell_state_exists",
    [EngineP, c_char_p, c_char_p, POINTER(c_int32), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_state_list = _fn(
    "llmspell_state_list",
    [
        EngineP,
        c_char_p,  # scope (NULL = global)
        c_char_p,  # prefix (optional)
        c_uint32,  # limit (0 = no limit)
        POINTER(BufP), POINTER(c_size_t),  # keys_out, keys_len
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_state_compare_and_set = _fn(
    "llmspell_state_compare_and_set",
    [
        EngineP,
        c_char_p,  # scope
        c_char_p,  # key
        c_char_p, c_size_t,  # expected_json, expected_len (NULL = must be absent)
        c_char_p, c_size_t,  # new_json, new_len (NULL = delete)
        POINTER(c_int32),  # swapped_out
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_state_transaction = _fn(
    "llmspell_state_transaction",
    [EngineP, c_char_p, c_size_t, POINTER(ErrorP)],
    status_t,
    _check,
)

# --- sessions -------------------------------------------------------------

llmspell_session_create = _fn(
    "llmspell_session_create",
    [EngineP, c_char_p, c_size_t, POINTER(BufP), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_session_get = _fn(
    "llmspell_session_get",
    [EngineP, c_char_p, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_session_list = _fn(
    "llmspell_session_list",
    [EngineP, c_char_p, c_size_t, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_session_transition = _fn(
    "llmspell_session_transition",
    [EngineP, c_char_p, c_char_p, c_char_p, POINTER(ErrorP)],  # id, status, reason (optional)
    status_t,
    _check,
)
llmspell_session_update_metadata = _fn(
    "llmspell_session_update_metadata",
    [EngineP, c_char_p, c_char_p, c_size_t, POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_session_delete = _fn(
    "llmspell_session_delete", [EngineP, c_char_p, POINTER(ErrorP)], status_t, _check
)

# --- artifacts ------------------------------------------------------------

llmspell_artifact_store = _fn(
    "llmspell_artifact_store",
    [
        EngineP,
        c_char_p,  # session_id
        c_char_p, c_size_t,  # options_json, options_len
        c_void_p, c_size_t,  # data, data_len
        POINTER(BufP), POINTER(c_size_t),  # record_out, record_len
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_artifact_store_file = _fn(
    "llmspell_artifact_store_file",
    [
        EngineP,
        c_char_p,  # session_id
        c_char_p,  # path
        c_char_p, c_size_t,  # options_json, options_len
        POINTER(BufP), POINTER(c_size_t),  # record_out, record_len
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_artifact_get = _fn(
    "llmspell_artifact_get",
    [
        EngineP,
        c_char_p,  # session_id
        c_uint64,  # sequence
        POINTER(BufP), POINTER(c_size_t),  # record_out, record_len
        POINTER(c_void_p), POINTER(c_size_t),  # data_out, data_len
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_artifact_query = _fn(
    "llmspell_artifact_query",
    [EngineP, c_char_p, c_size_t, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_artifact_delete = _fn(
    "llmspell_artifact_delete", [EngineP, c_char_p, c_uint64, POINTER(ErrorP)], status_t, _check
)
llmspell_artifact_writer_new = _fn(
    "llmspell_artifact_writer_new",
    [EngineP, c_char_p, c_char_p, c_size_t, POINTER(WriterP), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_artifact_writer_write = _fn(
    "llmspell_artifact_writer_write",
    [WriterP, c_void_p, c_size_t, POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_artifact_writer_commit = _fn(
    "llmspell_artifact_writer_commit",
    [WriterP, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_artifact_writer_free = _fn("llmspell_artifact_writer_free", [WriterP], None)
llmspell_artifact_reader_open = _fn(
    "llmspell_artifact_reader_open",
    [
        EngineP,
        c_char_p,  # session_id
        c_uint64,  # sequence
        POINTER(ReaderP),  # out
        POINTER(BufP), POINTER(c_size_t),  # record_out, record_len
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_artifact_reader_read = _fn(
    "llmspell_artifact_reader_read",
    [ReaderP, c_void_p, c_size_t, POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_artifact_reader_free = _fn("llmspell_artifact_reader_free", [ReaderP], None)

# --- schema migrations ----------------------------------------------------

llmspell_state_register_schema = _fn(
    "llmspell_state_register_schema",
    [EngineP, c_char_p, c_size_t, POINTER(ErrorP)],  # schema_json, schema_len
    status_t,
    _check,
)
llmspell_state_migrate = _fn(
    "llmspell_state_migrate",
    [
        EngineP,
        c_char_p,  # target (NUL-terminated)
        c_char_p, c_size_t,  # options_json, options_len (optional)
        POINTER(BufP), POINTER(c_size_t),  # report_out, report_len
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_state_migration_status = _fn(
    "llmspell_state_migration_status",
    [EngineP, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)

# --- backups --------------------------------------------------------------

llmspell_backup_create = _fn(
    "llmspell_backup_create",
    [
        EngineP,
        c_char_p, c_size_t,  # options_json, options_len (optional)
        POINTER(BufP), POINTER(c_size_t),  # summary_out, summary_len
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_backup_list = _fn(
    "llmspell_backup_list",
    [EngineP, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_backup_validate = _fn(
    "llmspell_backup_validate",
    [EngineP, c_char_p, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],  # id or "latest"
    status_t,
    _check,
)
llmspell_backup_restore = _fn(
    "llmspell_backup_restore",
    [EngineP, c_char_p, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],  # id or "latest"
    status_t,
    _check,
)
llmspell_backup_cleanup = _fn(
    "llmspell_backup_cleanup",
    [
        EngineP,
        c_char_p, c_size_t,  # options_json, options_len (optional)
        POINTER(BufP), POINTER(c_size_t),  # report_out, report_len
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)

# --- events ---------------------------------------------------------------

#: ``llmspell_event_fn``: (user_data, event_json, event_len). Both pointers
#: are declared ``c_void_p`` so the callback receives plain ints (cheaper
#: than ctypes pointer objects); the JSON is read with ``string_at``.
EVENT_FN = ctypes.CFUNCTYPE(None, c_void_p, c_void_p, c_size_t)
#: ``llmspell_free_fn``: (user_data).
FREE_FN = ctypes.CFUNCTYPE(None, c_void_p)

llmspell_event_publish = _fn(
    "llmspell_event_publish",
    [
        EngineP,
        c_char_p,  # type (NUL-terminated)
        c_char_p, c_size_t,  # data_json, data_len (optional: NULL is null)
        c_char_p, c_size_t,  # options_json, options_len (optional)
        POINTER(BufP), POINTER(c_size_t),  # event_out, event_len (optional)
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_subscription_new = _fn(
    "llmspell_subscription_new",
    [
        EngineP,
        c_char_p,  # pattern
        c_char_p, c_size_t,  # options_json, options_len (optional)
        POINTER(SubscriptionP),  # out
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_subscription_next = _fn(
    "llmspell_subscription_next",
    [SubscriptionP, c_uint32, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_event_subscribe_callback = _fn(
    "llmspell_event_subscribe_callback",
    [
        EngineP,
        c_char_p,  # pattern
        c_char_p, c_size_t,  # options_json, options_len (optional)
        EVENT_FN,  # fn
        c_void_p,  # user_data
        FREE_FN,  # user_data_free (optional: pass None)
        POINTER(SubscriptionP),  # out
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_subscription_free = _fn("llmspell_subscription_free", [SubscriptionP], None)
llmspell_event_stats = _fn(
    "llmspell_event_stats",
    [EngineP, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)


llmspell_subscription_id = _fn(
    "llmspell_subscription_id",
    [SubscriptionP, POINTER(c_uint64), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_event_query = _fn(
    "llmspell_event_query",
    [
        EngineP,
        c_char_p, c_size_t,  # query_json, query_len (optional)
        POINTER(BufP), POINTER(c_size_t),  # json_out, json_len
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)

# --- hooks ----------------------------------------------------------------

#: ``llmspell_hook_fn``: (user_data, context_json, context_len, reply). As
#: for EVENT_FN, the pointers are ``c_void_p`` (plain ints in the callback).
HOOK_FN = ctypes.CFUNCTYPE(None, c_void_p, c_void_p, c_size_t, c_void_p)
#: ``llmspell_tool_fn``: (user_data, params_json, params_len, reply).
TOOL_FN = ctypes.CFUNCTYPE(None, c_void_p, c_void_p, c_size_t, c_void_p)

llmspell_hook_register = _fn(
    "llmspell_hook_register",
    [
        EngineP,
        c_char_p,  # point
        c_int32,  # priority
        c_char_p, c_size_t,  # options_json, options_len (optional)
        HOOK_FN,  # fn
        c_void_p,  # user_data
        FREE_FN,  # user_data_free (optional)
        POINTER(c_uint64),  # id_out
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
# Called from inside a hook; no errcheck: the trampoline must never raise.
llmspell_hook_reply_set = _fn("llmspell_hook_reply_set", [c_void_p, c_char_p, c_size_t], status_t)
llmspell_hook_reply_fail = _fn("llmspell_hook_reply_fail", [c_void_p, c_char_p, c_size_t], status_t)
llmspell_hook_unregister = _fn(
    "llmspell_hook_unregister", [EngineP, c_uint64, POINTER(ErrorP)], status_t, _check
)
llmspell_hook_list = _fn(
    "llmspell_hook_list",
    [EngineP, c_char_p, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],  # point (optional)
    status_t,
    _check,
)
llmspell_hook_metrics = _fn(
    "llmspell_hook_metrics",
    [EngineP, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_hook_records = _fn(
    "llmspell_hook_records",
    [
        EngineP,
        c_char_p, c_size_t,  # query_json, query_len (optional)
        POINTER(BufP), POINTER(c_size_t),  # json_out, json_len
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)

# --- tools ----------------------------------------------------------------

llmspell_tool_invoke = _fn(
    "llmspell_tool_invoke",
    [
        EngineP,
        c_char_p,  # name
        c_char_p, c_size_t,  # params_json, params_len (optional)
        POINTER(BufP), POINTER(c_size_t),  # envelope_out, envelope_len
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_tool_list = _fn(
    "llmspell_tool_list",
    [EngineP, c_char_p, c_size_t, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_tool_register = _fn(
    "llmspell_tool_register",
    [
        EngineP,
        c_char_p, c_size_t,  # spec_json, spec_len
        TOOL_FN,  # fn
        c_void_p,  # user_data
        FREE_FN,  # user_data_free (optional)
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
# Called from inside a tool; no errcheck (see llmspell_hook_reply_set).
llmspell_tool_reply_set = _fn("llmspell_tool_reply_set", [c_void_p, c_char_p, c_size_t], status_t)
llmspell_tool_reply_error = _fn("llmspell_tool_reply_error", [c_void_p, c_char_p], status_t)
llmspell_tool_unregister = _fn(
    "llmspell_tool_unregister", [EngineP, c_char_p, POINTER(ErrorP)], status_t, _check
)

# --- agents and providers -------------------------------------------------

llmspell_agent_create = _fn(
    "llmspell_agent_create",
    [
        EngineP,
        c_char_p, c_size_t,  # config_json, config_len (NULL/0 = {})
        POINTER(BufP), POINTER(c_size_t),  # name_out, name_len (optional)
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_agent_execute = _fn(
    "llmspell_agent_execute",
    [
        EngineP,
        c_char_p,  # name
        c_char_p, c_size_t,  # input_json, input_len
        RunP,  # run token (optional)
        POINTER(BufP), POINTER(c_size_t),  # result_out, result_len
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_agent_stream_open = _fn(
    "llmspell_agent_stream_open",
    [
        EngineP,
        c_char_p,  # name
        c_char_p, c_size_t,  # input_json, input_len
        RunP,  # run token (optional)
        POINTER(DeltaStreamP),  # out
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_delta_stream_next = _fn(
    "llmspell_delta_stream_next",
    [DeltaStreamP, c_int32, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_delta_stream_result = _fn(
    "llmspell_delta_stream_result",
    [DeltaStreamP, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_delta_stream_cancel = _fn(
    "llmspell_delta_stream_cancel", [DeltaStreamP, POINTER(ErrorP)], status_t, _check
)
llmspell_delta_stream_free = _fn("llmspell_delta_stream_free", [DeltaStreamP], None)
llmspell_agent_list = _fn(
    "llmspell_agent_list",
    [EngineP, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_agent_info = _fn(
    "llmspell_agent_info",
    [EngineP, c_char_p, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_agent_remove = _fn(
    "llmspell_agent_remove",
    [EngineP, c_char_p, POINTER(c_int32), POINTER(ErrorP)],  # removed (optional)
    status_t,
    _check,
)
llmspell_agent_history = _fn(
    "llmspell_agent_history",
    [EngineP, c_char_p, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_agent_clear_history = _fn(
    "llmspell_agent_clear_history", [EngineP, c_char_p, POINTER(ErrorP)], status_t, _check
)
llmspell_agent_save_state = _fn(
    "llmspell_agent_save_state", [EngineP, c_char_p, POINTER(ErrorP)], status_t, _check
)
llmspell_agent_load_state = _fn(
    "llmspell_agent_load_state",
    [EngineP, c_char_p, POINTER(c_int32), POINTER(ErrorP)],  # found (optional)
    status_t,
    _check,
)
llmspell_agent_wrap_as_tool = _fn(
    "llmspell_agent_wrap_as_tool",
    [
        EngineP,
        c_char_p,  # name
        c_char_p, c_size_t,  # options_json, options_len (optional)
        POINTER(BufP), POINTER(c_size_t),  # tool_out, tool_len (optional)
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_provider_list = _fn(
    "llmspell_provider_list",
    [EngineP, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)


# --- workflows --------------------------------------------------------------

llmspell_workflow_create = _fn(
    "llmspell_workflow_create",
    [
        EngineP,
        c_char_p, c_size_t,  # definition_json, definition_len
        POINTER(BufP), POINTER(c_size_t),  # name_out, name_len (optional)
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_workflow_execute = _fn(
    "llmspell_workflow_execute",
    [
        EngineP,
        c_char_p,  # name
        c_char_p, c_size_t,  # input_json, input_len (optional: NULL/0 = null)
        c_char_p, c_size_t,  # options_json, options_len (optional)
        RunP,  # run token (optional)
        POINTER(BufP), POINTER(c_size_t),  # result_out, result_len
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_workflow_resume = _fn(
    "llmspell_workflow_resume",
    [
        EngineP,
        c_char_p,  # run_id
        c_char_p, c_size_t,  # input_json, input_len (optional)
        RunP,  # run token (optional)
        POINTER(BufP), POINTER(c_size_t),  # result_out, result_len
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)
llmspell_workflow_run_record = _fn(
    "llmspell_workflow_run_record",
    [EngineP, c_char_p, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_workflow_list = _fn(
    "llmspell_workflow_list",
    [EngineP, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_workflow_info = _fn(
    "llmspell_workflow_info",
    [EngineP, c_char_p, POINTER(BufP), POINTER(c_size_t), POINTER(ErrorP)],
    status_t,
    _check,
)
llmspell_workflow_remove = _fn(
    "llmspell_workflow_remove",
    [EngineP, c_char_p, POINTER(c_int32), POINTER(ErrorP)],  # removed (optional)
    status_t,
    _check,
)
llmspell_workflow_wrap_as_tool = _fn(
    "llmspell_workflow_wrap_as_tool",
    [
        EngineP,
        c_char_p,  # name
        c_char_p, c_size_t,  # options_json, options_len (optional)
        POINTER(BufP), POINTER(c_size_t),  # tool_out, tool_len (optional)
        POINTER(ErrorP),
    ],
    status_t,
    _check,
)

def take_bytes(buf: Any, length: c_size_t) -> Optional[bytes]:
    """Copy an owned ``void *`` buffer of ``length`` bytes, then ``llmspell_free`` it.

    Args:
        buf: a ``c_void_p`` filled in by the library (may be NULL).
        length: its length out-parameter.

    Returns:
        The bytes, or None when ``buf`` is NULL.
    """
    if not buf:
        return None
    try:
        return ctypes.string_at(buf, length.value)
    finally:
        llmspell_free(buf)


__all__ = [
    "ABI_VERSION",
    "LIBRARY_PATH",
    "EngineP",
    "RunP",
    "ErrorP",
    "BufP",
    "WriterP",
    "ReaderP",
    "SubscriptionP",
    "DeltaStreamP",
    "EVENT_FN",
    "FREE_FN",
    "HOOK_FN",
    "TOOL_FN",
    "byref",
    "error_from",
    "status_name",
    "take_string",
    "call_string",
    "take_bytes",
]
