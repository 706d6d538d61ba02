"""Idiomatic tests of the Python binding."""

import builtins
import gc
import json
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time
from typing import Any, List

import pytest

import llmspell
from llmspell import _ffi


@pytest.fixture
def engine():
    with llmspell.Engine() as e:
        yield e


# --- module ------------------------------------------------------------------


def test_versions() -> None:
    assert llmspell.version() == "0.1.0"
    assert llmspell.version_number() == 1000
    assert llmspell.abi_version() == 1
    assert llmspell.__version__ == llmspell.version()


def test_status_names_match_classes() -> None:
    names = [
        "ok", "invalid_argument", "not_found", "denied", "timeout", "cancelled",
        "provider_error", "tool_error", "internal", "script_error", "closed",
        "storage_error", "limit_exceeded", "conflict",
    ]
    for status, name in enumerate(names):
        assert _ffi.status_name(status) == name
        if status:
            cls = llmspell.STATUS_CODES[name]
            assert cls.kind == name and cls.default_status == status
    assert _ffi.status_name(99) == "unknown"
    assert len(llmspell.STATUS_CODES) == 13


# --- lifecycle -----------------------------------------------------------------


def test_context_manager_closes() -> None:
    with llmspell.Engine() as e:
        e.ping()
        assert not e.closed
    assert e.closed
    with pytest.raises(llmspell.ClosedError):
        e.ping()


def test_close_idempotent() -> None:
    e = llmspell.Engine()
    e.close()
    e.close()
    assert e.closed
    t = llmspell.Engine().run_token()
    t.close()
    t.close()
    assert t.closed


@pytest.mark.parametrize(
    "call",
    [
        lambda e: e.ping(),
        lambda e: e.info(),
        lambda e: e.run("return 1"),
        lambda e: e.run_token(),
        lambda e: e.__enter__(),
    ],
    ids=["ping", "info", "run", "run_token", "enter"],
)
def test_use_after_close(call: Any) -> None:
    e = llmspell.Engine()
    e.close()
    with pytest.raises(llmspell.ClosedError) as info:
        call(e)
    assert info.value.code == "closed"
    assert info.value.status == 10


def test_c_layer_reports_closed_for_stale_handle() -> None:
    # Bypass the Python check: the library itself must answer CLOSED.
    e = llmspell.Engine()
    stale = e._handle
    e.close()
    err = _ffi.ErrorP()
    with pytest.raises(llmspell.ClosedError) as info:
        _ffi.llmspell_engine_ping(stale, _ffi.byref(err))
    assert info.value.message.startswith("closed")
    out = _ffi.BufP()
    with pytest.raises(llmspell.ClosedError):
        _ffi.llmspell_engine_info(stale, _ffi.byref(out), None, _ffi.byref(_ffi.ErrorP()))
    assert not out


def test_c_layer_null_handles() -> None:
    with pytest.raises(llmspell.InvalidArgumentError):
        _ffi.llmspell_engine_ping(None, _ffi.byref(_ffi.ErrorP()))
    with pytest.raises(llmspell.InvalidArgumentError):
        _ffi.llmspell_run_cancel(None, _ffi.byref(_ffi.ErrorP()))
    with pytest.raises(llmspell.InvalidArgumentError):
        _ffi.llmspell_engine_new(None, 0, None, _ffi.byref(_ffi.ErrorP()))
    # An error requested with err=NULL still maps to the right class.
    with pytest.raises(llmspell.InvalidArgumentError) as info:
        _ffi.llmspell_engine_ping(None, None)
    assert info.value.message == "invalid_argument"
    # Frees of NULL are ignored.
    _ffi.llmspell_engine_free(None)
    _ffi.llmspell_run_free(None)
    _ffi.llmspell_error_free(None)
    _ffi.llmspell_free(None)


def test_token_use_after_close(engine: llmspell.Engine) -> None:
    t = engine.run_token()
    t.close()
    with pytest.raises(llmspell.ClosedError):
        t.cancel()
    with pytest.raises(llmspell.ClosedError):
        engine.run("return 1", token=t)


def test_token_outlives_engine() -> None:
    e = llmspell.Engine()
    t = e.run_token()
    e.close()
    t.cancel()  # the token keeps the engine alive inside the library
    t.close()


def test_del_frees_without_close() -> None:
    for _ in range(50):
        e = llmspell.Engine()
        e.run_token()
        del e
    gc.collect()


def test_info(engine: llmspell.Engine) -> None:
    info = engine.info()
    assert info["version"] == llmspell.version()
    assert info["abi_version"] == 1
    assert set(info["languages"]) >= {"lua", "js"}
    assert "backend" in info["storage"]
    assert isinstance(info["config"], dict)


