"""Generate docs/instructor-guide.md from the notebooks, so it never goes stale.

Each chapter's title, objectives and **Time:** line come from its first cell,
the common mistakes from the ``wrong=`` hints of its solution's checks
(``k8scourse.course.workshop`` reads them), the seconds each notebook takes to
execute from docs/course-timings.json, and the agendas add up the **Time:**
lines. The prose around them is here. ``tests/test_cli_guide.py`` fails while
the committed guide differs from what this writes.

    python tools/instructor_guide.py                       # rewrite the guide
    k8scourse run --all --output-dir /tmp/run && \\
        python tools/instructor_guide.py --timings /tmp/run/timings.json   # new measurements, then the guide
    python tools/instructor_guide.py --check               # exit 1 if the guide is stale
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from k8scourse.course.run import chapters as chapter_names
from k8scourse.course.workshop import GUIDE, TIMINGS, Chapter, read_chapter, read_timings, timing_table

ROOT = Path(__file__).resolve().parent.parent
PLANNED = {
    # From issue 10, until notebooks/12-capstone.ipynb exists; then the notebook speaks for itself.
    "12-capstone": Chapter(
        "12-capstone", "Capstone: boot a cluster from its files, then repair broken ones",
        ["build a three-node cluster from files written in the notebook, deploy an application across it "
         "and reach it through a Service;",
         "repair at least five broken clusters, each broken in a different layer: etcd membership, the "
         "apiserver's address, the kubelet, flannel's config, a Service selector;",
         "read each daemon's log (`cluster.logs(machine, unit)`) and `cluster.doctor()`'s findings to find "
         "the file and the key at fault."],
        "not measured yet (the chapter is being written).")}
MISTAKES_SHOWN = 6
TIME = re.compile(r"about (\d+) min reading, (\d+) min exercises")


@dataclass(frozen=True)
class Slot:
    """One line of an agenda: what, and for how many minutes."""

    what: str
    minutes: int


def minutes(chapter: Chapter) -> tuple[int, int]:
    """Reading and exercise minutes from a **Time:** line; (0, 0) when it has none."""
    match = TIME.search(chapter.time)
    return (int(match[1]), int(match[2])) if match else (0, 0)


def chapters(course: Path) -> list[Chapter]:
    """Every chapter in notebooks/, plus the planned ones not written yet."""
    written = {name: read_chapter(course, name) for name in chapter_names(course)}
    return sorted({**PLANNED, **written}.values(), key=lambda c: c.name)


def agenda(slots: list[Slot], start: int = 9 * 60) -> list[str]:
    """Markdown table rows with clock times from ``start`` (minutes after midnight)."""
    rows = ["| time | what |", "|---|---|"]
    for slot in slots:
        rows.append(f"| {start // 60:02d}:{start % 60:02d} | {slot.what} ({slot.minutes} min) |")
        start += slot.minutes
    rows.append(f"| {start // 60:02d}:{start % 60:02d} | end |")
    return rows


def agendas(by_name: dict[str, Chapter]) -> list[str]:
    """A 2-hour introduction and a full day, timed by the chapters' own **Time:** lines."""
    def whole(name: str) -> Slot:
        reading, exercises = minutes(by_name[name])
        return Slot(f"{name}: reading and exercises", reading + exercises)

    def reading(name: str) -> Slot:
        return Slot(f"{name}: reading (exercises are homework)", minutes(by_name[name])[0])

    intro = [Slot("arrival: `k8scourse doctor`, then `k8scourse lab`", 10), whole("00-welcome"),
             Slot("break", 5), reading("01-architecture"), Slot("questions, and where to go next", 5)]
    day = [Slot("arrival: `k8scourse doctor`, then `k8scourse lab`", 10), whole("00-welcome"),
           whole("01-architecture"), Slot("break", 15), whole("02-pods"), Slot("lunch", 45),
           whole("03-labels-selectors"), whole("04-replication"), Slot("break", 10),
           reading("05-deployments"), Slot("questions; chapters 06-12 as self-study", 10)]
    lines = ["### A 2-hour introduction", "",
             "What the course is and how a cluster is built: the welcome chapter in full, then the architecture "
             "chapter's reading with its exercises as homework.", "", *agenda(intro, 14 * 60), "",
             "### A full day", "",
             "From the components to Deployments: the chapters a learner needs before any of the cluster setup "
             "(07-10) makes sense, with the Deployments chapter's exercises as homework. The rest is self-study, "
             "or a second day: 06, 11, then 07-10 and the capstone.",
             "", *agenda(day), ""]
    return lines


