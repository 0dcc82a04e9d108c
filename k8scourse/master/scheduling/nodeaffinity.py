"""Node selectors and node affinity: the nodes a pod must, or would like to, run on.

Two pod fields say where a pod may go, and both must hold:

* ``spec.nodeSelector``: labels the node must have (``{disktype: ssd}``);
* ``spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution``:
  ``nodeSelectorTerms``, ORed; inside a term, ``matchExpressions`` on labels
  (``In``, ``NotIn``, ``Exists``, ``DoesNotExist``, ``Gt``, ``Lt``) and
  ``matchFields`` on ``metadata.name`` are ANDed.

``preferredDuringSchedulingIgnoredDuringExecution`` terms carry a weight: a
node scores the sum of the weights of the terms it matches.

Validation follows ``pkg/apis/core/validation/validation.go``
(``ValidateNodeSelector``, ``ValidateNodeSelectorRequirement``,
``ValidatePreferredSchedulingTerms``); matching follows
``k8s.io/component-helpers/scheduling/corev1/nodeaffinity``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from k8scourse.api.errors import (
    FieldError,
    LabelSelectorError,
    forbidden,
    invalid,
    required,
)
from k8scourse.api.selectors import (
    DOES_NOT_EXIST,
    EQUALS,
    EXISTS,
    GREATER_THAN,
    IN,
    LESS_THAN,
    NOT_IN,
    Requirement,
    Selector,
)
from k8scourse.api.validation import is_dns1123_subdomain, is_qualified_name

# NodeSelectorOperator -> the label selector operator it becomes (nodeSelectorRequirementsAsSelector).
OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST,
             "Gt": GREATER_THAN, "Lt": LESS_THAN}
OBJECT_NAME_FIELD = "metadata.name"  # the only field matchFields supports
REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution"
PREFERRED = "preferredDuringSchedulingIgnoredDuringExecution"


# --- validation ----------------------------------------------------------------------

def _requirement_errors(req: Any, path: str) -> list[FieldError]:
    """ValidateNodeSelectorRequirement: operator, number of values, key."""
    if not isinstance(req, Mapping):
        return [invalid(path, str(req), "must be an object with key, operator and values")]
    op, values = req.get("operator", ""), req.get("values") or []
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
            errors.append(required(f"{path}.values", "must be specified single value when `operator` is 'Lt' or 'Gt'"))
    else:
        errors.append(invalid(f"{path}.operator", op, "not a valid selector operator"))
    key = req.get("key", "")
    return errors + [invalid(f"{path}.key", key, m) for m in is_qualified_name(key)]


def _field_requirement_errors(req: Any, path: str) -> list[FieldError]:
    """validateNodeFieldSelectorRequirement: only ``metadata.name``, ``In``/``NotIn``, one value."""
    if not isinstance(req, Mapping):
        return [invalid(path, str(req), "must be an object with key, operator and values")]
    op, values = req.get("operator", ""), req.get("values") or []
    errors: list[FieldError] = []
    if op in ("In", "NotIn"):
        if len(values) != 1:
            errors.append(required(f"{path}.values",
                                   "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
    else:
        errors.append(invalid(f"{path}.operator", op, "not a valid selector operator"))
    key = req.get("key", "")
    if key != OBJECT_NAME_FIELD:
        return errors + [invalid(f"{path}.key", key, "not a valid field selector key")]
    return errors + [invalid(f"{path}.values[{i}]", v, m)
                     for i, v in enumerate(values) for m in is_dns1123_subdomain(v)]


def _term_errors(term: Any, path: str) -> list[FieldError]:
    """ValidateNodeSelectorTerm."""
    if not isinstance(term, Mapping):
        return [invalid(path, str(term), "must be an object with matchExpressions and/or matchFields")]
    errors = [e for j, req in enumerate(term.get("matchExpressions") or ())
              for e in _requirement_errors(req, f"{path}.matchExpressions[{j}]")]
    return errors + [e for j, req in enumerate(term.get("matchFields") or ())
                     for e in _field_requirement_errors(req, f"{path}.matchFields[{j}]")]


def node_affinity_errors(node_affinity: Any, path: str = "spec.affinity.nodeAffinity") -> list[FieldError]:
    """Every broken rule in a pod's ``nodeAffinity`` (validateNodeAffinity)."""
    if not node_affinity:
        return []
    if not isinstance(node_affinity, Mapping):
        return [invalid(path, str(node_affinity), "must be an object")]
    errors: list[FieldError] = []
    selector = node_affinity.get(REQUIRED)
    if selector is not None:
        terms_path = f"{path}.{REQUIRED}.nodeSelectorTerms"
        terms = (selector or {}).get("nodeSelectorTerms") or []
        if not terms:
            errors.append(required(terms_path, "must have at least one node selector term"))
        for i, term in enumerate(terms):
            errors += _term_errors(term, f"{terms_path}[{i}]")
    for i, term in enumerate(node_affinity.get(PREFERRED) or ()):
        at = f"{path}.{PREFERRED}[{i}]"
        weight = term.get("weight", 0) if isinstance(term, Mapping) else 0
        if not isinstance(weight, int) or not 1 <= weight <= 100:
            errors.append(invalid(f"{at}.weight", weight, "must be in the range 1-100"))
        errors += _term_errors(term.get("preference") if isinstance(term, Mapping) else term, f"{at}.preference")
    return errors


