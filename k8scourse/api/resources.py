"""Compute resources: the ``cpu`` and ``memory`` containers ask for and are capped at.

A *ResourceList* maps a resource name to a quantity (``{cpu: 500m, memory:
128Mi}``). Containers carry two: ``requests`` (what the scheduler reserves)
and ``limits`` (what the kubelet enforces). Quotas, limit ranges and node
capacity are ResourceLists too. Names and rules here come from
``pkg/apis/core/helper/helpers.go`` and ``pkg/apis/core/validation``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Mapping

from .errors import FieldError, invalid, required
from .meta import IS_NEGATIVE, GoValue
from .quantity import Quantity, QuantityError, parse_quantity
from .validation import is_qualified_name

HUGEPAGES_PREFIX = "hugepages-"
REQUESTS_HUGEPAGES_PREFIX = "requests.hugepages-"
STANDARD_CONTAINER_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})
STANDARD_RESOURCES = frozenset({
    "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
    "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "resourcequotas", "services",
    "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims", "storage",
    "requests.storage", "services.nodeports", "services.loadbalancers",
})
STANDARD_QUOTA_RESOURCES = (STANDARD_RESOURCES - {"storage"})
INTEGER_RESOURCES = frozenset({
    "pods", "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps",
    "persistentvolumeclaims", "services.nodeports", "services.loadbalancers",
})
IS_NOT_INTEGER = "must be an integer"

ResourceList = Mapping[str, Quantity]
NameCheck = Callable[[str, str], list]


def is_native(name: str) -> bool:
    """Unprefixed names and ``*kubernetes.io/`` names belong to Kubernetes itself."""
    return "/" not in name or "kubernetes.io/" in name


def is_hugepages(name: str) -> bool:
    return name.startswith(HUGEPAGES_PREFIX)


def is_extended(name: str) -> bool:
    """A vendor resource such as ``nvidia.com/gpu``."""
    return not is_native(name) and not name.startswith("requests.") and not is_qualified_name("requests." + name)


def overcommit_allowed(name: str) -> bool:
    """Requests may sit below limits only for native, non-hugepage resources."""
    return is_native(name) and not is_hugepages(name)


@lru_cache(maxsize=1024)
def is_integer_resource(name: str) -> bool:
    return name in INTEGER_RESOURCES or is_extended(name)


# Resource names repeat across every pod: their checks are cached as messages.
@lru_cache(maxsize=1024)
def _resource_name_messages(name: str) -> tuple[str, ...]:
    """validateResourceName: a qualified name, standard unless it has a prefix."""
    messages = tuple(is_qualified_name(name))
    if not messages and "/" not in name and name not in STANDARD_RESOURCES \
            and not name.startswith((HUGEPAGES_PREFIX, REQUESTS_HUGEPAGES_PREFIX)):
        messages = ("must be a standard resource type or fully qualified",)
    return messages


@lru_cache(maxsize=1024)
def _container_resource_name_messages(name: str) -> tuple[str, ...]:
    """validateContainerResourceName: cpu, memory, ephemeral-storage, hugepages-*, or extended."""
    messages = _resource_name_messages(name)
    if "/" not in name:
        if name not in STANDARD_CONTAINER_RESOURCES and not is_hugepages(name):
            messages += ("must be a standard resource for containers",)
    elif not is_native(name) and not is_extended(name):
        messages += ("doesn't follow extended resource name standard",)
    return messages


@lru_cache(maxsize=1024)
def _quota_resource_name_messages(name: str) -> tuple[str, ...]:
    """ValidateResourceQuotaResourceName."""
    messages = _resource_name_messages(name)
    if "/" not in name and name not in STANDARD_QUOTA_RESOURCES \
            and not name.startswith((HUGEPAGES_PREFIX, REQUESTS_HUGEPAGES_PREFIX)):
        messages += ("must be a standard resource for quota",)
    return messages


def resource_name_errors(name: str, path: str) -> list[FieldError]:
    return [invalid(path, name, m) for m in _resource_name_messages(name)]


def container_resource_name_errors(name: str, path: str) -> list[FieldError]:
    return [invalid(path, name, m) for m in _container_resource_name_messages(name)]


def quota_resource_name_errors(name: str, path: str) -> list[FieldError]:
    return [invalid(path, name, m) for m in _quota_resource_name_messages(name)]


def manifest_quantity(raw: Any) -> Quantity:
    """A quantity as a manifest holds it: text (trimmed, as UnmarshalJSON does) or a number."""
    if raw is None:  # JSON null decodes to the zero quantity
        return Quantity()
    return parse_quantity(raw.strip() if isinstance(raw, str) else raw)


def quantity_errors(raw: Any, path: str) -> tuple[Quantity | None, list[FieldError]]:
    """Parse one manifest quantity, or say which field does not parse.

    The real apiserver fails such a request while decoding (``... cannot be
    handled as a Pod: quantities must match ...``); here the field is named.
    """
    try:
        return manifest_quantity(raw), []
    except QuantityError as err:
        return None, [invalid(path, raw, str(err))]


def quantity_value_errors(name: str, quantity: Quantity, path: str) -> list[FieldError]:
    """ValidateResourceQuantityValue: not negative, and whole for countable resources."""
    errors = [invalid(path, str(quantity), IS_NEGATIVE)] if quantity.sign() < 0 else []
    if is_integer_resource(name) and quantity.milli_value() % 1000:
        errors.append(invalid(path, GoValue(str(quantity)), IS_NOT_INTEGER))
    return errors


def resource_entry_errors(name: str, raw: Any, path: str, name_check: NameCheck | None,
                          check_value: bool = True) -> tuple[Quantity | None, list[FieldError]]:
    """One ResourceList entry: its name (unless ``name_check`` is None), then its value."""
    errors = name_check(name, path) if name_check else []
    quantity, bad = quantity_errors(raw, path)
    if quantity is not None and check_value:
        bad = quantity_value_errors(name, quantity, path)
    return quantity, errors + bad


def parse_resource_list(resources: Mapping[str, Any] | None, path: str, name_check: NameCheck,
                        check_values: bool = True) -> tuple[dict[str, Quantity], list[FieldError]]:
    """Check a ResourceList's names and (with ``check_values``) values; return quantities and errors."""
    parsed: dict[str, Quantity] = {}
    errors: list[FieldError] = []
    for name in sorted(resources or {}):  # Go walks maps at random; sorted keeps errors stable
        quantity, bad = resource_entry_errors(name, resources[name], f"{path}[{name}]",  # type: ignore[index]
                                              name_check, check_values)
        errors += bad
        if quantity is not None:
            parsed[name] = quantity
    return parsed, errors


