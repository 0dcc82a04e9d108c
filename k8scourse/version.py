"""The Kubernetes release the course models, so every component reports the same one.

Texts and numbers that changed between releases (event wording, defaults,
feature gates) follow this release. At v1.31.0 the kubelet says "Created
container web" (a 2025 fix, backported to later patch releases, made it
"Created container: web", and v1.35 drops the name), and kubeadm runs the
pause image ``registry.k8s.io/pause:3.10``.
"""

KUBERNETES_VERSION = "v1.31.0"
