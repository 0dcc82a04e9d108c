"""The kubeconfig file that points real kubectl at a served cluster.

A kubeconfig names clusters (where the server is), users (how to
authenticate) and contexts (a cluster, a user and a default namespace), and
picks one as ``current-context`` (``k8s.io/client-go/tools/clientcmd/api/v1/types.go``).
The served cluster listens on loopback over plain HTTP and asks for no
credentials, so its user is empty; with TLS the cluster entry carries the
CA and the user the admin's client certificate and key.
"""

from __future__ import annotations

from pathlib import Path

import yaml

CONTEXT = "k8scourse"


def kubeconfig(url: str, namespace: str = "default", cluster: dict | None = None, user: dict | None = None) -> dict:
    """A kubeconfig for the server at ``url``, with one context, ``k8scourse``, current.
    ``cluster`` and ``user`` add to those entries (TLS: the CA, the client's certificate and key)."""
    return {
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": CONTEXT, "cluster": {"server": url, **(cluster or {})}}],
        "users": [{"name": f"{CONTEXT}-admin", "user": dict(user or {})}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": f"{CONTEXT}-admin",
                                                   "namespace": namespace}}],
        "current-context": CONTEXT,
    }


def write_kubeconfig(path: Path, url: str, cluster: dict | None = None, user: dict | None = None) -> Path:
    """Write the kubeconfig for ``url`` at ``path`` (readable by its owner only, as kubeadm writes admin.conf)."""
    path.write_text(yaml.safe_dump(kubeconfig(url, cluster=cluster, user=user), sort_keys=False))
    path.chmod(0o600)
    return path
