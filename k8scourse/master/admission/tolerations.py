"""DefaultTolerationSeconds: pods stay 300 s on a node that goes not-ready or unreachable.

``plugin/pkg/admission/defaulttolerationseconds/admission.go`` (mutating, pod
CREATE and UPDATE): a pod that doesn't already tolerate the
``node.kubernetes.io/not-ready`` or ``node.kubernetes.io/unreachable``
NoExecute taint gets a toleration for it that lasts
``--default-not-ready-toleration-seconds`` / ``--default-unreachable-toleration-seconds``
(300 each). When a node fails, the node lifecycle controller taints it
NoExecute, and its pods are evicted once those 300 s have passed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k8scourse.master.scheduling.taints import NO_EXECUTE, TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE

from .plugin import AdmissionPlugin, Kind

if TYPE_CHECKING:
    from k8scourse.master.apiserver import APIServer

DEFAULT_TOLERATION_SECONDS = 300  # defaultNotReadyTolerationSeconds, defaultUnreachableTolerationSeconds


def _tolerates(tolerations: list[dict], key: str) -> bool:
    """An existing toleration with this key (or none) and effect NoExecute (or none)."""
    return any(isinstance(t, dict) and t.get("key", "") in (key, "") and t.get("effect", "") in (NO_EXECUTE, "")
               for t in tolerations)


class DefaultTolerationSeconds(AdmissionPlugin):
    """Add the two 300 s NoExecute tolerations a pod doesn't already have."""

    def admit(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        if info.RESOURCE != "pods" or operation not in ("CREATE", "UPDATE"):
            return
        spec = obj["spec"]
        tolerations = spec.get("tolerations") or []
        added = [{"key": key, "operator": "Exists", "effect": NO_EXECUTE,
                  "tolerationSeconds": DEFAULT_TOLERATION_SECONDS}
                 for key in (TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE) if not _tolerates(tolerations, key)]
        if added:
            spec["tolerations"] = [*tolerations, *added]
