"""The whole course under `k8scourse run --all` on two workers (targets: under 90 s in all, no notebook over 15 s).

Run: python benchmarks/course_run.py [--jobs N] [--timings FILE]

Every notebook, solution and exercise runs in a fresh kernel, as
`k8scourse run --all -j N` runs them; prints the slowest notebooks, the wall
time and the verdict. --timings writes the figures as `k8scourse run`'s
timings.json, for tools/instructor_guide.py --timings. Nothing in the course
is written.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from k8scourse.course.run import TARGET_SECONDS, notebooks_for, resolve, run, timings

ROOT = Path(__file__).resolve().parent.parent
TARGET_WALL = 90.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timings", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    paths = notebooks_for(ROOT, resolve(ROOT, []), every_folder=True)
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        results = run(ROOT, paths, Path(scratch), {}, args.jobs, progress=False)
        wall = time.perf_counter() - start
    for result in sorted(results, key=lambda r: -r.seconds)[:8]:
        print(f"{result.seconds:6.2f} s  {result.path.relative_to(ROOT)}{'  FAILED' if result.error else ''}")
    slow = [r for r in results if r.seconds > TARGET_SECONDS]
    failed = [r for r in results if r.error]
    print(f"{len(results)} notebooks in {wall:.1f} s on {args.jobs} workers (target < {TARGET_WALL:g} s); "
          f"{sum(r.seconds for r in results):.1f} s of kernel time; slowest {max(r.seconds for r in results):.1f} s, "
          f"{len(slow)} over {TARGET_SECONDS:g} s; {len(failed)} failed")
    if args.timings:
        args.timings.write_text(json.dumps(timings(ROOT, results, wall, args.jobs), indent=1) + "\n")
    return 1 if failed or slow or wall > TARGET_WALL else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