@lru_cache(maxsize=4096)
def _canonical_text(text: str, milli: bool) -> str:
    """Keyed by text only: as a key, 1 == 1.0 == True, and the cache is shared by every cluster."""
    quantity = manifest_quantity(text)
    return str(quantity.round_up(-3) if milli else quantity)


def canonicalize(resources: dict[str, Any] | None, milli: bool = True) -> None:
    """Rewrite each quantity in its canonical form, in place (``0.5`` -> ``500m``).

    With ``milli`` it first rounds up to whole millis, as SetDefaults_ResourceList
    does (core/v1/defaults.go). Values that do not parse are left for validation.
    """
    for name, raw in (resources or {}).items():
        if type(raw) is str:
            text = raw
        elif isinstance(raw, (int, float)) and not isinstance(raw, bool):  # a bool is never a quantity
            text = repr(raw)
        else:
            continue
        try:
            resources[name] = _canonical_text(text, milli)  # type: ignore[index]
        except QuantityError:
            pass


def resource_requirements_errors(requirements: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateResourceRequirements for a container: names, values, requests <= limits."""
    limits_path, requests_path = f"{path}.limits", f"{path}.requests"
    limits, errors = parse_resource_list(requirements.get("limits"), limits_path, container_resource_name_errors)
    requests = requirements.get("requests") or {}
    for name in sorted(requests):
        request, bad = resource_entry_errors(name, requests[name], f"{requests_path}[{name}]",
                                        container_resource_name_errors)
        errors += bad
        if request is None:
            continue
        limit = limits.get(name)
        if limit is None:
            if not overcommit_allowed(name):
                errors.append(required(limits_path, "Limit must be set for non overcommitable resources"))
        elif request != limit and not overcommit_allowed(name):
            errors.append(invalid(requests_path, str(request), f"must be equal to {name} limit of {limit}"))
        elif request > limit:
            errors.append(invalid(requests_path, str(request),
                                  f"must be less than or equal to {name} limit of {limit}"))
    return errors
