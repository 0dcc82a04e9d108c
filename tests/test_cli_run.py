"""`k8scourse run`: chapters by number or name, in parallel, timed; a failure names the notebook and the cell."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from k8scourse.course import cli, run


def _notebook(path: Path, *sources: str, parameters: str = "") -> None:
    cells = [new_markdown_cell(f"# {path.stem}")]
    if parameters:
        cells.append(new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    cells += [new_code_cell(source) for source in sources]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=cells), path)


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three tiny chapters (one with a parameter), a solution and an exercise; the working directory."""
    _notebook(tmp_path / "notebooks" / "00-welcome.ipynb", "print('hello')")
    _notebook(tmp_path / "notebooks" / "01-one.ipynb", "print(seed * 2)", parameters="seed = 0")
    _notebook(tmp_path / "notebooks" / "02-two.ipynb", "x = 1", "assert x == 2, 'x is not 2'")
    _notebook(tmp_path / "solutions" / "01-one.ipynb", "print('solution')")
    _notebook(tmp_path / "exercises" / "01-one.ipynb", "print('exercise')")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_chapters_by_number_or_name(course: Path) -> None:
    assert run.resolve(course, []) == ["00-welcome", "01-one", "02-two"]
    assert run.resolve(course, ["01", "1", "01-one", "two", "00-welcome"]) == ["01-one", "02-two", "00-welcome"]


def test_an_unknown_chapter_is_a_usage_error_listing_the_chapters(course: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "13"]) == 2
    assert capsys.readouterr().err == ("k8scourse: error: no chapter '13'; the chapters are: "
                                       "00-welcome, 01-one, 02-two\n")


def test_outside_the_course_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run"]) == 2
    assert capsys.readouterr().err == (f"k8scourse: error: no chapters in {tmp_path / 'notebooks'}; "
                                       "run this from the course folder\n")


def test_all_adds_solutions_and_exercises(course: Path) -> None:
    assert [p.relative_to(course).as_posix() for p in run.notebooks_for(course, ["01-one"], True)] == [
        "notebooks/01-one.ipynb", "solutions/01-one.ipynb", "exercises/01-one.ipynb"]
    assert run.notebooks_for(course, ["01-one"], False) == [course / "notebooks" / "01-one.ipynb"]


@pytest.mark.parametrize("text, value", [("3", 3), ("2.5", 2.5), ("True", True), ("None", None), ("web", "web")])
def test_parameter_values_read_as_papermill_reads_them(text: str, value: object) -> None:
    assert run.parse_value(text) == value and type(run.parse_value(text)) is type(value)


def test_parameters_go_only_to_notebooks_that_declare_them(course: Path) -> None:
    paths = run.notebooks_for(course, run.resolve(course, ["00", "01"]), False)
    assert run.parameters_for(paths, {"seed": 3}) == {paths[0]: {}, paths[1]: {"seed": 3}}
    with pytest.raises(run.UsageError, match="no chosen notebook has a parameter 'nodes'"):
        run.parameters_for(paths, {"nodes": 3})


def test_runs_in_parallel_keeps_outputs_and_timings(course: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert cli.main(["run", "00", "01", "--all", "-p", "seed", "21", "--output-dir", str(out), "-j", "2"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["chapter", "notebooks", "solutions", "exercises"]
    assert [line.split()[0] for line in table[1:3]] == ["00-welcome", "01-one"]
    assert table[1].split()[2:] == ["—", "—"]  # the welcome chapter has no solution or exercise here
    assert table[3].startswith("4 notebooks: ") and "on 2 workers" in table[3]
    executed = nbformat.read(out / "notebooks" / "01-one.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0].text == "42\n"
    timings = json.loads((out / "timings.json").read_text())
    assert sorted(timings["notebooks"]) == ["exercises/01-one.ipynb", "notebooks/00-welcome.ipynb",
                                            "notebooks/01-one.ipynb", "solutions/01-one.ipynb"]
    assert timings["jobs"] == 2 and all(s > 0 for s in timings["notebooks"].values())


def test_a_failure_names_the_notebook_and_the_cell(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "02", "00"]) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines()[-1] == ("k8scourse: error: notebooks/02-two.ipynb: cell 2 "
                                             "(\"assert x == 2, 'x is not 2'\") raised AssertionError: x is not 2")
    assert "! failed" in captured.out
    assert not (course / "notebooks" / "02-two.ipynb").read_text().count("AssertionError")  # course untouched


def test_the_failed_cell_is_counted_without_papermills_injected_cell(course: Path, tmp_path: Path) -> None:
    path = course / "notebooks" / "03-three.ipynb"
    _notebook(path, "1 / 0", parameters="seed = 0")
    result = run.run_one(path, tmp_path / "out.ipynb", {"seed": 1})
    assert result.error == "cell 2 ('1 / 0') raised ZeroDivisionError: division by zero"


def test_slow_notebooks_are_marked(course: Path) -> None:
    results = [run.Result(course / "notebooks" / "00-welcome.ipynb", 16.0),
               run.Result(course / "notebooks" / "01-one.ipynb", 1.0)]
    table = run.summary(results, 16.5, 2).splitlines()
    assert table[1].endswith("16.0s*") and table[2].endswith("1.0s ")
    assert table[-1] == "* over the 15 s target"


def test_output_dir_must_be_a_folder(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (course / "taken").write_text("")
    assert cli.main(["run", "00", "--output-dir", "taken"]) == 2
    assert capsys.readouterr().err == "k8scourse: error: --output-dir taken: not a folder\n"
