"""The Kubernetes release the course models, so every component reports the same one.

Texts and numbers that changed between releases (event wording, defaults,
feature gates) follow this release. v1.31 is the last release before the
kubelet's container event wording changed ("Created container: web" came with
a 2025 fix, and v1.35 drops the name), and the first whose kubeadm pins the
pause image ``registry.k8s.io/pause:3.10``.
"""

KUBERNETES_VERSION = "v1.31.0"
