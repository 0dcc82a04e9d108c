"""How long each chapter notebook takes to execute top to bottom (target: under 15 s each).

Run: python benchmarks/notebook_times.py [NOTEBOOK ...]   (default: every notebook of the course)

Each notebook runs in a fresh kernel, as nbval and a learner's "Restart and
run all" do; the figure includes the kernel's start-up. Nothing is written.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from k8scourse.course.notebooks import execute_notebook, read_notebook

TARGET_SECONDS = 15.0
ROOT = Path(__file__).resolve().parent.parent


def main(paths: list[str]) -> int:
    notebooks = [Path(p) for p in paths] or sorted(
        p for folder in ("notebooks", "solutions", "exercises") for p in (ROOT / folder).glob("*.ipynb"))
    slow = 0
    for path in notebooks:
        start = time.perf_counter()
        execute_notebook(read_notebook(path), path.parent, str(path))
        seconds = time.perf_counter() - start
        slow += seconds >= TARGET_SECONDS
        print(f"{seconds:6.2f} s  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"{len(notebooks) - slow}/{len(notebooks)} notebooks under the {TARGET_SECONDS:g} s target")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
