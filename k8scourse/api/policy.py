"""LimitRange and ResourceQuota: a namespace's resource policy.

* A **LimitRange** bounds each pod or container (``min``, ``max``) and fills in
  requests and limits a container left out (``default``, ``defaultRequest``);
  the LimitRanger admission plugin applies it when pods are created.
* A **ResourceQuota** caps the namespace's total (``hard``): CPU, memory,
  object counts; the ResourceQuota admission plugin refuses pods past it.

Defaults: ``SetDefaults_LimitRangeItem`` and ``SetDefaults_ResourceList`` in
``pkg/apis/core/v1/defaults.go``; rules: ``ValidateLimitRange`` and
``ValidateResourceQuota`` in ``pkg/apis/core/validation/validation.go``.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from .decoding import StructOf
from .errors import DUPLICATE, FieldError, forbidden, invalid, required
from .meta import GoValue, KubeObject, go_quote
from .quantity import Quantity
from .resources import (
    STANDARD_QUOTA_RESOURCES,
    canonicalize,
    container_resource_name_errors,
    overcommit_allowed,
    parse_resource_list,
    quota_resource_name_errors,
    resource_name_errors,
)
from .validation import is_dns1123_subdomain, is_qualified_name

LIMIT_TYPES = ("Pod", "Container", "PersistentVolumeClaim")  # helpers.go standardLimitRangeTypes
LIMIT_LISTS = ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")
MAX_MILLI_VALUE = (2**63 - 1) // 1000  # resource.MaxMilliValue


def _shown(quantity: Quantity) -> GoValue:
    """A resource.Quantity in an error prints through String(): unquoted."""
    return GoValue(str(quantity))


def default_limit_range_item(item: dict) -> None:
    """SetDefaults_LimitRangeItem: a container's default limit is the max, its default request the
    default limit, else the min."""
    if item.get("type") == "Container":
        defaults = {**(item.get("max") or {}), **(item.get("default") or {})}
        requests = {**(item.get("min") or {}), **defaults, **(item.get("defaultRequest") or {})}
        if defaults:
            item["default"] = defaults
        if requests:
            item["defaultRequest"] = requests
    for key in LIMIT_LISTS:
        canonicalize(item.get(key))


def _limit_type_errors(kind: str, path: str) -> list[FieldError]:
    """validateLimitRangeTypeName."""
    errors = [invalid(path, kind, m) for m in is_qualified_name(kind)]
    if not errors and "/" not in kind and kind not in LIMIT_TYPES:
        errors.append(invalid(path, kind, "must be a standard limit type or fully qualified"))
    return errors


def _ratio_limit(low: Quantity, high: Quantity, ratio: Quantity) -> tuple[float, float]:
    """(the ratio, max/min) in upstream's float arithmetic, at milli precision when it fits."""
    if ratio.value() < MAX_MILLI_VALUE and low.value() < MAX_MILLI_VALUE and high.value() < MAX_MILLI_VALUE:
        value, low_v, high_v = ratio.milli_value() / 1000, low.milli_value(), high.milli_value()
    else:
        value, low_v, high_v = float(ratio.value()), low.value(), high.value()
    if low_v == 0:  # Go's float division by zero
        return value, math.inf if high_v > 0 else math.nan
    return value, high_v / low_v


def limit_range_item_errors(item: Mapping[str, Any], path: str) -> list[FieldError]:
    """One item of ValidateLimitRange: names, then how min, max and defaults relate."""
    kind = item.get("type", "")
    errors = _limit_type_errors(kind, f"{path}.type")
    names = container_resource_name_errors if kind in ("Pod", "Container") else resource_name_errors
    lists: dict[str, dict[str, Quantity]] = {}
    for key in LIMIT_LISTS:
        if kind == "Pod" and key in ("default", "defaultRequest"):
            if item.get(key):
                errors.append(forbidden(f"{path}.{key}", "may not be specified when `type` is 'Pod'"))
            lists[key] = {}
            continue
        # ValidateLimitRange checks names only: negative or fractional values pass.
        lists[key], bad = parse_resource_list(item.get(key), f"{path}.{key}", names, check_values=False)
        errors += bad
    high, low, default, request, ratio = (lists[k] for k in LIMIT_LISTS)
    if kind == "PersistentVolumeClaim" and "storage" not in low and "storage" not in high:
        errors.append(required(f"{path}.limits",
                               "either minimum or maximum storage value is required, but neither was provided"))
    for name in sorted(set().union(*lists.values())):
        hi, lo, d, dr, r = (lst.get(name) for lst in (high, low, default, request, ratio))
        if lo is not None and hi is not None and lo > hi:
            errors.append(invalid(f"{path}.min[{name}]", _shown(lo), f"min value {lo} is greater than max value {hi}"))
        if dr is not None and lo is not None and lo > dr:
            errors.append(invalid(f"{path}.defaultRequest[{name}]", _shown(dr),
                                  f"min value {lo} is greater than default request value {dr}"))
        if dr is not None and hi is not None and dr > hi:
            errors.append(invalid(f"{path}.defaultRequest[{name}]", _shown(dr),
                                  f"default request value {dr} is greater than max value {hi}"))
        if dr is not None and d is not None and dr > d:
            errors.append(invalid(f"{path}.defaultRequest[{name}]", _shown(dr),
                                  f"default request value {dr} is greater than default limit value {d}"))
        if d is not None and lo is not None and lo > d:
            errors.append(invalid(f"{path}.default[{name}]", _shown(lo), f"min value {lo} is greater than default value {d}"))
        if d is not None and hi is not None and d > hi:
            errors.append(invalid(f"{path}.default[{name}]", _shown(hi), f"default value {d} is greater than max value {hi}"))
        if r is not None and r < Quantity.from_units(1):
            errors.append(invalid(f"{path}.maxLimitRequestRatio[{name}]", _shown(r), f"ratio {r} is less than 1"))
        if r is not None and lo is not None and hi is not None:
            value, limit = _ratio_limit(lo, hi, r)
            if value > limit:
                errors.append(invalid(f"{path}.maxLimitRequestRatio[{name}]", _shown(r),
                                      f"ratio {r} is greater than max/min = {limit:f}"))
        if not overcommit_allowed(name) and d is not None and dr is not None and d != dr:
            errors.append(invalid(f"{path}.defaultRequest[{name}]", _shown(dr),
                                  f"default value {d} must equal to defaultRequest value {dr} in {name}"))
    return errors


