"""LimitRanger: a namespace's LimitRange fills in what containers leave out, then bounds them.

``plugin/pkg/admission/limitranger/admission.go`` takes part in both phases:

1. mutating (``PodMutateLimitFunc``): each container and init container gets
   the LimitRange's ``default`` limits and ``defaultRequest`` requests for
   the resources it doesn't set, and the pod is annotated with what was set
   (``kubernetes.io/limit-ranger``);
2. validating (``PodValidateLimitFunc``): every container must lie within
   ``min``/``max`` and ``maxLimitRequestRatio``, and the pod as a whole within
   the ``Pod`` item's bounds.

Because defaults are applied before validation, a request above the default
limit is refused by validation (``must be less than or equal to cpu limit``).
Pods are only admitted on CREATE: their containers' resources are immutable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from k8scourse.api.errors import forbidden_request
from k8scourse.api.quantity import Quantity, parse_quantity

from .plugin import AdmissionPlugin, Kind

if TYPE_CHECKING:
    from k8scourse.master.apiserver import APIServer

ANNOTATION = "kubernetes.io/limit-ranger"  # limitRangerAnnotation
MAX_MILLI_VALUE = (2**63 - 1) // 1000  # resource.MaxMilliValue
ResourceList = dict[str, Quantity]


def _applies(operation: str, info: Kind) -> bool:
    """SupportsAttributes: pods on CREATE only (PersistentVolumeClaims are not served here)."""
    return info.RESOURCE == "pods" and operation == "CREATE"


def _merge_container(container: dict, limits: dict, requests: dict, prefix: str) -> list[str]:
    """mergeContainerResources: fill what is missing, say what was filled."""
    resources = container.setdefault("resources", {})
    notes = []
    for key, defaults, word in (("requests", requests, "request"), ("limits", limits, "limit")):
        own = resources.get(key) or {}
        filled = sorted(name for name in defaults if name not in own)
        if filled:
            resources[key] = {**own, **{name: defaults[name] for name in filled}}
            notes.append(f"{', '.join(filled)} {word} for {prefix} {container.get('name', '')}")
    return notes


def mutate_pod(limit_range: dict, pod: dict) -> None:
    """PodMutateLimitFunc for one LimitRange; its annotation replaces any earlier range's."""
    limits: dict = {}
    requests: dict = {}
    for item in limit_range["spec"].get("limits") or ():  # defaultContainerResourceRequirements
        if item.get("type") == "Container":
            requests.update(item.get("defaultRequest") or {})
            limits.update(item.get("default") or {})
    spec = pod["spec"]
    notes = [note for c in spec.get("containers") or () for note in _merge_container(c, limits, requests, "container")]
    notes += [note for c in spec.get("initContainers") or ()
              for note in _merge_container(c, limits, requests, "init container")]
    if notes:
        pod["metadata"].setdefault("annotations", {})[ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)


def _values(*quantities: Quantity) -> list[int]:
    """requestLimitEnforcedValues: milli-units where none overflows, else whole units."""
    if all(q.value() <= MAX_MILLI_VALUE for q in quantities):
        return [q.milli_value() for q in quantities]
    return [q.value() for q in quantities]


