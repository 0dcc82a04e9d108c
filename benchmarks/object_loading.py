"""How fast Pod.from_manifest decodes, defaults and validates a controller-made pod.

The cluster benchmark creates 150,000 pods; each goes through from_manifest as
the apiserver would put it through decoding, defaulting and validation.

Run: python benchmarks/object_loading.py
"""

from __future__ import annotations

import random
import time

from k8scourse.api.meta import generate_name
from k8scourse.api.pod import Pod

N_PODS = 150_000


def make_pods(n: int, seed: int = 0) -> list[dict]:
    """Pods as a ReplicaSet controller creates them: one template, generated names."""
    rng = random.Random(seed)
    return [{
        "metadata": {
            "name": generate_name("web-7d4b9c6f5-", rng),
            "labels": {"app": "web", "pod-template-hash": "7d4b9c6f5"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c6f5",
                                 "uid": "0b6e4c1a", "controller": True, "blockOwnerDeletion": True}],
        },
        "spec": {"containers": [{"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}],
                                 "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]},
    } for _ in range(n)]


def main() -> None:
    pods = make_pods(N_PODS)
    start = time.process_time()
    for manifest in pods:
        Pod.from_manifest(manifest)
    elapsed = time.process_time() - start
    print(f"{N_PODS} pods in {elapsed:.2f}s CPU: {elapsed / N_PODS * 1e6:.1f} us per pod")


if __name__ == "__main__":
    main()
