"""How long ``lint`` takes on a 100-machine cluster (target: under 1 s).

The spec is ``ClusterSpec.loopback_lab`` grown to 100 machines, every one an
etcd member and 99 of them nodes: 100 etcd.conf files checked with etcd's
start-up rules, the cross-member agreement checks, and every kubelet's,
kube-proxy's and flanneld's references to the apiserver and etcd resolved
against what the machines serve. Rendering the files is timed apart.
Each step runs three times and the best run is reported, since a shared
machine's noise only ever slows a run down.

Run: ``python benchmarks/lint_scale.py [MACHINES]``.
"""

from __future__ import annotations

import sys
import time

from k8scourse.config import ClusterSpec, lint


def best_of(runs: int, step) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = step()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(machines: int = 100) -> None:
    spec = ClusterSpec.loopback_lab(members=machines)
    render_s, tree = best_of(3, spec.render_all)
    files = sum(len(f) for f in tree.values())
    lint_s, findings = best_of(3, lambda: lint(tree))
    print(f"{machines} machines, {files} files: render_all {render_s:.3f} s, lint {lint_s:.3f} s "
          f"({len(findings)} findings); target lint < 1 s: {'ok' if lint_s < 1 else 'MISSED'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