# --- matching --------------------------------------------------------------------------

class NodeSelectorTerm:
    """One compiled term: label requirements and ``metadata.name`` requirements, ANDed.

    An empty term matches no node. A term that does not parse (say a ``Gt``
    value that is not an integer) matches no node either: upstream's
    ``LazyErrorNodeSelector`` reports such errors only when nothing matches,
    and the scheduler ignores them ("for backwards compatibility").
    """

    __slots__ = ("labels", "fields", "never")

    def __init__(self, term: Mapping[str, Any]) -> None:
        expressions, fields = term.get("matchExpressions") or (), term.get("matchFields") or ()
        self.never = not expressions and not fields
        try:
            self.labels = Selector([Requirement(r["key"], OPERATORS[r["operator"]], tuple(r.get("values") or ()))
                                    for r in expressions])
            self.fields = Selector([Requirement(r["key"], OPERATORS[r["operator"]], tuple(r.get("values") or ()))
                                    for r in fields])
        except (LabelSelectorError, KeyError):
            self.labels = self.fields = Selector()
            self.never = True

    def matches(self, labels: Mapping[str, str], node_name: str) -> bool:
        if self.never:
            return False
        return self.labels.matches(labels) and (self.fields.empty()
                                                or self.fields.matches({OBJECT_NAME_FIELD: node_name}))


class RequiredNodeAffinity:
    """``nodeSelector`` AND (any of the required terms): GetRequiredNodeAffinity."""

    __slots__ = ("selector", "terms")

    def __init__(self, node_selector: Mapping[str, str] | None, node_affinity: Mapping[str, Any] | None) -> None:
        self.selector = Selector([Requirement(k, EQUALS, (v,)) for k, v in (node_selector or {}).items()])
        required_selector = (node_affinity or {}).get(REQUIRED)
        self.terms: Sequence[NodeSelectorTerm] | None = None if required_selector is None else tuple(
            NodeSelectorTerm(t) for t in required_selector.get("nodeSelectorTerms") or ())

    @property
    def matches_all(self) -> bool:
        """True when the pod sets neither, so every node matches."""
        return self.selector.empty() and self.terms is None

    def matches(self, labels: Mapping[str, str], node_name: str) -> bool:
        if not self.selector.matches(labels):
            return False
        return self.terms is None or any(t.matches(labels, node_name) for t in self.terms)


class PreferredNodeAffinity:
    """Weighted terms; a node's raw score is the sum of the weights it matches.

    Terms of weight 0 or with no requirements are skipped (NewPreferredSchedulingTerms).
    """

    __slots__ = ("terms",)

    def __init__(self, node_affinity: Mapping[str, Any] | None) -> None:
        self.terms = tuple((t.get("weight", 0), NodeSelectorTerm(t.get("preference") or {}))
                           for t in (node_affinity or {}).get(PREFERRED) or ()
                           if t.get("weight", 0) and (t.get("preference") or {}))

    def score(self, labels: Mapping[str, str], node_name: str) -> int:
        return sum(weight for weight, term in self.terms if term.matches(labels, node_name))