# --- runs ------------------------------------------------------------------------


def test_run_defaults_to_lua(engine: llmspell.Engine) -> None:
    r = engine.run("return 1 + 1")
    assert r.value == 2 and r.output == ""
    assert r == llmspell.RunResult(2, "")


def test_empty_script(engine: llmspell.Engine) -> None:
    assert engine.run("").value is None
    assert engine.run("", "js").value is None


def test_lua_and_js_agree(engine: llmspell.Engine) -> None:
    lua = engine.run(
        "local s = 0 for i = 1, ARGS.n do s = s + i end "
        "return {sum = s, name = ARGS.name, items = {ARGS.name, 'b'}, ok = true}",
        "lua",
        {"n": 10, "name": "a"},
    )
    js = engine.run(
        "var s = 0; for (var i = 1; i <= ARGS.n; i++) s += i; "
        "return {sum: s, name: ARGS.name, items: [ARGS.name, 'b'], ok: true};",
        "js",
        {"n": 10, "name": "a"},
    )
    assert lua.value == js.value == {"sum": 55, "name": "a", "items": ["a", "b"], "ok": True}


def test_javascript_alias(engine: llmspell.Engine) -> None:
    assert engine.run("return 7;", "javascript").value == 7


def test_list_args(engine: llmspell.Engine) -> None:
    assert engine.run("return ARGS[2]", "lua", ["a", "b"]).value == "b"
    assert engine.run("return ARGS[1];", "js", ["a", "b"]).value == "b"


def test_unicode_roundtrip(engine: llmspell.Engine) -> None:
    s = "héllo ✓ 𝄞"
    r = engine.run("print(ARGS.s) return ARGS.s", "lua", {"s": s})
    assert r.value == s
    assert r.output == s + "\n"


def test_bytes_source(engine: llmspell.Engine) -> None:
    assert engine.run(b"return 'ok'").value == "ok"


def test_invalid_utf8_source(engine: llmspell.Engine) -> None:
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.run(b"return '\xff\xfe'")
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.run("return '\ud800'")  # lone surrogate


