"""Every chapter is also a slideshow: cell slide metadata (tools/slides.py), rendered by nbconvert."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from slides import slide_type  # noqa: E402  (tools/ is not a package)

NOTEBOOKS = sorted(p for folder in ("notebooks", "solutions", "exercises") for p in (ROOT / folder).glob("*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}  # nbconvert's reveal.js exporter
FIX = "run `python tools/slides.py` (and `make exercises` after changing solutions/)"


def cells(path: Path) -> list:
    return nbformat.read(path, as_version=4).cells


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_heading_cell_starts_a_slide_or_subslide(path: Path) -> None:
    notebook = cells(path)
    headings = [(i, c) for i, c in enumerate(notebook) if c.cell_type == "markdown" and c.source.startswith("#")]
    assert notebook[0].source.startswith("# ") and len(headings) >= 4  # title, summary, quiz, where next
    for index, cell in headings:
        got = cell.metadata.get("slideshow", {}).get("slide_type")
        assert got == slide_type(cell), f"{path.name}, cell {index} ({cell.source[:40]!r}): slide type {got!r}; {FIX}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_other_cells_have_a_slide_type_nbconvert_knows(path: Path) -> None:
    # A cell added without one continues the slide before it ("-"); tools/slides.py gives it its role.
    for index, cell in enumerate(cells(path)):
        got = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        assert got in SLIDE_TYPES, f"{path.name}, cell {index}: slide type {got!r}"
        if "parameters" in cell.metadata.get("tags", []):
            assert got == "skip", f"{path.name}: the parameters cell is for instructors, not a slide; {FIX}"


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb")))
def test_exercises_keep_their_solutions_slides(name: str) -> None:
    solution, exercise = cells(ROOT / "solutions" / name), cells(ROOT / "exercises" / name)
    assert [c.metadata.get("slideshow") for c in exercise] == [c.metadata.get("slideshow") for c in solution]


def test_make_exercises_copies_slide_metadata() -> None:
    from k8scourse.course.exercises import exercise_notebook

    solution = nbformat.read(ROOT / "solutions" / "03-labels-selectors.ipynb", as_version=4)
    exercise = exercise_notebook(solution, "solutions/03-labels-selectors.ipynb")
    assert [c.metadata.get("slideshow") for c in exercise.cells] == [c.metadata.get("slideshow") for c in solution.cells]
    assert any(c.metadata.get("slideshow") for c in exercise.cells)


def test_slide_types() -> None:
    title = nbformat.v4.new_markdown_cell("# 03 · Labels")
    assert slide_type(title) == "slide"
    assert slide_type(nbformat.v4.new_markdown_cell("## 1. Labels")) == "slide"
    assert slide_type(nbformat.v4.new_markdown_cell("### Your turn: predict")) == "subslide"
    assert slide_type(nbformat.v4.new_markdown_cell("Now the Pods whose tier is not `db`.")) == "subslide"
    assert slide_type(nbformat.v4.new_code_cell("%kubectl get pods")) == "fragment"
    assert slide_type(nbformat.v4.new_code_cell("seed = 0", metadata={"tags": ["parameters"]})) == "skip"


def test_nbconvert_renders_a_chapter_as_slides(tmp_path: Path) -> None:
    path = ROOT / "notebooks" / "00-welcome.ipynb"
    subprocess.run([sys.executable, "-m", "nbconvert", "--to", "slides", "--output-dir", str(tmp_path), str(path)],
                   check=True, capture_output=True)
    html = (tmp_path / "00-welcome.slides.html").read_text()
    types = [cell.metadata["slideshow"]["slide_type"] for cell in cells(path)]
    # nbconvert's reveal.js template: a <section> per slide holding a <section> per subslide
    # (the slide's own first one included); each fragment cell is a "fragment" div.
    assert "reveal.js" in html
    assert html.count("<section") == 2 * types.count("slide") + types.count("subslide")
    assert html.count('class="fragment"') == types.count("fragment")
    # The parameters cell is skipped: an instructors' knob, not part of the talk.
    code_cells = sum(cell.cell_type == "code" for cell in cells(path))
    assert types.count("skip") == 1
    assert html.count('class="jp-Cell jp-CodeCell') == code_cells - 1