def generate(course: Path) -> str:
    """The whole guide as Markdown."""
    every = chapters(course)
    by_name = {c.name: c for c in every}
    measured = read_timings(course)
    run = json.loads((course / TIMINGS).read_text()) if (course / TIMINGS).is_file() else {}
    out = ["# Instructor guide", "",
           "<!-- Generated by tools/instructor_guide.py from the notebooks and docs/course-timings.json; "
           "edit those (or the tool's prose), then rerun it. -->", "",
           "The course teaches how Kubernetes works inside with a simulated cluster that the learner's own "
           "configuration files boot. This guide is for whoever runs it for a group: what each chapter "
           "teaches and takes, where learners go wrong, how to set up a room, what to do when something "
           "breaks, and two agendas.", "",
           "## The chapters at a glance", "",
           "Learner time is each chapter's **Time:** line, measured by doing the chapter. Execute time is "
           "the machine running each notebook top to bottom in a fresh kernel with `k8scourse run --all`"
           + (f" ({len(measured)} notebooks in {run['wall_seconds']} s on {run['jobs']} workers)"
              if run else "") + "; a learner's laptop that is much slower needs looking at "
           "(`k8scourse doctor`).", "",
           *timing_table(course, every).splitlines()]
    reading = sum(minutes(c)[0] for c in every)
    exercises = sum(minutes(c)[1] for c in every)
    out += ["", f"All together: about {reading} min reading and {exercises} min exercises "
            f"({(reading + exercises) / 60:.0f} hours), so a room picks a path (see the agendas).", "",
            "## Chapter by chapter", ""]
    for chapter in every:
        out += [f"### {chapter.name} · {chapter.title}", "", f"**Time:** {chapter.time}", "",
                "After it, a learner can:", "", *(f"- {o}" for o in chapter.objectives), ""]
        if chapter.name in PLANNED and chapter is PLANNED[chapter.name]:
            out += ["(Described from its plan; rerun the tool when the notebook lands.)", ""]
        elif chapter.mistakes:
            shown = chapter.mistakes[:MISTAKES_SHOWN]
            out += ["Common mistakes (the checks' hints for wrong answers):", "", *(f"- {m}" for m in shown)]
            if len(chapter.mistakes) > len(shown):
                out.append(f"- … and {len(chapter.mistakes) - len(shown)} more in `solutions/{chapter.name}.ipynb`")
            out.append("")
        elif chapter.hints:
            shown = chapter.hints[:MISTAKES_SHOWN]
            out += ["Where learners get stuck (the checks' hints):", "", *(f"- {h}" for h in shown)]
            if len(chapter.hints) > len(shown):
                out.append(f"- … and {len(chapter.hints) - len(shown)} more in `solutions/{chapter.name}.ipynb`")
            out.append("")
    out += ROOM.splitlines() + [""] + BREAKS.splitlines() + ["", "## Agendas", ""] + agendas(by_name)
    return "\n".join(out).rstrip() + "\n"


