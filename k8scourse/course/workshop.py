"""``k8scourse workshop build DIR``: what a workshop room needs, as folders and zips.

- ``DIR/student/`` (and ``student.zip``): the chapters and the exercises, no
  solutions. Before zipping, every file is scanned for the solutions' answer
  lines, in cell outputs and metadata too; a leak stops the build.
- ``DIR/instructor/`` (and ``instructor.zip``): the solutions, the instructor
  guide and the timing of each chapter.
- ``--wheelhouse``: ``DIR/wheelhouse/``, every pinned dependency and the
  course's own wheel, so a room installs with
  ``pip install --no-index --find-links wheelhouse k8scourse``.

The chapter facts (title, objectives, time, the checks' wrong-answer hints)
are read here from the notebooks; ``tools/instructor_guide.py`` uses them too.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .run import FOLDERS
from .run import chapters as chapter_names  # `chapters` is a parameter name below

CONSTRAINTS = "constraints.txt"
GUIDE = Path("docs/instructor-guide.md")
TIMINGS = Path("docs/course-timings.json")
"""Seconds each notebook took under ``k8scourse run --all`` (written by tools/instructor_guide.py)."""
STUDENT_FOLDERS = ("notebooks", "exercises")
CODE_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
TEXT_MARKERS = ("<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->")
SECRET_LENGTH = 8
"""Shorter answer lines (``pass``, ``x = 3``) are too common to call a leak."""

STUDENT_README = """\
# k8scourse: student bundle

The chapters (`notebooks/`) and their exercises (`exercises/`). Your
instructor has the solutions.

