"""pytest setup for the Python test suite.

* puts tests/python on sys.path so tests can `from pdtest import ...` and
  `from models import ...`;
* markers: `paddle` (needs paddlepaddle for references; skipped with a reason when it is
  not installed), `model` (whole-model parity, a few seconds to a minute each),
  `slow` (the biggest models).  All of them run by default; deselect with e.g.
  `-m "not slow"` for a quick local loop.
"""
import importlib.util
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def _have_paddle():
    # find_spec does not import paddle (importing it costs ~1 s and 300 MB)
    try:
        return importlib.util.find_spec("paddle") is not None
    except (ImportError, ValueError):
        return False


HAVE_PADDLE = _have_paddle()


def pytest_configure(config):
    config.addinivalue_line("markers", "paddle: needs paddlepaddle (reference results)")
    config.addinivalue_line("markers", "model: whole-model parity test")
    config.addinivalue_line("markers", "slow: big model (tens of seconds)")


def pytest_collection_modifyitems(config, items):
    if HAVE_PADDLE:
        return
    skip = pytest.mark.skip(reason="paddlepaddle is not importable: parity references need it "
                                   "(pip install paddlepaddle==3.3.1)")
    for item in items:
        if "paddle" in item.keywords or _uses_pdtest(item):
            item.add_marker(skip)


def _uses_pdtest(item):
    mod = getattr(item, "module", None)
    return mod is not None and (hasattr(mod, "paddle_reference") or getattr(mod, "NEEDS_PADDLE", False))