ROOM = """\
## Running a room

Send the install steps a week before, with one request: run `k8scourse doctor` and bring its last line.
A room that starts with every laptop saying `all is well` starts on time.

**Laptops** (the default). Each learner clones the repository and runs `make course`: it makes `.venv`,
installs the pinned versions and opens JupyterLab on `work/notebooks/00-welcome.ipynb`. Learners work on
copies in `work/`, so nothing they do stops `git pull` from bringing fixes on the day. Without a browser
on the machine: `make course LAB_ARGS=--no-browser` and open the printed URL.

**Binder**, for a learner who cannot install anything: mybinder.org builds the repository as it is from
`environment.yml`. It needs no account, but sessions end after some idle minutes and lose their work
(download notebooks to keep them), and a room of 30 starting at once waits for the build: open the
Binder link yourself an hour before, so the image is built and cached.

**JupyterHub**, when a room outgrows laptops (a company training, a class of 50): `deploy/` has the
course image's Dockerfile and a Zero to JupyterHub `values.yaml` that uses it as the single-user image,
with idle culling and resource guarantees sized from one learner's kernel doing the whole course. The
Kubernetes course then runs on Kubernetes; `deploy/` says how to install it.

**No internet in the room**: build a wheelhouse on a connected machine with the same operating system
and Python version as the laptops (wheels of numpy, orjson and cryptography are platform-specific):

    k8scourse workshop build room/ --wheelhouse

`room/` then holds `student/` (chapters and exercises; the build refuses to write it if any answer shows,
even in an output or metadata), `instructor/` (solutions, this guide, `timing.md`), a zip of each, and
`wheelhouse/`. Copy `student.zip` and `wheelhouse/` to a USB stick; each learner installs with
`pip install --no-index --find-links wheelhouse k8scourse` and runs `k8scourse lab` in the unzipped
`student/` folder. Keep `instructor.zip` to yourself."""

BREAKS = """\
## When something breaks

Start with `k8scourse doctor` on the learner's machine: it checks Python, the package versions against
`constraints.txt`, that JupyterLab's widget front end matches the kernel's ipywidgets, writable folders,
a free port, etcd and a font for Chinese, and prints the fix under each problem.

| symptom | cause | what to do |
|---|---|---|
| a widget shows "Error displaying widget", or only its picture after running the cell | widget front end and ipywidgets disagree | `doctor`'s **widgets** line and fix; then reload the browser tab |
| `k8scourse lab` says the welcome notebook is not found | not in the course folder | `cd` into the repository (or the unzipped `student/`) first |
| JupyterLab does not open | no browser on the machine, or the port is taken | `make course LAB_ARGS=--no-browser`, open the URL; `doctor`'s **port** line |
| chapter 07's real etcd section says etcd is missing | no `etcd` binary | nothing to fix: the chapter runs its Raft model; `apt-get install etcd-server etcd-client` to see the real one |
| Chinese quotes show as boxes in a figure | no CJK font | `doctor`'s **fonts** line |
| a cell fails that works for everyone else | the learner's kernel state (cells run out of order) | *Kernel → Restart Kernel and Run All Cells* |
| a learner's notebook is beyond repair | edits in their copy | delete or rename it in `work/`; the next `k8scourse lab` copies the course's version back |
| you suspect the course itself | a broken chapter | `k8scourse run NN` runs it headless and names the failing cell |"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timings", type=Path, metavar="FILE",
                        help="timings.json from `k8scourse run --all --output-dir DIR` to record first")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the guide is stale")
    args = parser.parse_args(argv)
    if args.timings:
        data = json.loads(args.timings.read_text())
        (ROOT / TIMINGS).parent.mkdir(exist_ok=True)
        (ROOT / TIMINGS).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    text = generate(ROOT)
    if args.check:
        stale = not (ROOT / GUIDE).is_file() or (ROOT / GUIDE).read_text() != text
        if stale:
            print(f"{GUIDE} is stale: run python tools/instructor_guide.py", file=sys.stderr)
        return 1 if stale else 0
    (ROOT / GUIDE).parent.mkdir(exist_ok=True)
    (ROOT / GUIDE).write_text(text)
    print(f"wrote {GUIDE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
