"""Read, write and execute course notebooks reproducibly.

Notebooks are committed with their outputs and checked by ``pytest --nbval``,
so executing one must give the same file every time: no timing metadata, no
widget state or widget views with random ids, and the notebook's own
metadata kept as it was.
Every failure becomes a :class:`NotebookError` naming the file and the cell.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from ipykernel.kernelspec import RESOURCES, get_kernel_dict
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from traitlets import default

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

CELL_TIMEOUT = 300
"""Seconds one cell may run; course cells take well under a second."""

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class NotebookError(ValueError):
    """A notebook that cannot be read, generated or executed; the message names file and cell."""


def read_notebook(path: Path) -> NotebookNode:
    """Read and validate an nbformat 4 notebook."""
    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise NotebookError(f"{path}: no such notebook") from None
    except Exception as exc:  # nbformat raises several unrelated types for bad files
        raise NotebookError(f"{path}: not a valid notebook ({exc})") from None


def write_notebook(nb: NotebookNode, path: Path) -> None:
    """Write ``nb`` in nbformat 4 with a trailing newline, as Jupyter does."""
    nbformat.write(nb, path)


def cell_label(index: int, cell: NotebookNode) -> str:
    """Name a cell the way nbval does (0-based) plus its first line, to find it quickly."""
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else "(empty)"
    if len(first) > 40:
        first = first[:37] + "..."
    return f"cell {index} ({first!r})"


class _CurrentEnvKernelSpecs(KernelSpecManager):
    """Resolve every kernel name to ipykernel in this interpreter.

    Notebooks must run against the k8scourse installed here, not against
    whatever "python3" kernel the machine happens to have registered.
    """

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return self.kernel_spec_class(resource_dir=RESOURCES, **get_kernel_dict())


class CurrentEnvKernelManager(KernelManager):
    """A kernel manager that starts this interpreter's ipykernel (see above)."""

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return _CurrentEnvKernelSpecs()


def execute_notebook(nb: NotebookNode, cwd: Path, name: str) -> NotebookNode:
    """Run every cell of a copy of ``nb`` in ``cwd``; return it with fresh outputs.

    ``name`` (usually the file path) only labels errors. Cells tagged
    ``raises-exception`` may raise, as under nbval.
    """
    result = copy.deepcopy(nb)
    for cell in result.cells:
        cell.metadata.pop("execution", None)
    client = NotebookClient(
        result,
        kernel_manager_class=CurrentEnvKernelManager,
        # ipykernel warns on stderr about unencrypted loopback TCP; errors still show.
        extra_arguments=["--log-level=ERROR"],
        timeout=CELL_TIMEOUT,
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        raise NotebookError(f"{name}: {_failed_cell(result)} raised {exc.ename}: {exc.evalue}") from None
    except CellTimeoutError:
        raise NotebookError(f"{name}: a cell ran longer than {CELL_TIMEOUT} s") from None
    except DeadKernelError as exc:
        raise NotebookError(f"{name}: the kernel died while running the notebook ({exc})") from None
    result.metadata = copy.deepcopy(nb.metadata)
    result.metadata.setdefault("kernelspec", KERNELSPEC)
    _drop_dead_widget_views(result)
    return result


def _drop_dead_widget_views(nb: NotebookNode) -> None:
    """Keep only the saved picture of widgets that have one (``k8scourse.widgets.saved``).

    The saved notebook holds no widget state, so a widget view in it could
    only ever show "Error displaying widget"; without it, JupyterLab shows
    the picture and its "Run this cell to interact" line until the cell runs.
    """
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and "image/png" in data:
                del data[WIDGET_VIEW]


def _failed_cell(nb: NotebookNode) -> str:
    """Label the first code cell with an unexpected error output."""
    for index, cell in enumerate(nb.cells):
        if "raises-exception" in cell.metadata.get("tags", []):
            continue
        if any(out.output_type == "error" for out in cell.get("outputs", [])):
            return cell_label(index, cell)
    return "a cell"
