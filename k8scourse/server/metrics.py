"""``metrics.k8s.io/v1beta1`` over HTTP: what ``kubectl top`` reads.

In a real cluster metrics-server registers itself with the apiserver's
aggregation layer (the ``v1beta1.metrics.k8s.io`` APIService), and the apiserver
proxies that group to it. The course's apiserver keeps the same registry
(``APIServer.aggregated``); here its group appears in discovery and its two
read-only resources, ``nodes`` (NodeMetrics) and ``pods`` (PodMetrics), are
answered from the cluster's ``MetricsServer``
(``kubernetes-sigs/metrics-server/pkg/api``).
"""

from __future__ import annotations

from typing import Any

from k8scourse.api.selectors import parse_selector

from .handlers import Response
from .status import HTTPError, not_found_path

GROUP, VERSION = "metrics.k8s.io", "v1beta1"
GROUP_VERSION = f"{GROUP}/{VERSION}"
PATH = f"/apis/{GROUP_VERSION}"
VERBS = ["get", "list"]
#: (resource, kind, namespaced)
RESOURCES = (("nodes", "NodeMetrics", False), ("pods", "PodMetrics", True))


def api_group() -> dict[str, Any]:
    """The group's entry in ``/apis`` (APIGroup)."""
    version = {"groupVersion": GROUP_VERSION, "version": VERSION}
    return {"name": GROUP, "versions": [version], "preferredVersion": version}


def resource_list() -> dict[str, Any]:
    """``/apis/metrics.k8s.io/v1beta1``: an APIResourceList."""
    resources = [{"name": name, "singularName": "", "namespaced": namespaced, "kind": kind, "verbs": VERBS}
                 for name, kind, namespaced in RESOURCES]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": GROUP_VERSION, "resources": resources}


def aggregated_group() -> dict[str, Any]:
    """The group in aggregated discovery (apidiscovery.k8s.io/v2)."""
    resources = [{"resource": name, "responseKind": {"group": GROUP, "version": VERSION, "kind": kind},
                  "scope": "Namespaced" if namespaced else "Cluster", "singularResource": "", "verbs": VERBS}
                 for name, kind, namespaced in RESOURCES]
    return {"metadata": {"name": GROUP, "creationTimestamp": None},
            "versions": [{"version": VERSION, "freshness": "Current", "resources": resources}]}


def handle(server: Any, path: str, query: dict[str, str]) -> Response:
    """GET ``/apis/metrics.k8s.io/v1beta1/{nodes|pods|namespaces/NS/pods}[/NAME]`` from ``server``."""
    parts = [p for p in path[len(PATH):].split("/") if p]
    namespace = None
    if len(parts) >= 3 and parts[0] == "namespaces" and parts[2] == "pods":
        namespace, parts = parts[1], parts[2:]
    if not parts or parts[0] not in ("nodes", "pods") or len(parts) > 2:
        raise not_found_path()
    selector = parse_selector(query["labelSelector"]) if query.get("labelSelector") else None
    if parts[0] == "nodes":
        items = [m for m in server.node_metrics()
                 if selector is None or selector.matches(m["metadata"].get("labels") or {})]
        kind = "NodeMetrics"
    else:
        items = server.pod_metrics(namespace, selector)
        kind = "PodMetrics"
    if len(parts) == 2:
        name = parts[1]
        found = [m for m in items if m["metadata"]["name"] == name]
        if not found:
            raise _not_found(server, kind, namespace, name)
        return Response(200, found[0])
    return Response(200, {"kind": f"{kind}List", "apiVersion": GROUP_VERSION, "metadata": {}, "items": items})


def _not_found(server: Any, kind: str, namespace: str | None, name: str) -> HTTPError:
    """metrics-server's Get (pkg/api/pod.go, node.go): an object its listers do not have is their NotFound
    (the pods' metadata lister says "pods", the typed node lister "node"); one without metrics yet is
    NotFound for the metrics resource, a pod's named ``namespace/name``."""
    if kind == "PodMetrics" and server.pod_labels(namespace, name) is None:
        return HTTPError(404, f'pods "{name}" not found', details={"name": name, "kind": "pods"})
    if kind == "NodeMetrics" and name not in server.nodes:
        return HTTPError(404, f'node "{name}" not found', details={"name": name, "kind": "node"})
    shown = f"{namespace}/{name}" if kind == "PodMetrics" else name
    return HTTPError(404, f'{kind.lower()}.{GROUP} "{shown}" not found',
                     details={"name": shown, "group": GROUP, "kind": kind.lower()})