Install the course once (with the room's wheelhouse, no internet needed):

    python3 -m venv .venv
    .venv/bin/pip install --no-index --find-links ../wheelhouse k8scourse

(with internet and the course repository: `make course` there instead).
Then, in this folder:

    .venv/bin/k8scourse lab       # JupyterLab on the welcome notebook
    .venv/bin/k8scourse doctor    # if something does not work: what and how to fix it
"""


class WorkshopError(ValueError):
    """A bundle that cannot be built: a missing folder, a leaked answer, a failed download."""


@dataclass(frozen=True)
class Chapter:
    """What an instructor needs to know of one chapter, read from its notebooks."""

    name: str
    title: str
    objectives: list[str]
    time: str
    mistakes: list[str] = field(default_factory=list)
    """The checks' explanations of wrong answers (``wrong=``)."""
    hints: list[str] = field(default_factory=list)
    """The checks' hints (``hint=``), shown while an answer is missing."""


def read_chapter(course: Path, name: str) -> Chapter:
    """Title, objectives and **Time:** from the chapter's first cell; mistakes and hints from its solution's checks."""
    opening = nbformat.read(course / "notebooks" / f"{name}.ipynb", as_version=4).cells[0].source.splitlines()
    title = opening[0].lstrip("# ").split("·", 1)[-1].strip() if opening else name
    objectives, inside = [], False
    for line in opening:
        if line.startswith("**Objectives**"):
            inside = True
        elif inside and line.startswith("- "):
            objectives.append(line[2:].strip())
        elif inside and objectives and not line.startswith(" "):
            inside = False
    time = next((line.split("**Time:**", 1)[1].strip() for line in opening if line.startswith("**Time:**")), "")
    solution = course / "solutions" / f"{name}.ipynb"
    if not solution.is_file():
        return Chapter(name, title, objectives, time)
    return Chapter(name, title, objectives, time, check_texts(solution, "wrong"), check_texts(solution, "hint"))


def check_texts(path: Path, keyword: str) -> list[str]:
    """The ``wrong=`` explanations (or the ``hint=`` texts) of every ``check(...)`` in a notebook, each once."""
    texts: list[str] = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code" or "check(" not in cell.source:
            continue
        try:
            # %kubectl and %%kubectl lines are IPython magics, not Python: read them as comments.
            tree = ast.parse("\n".join("#" + line if line.lstrip().startswith("%") else line
                                       for line in cell.source.splitlines()))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "check":
                for argument in (k.value for k in node.keywords if k.arg == keyword):
                    values = argument.values if isinstance(argument, ast.Dict) else [argument]
                    texts += [v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)
                              and v.value not in texts]
    return texts


def read_timings(course: Path) -> dict[str, float]:
    """Seconds per notebook (``folder/NN-name.ipynb``) from the last measured run, if any."""
    path = course / TIMINGS
    return json.loads(path.read_text())["notebooks"] if path.is_file() else {}


def timing_table(course: Path, chapters: Sequence[Chapter] | None = None) -> str:
    """A Markdown table: each chapter's learner time and the seconds its notebooks take to execute."""
    seconds = read_timings(course)
    lines = ["| chapter | learner time | execute: chapter / solution / exercise |", "|---|---|---|"]
    for chapter in chapters if chapters is not None else [read_chapter(course, n) for n in chapter_names(course)]:
        figures = [seconds.get(f"{folder}/{chapter.name}.ipynb") for folder in FOLDERS]
        shown = " / ".join("—" if s is None else f"{s:.1f} s" for s in figures)
        lines.append(f"| {chapter.name} · {chapter.title} | {chapter.time or '—'} | {shown} |")
    return "\n".join(lines) + "\n"


# --- keeping answers out of the student bundle ---------------------------------


def _between(text: str, markers: tuple[str, str]) -> Iterator[str]:
    inside = False
    for line in text.splitlines():
        if line.strip() == markers[0]:
            inside = True
        elif line.strip() == markers[1]:
            inside = False
        elif inside:
            yield line.strip()


def secrets(course: Path) -> set[str]:
    """The solutions' answer lines a student must not see.

    An answer line is one inside the solution markers, or one its cell's
    outputs show (an exercise executed with the solution's outputs left in
    would show them); it is a secret unless
    the course shows it anyway: in a chapter (``notebooks/`` are answer-free,
    ``tests/test_answers_hidden.py``), or in a solution cell without markers
    (the exercise shows that cell and its outputs too), or in an exercise's
    own source (a chapter's ``cluster.run(30)`` gives nothing away).
    """
    answers: set[str] = set()
    public: set[str] = set()
    for path in sorted((course / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            markers = CODE_MARKERS if cell.cell_type == "code" else TEXT_MARKERS
            block = set(_between(cell.source, markers))
            if block:  # the answer, and what running it printed
                answers |= {line for line in block | text_lines(cell.get("outputs", [])) if len(line) >= SECRET_LENGTH}
            else:
                public |= text_lines(cell)
    for folder in STUDENT_FOLDERS:
        for path in sorted((course / folder).glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            public |= {line for cell in nb.cells for line in text_lines(cell.source)}
            if folder == "notebooks":
                public |= text_lines(nb.cells)
    return answers - public


def text_lines(value: object) -> set[str]:
    """Every line of every string inside ``value`` (a cell, outputs, metadata), stripped."""
    if isinstance(value, str):
        return {line.strip() for line in value.splitlines()}
    if isinstance(value, dict):
        return set().union(*(text_lines(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(text_lines(v) for v in value))
    return set()


def leaks(folder: Path, secret_lines: set[str]) -> list[str]:
    """Where a bundle gives a solution away: a solution file, a marker, or an answer line in outputs or metadata."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        where = path.relative_to(folder).as_posix()
        if "solution" in where.lower():
            found.append(f"{where}: a solutions file")
            continue
        if path.suffix != ".ipynb":
            continue
        nb = nbformat.read(path, as_version=4)
        parts = [("notebook metadata", nb.metadata)]
        for index, cell in enumerate(nb.cells):
            if any(marker in cell.source for marker in (*CODE_MARKERS, *TEXT_MARKERS)):
                found.append(f"{where}: cell {index} has a solution marker")
            parts.append((f"cell {index} outputs or metadata", {k: v for k, v in cell.items() if k != "source"}))
        for label, value in parts:
            found += [f"{where}: {label} show the answer line {line!r}"
                      for line in sorted(text_lines(value) & secret_lines)]
    return found


# --- the bundles -----------------------------------------------------------------


def _copy_notebooks(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for path in sorted(source.glob("*.ipynb")):
        shutil.copy2(path, target / path.name)


def build_student(course: Path, dest: Path) -> Path:
    """``dest/student/``: chapters, exercises and a README; refused if an answer shows anywhere."""
    folder = dest / "student"
    for name in STUDENT_FOLDERS:
        if not (course / name).is_dir():
            raise WorkshopError(f"{course / name}: no such folder; run this from the course folder")
        _copy_notebooks(course / name, folder / name)
    (folder / "README.md").write_text(STUDENT_README)
    found = leaks(folder, secrets(course))
    if found:
        raise WorkshopError("the student bundle would give answers away:\n  " + "\n  ".join(found))
    return folder


def build_instructor(course: Path, dest: Path) -> Path:
    """``dest/instructor/``: solutions, the instructor guide and the per-chapter timing."""
    folder = dest / "instructor"
    if not (course / "solutions").is_dir():
        raise WorkshopError(f"{course / 'solutions'}: no such folder; run this from the course folder")
    _copy_notebooks(course / "solutions", folder / "solutions")
    if (course / GUIDE).is_file():
        shutil.copy2(course / GUIDE, folder / GUIDE.name)
    (folder / "timing.md").write_text("# Time per chapter\n\nLearner time from each chapter's **Time:** line; "
                                      "execution time measured with `k8scourse run --all`.\n\n"
                                      + timing_table(course))
    return folder


Runner = Callable[[Sequence[str]], int]


def _pip(command: Sequence[str]) -> int:
    return subprocess.run(list(command), check=False).returncode


def wheelhouse_commands(course: Path, folder: Path) -> list[list[str]]:
    """pip commands that fill ``folder``: every pin of constraints.txt, then the course's own wheel."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    return [[*pip, "download", "-r", str(course / CONSTRAINTS), "-d", str(folder)],
            [*pip, "wheel", "--no-deps", "-w", str(folder), str(course)]]


def build_wheelhouse(course: Path, dest: Path, runner: Runner = _pip) -> Path:
    """``dest/wheelhouse/``, for ``pip install --no-index --find-links``; needs internet once, here."""
    if not (course / CONSTRAINTS).is_file():
        raise WorkshopError(f"{course / CONSTRAINTS}: no such file; the wheelhouse holds the pinned versions")
    folder = dest / "wheelhouse"
    folder.mkdir(parents=True, exist_ok=True)
    for command in wheelhouse_commands(course, folder):
        status = runner(command)
        if status:
            raise WorkshopError(f"`{' '.join(command[1:])}` failed with exit status {status}")
    return folder


def build(course: Path, dest: Path, wheelhouse: bool = False, runner: Runner = _pip) -> list[Path]:
    """Build both bundles (and the wheelhouse) in ``dest``, replacing earlier ones; return what was written."""
    if dest.exists() and not dest.is_dir():
        raise WorkshopError(f"{dest}: not a folder")
    for old in ("student", "instructor"):
        shutil.rmtree(dest / old, ignore_errors=True)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for folder in (build_student(course, dest), build_instructor(course, dest)):
        zipped = shutil.make_archive(str(folder), "zip", root_dir=dest, base_dir=folder.name)
        written += [folder, Path(zipped)]
    if wheelhouse:
        written.append(build_wheelhouse(course, dest, runner))
    return written


def main(course: Path, dest: Path, wheelhouse: bool) -> int:
    """The ``workshop build`` subcommand: 0 when everything was written, 1 with the reason otherwise."""
    for path in build(course, dest, wheelhouse):
        print(f"wrote {path}")
    return 0
