"""Node selectors and node affinity: the nodes a pod must, or would like to, run on.

Two pod fields say where a pod may go, and both must hold:

* ``spec.nodeSelector``: labels the node must have (``{disktype: ssd}``);
* ``spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution``:
  ``nodeSelectorTerms``, ORed; inside a term, ``matchExpressions`` on labels
  (``In``, ``NotIn``, ``Exists``, ``DoesNotExist``, ``Gt``, ``Lt``) and
  ``matchFields`` on ``metadata.name`` are ANDed.

``preferredDuringSchedulingIgnoredDuringExecution`` terms carry a weight: a
node scores the sum of the weights of the terms it matches.

Matching follows ``k8s.io/component-helpers/scheduling/corev1/nodeaffinity``;
the apiserver validates these fields (:mod:`k8scourse.api.podvalidation.affinity`).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from k8scourse.api.errors import LabelSelectorError
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

# NodeSelectorOperator -> the label selector operator it becomes (nodeSelectorRequirementsAsSelector).
OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST,
             "Gt": GREATER_THAN, "Lt": LESS_THAN}
OBJECT_NAME_FIELD = "metadata.name"  # the only field matchFields supports
REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution"
PREFERRED = "preferredDuringSchedulingIgnoredDuringExecution"


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
