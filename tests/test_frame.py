"""Every chapter in notebooks/ follows the course's frame (README, "The chapter frame").

* The **first cell** is Markdown: a ``# NN · Title`` heading, a line starting
  ``**Objectives**`` followed by 3–5 bullet points, a line starting
  ``**Prerequisites:**`` and a line starting ``**Time:**`` giving minutes of
  reading and of exercises (``**Time:** about 25 min reading, 20 min exercises.``).
* **Your turn**: each major (``## ``) section except the first and the
  closing ones has at least one Markdown cell whose first line starts
  ``### Your turn``.
* **Closing**: ``## Summary``, ``## Quiz`` and ``## Where next``, in that
  order, after every other major section except appendices (``## Appendix ...``),
  which may follow. The quiz section holds at least two code cells calling
  ``check(``; Where next names a real-cluster counterpart: ``kind``,
  minikube or Kubernetes the Hard Way.
* **00-welcome** is a short orientation: it has the opening and the
  closing sections, needs no "your turn" cells, and its quiz may be a
  single check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
WELCOME = "00"

TITLE = re.compile(r"# (\d\d) · \S.*")
BULLET = re.compile(r"\s*([-*+]|\d+[.)])\s+\S")
TIME = re.compile(r"(\d+)\s*min(?:utes)?\s+(?:of\s+)?reading\b.*?(\d+)\s*min(?:utes)?\s+(?:of\s+)?exercises?\b")
CLOSING = ("## Summary", "## Quiz", "## Where next")
APPENDIX = "## Appendix"
YOUR_TURN = "### Your turn"
# `kind` in code or as a link, "kind (Kubernetes in Docker)", minikube, Kubernetes the Hard Way.
REAL_CLUSTER = re.compile(r"`kind`|\[kind\]|\bkind\b \(|\bminikube\b|Kubernetes the Hard Way", re.IGNORECASE)


@dataclass
class Section:
    """A ``## `` section: its heading and the cells from the heading's cell to the next heading."""

    heading: str
    cells: list[NotebookNode] = field(default_factory=list)


def markdown_lines(source: str) -> list[str]:
    """The lines of a Markdown cell outside fenced code blocks."""
    lines, fenced = [], False
    for line in source.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def sections(nb: NotebookNode) -> list[Section]:
    """The notebook's ``## `` sections in order (cells before the first heading belong to none).

    A cell holding a heading below its first line belongs to both: the
    section it starts and the one before (its text above the heading).
    """
    found: list[Section] = []
    for cell in nb.cells:
        headings = [line.strip() for line in markdown_lines(cell.source)
                    if line.startswith("## ")] if cell.cell_type == "markdown" else []
        if found and not (headings and cell.source.lstrip().startswith(headings[0])):
            found[-1].cells.append(cell)
        for heading in headings:
            found.append(Section(heading, [cell]))
    return found


def opening_problems(nb: NotebookNode, number: str) -> list[str]:
    """What the first cell lacks of title, objectives, prerequisites and time."""
    if not nb.cells or nb.cells[0].cell_type != "markdown":
        return ["the first cell is not Markdown"]
    lines = [line.rstrip() for line in markdown_lines(nb.cells[0].source)]
    problems = []
    title = TITLE.fullmatch(lines[0].strip()) if lines else None
    if not title:
        problems.append("the first line is not a '# NN · Title' heading")
    elif title.group(1) != number:
        problems.append(f"the heading says {title.group(1)}, the file name {number}")
    starts = [i for i, line in enumerate(lines) if line.startswith("**Objectives**")]
    if not starts:
        problems.append("no line starts with **Objectives**")
    else:
        bullets = 0
        for line in lines[starts[0] + 1:]:
            if BULLET.match(line) and not line.startswith((" ", "\t")):
                bullets += 1
            elif line.strip() and not line.startswith((" ", "\t")):
                break  # the list ended (indented lines continue a bullet)
        if not 3 <= bullets <= 5:
            problems.append(f"**Objectives** is followed by {bullets} bullet points, not 3 to 5")
    if not any(line.startswith("**Prerequisites:**") for line in lines):
        problems.append("no line starts with **Prerequisites:**")
    time = [line for line in lines if line.startswith("**Time:**")]
    if not time:
        problems.append("no line starts with **Time:**")
    elif not TIME.search(time[0]):
        problems.append(f"{time[0]!r} does not give 'N min reading' and then 'N min exercises'")
    return problems


