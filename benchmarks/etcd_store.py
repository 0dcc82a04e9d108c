"""Throughput of the etcd model on the apiserver's load: 150,000 pods, each written
a few times, with a watch per resource as kube-apiserver's watch cache keeps.

Prints operations per second for put, compare-and-swap (how the apiserver
writes), get, a full prefix range, a range at an old revision, and how long
a compaction takes. Run: ``python benchmarks/etcd_store.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from k8scourse.clock import VirtualClock
from k8scourse.etcd.store import Event, Store

PODS = 150_000
POD_JSON = '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"%s","namespace":"default"},"spec":{}}'
RESOURCES = ["pods", "nodes", "services", "endpoints", "replicasets", "deployments", "events", "leases"]


def timed(label: str, count: int, work: Callable[[], object]) -> None:
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    print(f"{label:>34}: {count:>9,} in {seconds:6.2f}s = {count / seconds:>10,.0f}/s")


def main() -> None:
    clock = VirtualClock()
    store = Store(clock)
    delivered = [0]

    def count(event: Event) -> None:
        delivered[0] += 1

    for resource in RESOURCES:
        store.watch(f"/registry/{resource}/", count)
    keys = [f"/registry/pods/default/web-{i:06d}" for i in range(PODS)]
    values = [POD_JSON % key.rsplit("/", 1)[1] for key in keys]

    def create() -> None:
        for key, value in zip(keys, values):
            store.put(key, value)

    def update() -> None:
        for key, value in zip(keys, values):
            kv = store.get(key)
            store.compare_and_swap(key, kv.mod_revision, value)  # type: ignore[union-attr]

    def read() -> None:
        for key in keys:
            store.get(key)

    timed("put (create)", PODS, create)
    timed("get + compare_and_swap (update)", PODS, update)
    timed("get", PODS, read)
    timed("watch delivery", 2 * PODS, lambda: clock.run(0))
    assert delivered[0] == 2 * PODS
    timed("range /registry/pods/ (keys)", PODS, lambda: store.range("/registry/pods/"))
    timed(
        "range at a revision 1000 ago (keys)",
        PODS,
        lambda: store.range("/registry/pods/", revision=store.revision - 1000),
    )
    timed("compact (events dropped)", 2 * PODS - 1000, lambda: store.compact(store.revision - 1000))


if __name__ == "__main__":
    main()
