"""The scheduler's cache: what every node offers and what has been promised on it.

The scheduler never asks a node how busy it is. It keeps its own books,
filled from the apiserver's watch events: each node's *allocatable*
resources (``status.allocatable``) and the *requests* of the pods bound to
it. A pod the scheduler has just placed is **assumed**: booked on its node
at once, before the binding is even written, so the next pod in the queue
already sees the space taken. When the pod's watch event confirms the
binding, the booking stays; if binding fails, the pod is **forgotten**
(``pkg/scheduler/backend/cache/cache.go``: AssumePod, AddPod, ForgetPod).

Nodes are listed in upstream's ``nodeTree`` order: zones take turns
(first node of each zone, then the second of each, ...), so that a search
that stops early still sees every zone.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping

from .podinfo import PodInfo, amount
from .taints import Taint, node_taints

# kubelet's default maxPods (pkg/kubelet/apis/config/v1beta1/defaults.go), used
# when a node reports no allocatable pod count.
DEFAULT_MAX_PODS = 110

LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_ZONE = "topology.kubernetes.io/zone"
LABEL_REGION = "topology.kubernetes.io/region"
LABEL_ZONE_BETA = "failure-domain.beta.kubernetes.io/zone"
LABEL_REGION_BETA = "failure-domain.beta.kubernetes.io/region"

PodHook = Callable[[PodInfo, "NodeInfo", int], None]


def zone_key(labels: Mapping[str, str]) -> str:
    """The node's zone as nodeTree groups it: region and zone, or "" (utilnode.GetZoneKey)."""
    zone = labels.get(LABEL_ZONE_BETA, labels.get(LABEL_ZONE, ""))
    region = labels.get(LABEL_REGION_BETA, labels.get(LABEL_REGION, ""))
    return f"{region}:\x00:{zone}" if region or zone else ""


class NodeInfo:
    """One node's books: what it can hold and what its pods have requested.

    ``requested_*`` are the pods' requests (the NodeResourcesFit filter and
    the BalancedAllocation score use them); ``non_zero_*`` count a container
    without requests as 100m/200MB (the LeastAllocated score uses them).
    ``node`` is None while pods are known on a node the cache has not seen.
    """

    __slots__ = ("name", "slot", "node", "labels", "taints", "unschedulable",
                 "allocatable_cpu", "allocatable_memory", "allowed_pods",
                 "requested_cpu", "requested_memory", "non_zero_cpu", "non_zero_memory", "pods")

    def __init__(self, name: str, slot: int) -> None:
        self.name, self.slot = name, slot
        self.node: Mapping[str, Any] | None = None
        self.labels: Mapping[str, str] = {}
        self.taints: tuple[Taint, ...] = ()
        self.unschedulable = False
        self.allocatable_cpu = self.allocatable_memory = self.allowed_pods = 0
        self.requested_cpu = self.requested_memory = self.non_zero_cpu = self.non_zero_memory = 0
        self.pods: dict[str, PodInfo] = {}

    def set_node(self, node: Mapping[str, Any]) -> None:
        """Read allocatable resources, labels, taints and ``spec.unschedulable`` from a Node."""
        status = node.get("status") or {}
        # The apiserver defaults allocatable to capacity (SetDefaults_NodeStatus).
        allocatable = status.get("allocatable") or status.get("capacity") or {}
        path = f"Node {node['metadata']['name']}: status.allocatable"
        self.node = node
        self.labels = node["metadata"].get("labels") or {}
        self.taints = node_taints(node)
        self.unschedulable = bool((node.get("spec") or {}).get("unschedulable"))
        self.allocatable_cpu = amount(allocatable["cpu"], f"{path}[cpu]", True) if "cpu" in allocatable else 0
        self.allocatable_memory = amount(allocatable["memory"], f"{path}[memory]", False) \
            if "memory" in allocatable else 0
        self.allowed_pods = amount(allocatable["pods"], f"{path}[pods]", False) \
            if "pods" in allocatable else DEFAULT_MAX_PODS

    def add_pod(self, pod: PodInfo) -> None:
        self.pods[pod.key] = pod
        self._book(pod, 1)

    def remove_pod(self, pod: PodInfo) -> None:
        del self.pods[pod.key]
        self._book(pod, -1)

    def _book(self, pod: PodInfo, sign: int) -> None:
        self.requested_cpu += sign * pod.requests.cpu
        self.requested_memory += sign * pod.requests.memory
        self.non_zero_cpu += sign * pod.non_zero.cpu
        self.non_zero_memory += sign * pod.non_zero.memory

    def static_state(self) -> tuple:
        """What the node-only filters look at; when it changes, their cached results are stale."""
        return (tuple(sorted(self.labels.items())), repr(self.taints), self.unschedulable)

    def __repr__(self) -> str:
        return (f"<NodeInfo {self.name} cpu {self.requested_cpu}/{self.allocatable_cpu}m "
                f"memory {self.requested_memory}/{self.allocatable_memory} pods {len(self.pods)}/{self.allowed_pods}>")


class NodeChange:
    """What a node event changed, for the queue to decide whom to retry."""

    __slots__ = ("added", "labels", "taints", "allocatable")

    def __init__(self, added: bool = False, labels: bool = False, taints: bool = False,
                 allocatable: bool = False) -> None:
        self.added, self.labels, self.taints, self.allocatable = added, labels, taints, allocatable

    def __bool__(self) -> bool:
        return self.added or self.labels or self.taints or self.allocatable


