"""Services at scale: endpoint controllers and kube-proxy on every node, and requests through the rules.

Figures (no targets in issue 8; these keep the chapter's scale comfortable):
1. the rollout of ``deployment_rollout.py`` (100 replicas, 50 nodes, 10 virtual minutes) with a
   Service in front of it, so every Pod change goes through both endpoint controllers and 50
   kube-proxies;
2. 20,000 ``cluster.request`` calls through a 100-endpoint chain.
Run: ``.venv/bin/python benchmarks/services.py``
"""

from __future__ import annotations

import time
from collections import Counter

from deployment_rollout import MANIFEST as DEPLOYMENT  # benchmarks/ is on the path when run as a script

from k8scourse.cluster import Cluster

# The rollout benchmark's Deployment, with a Service in front of it.
MANIFEST = DEPLOYMENT + """---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""
VIRTUAL_SECONDS = 600
REQUESTS = 20_000


def main() -> None:
    cluster = Cluster.quickstart(nodes=50, seed=0)
    cluster.apply(MANIFEST)
    cluster.run(120)  # the first rollout, not timed
    cluster.kubectl("set image deployment/web web=nginx:1.28")
    start = time.perf_counter()
    cluster.run(VIRTUAL_SECONDS)
    took = time.perf_counter() - start
    syncs = sum(proxy.syncs for proxy in cluster.kube_proxies.values())
    endpoints = cluster.iptables("node-1").count("default/web -> ")
    print(f"rollout of 100 replicas on 50 nodes behind a Service: {VIRTUAL_SECONDS} virtual s in {took:.2f} s "
          f"({syncs} kube-proxy syncs in all; node-1's chain has {endpoints} endpoints)")
    node = "node-1"
    start = time.perf_counter()
    answers = Counter(cluster.request(node, f"{cluster.api.get('services', 'web')['spec']['clusterIP']}:80").pod
                      for _ in range(REQUESTS))
    took = time.perf_counter() - start
    print(f"{REQUESTS} requests through a {endpoints}-endpoint chain in {took:.2f} s "
          f"({REQUESTS / took:,.0f}/s); answers per pod from {min(answers.values())} to {max(answers.values())}")


if __name__ == "__main__":
    main()
