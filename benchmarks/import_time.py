"""How long does ``import k8scourse`` take in a fresh interpreter?

Every notebook starts with it, so it should feel instant: the target is
0.3 s. Each run is a new ``python -c "import k8scourse"`` process, the way a
kernel imports it; the median of several runs is printed beside the bare
interpreter start-up, so the package's own share is visible. Exits 1 when
the median misses the target.

    .venv/bin/python benchmarks/import_time.py [--runs 15] [--target 0.3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def median_seconds(code: str, runs: int) -> float:
    """Median wall time of ``runs`` fresh interpreters running ``code``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="interpreters to start (default 15)")
    parser.add_argument("--target", type=float, default=0.3, help="seconds (default 0.3)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    baseline = median_seconds("pass", args.runs)
    total = median_seconds("import k8scourse", args.runs)
    verdict = "OK" if total <= args.target else "TOO SLOW"
    print(f"import k8scourse: {total:.3f} s, median of {args.runs} runs (target {args.target:.3f} s): {verdict}")
    print(f"  of which interpreter start-up: {baseline:.3f} s, k8scourse itself: {total - baseline:.3f} s")
    return 0 if total <= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
