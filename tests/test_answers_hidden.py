"""No notebook a learner opens gives an exercise's answer away.

Every ``check(`` call in ``exercises/`` and ``notebooks/`` compares against
a digest or a predicate (see ``k8scourse/course/checks.py``):

* no ``expected=`` keyword and no third positional argument (the old way
  of writing the answer into the call);
* ``digest=`` is a hex string literal, never computed in the cell
  (``digest=digest("etcd")`` would show the answer);
* the answer (second argument) is a name or an expression, never a literal
  such as ``"etcd"`` (only ``None`` or ``...``, "not answered yet");
* a ``predicate=lambda ...`` does not compare with a literal
  (``lambda a: a == "etcd"`` is the answer in disguise); write a named
  function that computes the truth from the cluster instead;
* ``wrong=`` maps digests (hex literals) to hints, not answers to hints;
* no saved output of a check cell says ``expected <value>``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted([*(ROOT / "exercises").glob("*.ipynb"), *(ROOT / "notebooks").glob("*.ipynb")])
HEX = re.compile(r"[0-9a-f]{16,64}")
# "expected 'kube-scheduler'", "expected ['a', 'b']", "expected 20": a value after "expected".
# "expected a list of pod names, got the number 42" (a type, answers.py) gives nothing away.
GIVEAWAY = re.compile(r"\bexpected\b\s*[:=]?\s*(['\"\[{(]|-?\d|True\b|False\b|None\b)", re.IGNORECASE)
NOT_ANSWERED = (None, Ellipsis)
EQUALITY = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)


def python_source(cell_source: str) -> str:
    """A code cell as plain Python: IPython magics and shell lines become ``pass``."""
    if cell_source.lstrip().startswith("%%"):
        return ""  # a cell magic (%%kubectl, %%writefile): its body is not Python
    lines = []
    for line in cell_source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines)


def is_check_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "check") or (
        isinstance(func, ast.Attribute) and func.attr == "check")


def literal(node: ast.AST) -> tuple[bool, object]:
    """(True, value) when ``node`` is a literal (a constant, or a list/set/dict/tuple of them)."""
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def compares_with_a_literal(function: ast.Lambda) -> bool:
    """Does the lambda's body compare (==, !=, in, not in) with a literal other than None?"""
    for node in ast.walk(function.body):
        if isinstance(node, ast.Compare) and any(isinstance(op, EQUALITY) for op in node.ops):
            for operand in [node.left, *node.comparators]:
                is_literal, value = literal(operand)
                if is_literal and value is not None and not isinstance(value, bool):
                    return True
    return False


def call_problems(call: ast.Call) -> list[str]:
    """What in one ``check(...)`` call shows or holds the expected answer."""
    problems = []
    keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
    if "expected" in keywords:
        problems.append("uses expected=: compare a digest= or a predicate= instead")
    if len(call.args) > 2:
        problems.append("has a third positional argument (the expected answer): use digest= or predicate=")
    if len(call.args) >= 2:
        is_literal, value = literal(call.args[1])
        if is_literal and value not in NOT_ANSWERED:
            problems.append(f"checks the literal answer {ast.unparse(call.args[1])}: the answer is in the cell")
    if "digest" not in keywords and "predicate" not in keywords:
        problems.append("has neither digest= nor predicate=")
    if "digest" in keywords:
        is_literal, value = literal(keywords["digest"])
        if not (is_literal and isinstance(value, str) and HEX.fullmatch(value)):
            problems.append(f"digest={ast.unparse(keywords['digest'])} is not a hex string literal")
    predicate = keywords.get("predicate")
    if isinstance(predicate, ast.Lambda) and compares_with_a_literal(predicate):
        problems.append(f"predicate {ast.unparse(predicate)} compares with a literal answer")
    if "wrong" in keywords:
        wrong = keywords["wrong"]
        keys = wrong.keys if isinstance(wrong, ast.Dict) else []
        for key in keys:
            is_literal, value = literal(key) if key is not None else (False, None)
            if not (is_literal and isinstance(value, str) and HEX.fullmatch(value)):
                problems.append(f"wrong= key {ast.unparse(key) if key else '**'} is not a digest")
    return problems


def source_problems(source: str) -> list[str]:
    """Problems of every check call in one code cell's source."""
    try:
        tree = ast.parse(python_source(source))
    except SyntaxError as err:
        return [f"does not parse as Python ({err.msg}, line {err.lineno})"] if "check(" in source else []
    return [f"check(...) at line {node.lineno} {problem}"
            for node in ast.walk(tree) if is_check_call(node) for problem in call_problems(node)]


