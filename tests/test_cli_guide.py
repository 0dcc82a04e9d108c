"""docs/instructor-guide.md: generated from the notebooks, current, and naming every chapter."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import instructor_guide  # noqa: E402  (tools/ is not a package)

GUIDE = (ROOT / "docs" / "instructor-guide.md").read_text()


def test_the_guide_is_what_the_tool_writes() -> None:
    assert GUIDE == instructor_guide.generate(ROOT), "stale: run python tools/instructor_guide.py"


@pytest.mark.parametrize("name", [p.stem for p in sorted((ROOT / "notebooks").glob("*.ipynb"))] + ["12-capstone"])
def test_the_guide_names_every_chapter(name: str) -> None:
    assert f"### {name} · " in GUIDE and f"| {name} · " in GUIDE


def test_every_chapter_number_from_00_to_12() -> None:
    assert sorted(set(re.findall(r"^### (\d\d)-", GUIDE, re.M))) == [f"{n:02d}" for n in range(13)]


def test_the_guide_covers_rooms_breakage_and_agendas() -> None:
    for heading in ("## Running a room", "## When something breaks", "### A 2-hour introduction", "### A full day"):
        assert heading in GUIDE
    for words in ("k8scourse doctor", "Binder", "JupyterHub", "deploy/", "--wheelhouse",
                  "pip install --no-index --find-links"):
        assert words in GUIDE


def test_agendas_add_up() -> None:
    by_name = {c.name: c for c in instructor_guide.chapters(ROOT)}
    lines = instructor_guide.agendas(by_name)
    intro = lines[lines.index("### A 2-hour introduction"):lines.index("### A full day")]
    day = lines[lines.index("### A full day"):]
    assert intro[6].startswith("| 14:00 | arrival") and intro[-2] == "| 16:00 | end |"
    assert day[-2] == "| 17:00 | end |"


def test_minutes_from_a_time_line() -> None:
    chapter = instructor_guide.read_chapter(ROOT, "03-labels-selectors")
    assert instructor_guide.minutes(chapter) == (45, 25)


def test_check_mode() -> None:
    assert instructor_guide.main(["--check"]) == 0
