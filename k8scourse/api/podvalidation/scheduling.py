"""Scheduling-related PodSpec fields and the pod's DNS and host files.

``validateTopologySpreadConstraints``, ``validateSchedulingGates``,
``validateReadinessGates``, ``validatePodDNSConfig``, ``ValidateHostAliases``
and ``ValidatePreemptionPolicy`` of v1.31's validation.go.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import DUPLICATE, FieldError, forbidden, invalid, not_supported, required
from ..selectors import label_selector_errors
from ..validation import is_dns1123_subdomain, is_qualified_name
from .common import IS_NOT_POSITIVE, dns_subdomain_errors, each_message, ip_errors, label_name_errors

WHEN_UNSATISFIABLE = ("DoNotSchedule", "ScheduleAnyway")  # supportedScheduleActions, sorted
NODE_INCLUSION_POLICIES = ("Honor", "Ignore")  # supportedPodTopologySpreadNodePolicies, sorted
PREEMPTION_POLICIES = ("PreemptLowerPriority", "Never")
MAX_DNS_NAMESERVERS = 3
MAX_DNS_SEARCH_PATHS = 32
MAX_DNS_SEARCH_LIST_CHARS = 2048


def _match_label_keys_errors(keys: list[str], selector: Any, path: str) -> list[FieldError]:
    """validateMatchLabelKeysInTopologySpread."""
    if not keys:
        return []
    errors: list[FieldError] = []
    selected: set[str] = set()
    if selector is None:
        errors.append(forbidden(path, "must not be specified when labelSelector is not set"))
    else:
        selected.update(selector.get("matchLabels") or {})
        selected.update(e.get("key", "") for e in selector.get("matchExpressions") or ())
    for i, key in enumerate(keys):
        errors += label_name_errors(key, f"{path}[{i}]")
        if key in selected:
            errors.append(invalid(f"{path}[{i}]", key, "exists in both matchLabelKeys and labelSelector"))
    return errors


def topology_spread_errors(constraints: list[dict], path: str) -> list[FieldError]:
    """validateTopologySpreadConstraints."""
    errors: list[FieldError] = []
    for i, constraint in enumerate(constraints):
        at = f"{path}[{i}]"
        skew = constraint.get("maxSkew", 0)
        if skew <= 0:
            errors.append(invalid(f"{at}.maxSkew", skew, IS_NOT_POSITIVE))
        key, action = constraint.get("topologyKey", ""), constraint.get("whenUnsatisfiable", "")
        if not key:
            errors.append(required(f"{at}.topologyKey", "can not be empty"))
        if action not in WHEN_UNSATISFIABLE:
            errors.append(not_supported(f"{at}.whenUnsatisfiable", action, WHEN_UNSATISFIABLE))
        for later in constraints[i + 1:]:  # ValidateSpreadConstraintNotRepeat
            if later.get("topologyKey", "") == key and later.get("whenUnsatisfiable", "") == action:
                errors.append(FieldError(f"{at}.{{topologyKey, whenUnsatisfiable}}", DUPLICATE, f"{{{key}, {action}}}"))
                break
        min_domains = constraint.get("minDomains")
        if min_domains is not None:
            if min_domains <= 0:
                errors.append(invalid(f"{at}.minDomains", min_domains, IS_NOT_POSITIVE))
            if action != "DoNotSchedule":
                errors.append(invalid(f"{at}.minDomains", min_domains,
                                      f"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {action}"))
        for policy in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
            value = constraint.get(policy)
            if value is not None and value not in NODE_INCLUSION_POLICIES:
                errors.append(not_supported(f"{at}.{policy}", value, NODE_INCLUSION_POLICIES))
        errors += _match_label_keys_errors(constraint.get("matchLabelKeys") or [], constraint.get("labelSelector"),
                                           f"{at}.matchLabelKeys")
        errors += label_selector_errors(constraint.get("labelSelector"), f"{at}.labelSelector")
    return errors


def scheduling_gate_errors(gates: list[dict], path: str) -> list[FieldError]:
    """validateSchedulingGates: qualified names, no duplicates."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, gate in enumerate(gates):
        name = gate.get("name", "")
        errors += each_message(is_qualified_name, name, f"{path}[{i}]")
        if name in seen:
            errors.append(FieldError(f"{path}[{i}]", DUPLICATE, name))
        seen.add(name)
    return errors


def readiness_gate_errors(gates: list[dict], path: str) -> list[FieldError]:
    """validateReadinessGates: each conditionType is a qualified name."""
    errors: list[FieldError] = []
    for i, gate in enumerate(gates):
        errors += each_message(is_qualified_name, gate.get("conditionType", ""), f"{path}[{i}].conditionType")
    return errors


def dns_config_errors(config: Mapping[str, Any] | None, policy: str, path: str) -> list[FieldError]:
    """validatePodDNSConfig: ``dnsPolicy: None`` needs a config with a nameserver."""
    if policy == "None":
        if config is None:
            return [required(path, "must provide `dnsConfig` when `dnsPolicy` is None")]
        if not config.get("nameservers"):
            return [required(f"{path}.nameservers",
                             "must provide at least one DNS nameserver when `dnsPolicy` is None")]
    if config is None:
        return []
    errors: list[FieldError] = []
    nameservers = config.get("nameservers") or []
    if len(nameservers) > MAX_DNS_NAMESERVERS:
        errors.append(invalid(f"{path}.nameservers", nameservers,
                              f"must not have more than {MAX_DNS_NAMESERVERS} nameservers"))
    for i, server in enumerate(nameservers):
        errors += ip_errors(server, f"{path}.nameservers[{i}]")
    searches = config.get("searches") or []
    if len(searches) > MAX_DNS_SEARCH_PATHS:
        errors.append(invalid(f"{path}.searches", searches,
                              f"must not have more than {MAX_DNS_SEARCH_PATHS} search paths"))
    if len(" ".join(searches)) > MAX_DNS_SEARCH_LIST_CHARS:
        errors.append(invalid(f"{path}.searches", searches, f"must not have more than {MAX_DNS_SEARCH_LIST_CHARS} "
                                                            "characters (including spaces) in the search list"))
    for i, search in enumerate(searches):  # v1.31: strict, one trailing dot allowed
        trimmed = search[:-1] if search.endswith(".") else search
        errors += [invalid(f"{path}.searches[{i}]", trimmed, m) for m in is_dns1123_subdomain(trimmed)]
    for i, option in enumerate(config.get("options") or ()):
        if not option.get("name"):
            errors.append(required(f"{path}.options[{i}]", "must not be empty"))
    return errors


def host_alias_errors(aliases: list[dict], path: str) -> list[FieldError]:
    """ValidateHostAliases: an IP and DNS-subdomain hostnames."""
    errors: list[FieldError] = []
    for i, alias in enumerate(aliases):
        errors += ip_errors(alias.get("ip", ""), f"{path}[{i}].ip")
        for j, hostname in enumerate(alias.get("hostnames") or ()):
            errors += dns_subdomain_errors(hostname, f"{path}[{i}].hostnames[{j}]")
    return errors


def preemption_policy_errors(policy: str, path: str) -> list[FieldError]:
    """ValidatePreemptionPolicy."""
    if not policy:
        return [required(path)]
    return [] if policy in PREEMPTION_POLICIES else [not_supported(path, policy, PREEMPTION_POLICIES)]
