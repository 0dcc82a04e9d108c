"""``kubectl describe`` for the controllers of chapters 04 and 05: ReplicationController,
ReplicaSet and Deployment (``describeReplicationController``, ``describeReplicaSet``,
``describeDeployment`` and ``DescribePodTemplate`` in describe.go).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from k8scourse.api.meta import controller_of

from .describe import (annotation_lines, container_lines, event_lines, label_lines, rfc1123z, toleration_lines,
                       volume_lines)
from .printers import format_label_selector, format_labels
from .tabwriter import describe_text

POD_TEMPLATE_HASH = "pod-template-hash"  # the label a Deployment adds to its ReplicaSets' pods


def controlled_by(obj: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    """Whether ``owner`` is ``obj``'s controller (its controller ownerReference has owner's UID)."""
    return any(ref.get("controller") and ref.get("uid") == owner["metadata"].get("uid")
               for ref in obj["metadata"].get("ownerReferences") or [])


def pod_counts(pods: Sequence[Mapping[str, Any]], owner: Mapping[str, Any]) -> str:
    """getPodStatusForController: the owner's pods by phase."""
    phases = [(p.get("status") or {}).get("phase") for p in pods if controlled_by(p, owner)]
    return (f"{phases.count('Running')} Running / {phases.count('Pending')} Waiting / "
            f"{phases.count('Succeeded')} Succeeded / {phases.count('Failed')} Failed")


def pod_template_lines(template: Mapping[str, Any]) -> list[str]:
    """DescribePodTemplate: the pods a controller makes, indented under ``Pod Template:``."""
    meta, spec = template.get("metadata") or {}, template.get("spec") or {}
    lines = ["Pod Template:", *label_lines("  Labels", meta.get("labels"))]
    if meta.get("annotations"):
        lines += annotation_lines("  Annotations", meta["annotations"])
    if spec.get("serviceAccountName"):
        lines.append(f"  Service Account:\t{spec['serviceAccountName']}")
    if spec.get("initContainers"):
        lines += container_lines("Init Containers", {}, spec["initContainers"], [], "  ")
    lines += container_lines("Containers", {}, spec.get("containers") or [], [], "  ")
    lines += volume_lines(spec.get("volumes") or [], "  ")
    if spec.get("priorityClassName"):
        lines.append(f"  Priority Class Name:\t{spec['priorityClassName']}")
    lines += label_lines("  Node-Selectors", spec.get("nodeSelector"))
    return lines + toleration_lines("  Tolerations", spec.get("tolerations") or [])


def _conditions(status: Mapping[str, Any]) -> list[str]:
    conditions = status.get("conditions") or []
    if not conditions:
        return []
    return ["Conditions:", "  Type\tStatus\tReason", "  ----\t------\t------",
            *(f"  {c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}" for c in conditions)]


def _header(obj: Mapping[str, Any], selector: str) -> list[str]:
    meta = obj["metadata"]
    return [f"Name:\t{meta['name']}", f"Namespace:\t{meta.get('namespace', '')}", f"Selector:\t{selector}",
            *label_lines("Labels", meta.get("labels")), *annotation_lines("Annotations", meta.get("annotations"))]


def describe_replication_controller(rc: Mapping[str, Any], pods: Sequence[Mapping[str, Any]],
                                    events: Sequence[Mapping[str, Any]], now: float) -> str:
    """``kubectl describe rc``."""
    spec, status = rc.get("spec") or {}, rc.get("status") or {}
    lines = _header(rc, format_labels(spec.get("selector")))
    lines += [f"Replicas:\t{status.get('replicas', 0)} current / {spec.get('replicas', 1)} desired",
              f"Pods Status:\t{pod_counts(pods, rc)}", *pod_template_lines(spec.get("template") or {})]
    lines += _conditions(status) + event_lines(events, now)
    return describe_text("\n".join(lines) + "\n")


