"""autoscaling/v1 Scale: the ``/scale`` subresource of ReplicaSets, ReplicationControllers and Deployments.

``kubectl scale`` and the HorizontalPodAutoscaler change a workload's size
through it without knowing its kind: ``spec.replicas`` is the desired
count, ``status.replicas`` the current one and ``status.selector`` the pods
it counts, as a selector string (``pkg/registry/apps/replicaset/storage/storage.go``
``scaleFromReplicaSet``, ``pkg/registry/core/replicationcontroller/storage``,
``pkg/registry/apps/deployment/storage``).
"""

from __future__ import annotations

from typing import Any, Mapping

from .errors import FieldError, StatusError
from .meta import nonnegative
from .selectors import LabelSelector, selector_from_set

#: The resources with a scale subresource here (upstream also has statefulsets).
SCALABLE = ("replicasets", "replicationcontrollers", "deployments")


def check_scalable(resource: str) -> None:
    """Another resource has no ``/scale``: the apiserver answers 404 for the path."""
    if resource not in SCALABLE:
        raise StatusError(404, "NotFound", "the server could not find the requested resource")


def scale_selector(obj: Mapping[str, Any]) -> str:
    """The selector as ``labels.Selector.String()``: an RC's label map, or a LabelSelector converted."""
    selector = (obj.get("spec") or {}).get("selector")
    if obj["kind"] == "ReplicationController":
        return str(selector_from_set(selector))
    return str(LabelSelector.from_dict(selector).selector)


def scale_of(obj: Mapping[str, Any]) -> dict:
    """The Scale object for a stored workload."""
    meta = obj["metadata"]
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 1)},
            "status": {"replicas": (obj.get("status") or {}).get("replicas", 0), "selector": scale_selector(obj)}}


def scale_errors(scale: Mapping[str, Any]) -> list[FieldError]:
    """ValidateScale (pkg/apis/autoscaling/validation): replicas must not be negative."""
    return nonnegative((scale.get("spec") or {}).get("replicas", 0), "spec.replicas")
