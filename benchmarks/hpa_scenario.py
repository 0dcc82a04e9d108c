"""A 1-hour virtual HPA scenario: how long it takes in wall-clock time (target: under 1 s).

A 3-node cluster, a 2-replica ReplicaSet (200m CPU requested a pod) and an
HPA (1-10 replicas, 50 % CPU); the load follows a one-hour day: a morning
ramp to 1.6 cores, a noon spike, an evening fall. The controller syncs every
15 s (240 syncs), metrics-server scrapes every 15 s, the ReplicaSet
controller, scheduler and kubelets start and stop the pods. Setup (the
cluster and its nodes) is timed apart from the hour.

Run: ``python benchmarks/hpa_scenario.py``.
"""

from __future__ import annotations

import math
import time

from k8scourse.cluster import Cluster
from k8scourse.load import drive

WEB = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        resources: {requests: {cpu: 200m}, limits: {cpu: 500m}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: ReplicaSet, name: web}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
"""


def day(t: float) -> float:
    """Millicores of demand over a one-hour 'day'."""
    base = 800 * (1 - math.cos(2 * math.pi * t / 3600))  # 0 -> 1600m -> 0
    return base + (600 if 1700 <= t < 1900 else 0)


def main() -> None:
    began = time.perf_counter()
    cluster = Cluster.quickstart(nodes=3)
    cluster.apply(WEB)
    setup = time.perf_counter() - began
    began = time.perf_counter()
    samples = drive(cluster, "app=web", day, 3600, hpa="web")
    hour = time.perf_counter() - began
    rescales = sum(e.get("count", 1) for e in cluster.events_for("web") if e["reason"] == "SuccessfulRescale")
    print(f"setup (3 nodes ready):         {setup:.2f} s")
    print(f"1 virtual hour, 15 s syncs:    {hour:.2f} s wall clock (target < 1 s)")
    print(f"samples: {len(samples)}, replicas min/max: {min(s.replicas for s in samples)}/"
          f"{max(s.replicas for s in samples)}, SuccessfulRescale events: {rescales}")


if __name__ == "__main__":
    main()
