"""What an update may not change: the apiserver's ValidateXUpdate rules.

Creating an object checks it alone; updating it also compares it with the
stored one. Some fields are fixed for life, because something already acted
on them: a Pod's containers are running on a node, a ReplicaSet's selector
owns its Pods, a Service's IP is in every node's rules. Messages follow
pkg/apis/core/validation (ValidatePodUpdate, ValidateServiceUpdate,
ValidateNodeUpdate) and pkg/apis/apps/validation (ValidateDeploymentUpdate,
ValidateReplicaSetUpdate).
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from .errors import FieldError, forbidden, invalid
from .meta import GoValue
from .replication import label_selector_go_string

# ValidatePodUpdate's refusal (v1.31). Upstream appends a Go diff of the two
# PodSpecs after it; the course leaves the diff out.
POD_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
    "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)")
IMMUTABLE = "field is immutable"  # apimachinery validation.FieldImmutableErrorMsg


def _fixed_part(spec: dict) -> dict:
    """A PodSpec without the fields an update may change."""
    fixed = copy.deepcopy(spec)
    for field in ("containers", "initContainers"):
        for container in fixed.get(field) or []:
            container.pop("image", None)
    for field in ("activeDeadlineSeconds", "terminationGracePeriodSeconds", "tolerations"):
        fixed.pop(field, None)
    return fixed


def _pod(old: dict, new: dict) -> list[FieldError]:
    """Only images, activeDeadlineSeconds, added tolerations and the grace period may change."""
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    kept = new_spec.get("tolerations") or []
    dropped_toleration = any(t not in kept for t in old_spec.get("tolerations") or [])
    if dropped_toleration or _fixed_part(old_spec) != _fixed_part(new_spec):
        return [forbidden("spec", POD_UPDATE_FORBIDDEN)]
    return []


def _semantic(value: Any) -> Any:
    """What apiequality.Semantic.DeepEqual compares: an empty list or map is the same as none."""
    if isinstance(value, dict):
        return {k: _semantic(v) for k, v in value.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_semantic(v) for v in value]
    return value


def _selector(old: dict, new: dict) -> list[FieldError]:
    """apps/v1 selectors are fixed once set: they decide which Pods the controller owns
    (the strategies' ValidateImmutableField; a *LabelSelector prints through its String())."""
    before, after = (old.get("spec") or {}).get("selector"), (new.get("spec") or {}).get("selector")
    if _semantic(before) != _semantic(after):
        shown = label_selector_go_string(after) if isinstance(after, dict) else GoValue("null")
        return [invalid("spec.selector", shown, IMMUTABLE)]
    return []


def _service(old: dict, new: dict) -> list[FieldError]:
    before, after = (old.get("spec") or {}).get("clusterIP"), (new.get("spec") or {}).get("clusterIP")
    if before and after != before:
        shown = GoValue("[]string{" + (f'"{after}"' if after else "") + "}")
        return [invalid("spec.clusterIPs[0]", shown, "may not change once set")]
    return []


def _node(old: dict, new: dict) -> list[FieldError]:
    before, after = (old.get("spec") or {}).get("podCIDR"), (new.get("spec") or {}).get("podCIDR")
    if before and after != before:
        return [forbidden("spec.podCIDRs", 'node updates may not change podCIDR except from "" to valid')]
    return []


_RULES: dict[str, Callable[[dict, dict], list[FieldError]]] = {
    "Pod": _pod, "Deployment": _selector, "ReplicaSet": _selector, "Service": _service, "Node": _node,
}


def update_errors(kind: str, old: dict, new: dict[str, Any]) -> list[FieldError]:
    """The fields ``new`` changes that ``kind`` does not allow to change."""
    rule = _RULES.get(kind)
    return rule(old, new) if rule else []
