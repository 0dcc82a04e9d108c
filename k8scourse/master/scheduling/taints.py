"""Taints and tolerations: a node repels pods unless they tolerate its taints.

A taint is ``key=value:Effect`` on a node (``spec.taints``); a toleration on
a pod says which taints it accepts. The matching rules are upstream's
``Toleration.ToleratesTaint`` (``k8s.io/api/core/v1/toleration.go``) and
``FindMatchingUntoleratedTaint`` (``k8s.io/component-helpers/scheduling/corev1``).
Validation of tolerations lives with the pod (``k8scourse.api.pod``).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

Taint = Mapping[str, Any]
Toleration = Mapping[str, Any]

NO_SCHEDULE = "NoSchedule"
PREFER_NO_SCHEDULE = "PreferNoSchedule"
NO_EXECUTE = "NoExecute"

# Well-known taints (k8s.io/api/core/v1/well_known_taints.go).
TAINT_NODE_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_NODE_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"

UNSCHEDULABLE_TAINT: Taint = {"key": TAINT_NODE_UNSCHEDULABLE, "effect": NO_SCHEDULE}


def tolerates(toleration: Toleration, taint: Taint) -> bool:
    """One toleration against one taint: an empty effect or key matches any;
    operator ``Exists`` ignores the value, ``Equal`` (the default) compares it."""
    effect = toleration.get("effect", "")
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key", "")
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator", "")
    if operator in ("", "Equal"):
        return toleration.get("value", "") == taint.get("value", "")
    return operator == "Exists"


def tolerated(tolerations: Iterable[Toleration], taint: Taint) -> bool:
    """Does any of the tolerations tolerate the taint?"""
    return any(tolerates(t, taint) for t in tolerations)


def first_untolerated(taints: Iterable[Taint], tolerations: Iterable[Toleration]) -> Taint | None:
    """The first ``NoSchedule``/``NoExecute`` taint none of the tolerations accept.

    ``PreferNoSchedule`` never blocks a pod; it only lowers the node's score.
    """
    tolerations = tuple(tolerations)
    for taint in taints:
        if taint.get("effect") in (NO_SCHEDULE, NO_EXECUTE) and not tolerated(tolerations, taint):
            return taint
    return None


def intolerable_prefer_no_schedule(taints: Iterable[Taint], tolerations: Iterable[Toleration]) -> int:
    """How many ``PreferNoSchedule`` taints the pod does not tolerate (TaintToleration's raw score).

    Only tolerations whose effect is empty or ``PreferNoSchedule`` count
    (``getAllTolerationPreferNoSchedule``).
    """
    relevant = [t for t in tolerations if t.get("effect", "") in ("", PREFER_NO_SCHEDULE)]
    return sum(1 for taint in taints
               if taint.get("effect") == PREFER_NO_SCHEDULE and not tolerated(relevant, taint))


def ready_status(node: Mapping[str, Any]) -> str:
    """The status of the node's ``Ready`` condition: "True", "False", "Unknown", or "" if absent."""
    for condition in (node.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            return condition.get("status", "")
    return ""


def node_taints(node: Mapping[str, Any]) -> tuple[Taint, ...]:
    """The taints the scheduler filters on: ``spec.taints``, plus the one a
    node that is not Ready carries in a real cluster.

    The scheduler itself never looks at node conditions (taint-based
    scheduling). In Kubernetes, a new Node gets ``not-ready:NoSchedule``
    from the NodeTaint admission plugin (``plugin/pkg/admission/nodetaint``),
    and the node lifecycle controller keeps that taint in step with the
    ``Ready`` condition: ``False`` -> ``not-ready``, ``Unknown`` ->
    ``unreachable`` (``nodeConditionToTaintKeyStatusMap`` in
    ``pkg/controller/nodelifecycle``). So that a course cluster behaves the
    same with or without those components, a node that is not Ready and has
    no such NoSchedule taint is treated as if it had it.
    """
    taints = tuple((node.get("spec") or {}).get("taints") or ())
    status = ready_status(node)
    if status == "True":
        return taints
    if any(t.get("key") in (TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE) and t.get("effect") == NO_SCHEDULE
           for t in taints):
        return taints
    key = TAINT_NODE_UNREACHABLE if status == "Unknown" else TAINT_NODE_NOT_READY
    return taints + ({"key": key, "effect": NO_SCHEDULE},)
