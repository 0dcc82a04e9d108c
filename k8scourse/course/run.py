"""``k8scourse run``: execute chapters headless with papermill, in parallel, and time them.

A chapter is named by its number or its name (``03``, ``03-labels-selectors``);
``--all`` adds each chapter's solutions and exercises. Each notebook runs in
its own kernel in a pool of worker processes, one per core; a failure names
the notebook and the cell. Nothing in the course folder is changed: outputs
go to ``--output-dir`` (with ``timings.json``) or are thrown away.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

FOLDERS = ("notebooks", "solutions", "exercises")
TARGET_SECONDS = 15.0
"""No chapter notebook should take longer (issue 11); the summary marks those that do."""


class UsageError(ValueError):
    """A command line that names something that does not exist; exit status 2."""


@dataclass(frozen=True)
class Result:
    """How one notebook's run went: ``error`` is empty when it passed."""

    path: Path
    seconds: float
    error: str = ""


def chapters(course: Path) -> list[str]:
    """The chapters' names, ``NN-name``, from ``notebooks/``."""
    return sorted(p.stem for p in (course / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def resolve(course: Path, names: Sequence[str]) -> list[str]:
    """Map ``03``, ``3``, ``labels-selectors`` or ``03-labels-selectors`` to the chapter's name.

    No names means every chapter; an unknown one is a usage error that lists them.
    """
    known = chapters(course)
    if not known:
        raise UsageError(f"no chapters in {course / 'notebooks'}; run this from the course folder")
    if not names:
        return known
    picked = []
    for name in names:
        match = [c for c in known if name in (c, c[:2], c[3:]) or (name.isdigit() and name.zfill(2) == c[:2])]
        if not match:
            raise UsageError(f"no chapter {name!r}; the chapters are: {', '.join(known)}")
        picked += [c for c in match if c not in picked]
    return picked


def notebooks_for(course: Path, names: Sequence[str], every_folder: bool) -> list[Path]:
    """The notebooks to run: each chapter's, plus its solution and exercise with ``every_folder``."""
    folders = FOLDERS if every_folder else FOLDERS[:1]
    return [path for name in names for folder in folders
            if (path := course / folder / f"{name}.ipynb").is_file()]


def parse_value(text: str) -> object:
    """A ``-p`` value as papermill's own ``-p`` reads it: bool, None, int, float, or else the string."""
    if text in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[text]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def declared_parameters(path: Path) -> set[str]:
    """The names the top level of a notebook's ``parameters`` cell assigns, where papermill injects after."""
    import ast

    from .notebooks import NotebookError, read_notebook

    names: set[str] = set()
    for cell in read_notebook(path).cells:
        if "parameters" in cell.metadata.get("tags", []):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError as exc:
                raise NotebookError(f"{path}: the parameters cell is not Python ({exc.msg})") from None
            for node in tree.body:
                targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
                names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def parameters_for(paths: Sequence[Path], given: dict[str, object]) -> dict[Path, dict[str, object]]:
    """Give each notebook the parameters its ``parameters`` cell declares; refuse a name none declares."""
    declared = {path: declared_parameters(path) for path in paths} if given else {}
    for name in given:
        if not any(name in names for names in declared.values()):
            raise UsageError(f"no chosen notebook has a parameter {name!r} (see each chapter's `parameters` cell)")
    return {path: {k: v for k, v in given.items() if k in declared.get(path, ())} for path in paths}


def run_one(path: Path, output: Path, parameters: dict[str, object]) -> Result:
    """Execute ``path`` with papermill into ``output`` in a fresh kernel of this interpreter; time it."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from .notebooks import CELL_TIMEOUT, CurrentEnvKernelManager

    output.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(path), str(output), parameters=parameters, cwd=str(path.parent), progress_bar=False,
            kernel_name="python3", language="python", kernel_manager_class=CurrentEnvKernelManager,
            # CRITICAL, not ERROR: jupyter_client interrupts a kernel before shutting it down, and ipykernel
            # logs that as an error ("KeyboardInterrupt caught in kernel"); a cell's error is in the notebook.
            extra_arguments=["--log-level=CRITICAL"], execution_timeout=CELL_TIMEOUT)
        error = ""
    except PapermillExecutionError as exc:
        error = f"{failed_cell(output)} raised {exc.ename}: {exc.evalue}"
    except Exception as exc:  # a dead kernel, a timeout, an unreadable notebook: report, don't crash the pool
        error = f"{type(exc).__name__}: {exc}".strip()
    return Result(path, time.perf_counter() - start, error)


def failed_cell(output: Path) -> str:
    """Label the failed cell as in the course's own notebook, not counting the cells papermill added."""
    import nbformat
    from papermill.execute import ERROR_MARKER_TAG

    from .notebooks import cell_label

    added = 0
    for index, cell in enumerate(nbformat.read(output, as_version=4).cells):
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags or ERROR_MARKER_TAG in tags:
            added += 1
        elif "raises-exception" not in tags and any(o.output_type == "error" for o in cell.get("outputs", [])):
            return cell_label(index - added, cell)
    return "a cell"


def run(course: Path, paths: Sequence[Path], output_dir: Path, parameters: dict[str, object],
        jobs: int, progress: bool = True) -> list[Result]:
    """Run ``paths`` on ``jobs`` worker processes; return the results in ``paths``' order."""
    from tqdm import tqdm

    per_path = parameters_for(paths, parameters)
    results: dict[Path, Result] = {}
    # Spawned, not forked: a fork of a process with threads (a Jupyter client's, pytest's) can hang.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(paths))), mp_context=spawn) as pool:
        futures = [pool.submit(run_one, path, output_dir / path.relative_to(course), per_path[path])
                   for path in paths]
        # disable=None: a bar on a terminal, none in a CI log.
        with tqdm(total=len(paths), unit="notebook", disable=None if progress else True, file=sys.stderr) as bar:
            for future in as_completed(futures):
                result = future.result()
                results[result.path] = result
                bar.set_postfix_str(result.path.stem, refresh=False)
                bar.update()
    return [results[path] for path in paths]


def summary(results: Sequence[Result], wall: float, jobs: int) -> str:
    """A table of seconds per chapter, one column per folder, slow ones marked; then the totals."""
    seconds = {(r.path.parent.name, r.path.stem): r for r in results}
    names = sorted({r.path.stem for r in results})
    folders = [f for f in FOLDERS if any(r.path.parent.name == f for r in results)]
    lines = [f"{'chapter':<24}" + "".join(f"{f:>12}" for f in folders)]
    for name in names:
        cells = []
        for folder in folders:
            r = seconds.get((folder, name))
            mark = "" if r is None else "!" if r.error else "*" if r.seconds > TARGET_SECONDS else " "
            cells.append(f"{'—':>11} " if r is None else f"{r.seconds:10.1f}s{mark}")
        lines.append(f"{name:<24}" + "".join(cells))
    total = sum(r.seconds for r in results)
    lines.append(f"{len(results)} notebooks: {wall:.1f} s on {jobs} workers ({total:.1f} s of kernel time)")
    if any(r.seconds > TARGET_SECONDS for r in results):
        lines.append(f"* over the {TARGET_SECONDS:g} s target")
    if any(r.error for r in results):
        lines.append("! failed")
    return "\n".join(lines)


def timings(course: Path, results: Sequence[Result], wall: float, jobs: int) -> dict[str, object]:
    """The figures as JSON for ``timings.json`` (read by tools/instructor_guide.py)."""
    return {"jobs": jobs, "wall_seconds": round(wall, 1),
            "notebooks": {r.path.relative_to(course).as_posix(): round(r.seconds, 1) for r in results}}


def main(course: Path, names: Sequence[str], every_folder: bool, output_dir: Path | None,
         parameters: Sequence[tuple[str, str]], jobs: int | None) -> int:
    """The ``run`` subcommand; 0 when every notebook ran, 1 when one failed (naming it and the cell)."""
    if output_dir is not None and output_dir.exists() and not output_dir.is_dir():
        raise UsageError(f"--output-dir {output_dir}: not a folder")
    paths = notebooks_for(course, resolve(course, names), every_folder)
    given = {name: parse_value(value) for name, value in parameters}
    jobs = jobs or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="k8scourse-run-") as scratch:
        target = output_dir or Path(scratch)
        start = time.perf_counter()
        results = run(course, paths, target, given, jobs)
        wall = time.perf_counter() - start
        print(summary(results, wall, min(jobs, len(paths))))
        if output_dir is not None:
            (output_dir / "timings.json").write_text(
                json.dumps(timings(course, results, wall, min(jobs, len(paths))), indent=1) + "\n")
    failed = [r for r in results if r.error]
    for r in failed:
        print(f"k8scourse: error: {r.path.relative_to(course)}: {r.error}", file=sys.stderr)
    return 1 if failed else 0
