"""Generate ``exercises/`` from ``solutions/``.

``solutions/NN-name.ipynb`` is the source of truth; ``exercises/NN-name.ipynb``
is the same notebook with the answers taken out, executed so that its
outputs can be committed and checked by nbval.

Code cells
    Lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's
    markers, each on a line of its own) are replaced, at the indentation of
    the BEGIN marker, so the cell still runs:

    * if the block binds names with plain assignments at its top level
      (``x = ...``, ``a, b = ...``, ``x: int = ...``), each name becomes
      ``x = None  # YOUR CODE HERE``, so the check after the block prints
      "not answered yet" instead of failing with a NameError;
    * otherwise the block becomes ``# YOUR CODE HERE`` and ``pass`` (a
      function body, say, which then returns ``None``).

Markdown cells
    Lines from a ``BEGIN SOLUTION`` marker line to an ``END SOLUTION`` one
    become ``YOUR ANSWER HERE``. A marker may be bare, a heading
    (``### BEGIN SOLUTION``) or, invisible when rendered, an HTML comment
    (``<!-- BEGIN SOLUTION -->``).

Cells are numbered from 0 in error messages, as nbval numbers them.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path

from nbformat import NotebookNode

from .notebooks import NotebookError, cell_label, execute_notebook, read_notebook, write_notebook

CODE_PLACEHOLDER = "# YOUR CODE HERE"
MARKDOWN_PLACEHOLDER = "YOUR ANSWER HERE"

_CODE_BEGIN = re.compile(r"(?P<indent>[ \t]*)### BEGIN SOLUTION[ \t]*")
_CODE_END = re.compile(r"[ \t]*### END SOLUTION[ \t]*")
_MD_MARKER = r"(?P<indent>[ \t]*)(?:<!--[ \t]*{0}[ \t]*-->|(?:#+[ \t]*)?{0})[ \t]*"
_MD_BEGIN = re.compile(_MD_MARKER.format("BEGIN SOLUTION"))
_MD_END = re.compile(_MD_MARKER.format("END SOLUTION"))

Replacement = Callable[[str, list[str], str], list[str]]


def exercise_notebook(solution: NotebookNode, name: str) -> NotebookNode:
    """Return the exercise version of ``solution``: answers replaced, outputs cleared.

    ``name`` labels errors, e.g. ``solutions/03-labels-selectors.ipynb``.
    """
    exercise = NotebookNode(solution.copy())
    exercise.cells = [_exercise_cell(cell, f"{name}, {cell_label(i, cell)}") for i, cell in enumerate(solution.cells)]
    return exercise


def make_exercises(
    solutions_dir: Path, exercises_dir: Path, execute: bool = True, names: Iterable[str] = ()
) -> list[Path]:
    """Write ``exercises_dir/X.ipynb`` for each ``solutions_dir/X.ipynb``; return the paths written.

    ``names`` limits the work to those notebooks (``03-labels-selectors`` or
    ``03-labels-selectors.ipynb``). With ``execute`` each exercise is run so
    its committed outputs are what nbval will see; one that raises is
    reported, not written.
    """
    solutions = _select(_notebooks(solutions_dir, "solutions"), names, solutions_dir)
    if not exercises_dir.is_dir():
        raise NotebookError(f"exercises directory {exercises_dir} does not exist")
    written = []
    for source in solutions:
        target = exercises_dir / source.name
        exercise = exercise_notebook(read_notebook(source), str(source))
        if execute:
            exercise = execute_notebook(exercise, exercises_dir, str(target))
        write_notebook(exercise, target)
        written.append(target)
    return written


def check_in_sync(solutions_dir: Path, exercises_dir: Path) -> list[str]:
    """Return the file names of exercises that do not match their solutions.

    Only cell types and sources are compared, not outputs. An exercise that
    is missing, or that has no solution any more, is out of sync too.
    """
    solutions = {path.name: path for path in _notebooks(solutions_dir, "solutions")}
    exercises = {path.name: path for path in _notebooks(exercises_dir, "exercises", allow_empty=True)}
    stale = []
    for name in sorted(solutions.keys() | exercises.keys()):
        solution, exercise = solutions.get(name), exercises.get(name)
        # Every solution is read, so a broken one is reported even without its exercise.
        expected = _sources(exercise_notebook(read_notebook(solution), str(solution))) if solution else None
        actual = _sources(read_notebook(exercise)) if exercise else None
        if expected is None or expected != actual:
            stale.append(name)
    return stale


def _sources(nb: NotebookNode) -> list[tuple[str, str]]:
    """What an exercise is made of, outputs aside."""
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def _notebooks(directory: Path, role: str, allow_empty: bool = False) -> list[Path]:
    """List the notebooks of a course directory, failing clearly on a wrong path."""
    if not directory.is_dir():
        raise NotebookError(f"{role} directory {directory} does not exist")
    found = sorted(directory.glob("*.ipynb"))
    if not found and not allow_empty:
        raise NotebookError(f"{role} directory {directory} has no notebooks")
    return found


def _select(paths: list[Path], names: Iterable[str], directory: Path) -> list[Path]:
    """Keep the notebooks named in ``names`` (all when empty); reject unknown names."""
    wanted = {name if name.endswith(".ipynb") else f"{name}.ipynb" for name in names}
    if not wanted:
        return paths
    unknown = wanted - {path.name for path in paths}
    if unknown:
        raise NotebookError(f"no such notebook in {directory}: {', '.join(sorted(unknown))}")
    return [path for path in paths if path.name in wanted]


def _exercise_cell(cell: NotebookNode, where: str) -> NotebookNode:
    """Return a copy of ``cell`` with its solution blocks replaced."""
    new = NotebookNode(cell.copy())
    new.metadata = NotebookNode(cell.metadata.copy())
    new.metadata.pop("execution", None)
    if cell.cell_type == "code":
        new.source = _replace_blocks(cell.source, _CODE_BEGIN, _CODE_END, "### BEGIN SOLUTION", _code_stub, where)
        new.outputs = []
        new.execution_count = None
    elif cell.cell_type == "markdown":
        new.source = _replace_blocks(cell.source, _MD_BEGIN, _MD_END, "BEGIN SOLUTION", _markdown_stub, where)
    return new


def _replace_blocks(
    source: str, begin: re.Pattern[str], end: re.Pattern[str], spelling: str, stub: Replacement, where: str
) -> str:
    """Replace each BEGIN…END block of ``source`` by ``stub(indent, block, where)``."""
    out: list[str] = []
    block: list[str] | None = None
    indent = opened = ""
    for number, line in enumerate(source.split("\n"), start=1):
        at = f"{where}, line {number}"
        if (match := begin.fullmatch(line)) is not None:
            if block is not None:
                raise NotebookError(f"{at}: BEGIN SOLUTION inside the block opened at {opened}")
            block, indent, opened = [], match["indent"], f"line {number}"
        elif end.fullmatch(line):
            if block is None:
                raise NotebookError(f"{at}: END SOLUTION without a BEGIN SOLUTION before it")
            out.extend(stub(indent, block, f"{where}, solution block at {opened}"))
            block = None
        elif "BEGIN SOLUTION" in line or "END SOLUTION" in line:
            raise NotebookError(f"{at}: solution markers must stand on a line of their own, as {spelling!r}")
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    if block is not None:
        raise NotebookError(f"{where}: BEGIN SOLUTION at {opened} is never closed by END SOLUTION")
    return "\n".join(out)


def _markdown_stub(indent: str, block: list[str], where: str) -> list[str]:
    return [indent + MARKDOWN_PLACEHOLDER]


def _code_stub(indent: str, block: list[str], where: str) -> list[str]:
    """Stand-in for a code block: its assigned names set to None, or ``pass``."""
    names = _assigned_names(block, where)
    if names:
        return [f"{indent}{name} = None  {CODE_PLACEHOLDER}" for name in names]
    return [indent + CODE_PLACEHOLDER, indent + "pass"]


def _assigned_names(block: list[str], where: str) -> list[str]:
    """Names bound by plain assignments at the block's top level, in order."""
    from IPython.core.inputtransformer2 import TransformerManager  # turns %magics into Python

    code = TransformerManager().transform_cell(textwrap.dedent("\n".join(block)))
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise NotebookError(
            f"{where}: the solution block is not whole Python statements on its own ({exc.msg})"
        ) from None
    names: list[str] = []
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets = [statement.target]
        else:
            continue
        for target in targets:
            names.extend(_target_names(target))
    return list(dict.fromkeys(names))


def _target_names(target: ast.expr) -> list[str]:
    """Plain names in an assignment target; attributes and subscripts bind no name."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    return []
