"""A rolling update of a 100-replica Deployment on 50 nodes: 10 virtual minutes, timed on the wall clock.

Target: under 1 s for the 10 virtual minutes after the image changes
(the Deployment, ReplicaSet and scheduler loops, 50 kubelets, the apiserver and etcd).
Run: ``.venv/bin/python benchmarks/deployment_rollout.py``
"""

from __future__ import annotations

import time

from k8scourse.cluster import Cluster

MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 100
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27", resources: {requests: {cpu: 10m}}}]}
"""
TARGET_SECONDS = 1.0
VIRTUAL_SECONDS = 600


def main() -> None:
    cluster = Cluster.quickstart(nodes=50, seed=0)
    cluster.apply(MANIFEST)
    cluster.run(120)  # the first rollout, not timed
    ready = cluster.api.get("deployments", "web")["status"].get("availableReplicas", 0)
    cluster.kubectl("set image deployment/web web=nginx:1.28")
    start = time.perf_counter()
    cluster.run(VIRTUAL_SECONDS)
    took = time.perf_counter() - start
    status = cluster.api.get("deployments", "web")["status"]
    done = status["updatedReplicas"] == status["availableReplicas"] == status["replicas"] == 100
    print(f"100 replicas on 50 nodes ({ready} available before): {VIRTUAL_SECONDS} virtual s of rollout "
          f"in {took:.2f} s wall (target < {TARGET_SECONDS:g} s); rolled out: {done}")


if __name__ == "__main__":
    main()
