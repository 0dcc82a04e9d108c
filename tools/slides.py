"""Give every cell of the course's notebooks its slideshow role, so each chapter is also a slideshow.

Run: python tools/slides.py [NOTEBOOK ...]   (default: every notebook in notebooks/, solutions/, exercises/)

``jupyter nbconvert --to slides`` (reveal.js) reads ``metadata.slideshow.slide_type``:

* the title (``# ``) and each major section (``## ``) start a **slide**;
* each other Markdown cell (a ``### `` heading, "Your turn", an explanation)
  starts a **subslide** below it, so no slide runs off the screen;
* a code cell is a **fragment**: it appears, with its output, on the next
  click, after the text that announces it;
* the papermill ``parameters`` cell is **skip**ped: it is for instructors.

Only that metadata changes: cell ids, sources and outputs are kept, nothing
is executed. ``k8scourse make-exercises`` copies cell metadata, so exercises
keep what their solutions have; tests/test_slides.py checks every notebook.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("notebooks", "solutions", "exercises")


def slide_type(cell: NotebookNode) -> str:
    """The slideshow role of ``cell`` (see the module docstring)."""
    if cell.cell_type == "code":
        return "skip" if "parameters" in cell.metadata.get("tags", []) else "fragment"
    first = cell.source.lstrip().split("\n", 1)[0]
    if first.startswith(("# ", "## ")):
        return "slide"
    return "subslide"


def add_slides(path: Path) -> bool:
    """Set every cell's slide type in ``path``; return whether the file changed."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        wanted = {"slide_type": slide_type(cell)}
        if cell.metadata.get("slideshow") != wanted:
            cell.metadata["slideshow"] = wanted
            changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


def main(paths: list[str]) -> int:
    notebooks = [Path(p) for p in paths] or sorted(p for f in FOLDERS for p in (ROOT / f).glob("*.ipynb"))
    for path in notebooks:
        if add_slides(path):
            print(f"slides: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
