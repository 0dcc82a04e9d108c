"""What the endpoints and endpointslice controllers share: which pods back a Service, and on which port.

Upstream keeps these in ``pkg/api/v1/pod/util.go`` (``IsPodReady``, ``FindPort``),
``staging/src/k8s.io/endpointslice/util`` (``ShouldPodBeInEndpoints``) and
``pkg/controller/util/endpoint`` (``GetPodServiceMemberships``).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from k8scourse.api.selectors import selector_from_set
from k8scourse.master.controllers.base import key_of

Obj = Mapping[str, Any]


def is_pod_ready(pod: Obj) -> bool:
    """podutil.IsPodReady: the pod's Ready condition is True."""
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


def should_be_in_endpoints(pod: Obj, include_terminating: bool) -> bool:
    """ShouldPodBeInEndpoints: a pod that has an IP and has not finished (nor, unless asked, started
    terminating). A finished pod (Succeeded, Failed) never serves again."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return False
    if not status.get("podIP"):
        return False
    return include_terminating or not pod["metadata"].get("deletionTimestamp")


def find_port(pod: Obj, service_port: Obj) -> int | None:
    """podutil.FindPort: a numeric targetPort as it is; a named one is looked up among the
    containers' ports (name and protocol must both match). None when no container has it."""
    target = service_port.get("targetPort")
    if isinstance(target, int):
        return target
    protocol = service_port.get("protocol", "TCP")
    for container in pod["spec"].get("containers") or ():
        for port in container.get("ports") or ():
            if port.get("name") == target and port.get("protocol", "TCP") == protocol:
                return port["containerPort"]
    return None


def selects(service: Obj, labels: Mapping[str, str]) -> bool:
    """Whether the Service's selector picks a pod with these labels (no selector picks nothing)."""
    selector = service["spec"].get("selector")
    return bool(selector) and selector_from_set(selector).matches(labels)


def services_for_pod(services: Iterable[Obj], pod: Obj, old: Obj | None) -> set[str]:
    """GetPodServiceMemberships for the pod as it is and as it was: the keys of every Service
    in its namespace whose selector picks it now or picked it before."""
    namespace = pod["metadata"].get("namespace")
    label_sets = [pod["metadata"].get("labels") or {}]
    if old is not None:
        label_sets.append(old["metadata"].get("labels") or {})
    return {key_of(svc) for svc in services
            if svc["metadata"].get("namespace") == namespace and any(selects(svc, ls) for ls in label_sets)}


def target_ref(pod: Obj) -> dict:
    """The ObjectReference an endpoint carries back to its pod."""
    meta = pod["metadata"]
    return {"kind": "Pod", "namespace": meta.get("namespace", ""), "name": meta["name"], "uid": meta.get("uid", "")}
