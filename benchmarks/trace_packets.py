"""Packet traces: 10,000 pod-to-pod packets through a flannel network, under 1 s (issue 10).

The network: 10 hosts with 10 pods each, one per backend (vxlan, udp, host-gw);
each packet goes from a random pod to a random other pod (mostly across hosts).
Run: ``.venv/bin/python benchmarks/trace_packets.py``
"""

from __future__ import annotations

import random
import time

from k8scourse.network.flannel import FlannelNetwork

PACKETS = 10_000
TARGET = 1.0  # seconds


def main() -> None:
    for backend in ("vxlan", "udp", "host-gw"):
        net = FlannelNetwork.lab(nodes=10, backend=backend, pods_per_node=10)
        pods = [(pod, str(ip)) for host in net.hosts.values() for pod, ip in host.pods.items()]
        rng = random.Random(0)
        pairs = [(rng.choice(pods)[0], rng.choice(pods)[1]) for _ in range(PACKETS)]
        start = time.perf_counter()
        delivered = sum(net.trace(src, dst).delivered for src, dst in pairs)
        took = time.perf_counter() - start
        verdict = "ok" if took < TARGET else "SLOW"
        print(f"{backend:8} {PACKETS} traces in {took:.3f} s ({took / PACKETS * 1e6:.0f} µs each), "
              f"{delivered} delivered; target < {TARGET:g} s: {verdict}")


if __name__ == "__main__":
    main()
