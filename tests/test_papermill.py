"""Instructors rerun chapters with other parameters through papermill."""

from pathlib import Path

import nbformat
import papermill
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_has_a_parameters_cell(path: Path) -> None:
    cells = nbformat.read(path, as_version=4).cells
    assert any("parameters" in c.metadata.get("tags", []) for c in cells), f"{path.name}: no parameters cell"


@pytest.mark.parametrize("name, parameters", [
    ("01-architecture", {"seed": 7, "nodes": 2}),
    ("03-labels-selectors", {"seed": 3, "pods_per_app": 2}),
    ("06-autoscaling", {"seed": 3, "target": 60, "max_replicas": 8}),
    ("07-etcd-cluster", {"seed": 2, "members": 5}),
    ("08-master-setup", {"seed": 3}),
    ("09-node-setup", {"seed": 3, "nodes": 2}),
    ("10-flannel-networking", {"seed": 3, "nodes": 2}),
    ("12-capstone", {"seed": 3}),
])
def test_a_chapter_runs_with_other_parameters(tmp_path: Path, name: str, parameters: dict) -> None:
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"), str(out), parameters=parameters,
                               cwd=str(ROOT / "notebooks"), kernel_name="python3", progress_bar=False)
    cells = nbformat.read(out, as_version=4).cells
    injected = [c for c in cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and all(f"{key} = {value}" in injected[0].source for key, value in parameters.items())
    assert not any(o.get("output_type") == "error" for c in cells for o in c.get("outputs", []))
