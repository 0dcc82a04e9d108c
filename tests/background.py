"""Slow, self-contained test work that runs beside the rest of the suite, one job at a time.

The suite itself mostly keeps one core busy (pytest, or the one kernel nbval
is running), so on a two-core machine the other core is free. Test modules
whose work is a batch of subprocesses (papermill's reruns, the second-seed
nbval run) define ``start_in_background()``; conftest.py calls it right after
collection, for the modules selected, and their tests wait for the results.
One worker runs the jobs in order, so at most one extra process competes
with the suite.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import Future, ThreadPoolExecutor

_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background-tests")


def run(command: list[str], **kwargs) -> Future[subprocess.CompletedProcess]:
    """Queue ``command``; the future holds its CompletedProcess (output captured as text)."""
    return _worker.submit(subprocess.run, command, capture_output=True, text=True, **kwargs)


def cancel() -> None:
    """Drop the jobs not started yet (the session is ending early); the running one finishes."""
    _worker.shutdown(wait=False, cancel_futures=True)
