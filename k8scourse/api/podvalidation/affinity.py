"""Affinity: ``validateAffinity`` and the node selector and pod affinity term rules it calls.

* node affinity: a required selector has at least one term; each
  requirement's operator decides how many values it takes (``In``/``NotIn``
  one or more, ``Exists``/``DoesNotExist`` none, ``Gt``/``Lt`` exactly one);
  ``matchFields`` may only select ``metadata.name``; preferred terms weigh 1-100.
* pod (anti-)affinity: valid label selectors, namespaces that are names,
  a ``topologyKey``, weights 1-100.

v1.31 does not check the values of node selector requirements (that came
with v1.33); the scheduler treats a ``Gt``/``Lt`` value that is not an
integer as not matching.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import FieldError, forbidden, invalid, required
from ..selectors import label_selector_errors
from ..validation import is_dns1123_label, is_dns1123_subdomain
from .common import label_name_errors

WEIGHT_ERROR = "must be in the range 1-100"


def node_selector_requirement_errors(requirement: Mapping[str, Any], path: str) -> list[FieldError]:
    """ValidateNodeSelectorRequirement (v1.31)."""
    op, values = requirement.get("operator", ""), requirement.get("values") or []
    errors: list[FieldError] = []
    if op in ("In", "NotIn"):
        if not values:
            errors.append(required(f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
    elif op in ("Exists", "DoesNotExist"):
        if values:
            errors.append(forbidden(f"{path}.values",
                                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    elif op in ("Gt", "Lt"):
        if len(values) != 1:
            errors.append(required(f"{path}.values",
                                   "must be specified single value when `operator` is 'Lt' or 'Gt'"))
    else:
        errors.append(invalid(f"{path}.operator", op, "not a valid selector operator"))
    return errors + label_name_errors(requirement.get("key", ""), f"{path}.key")


def node_field_requirement_errors(requirement: Mapping[str, Any], path: str) -> list[FieldError]:
    """ValidateNodeFieldSelectorRequirement: only ``metadata.name In/NotIn <one node name>``."""
    op, values = requirement.get("operator", ""), requirement.get("values") or []
    errors: list[FieldError] = []
    if op in ("In", "NotIn"):
        if len(values) != 1:
            errors.append(required(f"{path}.values",
                                   "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
    else:
        errors.append(invalid(f"{path}.operator", op, "not a valid selector operator"))
    key = requirement.get("key", "")
    if key != "metadata.name":
        errors.append(invalid(f"{path}.key", key, "not a valid field selector key"))
    else:
        for i, value in enumerate(values):
            errors += [invalid(f"{path}.values[{i}]", value, m) for m in is_dns1123_subdomain(value)]
    return errors


def node_selector_term_errors(term: Mapping[str, Any], path: str) -> list[FieldError]:
    """ValidateNodeSelectorTerm."""
    errors: list[FieldError] = []
    for j, requirement in enumerate(term.get("matchExpressions") or ()):
        errors += node_selector_requirement_errors(requirement, f"{path}.matchExpressions[{j}]")
    for j, requirement in enumerate(term.get("matchFields") or ()):
        errors += node_field_requirement_errors(requirement, f"{path}.matchFields[{j}]")
    return errors


def node_selector_errors(selector: Mapping[str, Any], path: str) -> list[FieldError]:
    """ValidateNodeSelector: at least one term."""
    terms = selector.get("nodeSelectorTerms") or []
    if not terms:
        return [required(f"{path}.nodeSelectorTerms", "must have at least one node selector term")]
    errors: list[FieldError] = []
    for i, term in enumerate(terms):
        errors += node_selector_term_errors(term, f"{path}.nodeSelectorTerms[{i}]")
    return errors


def node_affinity_errors(affinity: Mapping[str, Any], path: str = "spec.affinity.nodeAffinity") -> list[FieldError]:
    """validateNodeAffinity and ValidatePreferredSchedulingTerms."""
    errors: list[FieldError] = []
    required_terms = affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required_terms is not None:
        errors += node_selector_errors(required_terms, f"{path}.requiredDuringSchedulingIgnoredDuringExecution")
    for i, term in enumerate(affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or ()):
        at = f"{path}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
        weight = term.get("weight", 0)
        if not 0 < weight <= 100:
            errors.append(invalid(f"{at}.weight", weight, WEIGHT_ERROR))
        errors += node_selector_term_errors(term.get("preference") or {}, f"{at}.preference")
    return errors


def _label_keys_errors(keys: list[str], selector: Any, path: str) -> list[FieldError]:
    """validateLabelKeys: keys of a label selector that must exist."""
    if not keys:
        return []
    if selector is None:
        return [forbidden(path, "must not be specified when labelSelector is not set")]
    errors: list[FieldError] = []
    for i, key in enumerate(keys):
        errors += label_name_errors(key, f"{path}[{i}]")
    return errors


def pod_affinity_term_errors(term: Mapping[str, Any], path: str) -> list[FieldError]:
    """validatePodAffinityTerm."""
    errors = label_selector_errors(term.get("labelSelector"), f"{path}.labelSelector")
    errors += label_selector_errors(term.get("namespaceSelector"), f"{path}.namespaceSelector")
    for name in term.get("namespaces") or ():
        errors += [invalid(f"{path}.namespace", name, m) for m in is_dns1123_label(name)]  # upstream's "namespace"
    match_keys, mismatch_keys = term.get("matchLabelKeys") or [], term.get("mismatchLabelKeys") or []
    selector = term.get("labelSelector")
    errors += _label_keys_errors(match_keys, selector, f"{path}.matchLabelKeys")
    errors += _label_keys_errors(mismatch_keys, selector, f"{path}.mismatchLabelKeys")
    if selector is not None:  # a matchLabelKeys key the selector already had (the apiserver adds one of its own)
        index = {key: i for i, key in enumerate(match_keys)}
        selected = set(selector.get("matchLabels") or {})
        for expression in selector.get("matchExpressions") or ():
            key = expression.get("key", "")
            if key in index and key in selected:
                errors.append(invalid(f"{path}[{index[key]}]", key,  # upstream indexes the term's own path
                                      "exists in both matchLabelKeys and labelSelector"))
            selected.add(key)
    for i, key in enumerate(match_keys):
        if key in mismatch_keys:
            errors.append(invalid(f"{path}.matchLabelKeys[{i}]", key,
                                  "exists in both matchLabelKeys and mismatchLabelKeys"))
    topology_key = term.get("topologyKey", "")
    if not topology_key:
        errors.append(required(f"{path}.topologyKey", "can not be empty"))
    return errors + label_name_errors(topology_key, f"{path}.topologyKey")


def _pod_affinity_errors(affinity: Mapping[str, Any], path: str) -> list[FieldError]:
    """validatePodAffinity / validatePodAntiAffinity (the two share their rules)."""
    errors: list[FieldError] = []
    for i, term in enumerate(affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or ()):
        errors += pod_affinity_term_errors(term, f"{path}.requiredDuringSchedulingIgnoredDuringExecution[{i}]")
    for i, weighted in enumerate(affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or ()):
        at = f"{path}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
        weight = weighted.get("weight", 0)
        if not 0 < weight <= 100:
            errors.append(invalid(f"{at}.weight", weight, WEIGHT_ERROR))
        errors += pod_affinity_term_errors(weighted.get("podAffinityTerm") or {}, f"{at}.podAffinityTerm")
    return errors


def affinity_errors(affinity: Mapping[str, Any] | None, path: str) -> list[FieldError]:
    """validateAffinity."""
    if affinity is None:
        return []
    errors: list[FieldError] = []
    if "nodeAffinity" in affinity:
        errors += node_affinity_errors(affinity["nodeAffinity"], f"{path}.nodeAffinity")
    for kind in ("podAffinity", "podAntiAffinity"):
        if kind in affinity:
            errors += _pod_affinity_errors(affinity[kind], f"{path}.{kind}")
    return errors