def your_turn_problems(nb: NotebookNode) -> list[str]:
    """Major sections (not the first, closing or appendix ones) without a "### Your turn" cell."""
    lesson = [s for s in sections(nb)[1:] if s.heading not in CLOSING and not s.heading.startswith(APPENDIX)]
    return [f"section {s.heading!r} has no Markdown cell starting with '{YOUR_TURN}'" for s in lesson
            if not any(c.cell_type == "markdown" and c.source.lstrip().startswith(YOUR_TURN) for c in s.cells)]


def closing_problems(nb: NotebookNode, min_checks: int) -> list[str]:
    """Summary, Quiz (with ``min_checks`` check cells) and Where next, last but for appendices."""
    found = sections(nb)
    headings = [s.heading for s in found]
    missing = [h for h in CLOSING if h not in headings]
    if missing:
        return [f"no {h!r} section" for h in missing]
    after = [h for h in headings[headings.index(CLOSING[0]):] if not h.startswith(APPENDIX)]
    if after != list(CLOSING):
        return [f"the closing sections run {after}, not {list(CLOSING)} (only appendices may follow)"]
    by_heading = {s.heading: s for s in found}
    problems = []
    checks = [c for c in by_heading["## Quiz"].cells if c.cell_type == "code" and "check(" in c.source]
    if len(checks) < min_checks:
        problems.append(f"the quiz has {len(checks)} code cells calling check(, fewer than {min_checks}")
    text = "\n".join(c.source for c in by_heading["## Where next"].cells if c.cell_type == "markdown")
    if not REAL_CLUSTER.search(text):
        problems.append("'## Where next' names no real-cluster counterpart (`kind`, minikube, "
                        "Kubernetes the Hard Way)")
    return problems


def frame_problems(nb: NotebookNode, number: str) -> list[str]:
    """Everything the chapter ``number`` lacks of the frame (00 has the lighter rule)."""
    welcome = number == WELCOME
    return (opening_problems(nb, number) + ([] if welcome else your_turn_problems(nb))
            + closing_problems(nb, min_checks=1 if welcome else 2))


# --- the course's chapters ------------------------------------------------------------------


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks/NN-*.ipynb found"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_follows_the_frame(path: Path):
    problems = frame_problems(nbformat.read(path, as_version=4), path.name[:2])
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


# --- the rules themselves, on a small chapter -------------------------------------------------

OPENING = """# 05 · Deployments

A Deployment rolls a new version out.

**Objectives**: after this chapter you can
- roll out a new image and watch the ReplicaSets change,
- set maxSurge and maxUnavailable
  for a rollout that never drops below three Pods,
- undo a rollout.

**Prerequisites:** chapters 02 and 04.

**Time:** about 25 min reading, 20 min exercises.
"""


def chapter(opening: str = OPENING, lesson_turn: str = "### Your turn\n\nScale to 5; predict.",
            quiz_checks: int = 2, where_next: str = "Try it on `kind` or minikube.") -> NotebookNode:
    cells = [new_markdown_cell(opening), new_markdown_cell("## Setup"), new_code_cell("cluster = 1"),
             new_markdown_cell("## Rolling update\n\nText."), new_code_cell("x = 1"),
             new_markdown_cell(lesson_turn),
             new_markdown_cell("Some text.\n\n## Summary\n\n* one"),
             new_markdown_cell("## Quiz"),
             *[new_code_cell(f'check("q{i}", a, digest="0123456789abcdef")') for i in range(quiz_checks)],
             new_markdown_cell(f"## Where next\n\n{where_next}")]
    return new_notebook(cells=cells)