def output_text(cell: nbformat.NotebookNode) -> str:
    texts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            texts.append(output.get("text", ""))
        elif "data" in output:
            texts.append(output["data"].get("text/plain", ""))
        elif output.get("output_type") == "error":
            texts.append(f"{output.get('ename')}: {output.get('evalue')}")
    return "".join(t if isinstance(t, str) else "".join(t) for t in texts)


def notebook_problems(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "check(" not in cell.source:
            continue
        where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} cell {index}"
        problems += [f"{where}: {problem}" for problem in source_problems(cell.source)]
        for line in output_text(cell).splitlines():
            if GIVEAWAY.search(line):
                problems.append(f"{where}: its output gives the answer away: {line.strip()!r}")
    return problems


# --- the course's notebooks ----------------------------------------------------------------


def test_there_are_notebooks_to_check():
    assert NOTEBOOKS, "no notebooks found in exercises/ or notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_check_shows_its_answer(path: Path):
    problems = notebook_problems(path)
    assert not problems, "\n".join(problems)


# --- the rules themselves, on small examples ----------------------------------------------

GOOD = [
    'check("store", answer, digest="3f2a9c0d4e5b6a71", normalize=as_component, hint="a key-value store")',
    'check("store", None, digest="3f2a9c0d4e5b6a71")',
    'check("store", ..., digest="3f2a9c0d4e5b6a71")',
    "check('pods', chosen, predicate=selects_the_canary)",
    "check('pods', chosen, predicate=lambda names: set(names) == set(canaries(cluster)))",
    "check('pods', chosen, predicate=lambda names: len(names) > 0 or 'pick at least one')",
    'check("store", answer, digest="3f2a9c0d4e5b6a71", wrong={"0123456789abcdef": "that is the cache"})',
    'course.check("store", answer, digest="3f2a9c0d4e5b6a71")',
    '%load_ext k8scourse\nanswer = None  # YOUR CODE HERE\ncheck("store", answer, digest="3f2a9c0d4e5b6a71")',
    "%%kubectl apply -f -\ncheck(this is yaml, not python)",
]
BAD = [
    ('check("store", answer, "etcd")', "third positional argument"),
    ('check("store", answer, expected="etcd")', "uses expected="),
    ('check("store", "etcd", digest="3f2a9c0d4e5b6a71")', "checks the literal answer 'etcd'"),
    ('check("pods", ["a", "b"], predicate=ok)', "checks the literal answer ['a', 'b']"),
    ('check("store", answer, hint="x")', "neither digest= nor predicate="),
    ('check("store", answer, digest=digest("etcd"))', "is not a hex string literal"),
    ('check("store", answer, predicate=lambda a: a.lower() == "etcd")', "compares with a literal answer"),
    ('check("n", answer, predicate=lambda a: a in {3, 4})', "compares with a literal answer"),
    ('check("s", answer, digest="3f2a9c0d4e5b6a71", wrong={"scheduler": "say kube-"})', "is not a digest"),
    ('check("store", answer,\n  digest=', "does not parse"),
]


@pytest.mark.parametrize("source", GOOD)
def test_calls_that_hide_the_answer_pass(source: str):
    assert source_problems(source) == []


@pytest.mark.parametrize(("source", "problem"), BAD)
def test_calls_that_show_the_answer_fail(source: str, problem: str):
    problems = source_problems(source)
    assert problems and problem in problems[0], problems


@pytest.mark.parametrize(("line", "gives_away"), [
    ("✘ who decided: expected 'kube-scheduler', got 'scheduler'.", True),
    ("✘ pods: expected ['web-1', 'web-2'], got ['web-1'].", True),
    ("✘ longest wait: expected 20, got 30.", True),
    ("✘ pods: expected a list of pod names, got the number 42.", False),
    ("✘ who decided: 'scheduler' is not right.", False),
])
def test_output_giving_a_value_after_expected_fails(line: str, gives_away: bool):
    assert bool(GIVEAWAY.search(line)) is gives_away


def test_a_notebook_with_a_giveaway_output_fails(tmp_path: Path):
    cell = nbformat.v4.new_code_cell('check("store", answer, digest="3f2a9c0d4e5b6a71")')
    cell.outputs = [nbformat.v4.new_output("stream", text="✘ store: expected 'etcd', got 'redis'.\n")]
    path = tmp_path / "00-x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    assert notebook_problems(path) == [
        f"{path} cell 0: its output gives the answer away: \"✘ store: expected 'etcd', got 'redis'.\""]
