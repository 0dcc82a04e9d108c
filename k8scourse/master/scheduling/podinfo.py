"""What the scheduler reads from a pod, worked out once when the pod arrives.

Filtering and scoring run for every pod against hundreds of nodes, so
nothing there should parse ``"250m"`` or walk a manifest. ``PodInfo`` holds
the answers as plain ints and compiled matchers (upstream's
``framework.PodInfo`` and the plugins' PreFilter states):

* **requests**: what the pod reserves, in millicores and bytes
  (``resourcehelper.PodRequests``), used by the NodeResourcesFit filter;
* **non-zero requests**: the same, but a container that asks for nothing
  counts as 100m CPU and 200 MB memory, so that the LeastAllocated score
  still spreads best-effort pods (``pkg/scheduler/util/pod_resources.go``);
* **placement**: ``nodeName``, ``nodeSelector``, node affinity and
  tolerations, compiled once per distinct combination and shared by pods
  of the same template.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping, NamedTuple

from k8scourse.api.errors import FieldError, FieldValidationError, ObjectInvalidError
from k8scourse.api.labels import label_errors
from k8scourse.api.pod import DEFAULT_SCHEDULER_NAME, toleration_errors
from k8scourse.api.podvalidation.affinity import node_affinity_errors
from k8scourse.api.resources import quantity_errors

from .nodeaffinity import (
    PreferredNodeAffinity,
    RequiredNodeAffinity,
)
from .taints import UNSCHEDULABLE_TAINT, Toleration, tolerated

# pkg/scheduler/util/pod_resources.go: DefaultMilliCPURequest, DefaultMemoryRequest.
DEFAULT_MILLI_CPU_REQUEST = 100  # 0.1 core
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024  # 200 MB


class Requests(NamedTuple):
    """CPU in millicores and memory in bytes."""

    cpu: int
    memory: int


NON_ZERO_DEFAULTS = Requests(DEFAULT_MILLI_CPU_REQUEST, DEFAULT_MEMORY_REQUEST)


@lru_cache(maxsize=4096)
def amount(raw: Any, path: str, milli: bool) -> int:
    """A manifest quantity as an int: millis of it (cpu) or whole units (memory, pods).

    Values repeat across pods (``100m``, ``128Mi``), so parsing is cached.
    A bad value raises FieldValidationError naming ``path``.
    """
    quantity, errors = quantity_errors(raw, path)
    if errors:
        raise FieldValidationError(errors)
    return quantity.milli_value() if milli else quantity.value()  # type: ignore[union-attr]


def _container_requests(container: Mapping[str, Any], path: str, fill: Requests | None) -> Requests:
    requests = (container.get("resources") or {}).get("requests") or {}
    cpu = amount(requests["cpu"], f"{path}.resources.requests[cpu]", True) if "cpu" in requests \
        else (fill.cpu if fill else 0)
    memory = amount(requests["memory"], f"{path}.resources.requests[memory]", False) if "memory" in requests \
        else (fill.memory if fill else 0)
    return Requests(cpu, memory)


def pod_requests(spec: Mapping[str, Any], fill: Requests | None = None) -> Requests:
    """What a pod reserves on its node (``resourcehelper.PodRequests`` for cpu and memory).

    App containers run together, so their requests add up. Init containers
    run one at a time before them, so each only needs to fit on its own,
    next to the sidecars (init containers with ``restartPolicy: Always``)
    started before it; sidecars keep running and add to the total.
    ``spec.overhead`` (the sandbox's cost) comes on top. With ``fill``, a
    container that leaves cpu or memory unset counts as requesting ``fill``.
    """
    cpu = memory = 0
    for i, container in enumerate(spec.get("containers") or ()):
        c = _container_requests(container, f"spec.containers[{i}]", fill)
        cpu, memory = cpu + c.cpu, memory + c.memory
    sidecar_cpu = sidecar_memory = init_cpu = init_memory = 0
    for i, container in enumerate(spec.get("initContainers") or ()):
        c = _container_requests(container, f"spec.initContainers[{i}]", fill)
        if container.get("restartPolicy") == "Always":
            cpu, memory = cpu + c.cpu, memory + c.memory
            sidecar_cpu, sidecar_memory = sidecar_cpu + c.cpu, sidecar_memory + c.memory
            needs = (sidecar_cpu, sidecar_memory)
        else:
            needs = (c.cpu + sidecar_cpu, c.memory + sidecar_memory)
        init_cpu, init_memory = max(init_cpu, needs[0]), max(init_memory, needs[1])
    cpu, memory = max(cpu, init_cpu), max(memory, init_memory)
    overhead = spec.get("overhead") or {}
    if "cpu" in overhead:
        cpu += amount(overhead["cpu"], "spec.overhead[cpu]", True)
    if "memory" in overhead:
        memory += amount(overhead["memory"], "spec.overhead[memory]", False)
    return Requests(cpu, memory)


class Placement:
    """Where a pod may go and where it would like to go, compiled.

    ``key`` identifies the combination of ``nodeName``, ``nodeSelector``,
    node affinity and tolerations; pods with equal keys get the same filter
    results on every node, so those are computed once per key.
    """

    __slots__ = ("key", "node_name", "required", "preferred", "tolerations", "tolerates_unschedulable")

    def __init__(self, key: str, spec: Mapping[str, Any]) -> None:
        node_affinity = (spec.get("affinity") or {}).get("nodeAffinity")
        self.key = key
        self.node_name: str = spec.get("nodeName", "")
        self.required = RequiredNodeAffinity(spec.get("nodeSelector"), node_affinity)
        self.preferred = PreferredNodeAffinity(node_affinity)
        self.tolerations: tuple[Toleration, ...] = tuple(spec.get("tolerations") or ())
        # A pod that tolerates the unschedulable taint also ignores spec.unschedulable (NodeUnschedulable).
        self.tolerates_unschedulable = tolerated(self.tolerations, UNSCHEDULABLE_TAINT)


def placement_errors(spec: Mapping[str, Any]) -> list[FieldError]:
    """The API rules for the placement fields, as the apiserver checks them."""
    return (label_errors(spec.get("nodeSelector"), "spec.nodeSelector")
            + toleration_errors(spec.get("tolerations") or [], "spec.tolerations")
            + node_affinity_errors((spec.get("affinity") or {}).get("nodeAffinity") or {}))


_placements: dict[str, Placement | list[FieldError]] = {}
_MAX_PLACEMENTS = 10_000  # a bound, so that a long-lived cluster's cache cannot grow forever


def placement_of(spec: Mapping[str, Any]) -> Placement:
    """The compiled placement of a pod spec; raises FieldValidationError for bad rules."""
    fields = {f: spec[f] for f in ("nodeName", "nodeSelector", "tolerations") if spec.get(f)}
    node_affinity = (spec.get("affinity") or {}).get("nodeAffinity")
    if node_affinity:
        fields["nodeAffinity"] = node_affinity
    key = repr(fields)  # equal rules written in another order only cost a second entry
    found = _placements.get(key)
    if found is None:
        if len(_placements) >= _MAX_PLACEMENTS:
            _placements.clear()
        errors = placement_errors(spec)
        found = _placements[key] = errors or Placement(key, spec)
    if isinstance(found, list):
        raise FieldValidationError(found)
    return found


class PodInfo:
    """One pod as the scheduler sees it. ``pod`` is the watched manifest: shared, never changed."""

    __slots__ = ("key", "namespace", "name", "labels", "node_name", "scheduler_name", "priority",
                 "preemption_policy", "deleting", "owner", "requests", "non_zero", "placement", "pod")

    def __init__(self, pod: Mapping[str, Any]) -> None:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        self.pod = pod
        self.namespace: str = meta.get("namespace") or "default"
        self.name: str = meta["name"]
        self.key = f"{self.namespace}/{self.name}"
        self.labels: Mapping[str, str] = meta.get("labels") or {}
        self.node_name: str = spec.get("nodeName", "")
        self.scheduler_name: str = spec.get("schedulerName") or DEFAULT_SCHEDULER_NAME
        self.priority: int = spec.get("priority") or 0
        self.preemption_policy: str = spec.get("preemptionPolicy") or "PreemptLowerPriority"
        self.deleting = bool(meta.get("deletionTimestamp"))
        self.owner = next(((r.get("apiVersion", ""), r.get("kind", ""), r.get("name", ""))
                           for r in meta.get("ownerReferences") or () if r.get("controller")), None)
        try:
            self.requests = pod_requests(spec)
            self.non_zero = pod_requests(spec, NON_ZERO_DEFAULTS)
            self.placement = placement_of(spec)
        except FieldValidationError as err:
            raise ObjectInvalidError("Pod", "", self.name, err.errors) from None

    def refreshed(self, pod: Mapping[str, Any]) -> PodInfo:
        """The info of a newer version of this pod's manifest.

        Watch events repeat the whole manifest for every change (a status
        update, the binding); only a change to what scheduling reads (the
        spec apart from ``nodeName``, labels, owner, deletion) recompiles.
        """
        meta, spec = pod["metadata"], pod.get("spec") or {}
        old_meta, old_spec = self.pod["metadata"], self.pod.get("spec") or {}
        same = ((meta.get("labels") or {}) == self.labels
                and meta.get("ownerReferences") == old_meta.get("ownerReferences")
                and (spec == old_spec or _without_node_name(spec) == _without_node_name(old_spec)))
        if not same:
            return PodInfo(pod)
        info = PodInfo.__new__(PodInfo)
        for name in PodInfo.__slots__:
            setattr(info, name, getattr(self, name))
        info.pod, info.node_name = pod, spec.get("nodeName", "")
        info.deleting = bool(meta.get("deletionTimestamp"))
        return info

    def __repr__(self) -> str:
        return f"<PodInfo {self.key} cpu={self.requests.cpu}m memory={self.requests.memory}>"


def _without_node_name(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if k != "nodeName"}
