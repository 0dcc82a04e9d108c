"""The node lifecycle controller: keeps each Node's taints in step with its state.

kube-controller-manager's node-lifecycle-controller
(``pkg/controller/nodelifecycle/node_lifecycle_controller.go``) runs several
loops over the Nodes it watches through the apiserver:

1. **NoSchedule tainting** (``doNoScheduleTaintingPass``), on every Node add
   or update: a cordoned node (``spec.unschedulable``, set by ``kubectl
   cordon``) gets ``node.kubernetes.io/unschedulable:NoSchedule``, and a node
   whose conditions say it is unwell gets the matching taint (Ready False ->
   ``not-ready``, Ready Unknown -> ``unreachable``, MemoryPressure True ->
   ``memory-pressure``, ...). Taints whose reason has gone are removed, so
   ``kubectl uncordon`` takes the unschedulable taint off again. The
   scheduler then only has to look at taints;
2. *health monitoring* (``monitorNodeHealth``, every ``--node-monitor-period``):
   a node whose kubelet stops posting status or renewing its Lease for
   ``--node-monitor-grace-period`` gets Ready Unknown and its pods NotReady;
3. *NoExecute tainting* (``doNoExecuteTaintingPass``): nodes not Ready for
   too long get ``not-ready``/``unreachable:NoExecute``, and taint-based
   eviction removes the pods that do not tolerate them.

Only loop 1 is modelled so far; loops 2 and 3 arrive with node failure.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Protocol

from k8scourse.api.errors import StatusError
from k8scourse.clock import VirtualClock
from k8scourse.timefmt import rfc3339

Taint = Mapping[str, Any]

NO_SCHEDULE = "NoSchedule"
# Well-known taint keys (k8s.io/api/core/v1/well_known_taints.go).
TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
#: Which condition status gives which NoSchedule taint (nodeConditionToTaintKeyStatusMap).
CONDITION_TAINTS: dict[str, dict[str, str]] = {
    "Ready": {"False": "node.kubernetes.io/not-ready", "Unknown": "node.kubernetes.io/unreachable"},
    "MemoryPressure": {"True": "node.kubernetes.io/memory-pressure"},
    "DiskPressure": {"True": "node.kubernetes.io/disk-pressure"},
    "NetworkUnavailable": {"True": "node.kubernetes.io/network-unavailable"},
    "PIDPressure": {"True": "node.kubernetes.io/pid-pressure"},
}
#: The taint keys this pass owns (taintKeyToNodeConditionMap, plus unschedulable).
CONTROLLED_KEYS = frozenset({TAINT_NODE_UNSCHEDULABLE, *(k for m in CONDITION_TAINTS.values() for k in m.values())})


class API(Protocol):
    """The part of the apiserver the controller uses."""

    def list_and_watch(self, resource: str, handler: Any, **options: Any) -> Any: ...
    def get(self, resource: str, name: str, namespace: str | None = None) -> dict: ...
    def update(self, obj: Mapping[str, Any]) -> dict: ...


def no_schedule_taints(node: Mapping[str, Any]) -> list[dict]:
    """The NoSchedule taints the node should carry: one per unwell condition, then unschedulable."""
    taints = []
    for condition in (node.get("status") or {}).get("conditions") or ():
        key = CONDITION_TAINTS.get(condition.get("type"), {}).get(condition.get("status"))
        if key:
            taints.append({"key": key, "effect": NO_SCHEDULE})
    if (node.get("spec") or {}).get("unschedulable"):
        taints.append({"key": TAINT_NODE_UNSCHEDULABLE, "effect": NO_SCHEDULE})
    return taints


def _matches(a: Taint, b: Taint) -> bool:
    """Taint.MatchTaint: the same key and effect (the value and the time do not count)."""
    return a.get("key") == b.get("key") and a.get("effect") == b.get("effect")


def _without(taints: list[Taint], gone: list[Taint]) -> list[Taint]:
    return [t for t in taints if not any(_matches(t, g) for g in gone)]


class NodeLifecycleController:
    """Watch Nodes; after each change, run the NoSchedule tainting pass for that node."""

    def __init__(self, api: API, clock: VirtualClock) -> None:
        self.api, self.clock = api, clock
        self._nodes: dict[str, Mapping[str, Any]] = {}  # the node informer's lister
        self._queue: dict[str, None] = {}  # nodeUpdateQueue: node names in arrival order, each once
        self._watches: list[Any] = []

    def start(self) -> None:
        self._watches.append(self.api.list_and_watch("nodes", self._on_node))

    def stop(self) -> None:
        for watch in self._watches:
            watch.cancel()
        self._watches.clear()

    def _on_node(self, event_type: str, node: Mapping[str, Any]) -> None:
        name = node["metadata"]["name"]
        if event_type == "DELETED":
            self._nodes.pop(name, None)
            return
        self._nodes[name] = node
        if not self._queue:  # the workers wake up for the first name queued
            self.clock.schedule(0, self._process_queue)
        self._queue[name] = None

    def _process_queue(self) -> None:
        """doNodeProcessingPassWorker: one pass per queued node."""
        while self._queue:
            name = next(iter(self._queue))
            del self._queue[name]
            self.do_no_schedule_tainting_pass(name)

    def do_no_schedule_tainting_pass(self, name: str) -> None:
        """Add the NoSchedule taints the node lacks and remove the ones it no longer has reason for."""
        node = self._nodes.get(name)
        if node is None:
            return  # deleted meanwhile
        wanted = no_schedule_taints(node)
        current = [t for t in (node.get("spec") or {}).get("taints") or ()
                   if t.get("effect") == NO_SCHEDULE and t.get("key") in CONTROLLED_KEYS]
        to_add = _without(wanted, current)  # TaintSetDiff
        to_remove = _without(current, wanted)
        if to_add or to_remove:
            self.swap_taints(name, to_add, to_remove)

    def swap_taints(self, name: str, to_add: list[Taint], to_remove: list[Taint]) -> None:
        """SwapNodeControllerTaint: stamp the new taints with ``timeAdded``, add them, then remove the others."""
        now = rfc3339(self.clock.now)
        self._write_taints(name, lambda taints: taints + [{**t, "timeAdded": now} for t in to_add])
        self._write_taints(name, lambda taints: _without(taints, to_remove))

    def _write_taints(self, name: str, change: Callable[[list[Taint]], list[Taint]]) -> None:
        """Read the node, change its taint list and write it back (AddOrUpdateTaintOnNode, RemoveTaintOffNode)."""
        try:
            node = self.api.get("nodes", name)
        except StatusError:
            return  # deleted meanwhile
        spec = dict(node.get("spec") or {})
        taints = change(list(spec.get("taints") or ()))
        if taints == (spec.get("taints") or []):
            return
        spec["taints"] = taints
        if not taints:
            del spec["taints"]  # omitempty: no taints, no field
        try:
            self.api.update({**node, "spec": spec})
        except StatusError:
            pass  # deleted or changed meanwhile: the change brings another pass