class LimitRange(KubeObject):
    """Per-pod and per-container bounds and defaults for one namespace."""

    KIND = "LimitRange"
    RESOURCE = "limitranges"
    SHORT_NAMES = ("limits",)
    NAME_RULE = staticmethod(is_dns1123_subdomain)  # ValidateLimitRangeName
    SCHEMA = StructOf("core.v1.LimitRange")

    __slots__ = ()

    def apply_defaults(self, namespace: str = "default") -> None:
        super().apply_defaults(namespace)
        for item in self.data.setdefault("spec", {}).get("limits") or ():
            default_limit_range_item(item)

    def field_errors(self) -> list[FieldError]:
        errors = super().field_errors()
        types: set[str] = set()
        for i, item in enumerate(self.spec.get("limits") or ()):
            errors += limit_range_item_errors(item, f"spec.limits[{i}]")
            if item.get("type", "") in types:
                errors.append(FieldError(f"spec.limits[{i}].type", DUPLICATE, item.get("type", "")))
            types.add(item.get("type", ""))
        return errors


# ResourceQuota scopes (helpers.go): which objects a quota counts.
QUOTA_SCOPES = ("Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass",
                "CrossNamespacePodAffinity")
_POD_COUNT = frozenset({"pods"})
_POD_COMPUTE = frozenset({"cpu", "memory", "limits.cpu", "limits.memory", "requests.cpu", "requests.memory"})
_CONFLICTING_SCOPES = (("BestEffort", "NotBestEffort"), ("Terminating", "NotTerminating"))


def scope_fits_resource(scope: str, resource: str) -> bool:
    """IsResourceQuotaScopeValidForResource: e.g. BestEffort pods request no CPU, so a
    BestEffort quota can only count pods."""
    if scope in ("Terminating", "NotTerminating", "NotBestEffort", "PriorityClass"):
        return resource in _POD_COUNT or resource in _POD_COMPUTE
    if scope in ("BestEffort", "CrossNamespacePodAffinity"):
        return resource in _POD_COUNT
    return True


def quota_scope_errors(scopes: list[str], hard: Mapping[str, Any]) -> list[FieldError]:
    """validateResourceQuotaScopes; the value shown is the whole list, as upstream's %#v."""
    shown = GoValue("[]core.ResourceQuotaScope{" + ", ".join(go_quote(s) for s in scopes) + "}")
    errors: list[FieldError] = []
    for scope in scopes:
        if scope not in QUOTA_SCOPES:
            errors.append(invalid("spec.scopes", shown, "unsupported scope"))
        for resource in sorted(hard):
            if resource in STANDARD_QUOTA_RESOURCES and not scope_fits_resource(scope, resource):
                errors.append(invalid("spec.scopes", shown, "unsupported scope applied to resource"))
    for pair in _CONFLICTING_SCOPES:
        if set(pair) <= set(scopes):
            errors.append(invalid("spec.scopes", shown, "conflicting scopes"))
    return errors


class ResourceQuota(KubeObject):
    """Caps what one namespace may consume in total; status tracks what it uses."""

    KIND = "ResourceQuota"
    RESOURCE = "resourcequotas"
    SHORT_NAMES = ("quota",)
    NAME_RULE = staticmethod(is_dns1123_subdomain)  # ValidateResourceQuotaName
    SCHEMA = StructOf("core.v1.ResourceQuota")

    __slots__ = ()

    def apply_defaults(self, namespace: str = "default") -> None:
        super().apply_defaults(namespace)
        canonicalize(self.data.setdefault("spec", {}).get("hard"))
        for part in ("hard", "used"):
            canonicalize(self.status.get(part))

    def field_errors(self) -> list[FieldError]:
        errors = super().field_errors()
        hard = self.spec.get("hard") or {}
        errors += parse_resource_list(hard, "spec.hard", quota_resource_name_errors)[1]
        errors += quota_scope_errors(self.spec.get("scopes") or [], hard)
        for part in ("hard", "used"):
            errors += parse_resource_list(self.status.get(part), f"status.{part}", quota_resource_name_errors)[1]
        return errors
