"""How fast the scheduler places pods, and how much memory it takes.

Targets on a 2-core machine: 150,000 pods onto 5,000 nodes in under 60 s
(peak memory under 4 GiB), and 3,000 pods onto 100 nodes in under 2 s.

Run: python benchmarks/scheduler_scale.py [--scenario small|large|both] [--api real|lean]

``--api real`` (default) runs the whole path through the course's APIServer
and etcd model: the scheduler's watches, every binding and every event are
real writes. The target is checked on the scheduling phase, from the
scheduler's start to the last binding; creating the nodes and pods
beforehand (setup) is printed separately. ``--api lean`` measures the
scheduler alone against a minimal apiserver stand-in.

The workload is Deployment-like: ReplicaSets of 100 replicas each with
requests of 50m-500m CPU and 64-512 MiB, on nodes of 32 CPU, 128 GiB and
110 pods spread over three zones, so every default plugin has work to do
(spreading counts the ReplicaSet's pods per node and per zone).

For comparison, kube-scheduler's own performance CI requires at least
270 pods/s for SchedulingBasic with 5,000 nodes and 10,000 pods, and 85
pods/s when pods carry topology spread constraints over zones
(``test/integration/scheduler_perf/misc/performance-config.yaml``,
``threshold``); its client is also capped at 50 requests/s by default
(``clientConnection.qps``, ``pkg/scheduler/apis/config/v1/defaults.go``),
so a stock kube-scheduler binds at most about 50 pods/s.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import time
from collections import defaultdict
from typing import Any, Callable, Mapping

from k8scourse.api.errors import StatusError
from k8scourse.clock import VirtualClock
from k8scourse.master.scheduler import Scheduler

SCENARIOS = {"small": (100, 3_000, 2.0), "large": (5_000, 150_000, 60.0)}  # nodes, pods, target seconds
REPLICAS = 100
ZONES = ("zone-a", "zone-b", "zone-c")
SIZES = (("50m", "64Mi"), ("100m", "128Mi"), ("250m", "256Mi"), ("500m", "512Mi"))
RESOURCES = {"Node": "nodes", "ReplicaSet": "replicasets", "Pod": "pods"}
Handler = Callable[[str, Mapping[str, Any]], None]


class _Watch:
    def __init__(self) -> None:
        self.active = True

    def cancel(self) -> None:
        self.active = False


class LeanAPI:
    """Just enough apiserver for the scheduler: objects, watches on the clock, binding, events."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.objects: dict[str, dict[tuple[str, str], dict]] = defaultdict(dict)
        self.watchers: dict[str, list[tuple[_Watch, Handler]]] = defaultdict(list)
        self.events = 0

    def create(self, obj: dict) -> None:
        resource, meta = RESOURCES[obj["kind"]], obj["metadata"]
        self.objects[resource][(meta.get("namespace", ""), meta["name"])] = obj
        self._notify(resource, "ADDED", obj)

    def _notify(self, resource: str, event_type: str, obj: dict) -> None:
        for watch, handler in self.watchers[resource]:
            self.clock.schedule(0, self._deliver, watch, handler, event_type, obj)

    @staticmethod
    def _deliver(watch: _Watch, handler: Handler, event_type: str, obj: dict) -> None:
        if watch.active:
            handler(event_type, obj)

    def list_and_watch(self, resource: str, handler: Handler, **_: Any) -> _Watch:
        watch = _Watch()
        self.watchers[resource].append((watch, handler))
        for obj in self.objects[resource].values():
            self.clock.schedule(0, self._deliver, watch, handler, "ADDED", obj)
        return watch

    def bind(self, namespace: str, pod_name: str, node_name: str) -> None:
        pods = self.objects["pods"]
        pod = pods[(namespace, pod_name)]
        if pod["spec"].get("nodeName"):
            raise StatusError(409, "Conflict", f"pod {pod_name} is already assigned")
        pod = pods[(namespace, pod_name)] = {**pod, "spec": {**pod["spec"], "nodeName": node_name}}
        self._notify("pods", "MODIFIED", pod)

    def record_event(self, obj: Mapping[str, Any], type: str, reason: str, message: str, source: str) -> None:
        self.events += 1

    def update_status(self, obj: Mapping[str, Any]) -> None:
        self._notify("pods", "MODIFIED", dict(obj))