def _constraint_errors(kind: str, item: dict, requests: ResourceList, limits: ResourceList) -> list[str]:
    """minConstraint, maxConstraint and limitRequestRatioConstraint for one object's resources."""
    errors = []
    zero = Quantity()
    for name, raw in sorted((item.get("min") or {}).items()):
        bound = parse_quantity(raw)
        request, limit = requests.get(name), limits.get(name)
        req, lim, low = _values(request or zero, limit or zero, bound)
        if request is None:
            errors.append(f"minimum {name} usage per {kind} is {bound}.  No request is specified")
        elif req < low:
            errors.append(f"minimum {name} usage per {kind} is {bound}, but request is {request}")
        elif limit is not None and lim < low:
            errors.append(f"minimum {name} usage per {kind} is {bound}, but limit is {limit}")
    for name, raw in sorted((item.get("max") or {}).items()):
        bound = parse_quantity(raw)
        request, limit = requests.get(name), limits.get(name)
        req, lim, high = _values(request or zero, limit or zero, bound)
        if limit is None:
            errors.append(f"maximum {name} usage per {kind} is {bound}.  No limit is specified")
        elif lim > high:
            errors.append(f"maximum {name} usage per {kind} is {bound}, but limit is {limit}")
        elif request is not None and req > high:
            errors.append(f"maximum {name} usage per {kind} is {bound}, but request is {request}")
    for name, raw in sorted((item.get("maxLimitRequestRatio") or {}).items()):
        ratio = parse_quantity(raw)
        request, limit = requests.get(name), limits.get(name)
        req, lim, _ = _values(request or zero, limit or zero, ratio)
        if request is None or req == 0:
            errors.append(f"{name} max limit to request ratio per {kind} is {ratio}, "
                          "but no request is specified or request is 0")
        elif limit is None or lim == 0:
            errors.append(f"{name} max limit to request ratio per {kind} is {ratio}, "
                          "but no limit is specified or limit is 0")
        else:
            observed = lim / req
            scaled, allowed = (observed * 1000, ratio.milli_value()) if ratio.value() <= MAX_MILLI_VALUE \
                else (observed, ratio.value())
            if scaled > allowed:
                errors.append(f"{name} max limit to request ratio per {kind} is {ratio}, "
                              f"but provided ratio is {observed:f}")
    return errors


def _resource_list(container: dict, key: str) -> ResourceList:
    return {name: parse_quantity(value) for name, value in ((container.get("resources") or {}).get(key) or {}).items()}


def _add(total: ResourceList, more: ResourceList) -> None:
    for name, quantity in more.items():
        total[name] = total[name] + quantity if name in total else quantity


def _pod_total(spec: dict, key: str) -> ResourceList:
    """podRequests / podLimits: containers (and sidecars) add up; other init containers
    run one at a time, so the pod needs at least the largest of them."""
    total: ResourceList = {}
    sidecars: ResourceList = {}
    init_peak: ResourceList = {}
    for container in spec.get("containers") or ():
        _add(total, _resource_list(container, key))
    for container in spec.get("initContainers") or ():
        own = _resource_list(container, key)
        if container.get("restartPolicy") == "Always":
            _add(total, own)
            _add(sidecars, own)
            need = dict(sidecars)
        else:
            need = dict(own)
            _add(need, sidecars)
        for name, quantity in need.items():
            if name not in init_peak or quantity > init_peak[name]:
                init_peak[name] = quantity
    for name, quantity in init_peak.items():
        if name not in total or quantity > total[name]:
            total[name] = quantity
    return total


def validate_pod(limit_range: dict, pod: dict) -> list[str]:
    """PodValidateLimitFunc for one LimitRange: every broken bound, in upstream's order."""
    errors: list[str] = []
    spec = pod["spec"]
    for item in limit_range["spec"].get("limits") or ():
        if item.get("type") == "Container":
            for container in [*(spec.get("containers") or ()), *(spec.get("initContainers") or ())]:
                errors += _constraint_errors("Container", item, _resource_list(container, "requests"),
                                             _resource_list(container, "limits"))
        elif item.get("type") == "Pod":
            errors += _constraint_errors("Pod", item, _pod_total(spec, "requests"), _pod_total(spec, "limits"))
    return errors


class LimitRanger(AdmissionPlugin):
    """Apply a namespace's LimitRange defaults to containers, then enforce its bounds."""

    @staticmethod
    def _ranges(api: APIServer, operation: str, info: Kind, obj: dict) -> Iterable[dict]:
        return api.list("limitranges", obj["metadata"]["namespace"]) if _applies(operation, info) else ()

    def admit(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        for limit_range in self._ranges(api, operation, info, obj):
            mutate_pod(limit_range, obj)

    def validate(self, api: APIServer, operation: str, info: Kind, obj: dict, old: dict | None) -> None:
        for limit_range in self._ranges(api, operation, info, obj):
            errors = validate_pod(limit_range, obj)
            if errors:  # utilerrors.NewAggregate: one message alone, several in brackets
                detail = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
                raise forbidden_request("pods", obj["metadata"]["name"], detail)
