"""How fast the ReplicaSet controller brings 1,000 ReplicaSets (100,000 pods) on 2,000 nodes to steady state.

Target on a 2-core machine: under 60 s from creating the ReplicaSets until
every pod is Running and every ReplicaSet's ``status.readyReplicas`` equals
its ``replicas``, with peak memory under 4 GiB.

Run: python benchmarks/replicasets.py [--replica-sets 1000] [--replicas 100] [--nodes 2000]

The control plane is the real one: ``Cluster``'s kube-apiserver and etcd
model, the scheduler, the ReplicaSet controller (and the other controllers
Cluster starts). The nodes are *hollow*, as in Kubernetes' own scalability
tests (kubemark's hollow nodes): each registers a Ready Node, renews its
Lease every 10 s, and answers each pod bound to it with one status write
(Running and Ready, as a kubelet would once the containers started), so
the figures measure the control plane rather than 100,000 simulated
container starts. ``--real-kubelets`` uses the course's full kubelets instead
(for smaller runs: a real kubelet pulls images and starts each container).

The machine is shared, so the script also prints the CPU time the run
took, which other processes do not inflate.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from typing import Any

from k8scourse.cluster import Cluster
from k8scourse.master.controllers.replicaset import ReplicaSetController
from k8scourse.node.node_lease import NodeLease
from k8scourse.timefmt import rfc3339

TARGET_SECONDS, TARGET_GIB = 60.0, 4.0
NODE_LEASE_DURATION = 40  # the kubelet's nodeLeaseDurationSeconds


class HollowNode:
    """A node without containers: registers itself and marks each pod bound to it Running and Ready."""

    def __init__(self, cluster: Cluster, name: str, ip: str) -> None:
        self.cluster, self.api, self.name, self.ip = cluster, cluster.api, name, ip
        self.lease = NodeLease(cluster.api, cluster.clock, name, NODE_LEASE_DURATION)
        self.next_ip = 2

    def start(self) -> None:
        now = rfc3339(self.cluster.now)
        resources = {"cpu": "32", "memory": "128Gi", "pods": "110"}
        self.api.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": self.name},
                         "status": {"capacity": resources, "allocatable": resources, "conditions": [
                             {"type": "Ready", "status": "True", "reason": "KubeletReady",
                              "message": "kubelet is posting ready status",
                              "lastHeartbeatTime": now, "lastTransitionTime": now}],
                             "addresses": [{"type": "InternalIP", "address": self.ip}]}})
        self.lease.start()
        self.api.list_and_watch("pods", self._on_pod, field_selector=f"spec.nodeName={self.name}")

    def _on_pod(self, event_type: str, pod: dict) -> None:
        meta = pod["metadata"]
        if event_type == "DELETED":
            return
        if meta.get("deletionTimestamp"):
            self.api.delete("pods", meta["name"], meta["namespace"], grace_period_seconds=0)
            return
        status = pod.get("status") or {}
        if status.get("phase") == "Running":
            return
        now = rfc3339(self.cluster.now)
        ip = f"10.{self.ip.split('.')[-1]}.{self.next_ip // 250}.{self.next_ip % 250 + 1}"
        self.next_ip += 1
        conditions = [{"type": kind, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
                      for kind in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")]
        conditions += [c for c in status.get("conditions") or () if c["type"] == "PodScheduled"]
        containers = [{"name": c["name"], "image": c["image"], "ready": True, "restartCount": 0, "started": True,
                       "state": {"running": {"startedAt": now}}} for c in pod["spec"]["containers"]]
        self.api.update_status({**pod, "status": {**status, "phase": "Running", "conditions": conditions,
                                                  "hostIP": self.ip, "podIP": ip, "startTime": now,
                                                  "containerStatuses": containers}})


def replica_set(i: int, replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": f"rs-{i}"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": f"rs-{i}"}},
                     "template": {"metadata": {"labels": {"app": f"rs-{i}"}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "resources": {
                                      "requests": {"cpu": "100m", "memory": "128Mi"}}}]}}}}


def run(replica_sets: int, replicas: int, nodes: int, real_kubelets: bool) -> dict[str, Any]:
    cluster = Cluster(seed=0)
    for i in range(nodes):
        if real_kubelets:
            cluster.add_node(cpu="32", memory="128Gi")
        else:
            HollowNode(cluster, f"node-{i + 1}", f"192.168.{(i + 1) // 250}.{(i + 1) % 250 + 1}").start()
    cluster.run(10)  # registration; the node lifecycle controller lifts the not-ready taints
    controller = next(c for c in cluster.controllers
                      if isinstance(c, ReplicaSetController) and c.kind.kind == "ReplicaSet")
    gc.collect()
    gc.freeze()  # as the scheduler benchmark: the collector need not walk the setup again
    start, cpu_start, virtual_start = time.perf_counter(), time.process_time(), cluster.now
    for i in range(replica_sets):
        cluster.api.create(replica_set(i, replicas))

    def steady() -> bool:
        owners = controller.owners.list()
        return len(owners) == replica_sets and all((o.get("status") or {}).get("readyReplicas") == replicas
                                                   for o in owners)

    while not steady():
        cluster.run(1)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    running = sum(1 for p in cluster.informers.informer("pods").list() if p["status"].get("phase") == "Running")
    return {"seconds": elapsed, "cpu": cpu, "virtual": cluster.now - virtual_start, "running": running,
            "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replica-sets", type=int, default=1000)
    parser.add_argument("--replicas", type=int, default=100)
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--real-kubelets", action="store_true")
    args = parser.parse_args()
    result = run(args.replica_sets, args.replicas, args.nodes, args.real_kubelets)
    pods = args.replica_sets * args.replicas
    print(f"{args.replica_sets:,} ReplicaSets, {pods:,} pods on {args.nodes:,} "
          f"{'real' if args.real_kubelets else 'hollow'} nodes: steady state in {result['seconds']:.1f} s "
          f"(target < {TARGET_SECONDS:.0f} s; {result['cpu']:.1f} s of CPU time, {result['virtual']:.0f} s virtual), "
          f"{result['running']:,} pods Running")
    print(f"peak memory {result['peak_gib']:.2f} GiB (target < {TARGET_GIB:.0f} GiB)")
    ok = result["seconds"] < TARGET_SECONDS and result["peak_gib"] < TARGET_GIB and result["running"] == pods
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
