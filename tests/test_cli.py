"""The k8scourse command: exit codes and messages, never a traceback for bad input."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from k8scourse.course import cli, lab

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny course folder, made the working directory."""
    for folder in ("solutions", "exercises", "notebooks"):
        (tmp_path / folder).mkdir()
    solution = new_notebook(cells=[new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    nbformat.write(solution, tmp_path / "solutions" / "01-a.ipynb")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_check_lists_out_of_sync_notebooks(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["make-exercises", "--check"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "out of sync: exercises/01-a.ipynb\n"
    assert "make exercises" in captured.err


def test_make_then_check(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["make-exercises", "--no-execute", "01-a"]) == 0
    assert capsys.readouterr().out == "wrote exercises/01-a.ipynb\n"
    assert cli.main(["make-exercises", "--check"]) == 0
    assert capsys.readouterr().out == "exercises is in sync with solutions\n"


def test_bad_input_is_one_clear_line(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["make-exercises", "--solutions", "nowhere"]) == 1
    assert capsys.readouterr().err == "k8scourse: error: solutions directory nowhere does not exist\n"
    (course / "solutions" / "01-a.ipynb").write_text("{}")
    assert cli.main(["make-exercises", "--check"]) == 1
    assert capsys.readouterr().err.startswith("k8scourse: error: solutions/01-a.ipynb: not a valid notebook")


def test_unknown_options_are_usage_errors(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        cli.main(["make-exercises", "--frobnicate"])
    assert exit.value.code == 2
    assert "unrecognized arguments: --frobnicate" in capsys.readouterr().err


def test_execute_runs_a_notebook_in_place(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = course / "notebooks" / "n.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("print(6 * 7)")]), path)
    assert cli.main(["execute", str(path)]) == 0
    assert nbformat.read(path, as_version=4).cells[0].outputs[0].text == "42\n"


def test_execute_saves_a_widgets_picture_without_its_dead_view(course: Path) -> None:
    path = course / "notebooks" / "w.ipynb"
    source = ("from k8scourse.viz.canvas import new_axes, png_bytes\n"
              "from k8scourse.widgets.saved import SavedPicture\n"
              "SavedPicture([], 'demo', png_bytes(new_axes(1, 1).figure))")
    nbformat.write(new_notebook(cells=[new_code_cell(source)]), path)
    assert cli.main(["execute", str(path)]) == 0
    data = nbformat.read(path, as_version=4).cells[0].outputs[0].data
    assert sorted(data) == ["image/png", "text/plain"]
    assert data["text/plain"] == "▶ Run this cell to interact with the demo."


@pytest.mark.parametrize("euid, extra", [(1000, []), (0, ["--allow-root"])])
def test_start_hands_over_to_jupyterlab(course: Path, monkeypatch: pytest.MonkeyPatch, euid: int,
                                        extra: list[str]) -> None:
    nbformat.write(new_notebook(), course / "notebooks" / "00-welcome.ipynb")
    calls = []
    monkeypatch.setattr(os, "execv", lambda path, argv: calls.append((path, argv)))
    monkeypatch.setattr(os, "geteuid", lambda: euid)
    cli.main(["start", "--no-browser"])
    hide = [f"--ContentsManager.hide_globs={glob}" for glob in
            ("__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "*.egg-info")]
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={course / 'work'}",
               "--LabApp.default_url=/lab/tree/notebooks/00-welcome.ipynb",
               f"--LabApp.app_settings_dir={lab.LAB_SETTINGS}", *hide, "--no-browser", *extra]
    assert calls == [(sys.executable, command)]
    assert (course / "work" / "notebooks" / "00-welcome.ipynb").is_file()


def test_start_copies_the_course_into_work_once(course: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    nbformat.write(new_notebook(), course / "notebooks" / "00-welcome.ipynb")
    (course / "notebooks" / ".ipynb_checkpoints").mkdir()
    (course / "notebooks" / ".ipynb_checkpoints" / "00-welcome-checkpoint.ipynb").write_text("{}")
    monkeypatch.setattr(os, "execv", lambda path, argv: None)
    cli.main(["start"])
    assert "copied 2 course files into work/" in capsys.readouterr().out
    work = course / "work"
    assert sorted(p.relative_to(work).as_posix() for p in work.rglob("*.ipynb")) == [
        "notebooks/00-welcome.ipynb", "solutions/01-a.ipynb"]
    # The learner's edits survive the next start; a chapter the course adds meanwhile is copied.
    (work / "notebooks" / "00-welcome.ipynb").write_text("mine")
    nbformat.write(new_notebook(), course / "notebooks" / "01-new.ipynb")
    cli.main(["start"])
    assert "copied 1 course files" in capsys.readouterr().out
    assert (work / "notebooks" / "00-welcome.ipynb").read_text() == "mine"
    assert (work / "notebooks" / "01-new.ipynb").is_file()
    cli.main(["start"])
    assert capsys.readouterr().out == ""


def test_prepare_work_returns_what_it_copied(tmp_path: Path) -> None:
    (tmp_path / "course" / "exercises").mkdir(parents=True)
    (tmp_path / "course" / "exercises" / "00-x.ipynb").write_text("{}")
    copied = lab.prepare_work(tmp_path / "course", tmp_path / "work")
    assert copied == [tmp_path / "work" / "exercises" / "00-x.ipynb"]
    assert lab.prepare_work(tmp_path / "course", tmp_path / "work") == []


def test_work_is_ignored_by_git() -> None:
    assert "work/" in (ROOT / ".gitignore").read_text().splitlines()


def test_start_outside_the_course_folder(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["start"]) == 1
    assert "notebooks/00-welcome.ipynb not found" in capsys.readouterr().err


def test_installed_command_and_module_entry_point() -> None:
    script = Path(sys.executable).with_name("k8scourse")
    for command in ([sys.executable, "-m", "k8scourse.course", "--help"], [str(script), "--help"]):
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
        assert "make-exercises" in result.stdout


SUBCOMMANDS = [["lab"], ["start"], ["doctor"], ["run"], ["workshop"], ["workshop", "build"], ["make-exercises"],
               ["execute"], ["gen"], ["lint"]]


@pytest.mark.parametrize("words", SUBCOMMANDS, ids=" ".join)
def test_every_subcommand_has_help(words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        cli.main([*words, "--help"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: k8scourse {'lab' if words == ['start'] else words[0]}")


def test_the_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        cli.main(["--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    for command in ("lab (start)", "doctor", "run", "workshop", "make-exercises", "execute", "gen", "lint"):
        assert re.search(rf"^    {re.escape(command)}\s", out, re.M), command


@pytest.mark.parametrize("argv, message", [
    ([], "the following arguments are required: COMMAND"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["run", "--jobs", "0"], "argument -j/--jobs: '0' is not a positive whole number"),
    (["run", "-p", "seed"], "argument -p/--parameter: expected 2 arguments"),
    (["workshop"], "the following arguments are required: STEP"),
    (["workshop", "build"], "the following arguments are required: DIR"),
    (["doctor", "--now"], "unrecognized arguments: --now"),
])
def test_usage_errors_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        cli.main(argv)
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("words", [["lab"], ["start"]])
def test_lab_and_its_alias_start(course: Path, monkeypatch: pytest.MonkeyPatch, words: list[str]) -> None:
    nbformat.write(new_notebook(), course / "notebooks" / "00-welcome.ipynb")
    calls = []
    monkeypatch.setattr(os, "execv", lambda path, argv: calls.append(argv))
    assert cli.main([*words, "--port=9999"]) == 0
    assert calls[0][1:3] == ["-m", "jupyterlab"] and "--port=9999" in calls[0]


def test_an_interrupt_is_one_line(course: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    from k8scourse.course import doctor

    def interrupted(course: Path) -> list:
        raise KeyboardInterrupt

    monkeypatch.setattr(doctor, "diagnose", interrupted)
    assert cli.main(["doctor"]) == 130
    assert capsys.readouterr().err == "k8scourse: interrupted\n"


def test_make_course_and_the_readme_end_in_lab() -> None:
    assert "\t$(BIN)/k8scourse lab $(LAB_ARGS)" in (ROOT / "Makefile").read_text().splitlines()
    assert "`make course` (or `.venv/bin/k8scourse lab`) opens JupyterLab" in (ROOT / "README.md").read_text()


def test_lab_does_not_load_the_notebook_machinery(course: Path) -> None:
    nbformat.write(new_notebook(), course / "notebooks" / "00-welcome.ipynb")
    script = ("import os, sys; os.execv = lambda path, argv: None\n"
              "from k8scourse.course import cli\n"
              "assert cli.main(['lab']) == 0\n"
              "print(sorted(m for m in ('nbclient', 'nbformat', 'papermill', 'jupyter_client') if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=course, env=env)
    assert result.stdout.splitlines()[-1] == "[]", result.stderr
