"""A second version of a kind, served by conversion: autoscaling/v1 HorizontalPodAutoscalers.

The apiserver stores one version of each kind and converts to and from the
others a client asks for. The course stores HPAs as autoscaling/v2; kubectl
v1.31's ``kubectl autoscale`` still creates autoscaling/v1 ones, whose only
metric is ``targetCPUUtilizationPercentage``
(``pkg/apis/autoscaling/v1/conversion.go``: it becomes, and comes from, a
``Resource`` metric on ``cpu`` with a ``Utilization`` target). What v1 cannot
express (other metrics, ``behavior``, conditions) upstream keeps in
``autoscaling.alpha.kubernetes.io/*`` annotations; the course leaves those
out, and a v1 write keeps the stored v2 object's other metrics and behavior.
"""

from __future__ import annotations

import copy
from typing import Any

VERSION = "v1"
API_VERSION = "autoscaling/v1"


def _cpu_utilization(metrics: list[dict], kind: str) -> int | None:
    """The averageUtilization of the Resource cpu metric in ``metrics`` (``target`` or ``current``)."""
    for metric in metrics or ():
        resource = metric.get("resource") or {}
        if metric.get("type") == "Resource" and resource.get("name") == "cpu":
            value = (resource.get(kind) or {}).get("averageUtilization")
            if value is not None:
                return value
    return None


def to_v1(stored: dict) -> dict:
    """A stored autoscaling/v2 HPA as autoscaling/v1 shows it."""
    spec, status = stored.get("spec") or {}, stored.get("status") or {}
    v1_spec = {key: spec[key] for key in ("scaleTargetRef", "minReplicas", "maxReplicas") if key in spec}
    target = _cpu_utilization(spec.get("metrics") or [], "target")
    if target is not None:
        v1_spec["targetCPUUtilizationPercentage"] = target
    v1_status = {key: status[key] for key in ("observedGeneration", "lastScaleTime", "currentReplicas",
                                              "desiredReplicas") if key in status}
    current = _cpu_utilization(status.get("currentMetrics") or [], "current")
    if current is not None:
        v1_status["currentCPUUtilizationPercentage"] = current
    v1_status.setdefault("currentReplicas", 0)
    v1_status.setdefault("desiredReplicas", 0)
    return {"kind": "HorizontalPodAutoscaler", "apiVersion": API_VERSION,
            "metadata": copy.deepcopy(stored.get("metadata") or {}), "spec": v1_spec, "status": v1_status}


def to_v2(sent: dict, stored: dict | None = None) -> dict:
    """An autoscaling/v1 HPA a client sent, as autoscaling/v2 to store; ``stored`` is the current
    object on an update, whose other metrics and behavior v1 cannot see and so keeps."""
    spec = dict(sent.get("spec") or {})
    target = spec.pop("targetCPUUtilizationPercentage", None)
    old_spec = (stored or {}).get("spec") or {}
    metrics = [m for m in old_spec.get("metrics") or [] if _cpu_utilization([m], "target") is None]
    if target is not None:
        metrics.insert(0, {"type": "Resource",
                           "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}})
    if metrics:
        spec["metrics"] = metrics  # none: v2's defaulting sets cpu at 80 %, as v1's does
    if "behavior" in old_spec:
        spec["behavior"] = old_spec["behavior"]
    v2 = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
          "metadata": copy.deepcopy(sent.get("metadata") or {}), "spec": spec}
    if stored is not None and "status" in stored:
        v2["status"] = stored["status"]
    return v2
