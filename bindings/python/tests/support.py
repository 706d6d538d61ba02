"""Helpers shared by the test modules: the repository's vector files, the
local test model (stories260K) and the check of a vector step's expected
error.

The model folder comes from LLMSPELL_MODELS_DIR, else <repo>/../shared/models.
Without it the tests that need the model skip (and fail when CI=true).
"""

import json
import os
from typing import Any, Callable, Dict, List

import pytest

import llmspell

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def vector_cases(name: str) -> List[Dict[str, Any]]:
    """The cases of tests/vectors/<name>.json."""
    with open(os.path.join(REPO, "tests", "vectors", name + ".json"), encoding="utf-8") as f:
        cases: List[Dict[str, Any]] = json.load(f)["cases"]
    return cases


def models_dir() -> str:
    """The folder holding stories260K/ (which may be missing)."""
    return os.environ.get("LLMSPELL_MODELS_DIR") or os.path.join(os.path.dirname(REPO), "shared", "models")


def have_models() -> bool:
    d = os.path.join(models_dir(), "stories260K")
    return all(os.path.exists(os.path.join(d, f)) for f in ("stories260K.bin", "tok512.bin"))


def need_models() -> None:
    if have_models():
        return
    msg = (f"model files missing under {models_dir()}/stories260K; "
           "set LLMSPELL_MODELS_DIR to a folder holding stories260K/")
    if os.environ.get("CI") == "true":
        pytest.fail(msg)
    pytest.skip(msg)


def config(tmp_path) -> Dict[str, Any]:
    """An engine config with its store under tmp_path and the local models."""
    return {"storage": {"data_dir": str(tmp_path / "data")}, "models": {"dir": models_dir()}}


def check_error(step: Callable[[Dict[str, Any]], Any], s: Dict[str, Any], where: str) -> None:
    """Run a vector step that must fail with the kind ``s["expect_error"]``."""
    with pytest.raises(llmspell.LlmspellError) as info:
        step(s)
    e = info.value
    assert e.code == s["expect_error"], f"{where}: {e}"
    assert type(e) is llmspell.STATUS_CODES[e.code], where
