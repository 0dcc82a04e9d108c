"""`k8scourse workshop build`: a student bundle with no answer anywhere in it, an instructor bundle, a wheelhouse."""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_output

from k8scourse.course import cli, workshop

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real course's bundles, built once."""
    dest = tmp_path_factory.mktemp("room")
    workshop.build(ROOT, dest)
    return dest


def test_the_bundles_are_folders_and_zips(room: Path) -> None:
    assert sorted(p.name for p in room.iterdir()) == ["instructor", "instructor.zip", "student", "student.zip"]
    with zipfile.ZipFile(room / "student.zip") as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
    chapters = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(n.split("/", 2)[2] for n in names if n.startswith("student/notebooks/")) == chapters
    assert sorted(n.split("/", 2)[2] for n in names if n.startswith("student/exercises/")) == sorted(
        p.name for p in (ROOT / "exercises").glob("*.ipynb"))
    assert "student/README.md" in names
    with zipfile.ZipFile(room / "instructor.zip") as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
    assert {"instructor/instructor-guide.md", "instructor/timing.md"} <= set(names)
    assert sorted(n.split("/", 2)[2] for n in names if n.startswith("instructor/solutions/")) == sorted(
        p.name for p in (ROOT / "solutions").glob("*.ipynb"))


def test_the_student_bundle_holds_no_solution(room: Path, tmp_path: Path) -> None:
    """Proof by scanning the zip a student gets: no solutions file, no marker, no answer line anywhere."""
    with zipfile.ZipFile(room / "student.zip") as archive:
        archive.extractall(tmp_path)
        assert not [n for n in archive.namelist() if "solution" in n.lower()]
        raw = b"".join(archive.read(n) for n in archive.namelist() if not n.endswith("/"))
    assert b"BEGIN SOLUTION" not in raw and b"END SOLUTION" not in raw
    secret_lines = workshop.secrets(ROOT)
    assert len(secret_lines) > 100  # the scan looks for something: the solutions' answer lines
    assert workshop.leaks(tmp_path / "student", secret_lines) == []


def test_the_scan_finds_an_answer_in_outputs_and_in_metadata(room: Path, tmp_path: Path) -> None:
    secret = sorted(workshop.secrets(ROOT))[0]
    bundle = tmp_path / "student"
    shutil.copytree(room / "student", bundle)
    path = bundle / "exercises" / "01-architecture.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].outputs = [new_output("stream", name="stdout", text=f"{secret}\n")]
    nb.cells[5].metadata["hidden_answer"] = {"lines": [secret]}
    nb.metadata["solution"] = secret
    nbformat.write(nb, path)
    assert workshop.leaks(bundle, {secret}) == [
        f"exercises/01-architecture.ipynb: notebook metadata show the answer line {secret!r}",
        f"exercises/01-architecture.ipynb: cell 3 outputs or metadata show the answer line {secret!r}",
        f"exercises/01-architecture.ipynb: cell 5 outputs or metadata show the answer line {secret!r}"]


def test_the_scan_finds_markers_and_solution_files(tmp_path: Path) -> None:
    (tmp_path / "exercises").mkdir()
    shutil.copy(ROOT / "solutions" / "00-welcome.ipynb", tmp_path / "exercises" / "00-welcome.ipynb")
    shutil.copy(ROOT / "solutions" / "00-welcome.ipynb", tmp_path / "00-welcome-solution.ipynb")
    found = workshop.leaks(tmp_path, set())
    assert found[0] == "00-welcome-solution.ipynb: a solutions file"
    assert found[1].startswith("exercises/00-welcome.ipynb: cell ") and found[1].endswith("has a solution marker")


