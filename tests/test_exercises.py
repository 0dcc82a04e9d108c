"""Exercise generation: solution blocks out, placeholders in, exercises/ in sync."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from k8scourse.course.exercises import check_in_sync, exercise_notebook, make_exercises
from k8scourse.course.notebooks import KERNELSPEC, NotebookError

ROOT = Path(__file__).resolve().parents[1]


def notebook(*cells: NotebookNode) -> NotebookNode:
    return new_notebook(cells=list(cells))


def exercise_source(source: str, cell_type: str = "code") -> str:
    cell = new_code_cell(source) if cell_type == "code" else new_markdown_cell(source)
    return exercise_notebook(notebook(cell), "solutions/t.ipynb").cells[0].source


def test_assigned_names_become_none() -> None:
    source = "### BEGIN SOLUTION\nanswer = 'etcd'\n### END SOLUTION\ncheck('q', answer, digest='d1')"
    assert exercise_source(source) == "answer = None  # YOUR CODE HERE\ncheck('q', answer, digest='d1')"


def test_block_without_assignments_becomes_pass_at_its_indentation() -> None:
    source = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
    assert exercise_source(source) == "def double(x):\n    # YOUR CODE HERE\n    pass\n"


def test_indented_assignments_keep_indentation() -> None:
    source = (
        "def plan(n):\n"
        "    ### BEGIN SOLUTION\n"
        "    if n > 1:\n"
        "        n -= 1\n"
        "    quorum = n // 2 + 1\n"
        "    ### END SOLUTION\n"
        "    return quorum"
    )
    assert exercise_source(source) == "def plan(n):\n    quorum = None  # YOUR CODE HERE\n    return quorum"


def test_only_plain_top_level_names_count_once_each() -> None:
    source = (
        "### BEGIN SOLUTION\n"
        "a, (b, *c) = 1, (2, 3)\n"
        "d: int = 4\n"
        "e: int\n"
        "spec.replicas = 3\n"
        "labels['tier'] = 'db'\n"
        "a += 1\n"
        "for f in range(2):\n"
        "    g = f\n"
        "b = 5\n"
        "### END SOLUTION"
    )
    expected = [f"{name} = None  # YOUR CODE HERE" for name in "abcd"]
    assert exercise_source(source).splitlines() == expected


def test_ipython_magics_are_understood() -> None:
    source = "### BEGIN SOLUTION\npods = %kubectl get pods\n%kubectl get nodes\n### END SOLUTION"
    assert exercise_source(source) == "pods = None  # YOUR CODE HERE"


def test_several_blocks_in_one_cell() -> None:
    source = "### BEGIN SOLUTION\nx = 1\n### END SOLUTION\ny = 2\n### BEGIN SOLUTION\nz = 3\n### END SOLUTION"
    assert exercise_source(source) == "x = None  # YOUR CODE HERE\ny = 2\nz = None  # YOUR CODE HERE"


@pytest.mark.parametrize(
    "begin, end",
    [
        ("<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"),
        ("### BEGIN SOLUTION", "### END SOLUTION"),
        ("BEGIN SOLUTION", "END SOLUTION"),
    ],
)
def test_markdown_answers(begin: str, end: str) -> None:
    source = f"Why does etcd want an odd size?\n\n{begin}\nA majority of 2k+1 survives k failures.\n{end}\n\nNext."
    expected = "Why does etcd want an odd size?\n\nYOUR ANSWER HERE\n\nNext."
    assert exercise_source(source, "markdown") == expected


def test_cells_keep_metadata_and_lose_outputs() -> None:
    code = new_code_cell("### BEGIN SOLUTION\nseed = 1\n### END SOLUTION", execution_count=3)
    code.outputs = [new_output("stream", name="stdout", text="hi\n")]
    code.metadata = {"tags": ["parameters"], "execution": {"iopub.execute_input": "2024-01-01"}}
    raw = new_raw_cell("BEGIN SOLUTION is left alone in raw cells")
    plain = new_markdown_cell("No answers here.")
    solution = notebook(code, raw, plain)
    exercise = exercise_notebook(solution, "solutions/t.ipynb")
    cell = exercise.cells[0]
    assert (cell.outputs, cell.execution_count, dict(cell.metadata)) == ([], None, {"tags": ["parameters"]})
    assert cell.id == code.id
    assert exercise.cells[1:] == solution.cells[1:]
    assert solution.cells[0].outputs and solution.cells[0].source.startswith("###"), "solution left unchanged"


@pytest.mark.parametrize(
    "source, message",
    [
        ("x = 1\n### BEGIN SOLUTION\ny = 2", "cell 1 ('x = 1'): BEGIN SOLUTION at line 2 is never closed"),
        ("y = 2\n### END SOLUTION", "cell 1 ('y = 2'), line 2: END SOLUTION without a BEGIN SOLUTION"),
        (
            "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION",
            "line 2: BEGIN SOLUTION inside the block opened at line 1",
        ),
        ("x = 1  ### BEGIN SOLUTION", "line 1: solution markers must stand on a line of their own"),
        (
            "#BEGIN SOLUTION\nx = 1\n#END SOLUTION",
            "line 1: solution markers must stand on a line of their own, as '### BEGIN SOLUTION'",
        ),
        (
            "if x:\n    ### BEGIN SOLUTION\n    y = 1\nelse:\n    ### END SOLUTION",
            "solution block at line 2: the solution block is not whole Python statements",
        ),
    ],
)
def test_bad_markers_name_file_cell_and_line(source: str, message: str) -> None:
    with pytest.raises(NotebookError) as error:
        exercise_notebook(notebook(new_markdown_cell("Intro"), new_code_cell(source)), "solutions/t.ipynb")
    assert str(error.value).startswith("solutions/t.ipynb, cell 1")
    assert message in str(error.value)


def test_unclosed_markdown_marker() -> None:
    with pytest.raises(NotebookError, match=r"t.ipynb, cell 0 \('Answer:'\): BEGIN SOLUTION at line 2 is never closed"):
        exercise_notebook(notebook(new_markdown_cell("Answer:\n<!-- BEGIN SOLUTION -->\netcd")), "t.ipynb")


def write(directory: Path, name: str, nb: NotebookNode) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, directory / name)
    return directory / name


def course_dirs(tmp_path: Path) -> tuple[Path, Path]:
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    exercises.mkdir()
    write(solutions, "01-a.ipynb", notebook(new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\nprint(x)")))
    write(solutions, "02-b.ipynb", notebook(new_markdown_cell("no exercise")))
    return solutions, exercises


def test_in_sync_after_generation_and_out_of_sync_after_edits(tmp_path: Path) -> None:
    solutions, exercises = course_dirs(tmp_path)
    assert check_in_sync(solutions, exercises) == ["01-a.ipynb", "02-b.ipynb"]
    written = make_exercises(solutions, exercises, execute=False)
    assert [path.name for path in written] == ["01-a.ipynb", "02-b.ipynb"]
    assert check_in_sync(solutions, exercises) == []

    write(solutions, "02-b.ipynb", notebook(new_markdown_cell("changed")))
    write(exercises, "03-gone.ipynb", notebook())
    assert check_in_sync(solutions, exercises) == ["02-b.ipynb", "03-gone.ipynb"]
    (exercises / "01-a.ipynb").unlink()
    assert check_in_sync(solutions, exercises) == ["01-a.ipynb", "02-b.ipynb", "03-gone.ipynb"]


def test_outputs_alone_do_not_make_exercises_stale(tmp_path: Path) -> None:
    solutions, exercises = course_dirs(tmp_path)
    make_exercises(solutions, exercises, execute=False)
    nb = nbformat.read(exercises / "01-a.ipynb", as_version=4)
    nb.cells[0].outputs = [new_output("stream", name="stdout", text="None\n")]
    nbformat.write(nb, exercises / "01-a.ipynb")
    assert check_in_sync(solutions, exercises) == []


def test_generating_only_named_notebooks(tmp_path: Path) -> None:
    solutions, exercises = course_dirs(tmp_path)
    assert make_exercises(solutions, exercises, execute=False, names=["02-b"]) == [exercises / "02-b.ipynb"]
    with pytest.raises(NotebookError, match="no such notebook in .*solutions: 09-x.ipynb"):
        make_exercises(solutions, exercises, execute=False, names=["09-x"])


def test_missing_directories_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(NotebookError, match=r"solutions directory .*nowhere does not exist"):
        make_exercises(tmp_path / "nowhere", tmp_path)
    with pytest.raises(NotebookError, match=r"solutions directory .* has no notebooks"):
        check_in_sync(tmp_path, tmp_path)
    solutions, _ = course_dirs(tmp_path)
    with pytest.raises(NotebookError, match=r"exercises directory .*missing does not exist"):
        make_exercises(solutions, tmp_path / "missing")
    (solutions / "02-b.ipynb").write_text("{not json")
    with pytest.raises(NotebookError, match=r"02-b.ipynb: not a valid notebook"):
        make_exercises(solutions, tmp_path / "exercises", execute=False)


def test_executed_exercise_runs_its_checks(tmp_path: Path) -> None:
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    exercises.mkdir()
    check_cell = ("from k8scourse.course import check, digest\n"
                  "check('store', answer, digest=digest('etcd'), hint='key-value')")
    write(
        solutions,
        "00-w.ipynb",
        notebook(new_code_cell("### BEGIN SOLUTION\nanswer = 'etcd'\n### END SOLUTION"), new_code_cell(check_cell)),
    )
    make_exercises(solutions, exercises)
    stored = nbformat.read(exercises / "00-w.ipynb", as_version=4)
    assert stored.cells[1].outputs == [
        new_output("stream", name="stdout", text="… store: not answered yet.\n  Hint: key-value\n")
    ]
    assert all("execution" not in cell.metadata for cell in stored.cells)
    assert stored.metadata == {"kernelspec": KERNELSPEC}


def test_exercise_that_fails_without_answers_is_reported(tmp_path: Path) -> None:
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    exercises.mkdir()
    write(
        solutions,
        "00-w.ipynb",
        notebook(new_code_cell("### BEGIN SOLUTION\nn = 3\n### END SOLUTION"), new_code_cell("print(n + 1)")),
    )
    with pytest.raises(NotebookError) as error:
        make_exercises(solutions, exercises)
    assert str(error.value).startswith(f"{exercises / '00-w.ipynb'}: cell 1 ('print(n + 1)') raised TypeError:")
    assert not (exercises / "00-w.ipynb").exists()


def test_course_exercises_are_in_sync_with_solutions() -> None:
    stale = check_in_sync(ROOT / "solutions", ROOT / "exercises")
    assert stale == [], f"regenerate with `make exercises`: {stale}"