class Cache:
    """NodeInfos by name, which node each known pod is on, and which pods are only assumed."""

    def __init__(self) -> None:
        self.nodes: dict[str, NodeInfo] = {}
        self._pods: dict[str, tuple[PodInfo, NodeInfo]] = {}
        self._assumed: set[str] = set()
        self._zones: dict[str, list[str]] = {}  # nodeTree: zone -> node names, in order of arrival
        self._free_slots: list[int] = []
        self.slots = 0  # slots handed out so far; a NodeInfo keeps its slot for life
        self.list_version = 0  # bumps when the node list, or a node's labels or taints, change
        self.dirty: set[NodeInfo] = set()  # nodes whose numbers changed since the last snapshot
        self.pod_hooks: list[PodHook] = []  # called with (pod, node, +1 or -1) as pods come and go

    # --- nodes --------------------------------------------------------------------------

    def _node_info(self, name: str) -> NodeInfo:
        info = self.nodes.get(name)
        if info is None:
            slot = self._free_slots.pop() if self._free_slots else self.slots
            self.slots = max(self.slots, slot + 1)
            info = self.nodes[name] = NodeInfo(name, slot)
        return info

    def set_node(self, node: Mapping[str, Any]) -> NodeChange:
        """Add or update a node; say what changed."""
        info = self._node_info(node["metadata"]["name"])
        before = info.node
        old_state, old_zone = info.static_state(), zone_key(info.labels)
        old_allocatable = (info.allocatable_cpu, info.allocatable_memory, info.allowed_pods)
        relabelled = (node["metadata"].get("labels") or {}) != info.labels and info.pods
        if relabelled:  # what hooks counted per label of the node must be counted again
            self._hook_all(info, -1)
        info.set_node(node)
        if relabelled:
            self._hook_all(info, 1)
        self.dirty.add(info)
        if before is None:
            self._zones.setdefault(zone_key(info.labels), []).append(info.name)
            self.list_version += 1
            return NodeChange(added=True)
        if zone_key(info.labels) != old_zone:
            self._untree(info.name, old_zone)
            self._zones.setdefault(zone_key(info.labels), []).append(info.name)
        new_state = info.static_state()
        if new_state != old_state:
            self.list_version += 1
        return NodeChange(labels=new_state[0] != old_state[0],
                          taints=new_state[1:] != old_state[1:],
                          allocatable=(info.allocatable_cpu, info.allocatable_memory, info.allowed_pods)
                          != old_allocatable)

    def remove_node(self, name: str) -> None:
        info = self.nodes.get(name)
        if info is None or info.node is None:
            return
        self._untree(name, zone_key(info.labels))
        info.node = None
        self.list_version += 1
        if not info.pods:  # keep the books of a node that still has pods until they go
            self._drop(info)

    def _untree(self, name: str, zone: str) -> None:
        names = self._zones[zone]
        names.remove(name)
        if not names:
            del self._zones[zone]

    def _drop(self, info: NodeInfo) -> None:
        del self.nodes[info.name]
        self.dirty.discard(info)
        self._free_slots.append(info.slot)

    def node_order(self) -> list[NodeInfo]:
        """Nodes in nodeTree order: zones take turns (nodeTree.list)."""
        zones = list(self._zones.values())
        longest = max((len(names) for names in zones), default=0)
        return [self.nodes[names[i]] for i in range(longest) for names in zones if i < len(names)]

    # --- pods ---------------------------------------------------------------------------

    def _place(self, pod: PodInfo, node_name: str) -> None:
        info = self._node_info(node_name)
        info.add_pod(pod)
        self._pods[pod.key] = (pod, info)
        self.dirty.add(info)
        for hook in self.pod_hooks:
            hook(pod, info, 1)

    def _unplace(self, key: str) -> None:
        pod, info = self._pods.pop(key)
        info.remove_pod(pod)
        self.dirty.add(info)
        for hook in self.pod_hooks:
            hook(pod, info, -1)
        if info.node is None and not info.pods:
            self._drop(info)

    def _hook_all(self, info: NodeInfo, sign: int) -> None:
        for pod in info.pods.values():
            for hook in self.pod_hooks:
                hook(pod, info, sign)

    def assume_pod(self, pod: PodInfo, node_name: str) -> None:
        """Book a pod on the node chosen for it, before the binding is confirmed."""
        self._place(pod, node_name)
        self._assumed.add(pod.key)

    def forget_pod(self, key: str) -> None:
        """Undo an assumption (the binding failed)."""
        if key in self._assumed:
            self._assumed.discard(key)
            self._unplace(key)

    def is_assumed(self, key: str) -> bool:
        return key in self._assumed

    def set_pod(self, pod: PodInfo) -> None:
        """A pod bound to ``pod.node_name`` was added or changed (confirms an assumption)."""
        self._assumed.discard(pod.key)
        known = self._pods.get(pod.key)
        if known is not None:
            old, info = known
            if (info.name == pod.node_name and old.requests == pod.requests and old.non_zero == pod.non_zero
                    and old.labels == pod.labels and old.deleting == pod.deleting):
                info.pods[pod.key] = pod  # nothing the books depend on changed
                self._pods[pod.key] = (pod, info)
                return
            self._unplace(pod.key)
        self._place(pod, pod.node_name)

    def pod(self, key: str) -> PodInfo | None:
        """The booked info of a pod, if it is on a node (assumed or bound)."""
        known = self._pods.get(key)
        return known[0] if known else None

    def remove_pod(self, key: str) -> bool:
        """A bound pod went away; True if it was in the books."""
        self._assumed.discard(key)
        if key not in self._pods:
            return False
        self._unplace(key)
        return True

    def pods(self) -> Iterator[tuple[PodInfo, NodeInfo]]:
        return iter(self._pods.values())
