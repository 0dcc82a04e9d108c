"""The node: what runs on every machine that runs pods.

``kubelet`` registers the node, heartbeats and runs the pods bound to it,
each through a ``pod_worker`` (init containers, then app containers, restarts,
status) and its ``prober`` (liveness, readiness and startup probes), on a
``runtime`` (the container runtime: pause sandboxes, containers, pod IPs) that
pulls ``images`` from the cluster's registry. Static pods come from the
kubelet's own manifest directory.
"""
