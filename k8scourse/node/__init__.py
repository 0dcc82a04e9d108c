"""The node: what runs on every machine that runs pods.

``kubelet`` registers the node, heartbeats and runs the pods bound to it
through a ``runtime`` (the container runtime: pause sandboxes, containers,
images, pod IPs). Static pods come from the kubelet's own manifest directory.
"""
