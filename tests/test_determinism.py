"""Same seed, same story, whatever Python's string-hash seed: the chapters pass nbval under a second PYTHONHASHSEED.

The suite's own nbval run executes every notebook under one fixed hash seed
(conftest.py: 1 unless PYTHONHASHSEED is set). This test runs nbval on the
chapters in notebooks/ again, in a subprocess, under another seed (12345),
so set or dict iteration order leaking into an output (or into the
simulation: which pod a controller picks) fails here. That run is queued as
soon as pytest has collected this module (tests/background.py), beside the
rest of the suite. With K8SCOURSE_DETERMINISM_ALL=1 it covers solutions/ and
exercises/ too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import background

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ("1", "12345")
FOLDERS = ("notebooks", "solutions", "exercises") if os.environ.get("K8SCOURSE_DETERMINISM_ALL") == "1" else (
    "notebooks",)


def other_seed() -> str:
    """The seed the suite's own nbval run did not use."""
    return SEEDS[1] if os.environ.get("PYTHONHASHSEED") != SEEDS[1] else SEEDS[0]


def nbval_command(paths: list[Path]) -> list[str]:
    """``pytest --nbval`` on ``paths``, with pyproject's addopts (the sanitiser, this environment's kernel)."""
    return [sys.executable, "-m", "pytest", "-q", "--no-header", "-c", str(ROOT / "pyproject.toml"),
            *(str(p) for p in paths)]


def nbval(paths: list[Path], seed: str) -> subprocess.CompletedProcess:
    """Run :func:`nbval_command` under hash seed ``seed`` and wait for it."""
    return subprocess.run(nbval_command(paths), cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed},
                          capture_output=True, text=True, timeout=900)


def test_the_suite_runs_notebooks_under_a_fixed_hash_seed() -> None:
    assert os.environ.get("PYTHONHASHSEED") not in (None, "random")


JOB: list[Future[subprocess.CompletedProcess]] = []


def start_in_background() -> None:
    """Queue nbval on the chapters under the other seed (conftest.py calls this after collection)."""
    if not JOB:
        notebooks = sorted(p for folder in FOLDERS for p in (ROOT / folder).glob("*.ipynb"))
        JOB.append(background.run(nbval_command(notebooks), cwd=ROOT, timeout=900,
                                  env={**os.environ, "PYTHONHASHSEED": other_seed()}))


def test_the_chapters_pass_under_another_hash_seed() -> None:
    start_in_background()  # already done unless conftest.py's hook did not run
    result = JOB[0].result()
    assert result.returncode == 0, f"PYTHONHASHSEED={other_seed()}:\n{result.stdout[-4000:]}"


def test_an_output_in_set_order_fails_under_the_other_seed(tmp_path: Path) -> None:
    import nbformat

    code = 'print(list({"web-1", "web-2", "api-1", "api-2", "db-1", "db-2"}))'
    printed = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": SEEDS[0]},
                             capture_output=True, text=True, check=True).stdout
    cell = nbformat.v4.new_code_cell(code, execution_count=1,
                                     outputs=[nbformat.v4.new_output("stream", name="stdout", text=printed)])
    path = tmp_path / "set-order.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        same, other = pool.map(lambda seed: nbval([path], seed), SEEDS)
    assert same.returncode == 0, same.stdout
    assert other.returncode == 1 and "Cell outputs differ" in other.stdout
