"""Packet traces: 10,000 pod-to-pod packets through a flannel network, under 1 s (issue 10).

The network: 10 hosts with 10 pods each, one per backend (vxlan, udp, host-gw);
each packet goes from a random pod to a random other pod (mostly across hosts).
Then the same through ``cluster.trace`` on a cluster booted from its files
(etcd on three machines, ten nodes, vxlan written with ``etcdctl mk`` by
``from_spec``, 100 pods of a Deployment), each packet to a random pod's
address or, one in ten, to the Service in front of them (kube-proxy's DNAT).
Run: ``.venv/bin/python benchmarks/trace_packets.py``
"""

from __future__ import annotations

import random
import time

from k8scourse.cluster import Cluster
from k8scourse.config import ClusterSpec, Machine
from k8scourse.network.flannel import FlannelNetwork

PACKETS = 10_000
TARGET = 1.0  # seconds
NODES = 10
WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 100
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


def report(name: str, took: float, delivered: int) -> None:
    verdict = "ok" if took < TARGET else "SLOW"
    print(f"{name:8} {PACKETS} traces in {took:.3f} s ({took / PACKETS * 1e6:.0f} µs each), "
          f"{delivered} delivered; target < {TARGET:g} s: {verdict}")


def booted_cluster() -> Cluster:
    """A master and ten nodes booted from their files, etcd on the first three machines, 100 pods."""
    machines = [Machine("master", "127.0.0.11", ("master", "etcd"), "etcd1")]
    machines += [Machine(f"node{i}", f"127.0.0.{11 + i}", ("node", "etcd") if i < 3 else ("node",),
                         f"etcd{i + 1}" if i < 3 else None) for i in range(1, NODES + 1)]
    spec = ClusterSpec(machines=machines)
    tree = spec.render_all()
    for member in spec.etcd_members:
        tree[member]["/etc/etcd/etcd.conf"] += 'ETCD_ENABLE_V2="true"\n'  # flannel 0.7 reads etcd's v2 keys
    cluster = Cluster.from_spec(spec, files=tree)
    cluster.apply(WEB)
    cluster.run(60)
    return cluster


def main() -> None:
    for backend in ("vxlan", "udp", "host-gw"):
        net = FlannelNetwork.lab(nodes=10, backend=backend, pods_per_node=10)
        pods = [(pod, str(ip)) for host in net.hosts.values() for pod, ip in host.pods.items()]
        rng = random.Random(0)
        pairs = [(rng.choice(pods)[0], rng.choice(pods)[1]) for _ in range(PACKETS)]
        start = time.perf_counter()
        delivered = sum(net.trace(src, dst).delivered for src, dst in pairs)
        report(backend, time.perf_counter() - start, delivered)
    cluster = booted_cluster()
    pods = [(f"default/{p['metadata']['name']}", p["status"]["podIP"]) for p in cluster.api.list("pods", "default")
            if p["status"].get("phase") == "Running"]
    rng = random.Random(0)
    pairs = [(rng.choice(pods)[0], "web:80" if rng.random() < 0.1 else rng.choice(pods)[1]) for _ in range(PACKETS)]
    start = time.perf_counter()
    delivered = sum(cluster.trace(src, dst).delivered for src, dst in pairs)
    report(f"booted ({len(pods)} pods on {NODES} nodes)", time.perf_counter() - start, delivered)


if __name__ == "__main__":
    main()
