"""Field selectors: ``kubectl get pods --field-selector spec.nodeName=node-1``.

Unlike labels, fields are fixed per resource and support only ``=``, ``==``
and ``!=`` (``k8s.io/apimachinery/pkg/fields/selector.go``). Each resource
declares the fields it can be selected on; the apiserver refuses any other
with ``field label not supported: <field>``.
"""

from __future__ import annotations

from typing import Any, Mapping

from .errors import bad_request

# Fields every resource supports (generic registry's DefaultClusterScopedAttr
# and DefaultNamespaceScopedAttr), then those each resource adds
# (pkg/registry/core/pod/strategy.go PodToSelectableFields, node/strategy.go,
# event/strategy.go, namespace/strategy.go, replicationcontroller/strategy.go).
COMMON_FIELDS = ("metadata.name", "metadata.namespace")
SELECTABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "pods": ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
             "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"),
    "nodes": ("spec.unschedulable",),
    "events": ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
               "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
               "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"),
    "namespaces": ("status.phase",),
    "replicationcontrollers": ("status.replicas",),
}


class FieldSelector:
    """Requirements ``(field, op, value)`` that must all hold; empty selects everything."""

    __slots__ = ("requirements",)

    def __init__(self, requirements: tuple[tuple[str, str, str], ...] = ()) -> None:
        self.requirements = requirements

    def field_value(self, field: str) -> str | None:
        """The value an ``=`` requirement pins ``field`` to (used to index watches)."""
        for name, op, value in self.requirements:
            if name == field and op == "=":
                return value
        return None

    def check_supported(self, resource: str) -> None:
        """Refuse fields the resource does not index, as the apiserver does."""
        allowed = COMMON_FIELDS + SELECTABLE_FIELDS.get(resource, ())
        for name, _, _ in self.requirements:
            if name not in allowed:
                raise bad_request(f"field label not supported: {name}")

    def matches(self, obj: Mapping[str, Any]) -> bool:
        for name, op, value in self.requirements:
            actual = field_of(obj, name)
            if (actual == value) != (op == "="):
                return False
        return True

    def __str__(self) -> str:
        return ",".join(f"{n}{op}{v}" for n, op, v in self.requirements)


#: Boolean fields: Go's zero value is false, and the selectable-field maps
#: hold strconv.FormatBool of it, so an unset field selects as "false".
BOOLEAN_FIELDS = frozenset({"spec.unschedulable", "spec.hostNetwork"})


def field_of(obj: Mapping[str, Any], path: str) -> str:
    """The string form of a dotted field, as the apiserver's selectable-field maps hold it."""
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return "false" if path in BOOLEAN_FIELDS else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):  # events' "source" selects on source.component
        return str(value.get("component", ""))
    return str(value)


def parse_field_selector(text: str | None) -> FieldSelector:
    """Parse ``a=b,c!=d``; bad text raises the apiserver's BadRequest error."""
    if not text:
        return FieldSelector()
    requirements = []
    for part in text.split(","):
        for symbol, op in (("!=", "!="), ("==", "="), ("=", "=")):
            name, found, value = part.partition(symbol)
            if found:
                break
        else:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        if not name.strip():
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        requirements.append((name.strip(), op, value.strip()))
    return FieldSelector(tuple(sorted(requirements)))
