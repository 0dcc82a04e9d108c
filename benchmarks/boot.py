"""Boot a 50-node cluster from its files and run it to steady state (target: under 2 s).

The spec is the notes' design, corrected: a master, 50 nodes (the first two also
etcd members), Kubernetes v1.31 and etcd 3.3 (which serves flannel's v2 keys by
default). ``Cluster.from_spec`` renders every machine's files, boots them, starts
etcd, writes flannel's config with ``etcdctl mk`` and starts each machine's units;
steady state is every node Ready with a flannel lease and docker on it.

    .venv/bin/python benchmarks/boot.py
"""

from __future__ import annotations

import time

from k8scourse.cluster import Cluster
from k8scourse.config.spec import ClusterSpec, Machine

NODES = 50
TARGET = 2.0


def spec(nodes: int = NODES) -> ClusterSpec:
    machines = [Machine("master", "10.0.0.10", ("master", "etcd"), "etcd1")]
    machines += [Machine(f"node{i}", f"10.0.{1 + i // 200}.{10 + i % 200}",
                         ("node", "etcd") if i <= 2 else ("node",), f"etcd{i + 1}" if i <= 2 else None)
                 for i in range(1, nodes + 1)]
    return ClusterSpec(machines=machines, etcd_version="3.3.11", flannel_backend="vxlan")


def main() -> None:
    the_spec = spec()
    start = time.perf_counter()
    cluster = Cluster.from_spec(the_spec)
    ready = cluster.kubectl("get nodes").count(" Ready ")
    daemons = [d.daemon for d in cluster.boot.flannel.values() if d.daemon is not None]
    leases = sum(1 for d in daemons if d.lease is not None and len(d.peers) == NODES - 1)  # routes to every other
    elapsed = time.perf_counter() - start
    print(f"booted {NODES} nodes from files: {ready} Ready, {leases} flannel leases, t={cluster.now:g}s virtual, "
          f"{elapsed:.2f} s (target < {TARGET:g} s)")
    if ready != NODES or leases != NODES:
        raise SystemExit("not at steady state")


if __name__ == "__main__":
    main()