def describe_replica_set(rs: Mapping[str, Any], pods: Sequence[Mapping[str, Any]],
                         events: Sequence[Mapping[str, Any]], now: float) -> str:
    """``kubectl describe rs``."""
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    lines = _header(rs, format_label_selector(spec.get("selector")))
    owner = controller_of(rs)
    if owner is not None:
        lines.append(f"Controlled By:\t{owner.get('kind')}/{owner.get('name')}")
    lines += [f"Replicas:\t{status.get('replicas', 0)} current / {spec.get('replicas', 1)} desired",
              f"Pods Status:\t{pod_counts(pods, rs)}", *pod_template_lines(spec.get("template") or {})]
    lines += _conditions(status) + event_lines(events, now)
    return describe_text("\n".join(lines) + "\n")


def _without_hash(template: Mapping[str, Any]) -> dict:
    meta = dict(template.get("metadata") or {})
    meta["labels"] = {k: v for k, v in (meta.get("labels") or {}).items() if k != POD_TEMPLATE_HASH}
    return {**template, "metadata": meta}


def _replica_sets(sets: Sequence[Mapping[str, Any]]) -> str:
    """printReplicaSetsByLabels: ``name (current/desired replicas created)``."""
    shown = [f"{rs['metadata']['name']} ({(rs.get('status') or {}).get('replicas', 0)}/"
             f"{(rs.get('spec') or {}).get('replicas', 1)} replicas created)" for rs in sets]
    return ", ".join(shown) or "<none>"


def describe_deployment(deploy: Mapping[str, Any], replica_sets: Sequence[Mapping[str, Any]],
                        events: Sequence[Mapping[str, Any]], now: float) -> str:
    """``kubectl describe deployment``: the new ReplicaSet is the one whose template matches the Deployment's."""
    meta, spec, status = deploy["metadata"], deploy.get("spec") or {}, deploy.get("status") or {}
    lines = [f"Name:\t{meta['name']}", f"Namespace:\t{meta.get('namespace', '')}",
             f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}",
             *label_lines("Labels", meta.get("labels")), *annotation_lines("Annotations", meta.get("annotations")),
             f"Selector:\t{format_label_selector(spec.get('selector'))}",
             f"Replicas:\t{spec.get('replicas', 1)} desired | {status.get('updatedReplicas', 0)} updated | "
             f"{status.get('replicas', 0)} total | {status.get('availableReplicas', 0)} available | "
             f"{status.get('unavailableReplicas', 0)} unavailable"]
    strategy = spec.get("strategy") or {}
    lines += [f"StrategyType:\t{strategy.get('type', '')}", f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}"]
    rolling = strategy.get("rollingUpdate")
    if rolling is not None:
        lines.append(f"RollingUpdateStrategy:\t{rolling.get('maxUnavailable')} max unavailable, "
                     f"{rolling.get('maxSurge')} max surge")
    lines += pod_template_lines(spec.get("template") or {}) + _conditions(status)
    # kubectl's deploymentutil.GetAllReplicaSets: the ReplicaSets it controls, oldest first; the new one is
    # the oldest with the Deployment's template, and only old ones still asked for pods are listed.
    owned = sorted((rs for rs in replica_sets if controlled_by(rs, deploy)),
                   key=lambda rs: (rs["metadata"].get("creationTimestamp", ""), rs["metadata"]["name"]))
    template = _without_hash(spec.get("template") or {})
    new = [rs for rs in owned if _without_hash((rs.get("spec") or {}).get("template") or {}) == template][:1]
    old = [rs for rs in owned if rs not in new and (rs.get("spec") or {}).get("replicas", 1) != 0]
    if old or new:  # describeDeployment: both lines only when there is a ReplicaSet to show
        lines += [f"OldReplicaSets:\t{_replica_sets(old)}", f"NewReplicaSet:\t{_replica_sets(new)}"]
    lines += event_lines(events, now)
    return describe_text("\n".join(lines) + "\n")
