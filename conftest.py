"""Settings and hooks for the whole suite, notebooks included.

* Every notebook's kernel runs under one fixed string-hash seed, so a failure
  replays exactly: nbval, papermill and the browser test start kernels as
  child processes, which inherit this environment (the pytest process keeps
  its own seed). tests/test_determinism.py reruns the chapters under a second
  seed, so an output that depends on hash order (a set printed unsorted)
  fails there rather than once in a while. Set PYTHONHASHSEED yourself to
  try another seed.
* Test modules with a ``start_in_background()`` get it called as soon as
  they are collected, so their batch of subprocesses runs beside the rest of
  the suite (tests/background.py), and their tests run last, when that work
  is done.
"""

from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("PYTHONHASHSEED", "1")


def _in_background(item: pytest.Item) -> bool:
    return hasattr(getattr(item, "module", None), "start_in_background")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_in_background)  # stable: the order within each part stays


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    for module in dict.fromkeys(item.module for item in session.items if _in_background(item)):
        module.start_in_background()


def pytest_sessionfinish(session: pytest.Session) -> None:
    background = sys.modules.get("background")
    if background is not None:
        background.cancel()