def test_a_leak_stops_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    course = tmp_path / "course"
    for folder in ("notebooks", "exercises", "solutions"):
        shutil.copytree(ROOT / folder, course / folder)
    shutil.copy(course / "solutions" / "02-pods.ipynb", course / "exercises" / "02-pods.ipynb")
    monkeypatch.chdir(course)
    assert cli.main(["workshop", "build", str(tmp_path / "room")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("k8scourse: error: the student bundle would give answers away:\n"
                          "  exercises/02-pods.ipynb: cell ")
    assert not (tmp_path / "room" / "student.zip").exists()


def test_outside_the_course_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["workshop", "build", "room"]) == 1
    assert capsys.readouterr().err == (f"k8scourse: error: {tmp_path / 'notebooks'}: no such folder; "
                                       "run this from the course folder\n")


def test_timing_lists_every_chapter(room: Path) -> None:
    timing = (room / "instructor" / "timing.md").read_text()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"| {path.stem} · " in timing


def test_chapter_facts_come_from_the_notebooks() -> None:
    chapter = workshop.read_chapter(ROOT, "03-labels-selectors")
    assert chapter.title == "Labels and selectors"
    assert len(chapter.objectives) == 4 and chapter.objectives[0].startswith("attach labels to Pods and nodes")
    assert chapter.time.startswith("about 45 min reading, 25 min exercises")
    assert "Right for the Pods that have a release label. And the Pods that have none?" in chapter.mistakes
    assert chapter.hints and all(isinstance(h, str) for h in chapter.hints)
    assert workshop.read_chapter(ROOT, "07-etcd-cluster").hints[0].startswith("Start from another member's file")


def test_wheelhouse_commands(tmp_path: Path) -> None:
    (tmp_path / "constraints.txt").write_text("pyyaml==6.0.2\n")
    calls: list[list[str]] = []
    folder = workshop.build_wheelhouse(tmp_path, tmp_path / "room", lambda command: calls.append(command) or 0)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    assert folder == tmp_path / "room" / "wheelhouse" and folder.is_dir()
    assert calls == [[*pip, "download", "-r", str(tmp_path / "constraints.txt"), "-d", str(folder)],
                     [*pip, "wheel", "--no-deps", "-w", str(folder), str(tmp_path)]]


def test_wheelhouse_failures(tmp_path: Path) -> None:
    with pytest.raises(workshop.WorkshopError, match="constraints.txt: no such file; the wheelhouse holds"):
        workshop.build_wheelhouse(tmp_path, tmp_path / "room", lambda command: 0)
    (tmp_path / "constraints.txt").write_text("pyyaml==6.0.2\n")
    with pytest.raises(workshop.WorkshopError, match=r"^`-m pip --disable-pip-version-check download -r .*` "
                                                      r"failed with exit status 1$"):
        workshop.build_wheelhouse(tmp_path, tmp_path / "room", lambda command: 1)


def test_build_with_a_wheelhouse_replaces_an_earlier_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    course = tmp_path / "course"
    for folder in ("notebooks", "exercises", "solutions"):
        shutil.copytree(ROOT / folder, course / folder)
    (course / "constraints.txt").write_text("pyyaml==6.0.2\n")
    (tmp_path / "room" / "student" / "notebooks").mkdir(parents=True)
    (tmp_path / "room" / "student" / "notebooks" / "99-old.ipynb").write_text("{}")
    calls: list[list[str]] = []
    written = workshop.build(course, tmp_path / "room", wheelhouse=True, runner=lambda c: calls.append(c) or 0)
    assert [p.name for p in written] == ["student", "student.zip", "instructor", "instructor.zip", "wheelhouse"]
    assert not (tmp_path / "room" / "student" / "notebooks" / "99-old.ipynb").exists()
    assert len(calls) == 2


def test_dir_must_be_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "room").write_text("")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["workshop", "build", "room"]) == 1
    assert capsys.readouterr().err == "k8scourse: error: room: not a folder\n"


def test_check_texts_keep_percent_signs_and_skip_magics(tmp_path: Path) -> None:
    from nbformat.v4 import new_code_cell, new_notebook

    source = ('%kubectl get pods\ncheck("load", answer, digest="00", hint="Above 80% CPU the HPA scales out.",\n'
              '      wrong={"01": "10% is the tolerance, not the target."})')
    nbformat.write(new_notebook(cells=[new_code_cell(source)]), tmp_path / "s.ipynb")
    assert workshop.check_texts(tmp_path / "s.ipynb", "hint") == ["Above 80% CPU the HPA scales out."]
    assert workshop.check_texts(tmp_path / "s.ipynb", "wrong") == ["10% is the tolerance, not the target."]


def test_the_scan_finds_a_solutions_outputs_left_in_an_exercise(room: Path, tmp_path: Path) -> None:
    """An exercise generated with its solution cell's outputs kept would print the answer: caught."""
    secret_lines = workshop.secrets(ROOT)
    for solution in sorted((ROOT / "solutions").glob("*.ipynb")):
        cells = nbformat.read(solution, as_version=4).cells
        leaky = [i for i, c in enumerate(cells) if "### BEGIN SOLUTION" in c.source
                 and workshop.text_lines(c.get("outputs", [])) & secret_lines]
        if leaky:
            break
    bundle = tmp_path / "student"
    shutil.copytree(room / "student", bundle)
    exercise = bundle / "exercises" / solution.name
    nb = nbformat.read(exercise, as_version=4)
    nb.cells[leaky[0]].outputs = cells[leaky[0]].outputs
    nbformat.write(nb, exercise)
    found = workshop.leaks(bundle, secret_lines)
    assert found and all(f.startswith(f"exercises/{solution.name}: cell {leaky[0]} outputs") for f in found)