def node(i: int) -> dict:
    name = f"node-{i}"
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                                  "topology.kubernetes.io/zone": ZONES[i % len(ZONES)]}},
            "spec": {},
            "status": {"capacity": {"cpu": "32", "memory": "128Gi", "pods": "110"},
                       "allocatable": {"cpu": "32", "memory": "128Gi", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def replica_set(i: int) -> dict:
    labels = {"app": f"app-{i}", "pod-template-hash": f"{i:010x}"}
    cpu, memory = SIZES[i % len(SIZES)]
    container = {"name": "app", "image": "registry.k8s.io/pause:3.10",
                 "resources": {"requests": {"cpu": cpu, "memory": memory}}}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": f"app-{i}-{i:010x}", "namespace": "default", "labels": labels},
            "spec": {"replicas": REPLICAS, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}}


def pod(rs: dict, j: int) -> dict:
    """Replica ``j`` of a ReplicaSet, as its controller would create it (with the default tolerations)."""
    template = rs["spec"]["template"]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"{rs['metadata']['name']}-{j:05d}", "namespace": "default",
                         "labels": dict(template["metadata"]["labels"]),
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                              "name": rs["metadata"]["name"], "uid": f"uid-{rs['metadata']['name']}",
                                              "controller": True}]},
            "spec": {"schedulerName": "default-scheduler",
                     "containers": [dict(c) for c in template["spec"]["containers"]],
                     "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                      "effect": "NoExecute", "tolerationSeconds": 300},
                                     {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                      "effect": "NoExecute", "tolerationSeconds": 300}]}}


def make_api(kind: str, clock: VirtualClock, rng: random.Random) -> Any:
    if kind == "lean":
        return LeanAPI(clock)
    from k8scourse.etcd.store import Store
    from k8scourse.master.apiserver import APIServer

    api = APIServer(Store(clock), clock, rng)
    api.bootstrap()
    return api


def run(nodes: int, pods: int, api_kind: str, seed: int = 1) -> dict[str, float]:
    """Create the cluster, schedule every pod, and return the timings."""
    t0 = time.perf_counter()
    clock, rng = VirtualClock(), random.Random(seed)
    api = make_api(api_kind, clock, rng)
    for i in range(nodes):
        api.create(node(i))
    replica_sets = [replica_set(i) for i in range(pods // REPLICAS)]
    for i, rs in enumerate(replica_sets):
        api.create(rs)
        for j in range(REPLICAS):
            api.create(pod(rs, j))
    clock.run_until_idle()  # deliver what the apiserver queued before the scheduler starts
    t1 = time.perf_counter()
    scheduler = Scheduler(api, clock, rng)
    scheduler.start()
    clock.run_until_idle()
    t2 = time.perf_counter()
    bound = sum(len(info.pods) for info in scheduler.cache.nodes.values())
    busiest = max(len(info.pods) for info in scheduler.cache.nodes.values())
    return {"setup": t1 - t0, "schedule": t2 - t1, "total": t2 - t0, "bound": bound, "busiest": busiest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=("small", "large", "both"), default="both")
    parser.add_argument("--api", choices=("real", "lean"), default="real")
    args = parser.parse_args()
    ok = True
    for name in ("small", "large") if args.scenario == "both" else (args.scenario,):
        nodes, pods, target = SCENARIOS[name]
        gc.collect()
        r = run(nodes, pods, args.api)
        rate = r["bound"] / r["schedule"]
        print(f"{name}: {int(r['bound']):,}/{pods:,} pods on {nodes:,} nodes ({args.api} apiserver): "
              f"scheduling {r['schedule']:.2f} s = {rate:,.0f} pods/s (target < {target:g} s); "
              f"setup {r['setup']:.2f} s, total {r['total']:.2f} s; busiest node {int(r['busiest'])} pods")
        ok &= r["bound"] == pods and r["schedule"] < target
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    print(f"peak memory (max RSS): {peak:.2f} GiB (target < 4 GiB)")
    print("kube-scheduler CI floor: 270 pods/s (5,000 nodes, SchedulingBasic); "
          "85 pods/s with zone spreading constraints; ~50 pods/s at its default client QPS")
    sys.exit(0 if ok and peak < 4 else 1)


if __name__ == "__main__":
    main()
