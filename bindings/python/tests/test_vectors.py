"""Runs every case of the shared vectors in tests/vectors/run.json."""

import json
import os
from typing import Any, Dict

import pytest

import llmspell

VECTORS = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "vectors", "run.json"
)

with open(VECTORS, encoding="utf-8") as f:
    CASES = json.load(f)["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector(case: Dict[str, Any]) -> None:
    opts = case.get("options", {})
    expect = case["expect"]
    with llmspell.Engine({}) as engine:
        kwargs = dict(
            timeout_ms=opts.get("timeout_ms"),
            name=opts.get("name"),
            max_output_bytes=opts.get("max_output_bytes"),
        )
        if "error" in expect:
            with pytest.raises(llmspell.LlmspellError) as info:
                engine.run(case["source"], case["lang"], case.get("args"), **kwargs)
            e = info.value
            assert e.code == expect["error"]["code"], e
            assert type(e) is llmspell.STATUS_CODES[e.code]
            assert expect["error"]["message_contains"] in e.message
            assert e.details.get("kind") == e.code
            assert "message" in e.details
        else:
            r = engine.run(case["source"], case["lang"], case.get("args"), **kwargs)
            assert r.value == expect["result"]
            assert type(r.value) is type(expect["result"])
            assert r.output == expect["output"]
