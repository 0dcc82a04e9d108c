"""TaintNodesByCondition: a new Node starts tainted ``node.kubernetes.io/not-ready:NoSchedule``.

``plugin/pkg/admission/nodetaint/admission.go`` (mutating, Node CREATE): so that
no pod lands on a node before it has reported Ready, every Node is created
with the not-ready NoSchedule taint; the node lifecycle controller lifts it
once the node's Ready condition is True (``doNoScheduleTaintingPass``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k8scourse.master.scheduling.taints import NO_SCHEDULE, TAINT_NODE_NOT_READY

from .plugin import AdmissionPlugin, Kind

if TYPE_CHECKING:
    from k8scourse.master.apiserver import APIServer


class TaintNodesByCondition(AdmissionPlugin):
    """Add the not-ready NoSchedule taint to a new Node unless it already has it."""

    def admit(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        if info.RESOURCE != "nodes" or operation != "CREATE":
            return
        spec = obj.setdefault("spec", {})
        taints = spec.get("taints") or []
        if not any(t.get("key") == TAINT_NODE_NOT_READY and t.get("effect") == NO_SCHEDULE for t in taints):
            spec["taints"] = [*taints, {"key": TAINT_NODE_NOT_READY, "effect": NO_SCHEDULE}]  # Taint.MatchTaint
