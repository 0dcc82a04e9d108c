"""Peak memory of one learner's kernel doing the whole course (sizes deploy/values.yaml).

Run: python benchmarks/kernel_memory.py [NOTEBOOK ...]   (default: every notebook, solution and exercise)

Every notebook runs top to bottom in ONE kernel, one after the other, each
in its own folder, as if a learner never restarted: whatever one chapter
leaves behind is still there for the next. After each notebook the kernel
reports its resident memory (VmRSS) and its peak so far (VmHWM, from
/proc/self/status; Linux only). The last line is the figure JupyterHub's
memory guarantee is sized from (see deploy/README.md).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from k8scourse.course.notebooks import CELL_TIMEOUT, CurrentEnvKernelManager, read_notebook

ROOT = Path(__file__).resolve().parent.parent
REPORT = """\
import json as _json
_status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(_json.dumps({key: int(_status[key].split()[0]) for key in ("VmRSS", "VmHWM")}))
"""


def run_in(km, path: Path) -> dict[str, int]:
    """Execute ``path`` in the running kernel of ``km`` (from its folder); return the kernel's memory in KiB."""
    nb = read_notebook(path)
    nb.cells.insert(0, nbformat.v4.new_code_cell(f"import os\nos.chdir({str(path.parent)!r})"))
    nb.cells.append(nbformat.v4.new_code_cell(REPORT))
    NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, record_timing=False).execute()
    return json.loads(nb.cells[-1].outputs[0]["text"])


def main(paths: list[str]) -> int:
    notebooks = [Path(p).resolve() for p in paths] or sorted(
        p for folder in ("notebooks", "solutions", "exercises") for p in (ROOT / folder).glob("*.ipynb"))
    km = CurrentEnvKernelManager()
    km.start_kernel(extra_arguments=["--log-level=ERROR"])
    start = time.perf_counter()
    try:
        for path in notebooks:
            memory = run_in(km, path)
            print(f"{memory['VmRSS'] / 1024:7.0f} MiB now, {memory['VmHWM'] / 1024:7.0f} MiB peak  "
                  f"after {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", flush=True)
    finally:
        km.shutdown_kernel(now=True)
    print(f"peak RSS of one kernel running {len(notebooks)} notebooks: {memory['VmHWM'] / 1024:.0f} MiB "
          f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
