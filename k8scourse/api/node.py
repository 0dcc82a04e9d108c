"""Node: a machine that runs pods, registered by its kubelet.

The kubelet creates its Node object and keeps ``status`` current: the
resources it has (``capacity``) and can give to pods (``allocatable``),
conditions such as ``Ready``, and heartbeats. ``spec`` holds what the control
plane decides: the pod CIDR the node controller assigns, ``unschedulable``
(kubectl cordon) and ``taints``.

Defaults: ``SetDefaults_NodeStatus`` (allocatable = capacity) and
``SetDefaults_ResourceList``; rules: ``ValidateNode`` in core validation.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Mapping

from .decoding import StructOf
from .errors import DUPLICATE, FieldError, invalid, not_supported, required
from .meta import GoValue, KubeObject, fast_copy, go_quote
from .pod import SUPPORTED_TAINT_EFFECTS
from .quantity import Quantity
from .resources import canonicalize, manifest_quantity, resource_entry_errors
from .validation import is_dns1123_subdomain, is_qualified_name, is_valid_label_value

CIDR_ERROR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"  # validation.IsValidCIDR


def taint_errors(taints: list[dict], path: str) -> list[FieldError]:
    """validateNodeTaints: valid key, value and effect; one taint per key and effect."""
    errors: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for i, taint in enumerate(taints):
        at = f"{path}[{i}]"
        key, value, effect = taint.get("key", ""), taint.get("value", ""), taint.get("effect", "")
        errors += [invalid(f"{at}.key", key, m) for m in is_qualified_name(key)]
        messages = is_valid_label_value(value)
        if messages:
            errors.append(invalid(f"{at}.value", value, ";".join(messages)))
        if not effect:
            errors.append(required(f"{at}.effect"))
        elif effect not in SUPPORTED_TAINT_EFFECTS:
            errors.append(not_supported(f"{at}.effect", effect, SUPPORTED_TAINT_EFFECTS))
        if (key, effect) in seen:
            shown = GoValue(f"core.Taint{{Key:{go_quote(key)}, Value:{go_quote(value)}, "
                            f"Effect:{go_quote(effect)}, TimeAdded:(*v1.Time)(nil)}}")
            errors.append(FieldError(at, DUPLICATE, shown, "taints must be unique by key and effect pair"))
            continue
        seen.add((key, effect))
    return errors


def pod_cidr_errors(cidrs: list[str], path: str) -> list[FieldError]:
    """Valid CIDRs, at most one per IP family, no repeats."""
    errors: list[FieldError] = []
    families: list[int] = []
    for i, cidr in enumerate(cidrs):
        try:
            families.append(ipaddress.ip_network(cidr, strict=False).version)
        except ValueError:
            errors.append(invalid(f"{path}[{i}]", cidr, CIDR_ERROR))
    if len(cidrs) > 1:
        if len(cidrs) > 2 or len(set(families)) != len(families):
            errors.append(invalid(path, cidrs, "may specify no more than one CIDR for each IP family"))
        errors += [FieldError(f"{path}[{i}]", DUPLICATE, c) for i, c in enumerate(cidrs) if c in cidrs[:i]]
    return errors


class Node(KubeObject):
    """A worker machine; its status is written by its kubelet."""

    KIND = "Node"
    RESOURCE = "nodes"
    SHORT_NAMES = ("no",)
    NAMESPACED = False
    NAME_RULE = staticmethod(is_dns1123_subdomain)  # ValidateNodeName
    SCHEMA = StructOf("core.v1.Node")

    __slots__ = ()

    def apply_defaults(self, namespace: str = "default") -> None:
        super().apply_defaults(namespace)
        status = self.data.get("status")
        if status:
            if "allocatable" not in status and "capacity" in status:
                status["allocatable"] = fast_copy(status["capacity"])
            canonicalize(status.get("capacity"))
            canonicalize(status.get("allocatable"))

    def field_errors(self) -> list[FieldError]:
        errors = super().field_errors()
        # Upstream reports taints under "metadata.taints": its field path is built from metadata's.
        errors += taint_errors(self.spec.get("taints") or [], "metadata.taints")
        for part in ("capacity", "allocatable"):  # ValidateNodeResources: values only, dotted paths
            resources = self.status.get(part) or {}
            for name in sorted(resources):
                errors += resource_entry_errors(name, resources[name], f"status.{part}.{name}", None)[1]
        errors += pod_cidr_errors(self.spec.get("podCIDRs") or [], "spec.podCIDRs")
        return errors

    @property
    def unschedulable(self) -> bool:
        return bool(self.spec.get("unschedulable", False))

    @property
    def taints(self) -> list[dict] | tuple[()]:
        return self.spec.get("taints") or ()

    def allocatable(self) -> dict[str, Quantity]:
        """What the scheduler may hand out: ``{"cpu": Quantity("4"), "pods": ...}``."""
        return {name: manifest_quantity(value) for name, value in (self.status.get("allocatable") or {}).items()}

    def capacity(self) -> dict[str, Quantity]:
        return {name: manifest_quantity(value) for name, value in (self.status.get("capacity") or {}).items()}

    def condition(self, kind: str) -> Mapping[str, Any] | None:
        """The status condition of that type (``Ready``, ``MemoryPressure``...), if reported."""
        return next((c for c in self.status.get("conditions") or () if c.get("type") == kind), None)