def test_a_chapter_with_the_frame_passes():
    assert frame_problems(chapter(), "05") == []


@pytest.mark.parametrize(("change", "problem"), [
    (lambda s: s.replace("# 05 · Deployments", "# Deployments"), "not a '# NN · Title' heading"),
    (lambda s: s.replace("# 05 ·", "# 06 ·"), "the heading says 06, the file name 05"),
    (lambda s: s.replace("**Objectives**", "Objectives"), "no line starts with **Objectives**"),
    (lambda s: s.replace("- undo a rollout.\n", ""), "followed by 2 bullet points, not 3 to 5"),
    (lambda s: s.replace("- undo a rollout.\n", "- a\n- b\n- c\n- d\n"), "followed by 6 bullet points"),
    (lambda s: s.replace("**Prerequisites:**", "Needs"), "no line starts with **Prerequisites:**"),
    (lambda s: s.replace("**Time:**", "Time:"), "no line starts with **Time:**"),
    (lambda s: s.replace(", 20 min exercises", ""), "does not give 'N min reading' and then 'N min exercises'"),
])
def test_a_broken_opening_fails(change, problem):
    problems = frame_problems(chapter(opening=change(OPENING)), "05")
    assert len(problems) == 1 and problem in problems[0], problems


def test_a_section_without_your_turn_fails():
    problems = frame_problems(chapter(lesson_turn="### Try this\n\nScale to 5."), "05")
    assert problems == ["section '## Rolling update' has no Markdown cell starting with '### Your turn'"]


def test_the_first_section_needs_no_your_turn_and_welcome_needs_none():
    nb = chapter(lesson_turn="Just text.")
    assert frame_problems(nb, "05") != []
    assert frame_problems(chapter(opening=OPENING.replace("05", "00"), lesson_turn="Just text.",
                                  quiz_checks=1), "00") == []


def test_the_quiz_needs_two_checks_but_welcome_one():
    assert frame_problems(chapter(quiz_checks=1), "05") == [
        "the quiz has 1 code cells calling check(, fewer than 2"]
    assert frame_problems(chapter(opening=OPENING.replace("05", "00"), quiz_checks=0), "00") == [
        "the quiz has 0 code cells calling check(, fewer than 1"]


@pytest.mark.parametrize("where_next", ["Read about this kind of controller.", "Next: chapter 06."])
def test_where_next_must_name_a_real_cluster(where_next):
    problems = frame_problems(chapter(where_next=where_next), "05")
    assert len(problems) == 1 and "names no real-cluster counterpart" in problems[0]


@pytest.mark.parametrize("where_next", ["Run it on [kind](https://kind.sigs.k8s.io/).", "On minikube, ...",
                                        "Kubernetes the Hard Way builds this by hand."])
def test_where_next_accepts_each_real_cluster(where_next):
    assert frame_problems(chapter(where_next=where_next), "05") == []


def test_closing_sections_must_come_last_in_order_but_appendices_may_follow():
    nb = chapter()
    nb.cells.append(new_markdown_cell("## Appendix: the canonical form\n\nMore."))
    assert frame_problems(nb, "05") == []
    nb.cells.append(new_markdown_cell("## Bonus"))
    assert frame_problems(nb, "05")[-1:] == [
        "the closing sections run ['## Summary', '## Quiz', '## Where next', '## Bonus'], not "
        "['## Summary', '## Quiz', '## Where next'] (only appendices may follow)"]
    nb.cells = [c for c in chapter().cells if "## Summary" not in c.source]
    assert frame_problems(nb, "05") == ["no '## Summary' section"]


def test_headings_in_code_fences_are_not_sections():
    nb = chapter()
    nb.cells.insert(5, new_markdown_cell("```sh\n## Not a heading\n```"))
    assert frame_problems(nb, "05") == []
