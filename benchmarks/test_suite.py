"""How long the whole test suite takes (target: under 3 minutes here, the one-time install aside).

Run: python benchmarks/test_suite.py [PYTEST ARGS ...]   (from the repository root)

Runs ``python -m pytest`` as ``make test`` does and prints its wall time
against the target, the CPU time it used with all its children (kernels,
JupyterLab, Chromium: on a busy machine this is the steadier figure), and
the files that took longest (from ``--durations``).
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

TARGET_SECONDS = 180.0
ROOT = Path(__file__).resolve().parent.parent
DURATION = re.compile(r"^(\d+\.\d+)s (?:call|setup|teardown)\s+(\S+?)(?:::|$)")


def main(args: list[str]) -> int:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "--durations=0", *args], cwd=ROOT,
                            capture_output=True, text=True)
    wall = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    per_file: dict[str, float] = defaultdict(float)
    for line in result.stdout.splitlines():
        match = DURATION.match(line)
        if match:
            per_file[match[2]] += float(match[1])
    for name, seconds in sorted(per_file.items(), key=lambda item: -item[1])[:12]:
        print(f"{seconds:7.1f} s  {name}")
    for line in result.stdout.splitlines():
        if line.startswith(("FAILED", "ERROR")):
            print(line)
    print(result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "(no pytest output)")
    print(f"whole suite: {wall:.0f} s wall (target < {TARGET_SECONDS:.0f} s), "
          f"{children.ru_utime + children.ru_stime:.0f} s CPU with its children")
    return 1 if result.returncode or wall >= TARGET_SECONDS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