def test_bad_arguments(engine: llmspell.Engine) -> None:
    with pytest.raises(TypeError):
        engine.run(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        engine.run("return 1", "lua", "not a dict")  # type: ignore[arg-type]
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.run("return 1", "lua", {"x": float("nan")})
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.run("return 1", "lu\0a")
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.run("return 1", timeout_ms=-5)
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.run("return 1", max_output_bytes=-1)


def test_script_error_details(engine: llmspell.Engine) -> None:
    with pytest.raises(llmspell.ScriptError) as info:
        engine.run("print('before')\nlocal x = nil\nreturn x.y", name="spell.lua")
    e = info.value
    assert e.code == "script_error" and e.status == 9
    assert e.message.startswith("script_error")
    assert e.details["kind"] == "script_error"
    assert e.details.get("file") == "spell.lua"
    assert e.details.get("line") == 3
    assert e.output == "before\n"


def test_run_file(engine: llmspell.Engine, tmp_path: Any) -> None:
    lua = tmp_path / "a.lua"
    lua.write_text("return {n = ARGS.n * 2}")
    js = tmp_path / "b.js"
    js.write_text("return {n: ARGS.n * 2};")
    assert engine.run_file(lua, args={"n": 2}).value == {"n": 4}
    assert engine.run_file(str(js), args={"n": 2}).value == {"n": 4}
    bad = tmp_path / "c.lua"
    bad.write_text("error('x')")
    with pytest.raises(llmspell.ScriptError) as info:
        engine.run_file(bad)
    assert "c.lua" in info.value.message
    other = tmp_path / "d.txt"
    other.write_text("return 1")
    with pytest.raises(llmspell.InvalidArgumentError):
        engine.run_file(other)
    assert engine.run_file(other, lang="lua").value == 1
    with pytest.raises(FileNotFoundError):
        engine.run_file(tmp_path / "missing.lua")


# --- cancellation, timeouts, threads ---------------------------------------------


def test_cancel_from_thread(engine: llmspell.Engine) -> None:
    with engine.run_token() as token:
        got: List[BaseException] = []

        def worker() -> None:
            try:
                engine.run("while true do end", token=token, timeout_ms=20000)
            except BaseException as e:  # noqa: BLE001
                got.append(e)

        th = threading.Thread(target=worker)
        t0 = time.monotonic()
        th.start()
        time.sleep(0.1)
        token.cancel()
        th.join(10)
        elapsed = time.monotonic() - t0
        assert not th.is_alive()
        assert len(got) == 1 and isinstance(got[0], llmspell.CancelledError), got
        assert got[0].code == "cancelled"
        assert elapsed < 2
        # A cancelled token stops later runs too; cancelling twice is fine.
        token.cancel()
        with pytest.raises(llmspell.CancelledError):
            engine.run("return 1", token=token)


def test_cancel_js_from_thread(engine: llmspell.Engine) -> None:
    token = engine.run_token()
    timer = threading.Timer(0.1, token.cancel)
    timer.start()
    with pytest.raises(llmspell.CancelledError):
        engine.run("for(;;){}", "js", token=token, timeout_ms=20000)
    timer.join()
    token.close()


def test_timeout_one_second(engine: llmspell.Engine) -> None:
    t0 = time.monotonic()
    with pytest.raises(llmspell.LlmspellTimeoutError) as info:
        engine.run("while true do end", timeout_ms=1000)
    t = time.monotonic() - t0
    assert 0.8 < t < 3, t
    assert isinstance(info.value, builtins.TimeoutError)
    assert info.value.code == "timeout"


def test_concurrent_runs(engine: llmspell.Engine) -> None:
    results: List[Any] = [None] * 8
    errors: List[BaseException] = []

    def worker(i: int) -> None:
        try:
            for j in range(20):
                lang = "lua" if (i + j) % 2 else "js"
                src = (
                    "local s = 0 for k = 1, 20000 do s = s + k end return {i = ARGS.i, s = s}"
                    if lang == "lua"
                    else "var s = 0; for (var k = 1; k <= 20000; k++) s += k; return {i: ARGS.i, s: s};"
                )
                r = engine.run(src, lang, {"i": i})
                assert r.value == {"i": i, "s": 200010000}
            results[i] = i
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert results == list(range(8))


def test_run_releases_gil(engine: llmspell.Engine) -> None:
    # While a script busy-loops in C, Python threads keep running.
    ticks = [0]
    stop = threading.Event()

    def ticker() -> None:
        while not stop.is_set():
            ticks[0] += 1
            time.sleep(0.001)

    th = threading.Thread(target=ticker)
    th.start()
    with pytest.raises(llmspell.LlmspellTimeoutError):
        engine.run("while true do end", timeout_ms=300)
    stop.set()
    th.join()
    assert ticks[0] > 50


# --- errors ------------------------------------------------------------------------


def test_exception_hierarchy() -> None:
    assert issubclass(llmspell.InvalidArgumentError, ValueError)
    assert issubclass(llmspell.DeniedError, PermissionError)
    assert issubclass(llmspell.LlmspellTimeoutError, builtins.TimeoutError)
    for cls in llmspell.STATUS_CODES.values():
        assert issubclass(cls, llmspell.LlmspellError)
        e = cls("x: y", details={"kind": cls.kind})
        assert isinstance(e, Exception)
        assert str(e) == "x: y"
        assert e.code == cls.kind
        back = pickle.loads(pickle.dumps(e))
        assert type(back) is cls and back.code == e.code and back.details == e.details
    d = llmspell.DeniedError("denied: no")
    assert d.errno is None and str(d) == "denied: no"


def test_errors_map_from_library(engine: llmspell.Engine) -> None:
    cases = [
        (lambda: engine.run("x", "cobol"), llmspell.InvalidArgumentError, ValueError),
        (lambda: engine.run("while true do end", timeout_ms=50), llmspell.LlmspellTimeoutError,
         builtins.TimeoutError),
        (lambda: engine.run("error('e')"), llmspell.ScriptError, llmspell.LlmspellError),
        (lambda: engine.run("while true do print('x') end", max_output_bytes=100),
         llmspell.LimitExceededError, llmspell.LlmspellError),
    ]
    for call, cls, base in cases:
        with pytest.raises(cls) as info:
            call()
        assert isinstance(info.value, base)
        assert info.value.status == cls.default_status
        assert info.value.message.startswith(cls.kind)


# --- config and storage ---------------------------------------------------------------


def test_malformed_config_string() -> None:
    with pytest.raises(llmspell.InvalidArgumentError):
        llmspell.Engine('{"storage": ')
    with pytest.raises(llmspell.InvalidArgumentError):
        llmspell.Engine("[1, 2]")  # not an object


def test_config_as_json_string() -> None:
    with llmspell.Engine('{"script": {"timeout_ms": 5000}}') as e:
        assert e.run("return 1").value == 1


def test_unknown_config_key() -> None:
    with pytest.raises(llmspell.InvalidArgumentError) as info:
        llmspell.Engine({"no_such_section": {"x": 1}})
    assert "no_such_section" in info.value.message


def test_bad_config_type() -> None:
    with pytest.raises(TypeError):
        llmspell.Engine(42)  # type: ignore[arg-type]
    with pytest.raises(llmspell.InvalidArgumentError):
        llmspell.Engine(b'{"storage": \xff}')


def test_data_dir_is_a_file(tmp_path: Any) -> None:
    f = tmp_path / "file"
    f.write_text("keep me")
    with pytest.raises(llmspell.StorageError) as info:
        llmspell.Engine({"storage": {"data_dir": str(f)}})
    assert info.value.code == "storage_error"
    assert f.read_text() == "keep me"


def test_data_dir_locked(tmp_path: Any) -> None:
    d = str(tmp_path / "data")
    with llmspell.Engine({"storage": {"backend": "pebble", "data_dir": d}}) as first:
        with pytest.raises(llmspell.StorageError):
            llmspell.Engine({"storage": {"backend": "pebble", "data_dir": d}})
        first.ping()
    # Closing the first engine unlocks the folder.
    with llmspell.Engine({"storage": {"backend": "pebble", "data_dir": d}}) as again:
        again.ping()


def test_pebble_engine(tmp_path: Any) -> None:
    d = str(tmp_path / "data")
    with llmspell.Engine({"storage": {"backend": "pebble", "data_dir": d}}) as e:
        info = e.info()
        assert info["storage"]["backend"] == "pebble"
        assert os.path.realpath(info["storage"]["data_dir"]) == os.path.realpath(d)
        assert e.run("return 'ok'").value == "ok"
        assert e.run("return 'ok';", "js").value == "ok"
    assert os.path.isdir(d)


def test_library_found_in_source_tree() -> None:
    if os.environ.get("LLMSPELL_LIBRARY"):
        pytest.skip("LLMSPELL_LIBRARY is set")
    here = os.path.dirname(os.path.abspath(__file__))
    build_lib = os.path.realpath(os.path.join(here, "..", "..", "..", "build", "lib"))
    assert os.path.dirname(os.path.realpath(_ffi.LIBRARY_PATH)) == build_lib


# --- loading (in subprocesses, so this process keeps its one Go runtime) ----------


def _import_in_subprocess(pkg_parent: str, env_extra: dict) -> "subprocess.CompletedProcess[str]":
    env = {k: v for k, v in os.environ.items() if k != "LLMSPELL_LIBRARY"}
    env.update(env_extra)
    env["PYTHONPATH"] = pkg_parent
    return subprocess.run(
        [sys.executable, "-c", "import llmspell; print(llmspell.abi_version())"],
        env=env, capture_output=True, text=True, timeout=60, cwd=pkg_parent,
    )


def test_missing_library_message(tmp_path: Any) -> None:
    # A copy of the package outside the source tree finds no library.
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "llmspell")
    shutil.copytree(src, tmp_path / "llmspell", ignore=shutil.ignore_patterns("*.so*", "__pycache__"))
    r = _import_in_subprocess(str(tmp_path), {"LD_LIBRARY_PATH": ""})
    if r.returncode == 0:
        pytest.skip("a system-wide libllmspell was found")
    assert "ImportError" in r.stderr
    assert "LLMSPELL_LIBRARY" in r.stderr
    assert str(tmp_path / "llmspell") in r.stderr


def test_bad_env_library(tmp_path: Any) -> None:
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = _import_in_subprocess(pkg_parent, {"LLMSPELL_LIBRARY": str(tmp_path / "nope.so")})
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "LLMSPELL_LIBRARY" in r.stderr


FAKE_LIB = r"""
#include <stdint.h>
#include <stddef.h>
const char *llmspell_version(void) { return "9.9.9"; }
uint32_t llmspell_version_number(void) { return 9009009; }
uint32_t llmspell_abi_version(void) { return 2; }
const char *llmspell_status_name(int32_t c) { return "unknown"; }
int32_t llmspell_error_code(const void *e) { return 1; }
const char *llmspell_error_message(const void *e) { return ""; }
const char *llmspell_error_details(const void *e) { return "{}"; }
void llmspell_error_free(void *e) {}
void llmspell_free(void *p) {}
"""


def test_abi_mismatch(tmp_path: Any) -> None:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    (tmp_path / "fake.c").write_text(FAKE_LIB)
    lib = tmp_path / "libfake.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), str(tmp_path / "fake.c")], check=True)
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = _import_in_subprocess(pkg_parent, {"LLMSPELL_LIBRARY": str(lib)})
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "ABI version 2" in r.stderr
