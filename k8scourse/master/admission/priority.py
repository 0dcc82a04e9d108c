"""Priority: every pod gets ``spec.priority`` from its PriorityClass.

``plugin/pkg/admission/priority/admission.go`` (mutating, pod CREATE): a pod
naming no ``priorityClassName`` gets the global default class, or priority 0
when none is marked default (``DefaultPriorityWhenNoDefaultClassExists``), with
``preemptionPolicy: PreemptLowerPriority``; a named class must exist. The
course serves no PriorityClass kind, so only the two built-in classes the
apiserver creates at start (``pkg/apis/scheduling/types.go``) exist.
On UPDATE the stored priority is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k8scourse.api.errors import forbidden_request

from .plugin import AdmissionPlugin, Kind

if TYPE_CHECKING:
    from k8scourse.master.apiserver import APIServer

PREEMPT_LOWER_PRIORITY = "PreemptLowerPriority"  # v1.PreemptLowerPriority, PriorityClass's default policy
#: pkg/apis/scheduling/types.go: SystemCriticalPriority = 2 * HighestUserDefinablePriority (1e9).
SYSTEM_CLUSTER_CRITICAL = 2_000_000_000
BUILT_IN_CLASSES = {
    "system-node-critical": SYSTEM_CLUSTER_CRITICAL + 1000,  # SystemNodeCritical
    "system-cluster-critical": SYSTEM_CLUSTER_CRITICAL,  # SystemClusterCritical
}
DEFAULT_PRIORITY = 0  # scheduling.DefaultPriorityWhenNoDefaultClassExists


class Priority(AdmissionPlugin):
    """Resolve the pod's PriorityClass into ``priority`` and ``preemptionPolicy``."""

    def admit(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        if info.RESOURCE != "pods":
            return
        spec = obj["spec"]
        if operation == "UPDATE" and old is not None:
            for key in ("priority", "preemptionPolicy"):  # set on create; keep them
                if key not in spec and key in old["spec"]:
                    spec[key] = old["spec"][key]
            return
        if operation != "CREATE":
            return
        name = spec.get("priorityClassName", "")
        if not name:
            priority = DEFAULT_PRIORITY
        elif name in BUILT_IN_CLASSES:
            priority = BUILT_IN_CLASSES[name]
        else:
            raise forbidden_request("pods", obj["metadata"].get("name", ""),
                                    f"no PriorityClass with name {name} was found")
        if "priority" in spec and spec["priority"] != priority:
            raise forbidden_request("pods", obj["metadata"].get("name", ""),
                                    f"the integer value of priority ({spec['priority']}) must not be provided in "
                                    f"pod spec; priority admission controller computed {priority} from the given "
                                    "PriorityClass name")
        spec["priority"] = priority
        policy = spec.get("preemptionPolicy")
        if policy is not None and policy != PREEMPT_LOWER_PRIORITY:
            raise forbidden_request("pods", obj["metadata"].get("name", ""),
                                    f"the string value of PreemptionPolicy ({policy}) must not be provided in pod "
                                    f"spec; priority admission controller computed {PREEMPT_LOWER_PRIORITY} from the "
                                    "given PriorityClass name")
        spec["preemptionPolicy"] = PREEMPT_LOWER_PRIORITY
