import os
import sys

import pytest

# Use the package from this source tree without installing it.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import llmspell  # noqa: E402
from support import config, need_models  # noqa: E402


@pytest.fixture
def engine(tmp_path):
    """An engine with its store under tmp_path and the local models (see
    support.config); modules that need another store define their own."""
    with llmspell.Engine(config(tmp_path)) as e:
        yield e


@pytest.fixture
def model_engine(tmp_path):
    """As ``engine``, for tests that need the local model (they skip without it)."""
    need_models()
    with llmspell.Engine(config(tmp_path)) as e:
        yield e
