"""The node lifecycle controller: notices nodes that stop reporting, and taints them.

kube-controller-manager's node-lifecycle-controller
(``pkg/controller/nodelifecycle/node_lifecycle_controller.go``, v1.31) runs
three loops over the Nodes, Leases and Pods it watches through the apiserver:

1. **NoSchedule tainting** (``doNoScheduleTaintingPass``), on every Node add
   or update: a cordoned node (``spec.unschedulable``, set by ``kubectl
   cordon``) gets ``node.kubernetes.io/unschedulable:NoSchedule``, and a node
   whose conditions say it is unwell gets the matching taint (Ready False ->
   ``not-ready``, Ready Unknown -> ``unreachable``, MemoryPressure True ->
   ``memory-pressure``, ...). Taints whose reason has gone are removed, so
   ``kubectl uncordon`` takes the unschedulable taint off again. The
   scheduler then only has to look at taints;
2. **health monitoring** (``monitorNodeHealth``, every ``--node-monitor-period``,
   5 s): a node is alive while its kubelet renews its Lease (every 10 s) or
   posts status. One silent for ``--node-monitor-grace-period`` (40 s in
   v1.31) has its Ready, MemoryPressure, DiskPressure and PIDPressure
   conditions set ``Unknown`` (``NodeStatusUnknown``, "Kubelet stopped posting
   node status."): ``kubectl get nodes`` shows ``NotReady``, loop 1 adds
   ``unreachable:NoSchedule``, and the Ready condition of every pod on the
   node turns False (``MarkPodsNotReady``). At the next pass the node joins
   its zone's queue for a NoExecute taint;
3. **NoExecute tainting** (``doNoExecuteTaintingPass``, every 100 ms): queued
   nodes get ``unreachable:NoExecute`` (or ``not-ready:NoExecute``), paced by
   a token bucket of ``--node-eviction-rate`` (0.1 nodes/s)
   (:mod:`.ratelimitedqueue`). The taint-eviction controller
   (:mod:`.tainteviction`) then removes the pods that do not tolerate it.

After each pass of loop 2 the controller weighs every zone (``handleDisruption``):
*FullDisruption* when none of its nodes is Ready, *PartialDisruption* when more
than 2 and at least ``--unhealthy-zone-threshold`` (55%) are not, *Normal*
otherwise. When every zone is fully disrupted the controller assumes the
trouble is its own (it cannot reach anyone) and stops tainting altogether, and
lifts the NoExecute taints it set; a partially disrupted zone is tainted at
``--secondary-node-eviction-rate`` (0.01/s) if it has more than
``--large-cluster-size-threshold`` (50) nodes, else not at all.

A node that is back posts Ready True: loop 1 removes the NoSchedule taint at
once, loop 2 the NoExecute one at its next pass.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

from k8scourse.api.errors import StatusError
from k8scourse.api.lease import NODE_LEASE_NAMESPACE
from k8scourse.clock import Timer, VirtualClock

from .base import InformerFactory, WorkQueue
from .ratelimitedqueue import RateLimitedTimedQueue, TimedValue

Taint = Mapping[str, Any]
Obj = Mapping[str, Any]

NO_SCHEDULE, NO_EXECUTE = "NoSchedule", "NoExecute"
# Well-known taint keys (k8s.io/api/core/v1/well_known_taints.go).
TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
TAINT_NODE_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_NODE_UNREACHABLE = "node.kubernetes.io/unreachable"
UNREACHABLE_NO_EXECUTE: Taint = {"key": TAINT_NODE_UNREACHABLE, "effect": NO_EXECUTE}  # UnreachableTaintTemplate
NOT_READY_NO_EXECUTE: Taint = {"key": TAINT_NODE_NOT_READY, "effect": NO_EXECUTE}  # NotReadyTaintTemplate
#: Which condition status gives which NoSchedule taint (nodeConditionToTaintKeyStatusMap).
CONDITION_TAINTS: dict[str, dict[str, str]] = {
    "Ready": {"False": TAINT_NODE_NOT_READY, "Unknown": TAINT_NODE_UNREACHABLE},
    "MemoryPressure": {"True": "node.kubernetes.io/memory-pressure"},
    "DiskPressure": {"True": "node.kubernetes.io/disk-pressure"},
    "NetworkUnavailable": {"True": "node.kubernetes.io/network-unavailable"},
    "PIDPressure": {"True": "node.kubernetes.io/pid-pressure"},
}
#: The taint keys the NoSchedule pass owns (taintKeyToNodeConditionMap, plus unschedulable).
CONTROLLED_KEYS = frozenset({TAINT_NODE_UNSCHEDULABLE, *(k for m in CONDITION_TAINTS.values() for k in m.values())})

# Defaults, v1.31 (cmd/kube-controller-manager/app/options/nodelifecyclecontroller.go and the files named):
NODE_MONITOR_PERIOD = 5.0  # k8s.io/cloud-provider/config/v1alpha1/defaults.go: NodeMonitorPeriod 5s
NODE_MONITOR_GRACE_PERIOD = 40.0  # pkg/controller/nodelifecycle/config/v1alpha1/defaults.go (50 s from v1.32)
NODE_STARTUP_GRACE_PERIOD = 60.0  # same file: NodeStartupGracePeriod
NODE_EVICTION_RATE = 0.1  # --node-eviction-rate (nodes per second)
SECONDARY_NODE_EVICTION_RATE = 0.01  # --secondary-node-eviction-rate
LARGE_CLUSTER_SIZE_THRESHOLD = 50  # --large-cluster-size-threshold
UNHEALTHY_ZONE_THRESHOLD = 0.55  # --unhealthy-zone-threshold
NODE_EVICTION_PERIOD = 0.1  # pkg/controller/nodelifecycle/scheduler/rate_limited_queue.go: NodeEvictionPeriod
NODE_HEALTH_UPDATE_RETRY = 5  # same file: NodeHealthUpdateRetry
#: The conditions a silent node's kubelet no longer vouches for (NetworkUnavailable is the control plane's).
UNKNOWN_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
NODE_STATUS_UNKNOWN = ("NodeStatusUnknown", "Kubelet stopped posting node status.")
NODE_STATUS_NEVER_UPDATED = ("NodeStatusNeverUpdated", "Kubelet never posted node status.")
LABEL_ZONE, LABEL_REGION = "topology.kubernetes.io/zone", "topology.kubernetes.io/region"
LABEL_EXCLUDE_DISRUPTION = "node.kubernetes.io/exclude-disruption"  # labelNodeDisruptionExclusion
SOURCE = "node-controller"  # the component its events name

# ZoneState
INITIAL, NORMAL, FULL_DISRUPTION, PARTIAL_DISRUPTION = "Initial", "Normal", "FullDisruption", "PartialDisruption"


class API(Protocol):
    """The part of the apiserver the controller uses."""

    def list_and_watch(self, resource: str, handler: Any, **options: Any) -> Any: ...
    def get(self, resource: str, name: str, namespace: str | None = None) -> dict: ...
    def update(self, obj: Mapping[str, Any]) -> dict: ...
    def update_status(self, obj: Mapping[str, Any]) -> dict: ...
    def record_event(self, obj: Mapping[str, Any], type: str, reason: str, message: str, source: str) -> None: ...


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


def condition(status: Mapping[str, Any] | None, kind: str) -> dict | None:
    """GetNodeCondition: the condition of type ``kind``, or None."""
    for c in (status or {}).get("conditions") or ():
        if c.get("type") == kind:
            return c
    return None


def zone_key(node: Obj) -> str:
    """nodetopology.GetZoneKey: region and zone labels joined; "" for a node with neither."""
    labels = node["metadata"].get("labels") or {}
    region, zone = labels.get(LABEL_REGION, ""), labels.get(LABEL_ZONE, "")
    return f"{region}:\x00:{zone}" if region or zone else ""


def _matches(a: Taint, b: Taint) -> bool:
    """Taint.MatchTaint: the same key and effect (the value and the time do not count)."""
    return a.get("key") == b.get("key") and a.get("effect") == b.get("effect")


def _without(taints: list[Taint], gone: list[Taint]) -> list[Taint]:
    return [t for t in taints if not any(_matches(t, g) for g in gone)]


def _add_or_update(taints: list[Taint], new: list[Taint]) -> list[Taint]:
    """AddOrUpdateTaint for each new taint: replace the one with its key and effect in place, else append."""
    result = list(taints)
    for taint in new:
        at = next((i for i, t in enumerate(result) if _matches(t, taint)), None)
        if at is None:
            result.append(taint)
        else:
            result[at] = taint
    return result


def has_taint(node: Obj, taint: Taint) -> bool:
    """TaintExists on the node's spec."""
    return any(_matches(t, taint) for t in (node.get("spec") or {}).get("taints") or ())


@dataclass
class NodeHealth:
    """nodeHealthData: what the controller last saw of a node, and when (on its own clock)."""

    probe_timestamp: float  # the last time a heartbeat (status or lease) was seen to change
    ready_transition_timestamp: float
    status: Mapping[str, Any]
    lease: Obj | None = None


class NodeLifecycleController:
    """Taint nodes after their conditions; mark silent nodes NotReady and queue them for NoExecute taints."""

    def __init__(self, api: API, clock: VirtualClock, informers: InformerFactory | None = None, *,
                 node_monitor_period: float = NODE_MONITOR_PERIOD,
                 node_monitor_grace_period: float = NODE_MONITOR_GRACE_PERIOD,
                 node_startup_grace_period: float = NODE_STARTUP_GRACE_PERIOD,
                 eviction_rate: float = NODE_EVICTION_RATE,
                 secondary_eviction_rate: float = SECONDARY_NODE_EVICTION_RATE,
                 large_cluster_threshold: int = LARGE_CLUSTER_SIZE_THRESHOLD,
                 unhealthy_zone_threshold: float = UNHEALTHY_ZONE_THRESHOLD) -> None:
        self.api, self.clock = api, clock
        informers = informers or InformerFactory(api)
        self.nodes, self.leases, self.pods = (informers.informer(r) for r in ("nodes", "leases", "pods"))
        self.nodes.add_handler(self._on_node)
        self.pods.add_handler(self._on_pod)
        self.node_monitor_period = node_monitor_period
        self.node_monitor_grace_period = node_monitor_grace_period
        self.node_startup_grace_period = node_startup_grace_period
        self.eviction_rate, self.secondary_eviction_rate = eviction_rate, secondary_eviction_rate
        self.large_cluster_threshold, self.unhealthy_zone_threshold = large_cluster_threshold, unhealthy_zone_threshold
        self.node_update_queue = WorkQueue(clock, self.do_no_schedule_tainting_pass)
        self.known_nodes: dict[str, Obj] = {}  # knownNodeSet
        self.health: dict[str, NodeHealth] = {}  # nodeHealthMap
        self.nodes_to_retry: set[str] = set()
        self.zone_states: dict[str, str] = {}
        self.zone_tainters: dict[str, RateLimitedTimedQueue] = {}  # zoneNoExecuteTainter
        self._pods_by_node: dict[str, dict[str, None]] = {}  # the pod informer's spec.nodeName index
        self._timers: list[Timer] = []
        self._tainting: Timer | None = None

    def start(self) -> None:
        for informer in (self.nodes, self.leases, self.pods):
            informer.start()
        # wait.Until runs the monitor at once, then every period.
        self._timers.append(self.clock.call_every(self.node_monitor_period, self.monitor_node_health, first_delay=0))

    def stop(self) -> None:
        for timer in [*self._timers, self._tainting]:
            if timer is not None:
                timer.cancel()
        self._timers.clear()
        self._tainting = None
        for informer in (self.nodes, self.leases, self.pods):
            informer.stop()

    # --- event handlers ----------------------------------------------------------------

    def _on_node(self, event_type: str, node: Obj, old: Obj | None) -> None:
        if event_type != "DELETED":
            self.node_update_queue.add(node["metadata"]["name"])
        else:
            self.nodes_to_retry.discard(node["metadata"]["name"])

    def _on_pod(self, event_type: str, pod: Obj, old: Obj | None) -> None:
        """Keep the node index, and look at a pod newly bound to a node (podUpdated)."""
        key = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        before = (old or {}).get("spec", {}).get("nodeName") if old else None
        after = pod["spec"].get("nodeName") if event_type != "DELETED" else None
        if before and before != after:
            self._pods_by_node.get(before, {}).pop(key, None)
        if after:
            self._pods_by_node.setdefault(after, {})[key] = None
            if after != before:
                self.clock.schedule(0, self.process_pod, key)

    def pods_on(self, node_name: str) -> list[Obj]:
        """getPodsAssignedToNode, from the pod informer's cache."""
        found = (self.pods.get(key) for key in self._pods_by_node.get(node_name, ()))
        return [p for p in found if p is not None and p["spec"].get("nodeName") == node_name]

    # --- loop 1: NoSchedule taints -------------------------------------------------------

    def do_no_schedule_tainting_pass(self, name: str) -> None:
        """Add the NoSchedule taints the node lacks and remove the ones it no longer has reason for."""
        node = self.nodes.get(name)
        if node is None:
            return  # deleted meanwhile
        wanted = no_schedule_taints(node)
        current = [t for t in (node.get("spec") or {}).get("taints") or ()
                   if t.get("effect") == NO_SCHEDULE and t.get("key") in CONTROLLED_KEYS]
        to_add = _without(wanted, current)  # TaintSetDiff
        to_remove = _without(current, wanted)
        if to_add or to_remove:
            self.swap_taints(name, to_add, to_remove)

    def swap_taints(self, name: str, to_add: list[Taint], to_remove: list[Taint]) -> bool:
        """SwapNodeControllerTaint: stamp the new taints with ``timeAdded``, add them, then remove the others."""
        now = self.clock.rfc3339(self.clock.now)
        stamped = [{**t, "timeAdded": now} for t in to_add]
        added = self._write_taints(name, lambda taints: _add_or_update(taints, stamped))
        return added and self._write_taints(name, lambda taints: _without(taints, to_remove))

    def _write_taints(self, name: str, change: Callable[[list[Taint]], list[Taint]]) -> bool:
        """Read the node, change its taint list and write it back (AddOrUpdateTaintOnNode, RemoveTaintOffNode)."""
        try:
            node = self.api.get("nodes", name)
        except StatusError:
            return False  # deleted meanwhile
        spec = dict(node.get("spec") or {})
        before = list(spec.get("taints") or ())
        taints = change(before)
        if taints == before:
            return True
        spec["taints"] = taints
        if not taints:
            del spec["taints"]  # omitempty: no taints, no field
        try:
            self.api.update({**node, "spec": spec})
        except StatusError:
            return False  # deleted or changed meanwhile: the change brings another pass
        return True

    # --- loop 2: health --------------------------------------------------------------------

    def monitor_node_health(self) -> None:
        """Mark nodes whose heartbeats stopped NotReady; queue unwell nodes for NoExecute taints."""
        nodes = sorted(self.nodes.list(), key=lambda n: n["metadata"]["name"])
        names = {n["metadata"]["name"] for n in nodes}
        for node in nodes:
            name = node["metadata"]["name"]
            if name not in self.known_nodes:  # classifyNodes: added
                self.known_nodes[name] = node
                self._add_zone(node)
                self.mark_node_as_reachable(node)
            elif zone_key(node) not in self.zone_states:  # a known node in a zone not seen yet
                self._add_zone(node)
        for name in [n for n in self.known_nodes if n not in names]:  # deleted
            del self.known_nodes[name]
        zone_conditions: dict[str, list[dict | None]] = {}
        for node in nodes:
            self._update_node(node, zone_conditions)
        self.handle_disruption(zone_conditions, nodes)
        self._ensure_tainting()

    def _update_node(self, node: Obj, zone_conditions: dict[str, list[dict | None]]) -> None:
        """One node of monitorNodeHealth: its health, its NoExecute taint, its pods' readiness."""
        name = node["metadata"]["name"]
        latest = node
        for _ in range(NODE_HEALTH_UPDATE_RETRY):
            try:
                observed, current = self.try_update_node_health(latest)
                break
            except StatusError:
                try:
                    latest = self.api.get("nodes", name)  # changed meanwhile: try again on the latest
                except StatusError:
                    return  # deleted
        else:
            return  # "Update health of Node from Controller error, Skipping - no pods will be evicted"
        if LABEL_EXCLUDE_DISRUPTION not in (node["metadata"].get("labels") or {}):
            zone_conditions.setdefault(zone_key(node), []).append(current)
        if current is None:
            return
        self.process_taint_based_eviction(latest, observed)
        if current["status"] != "True" and observed["status"] == "True":
            self.api.record_event(self._node_ref(node), "Normal", "NodeNotReady",
                                  f"Node {name} status is now: NodeNotReady", SOURCE)
            self.mark_pods_not_ready(self.pods_on(name), name)
        elif name in self.nodes_to_retry and observed["status"] != "True":
            self.mark_pods_not_ready(self.pods_on(name), name)
        self.nodes_to_retry.discard(name)

    def try_update_node_health(self, node: Obj) -> tuple[dict, dict | None]:
        """tryUpdateNodeHealth: the Ready condition as observed and as it is now; writes Unknown
        conditions when neither the status nor the Lease has changed for the grace period.
        ``node`` is the informer's (shared: it is copied before it is changed)."""
        name, now = node["metadata"]["name"], self.clock.now
        status = node.get("status") or {}
        health = self.health.get(name)
        current = condition(status, "Ready")
        if current is None:  # the kubelet never posted status: count from the node's creation
            created = node["metadata"]["creationTimestamp"]
            observed = {"type": "Ready", "status": "Unknown", "lastHeartbeatTime": created,
                        "lastTransitionTime": created}
            grace = self.node_startup_grace_period
            if health is not None:
                health.status = status
            else:
                health = NodeHealth(self.clock.parse_rfc3339(created), self.clock.parse_rfc3339(created), status)
        else:
            observed = dict(current)
            grace = self.node_monitor_grace_period
        saved = condition(health.status, "Ready") if health is not None else None
        saved_lease = health.lease if health is not None else None
        if health is None or (saved is None) != (current is None):
            health = NodeHealth(now, now, status)
        elif saved is not None and current is not None and saved["lastHeartbeatTime"] != current["lastHeartbeatTime"]:
            moved = saved["lastTransitionTime"] != current["lastTransitionTime"]
            health = NodeHealth(now, now if moved else health.ready_transition_timestamp, status)
        lease = self.leases.get(f"{NODE_LEASE_NAMESPACE}/{name}")
        if lease is not None and (saved_lease is None or _renewed(saved_lease) < _renewed(lease)):
            health.lease, health.probe_timestamp = lease, now  # a renewed Lease is a heartbeat too
        self.health[name] = health
        if not now > health.probe_timestamp + grace:
            return observed, current
        node = copy.deepcopy(dict(node))
        status = node.setdefault("status", {})
        stamp = self.clock.rfc3339(now)
        conditions = status.setdefault("conditions", [])
        for kind in UNKNOWN_CONDITIONS:
            found = condition(status, kind)
            if found is None:
                reason, message = NODE_STATUS_NEVER_UPDATED
                conditions.append({"type": kind, "status": "Unknown", "lastHeartbeatTime":
                                   node["metadata"]["creationTimestamp"], "lastTransitionTime": stamp,
                                   "reason": reason, "message": message})
            elif found["status"] != "Unknown":
                found["status"] = "Unknown"
                found["reason"], found["message"] = NODE_STATUS_UNKNOWN
                found["lastTransitionTime"] = stamp  # lastHeartbeatTime stays: when the kubelet last spoke
        current = condition(status, "Ready")
        if current != observed:
            self.api.update_status(node)
            self.health[name] = NodeHealth(health.probe_timestamp, now, status, lease)
        return observed, current

    def mark_pods_not_ready(self, pods: list[Obj], node_name: str) -> None:
        """MarkPodsNotReady: each pod's Ready condition False, with a Warning NodeNotReady event."""
        for pod in pods:
            if pod["spec"].get("nodeName") != node_name:
                continue
            updated = copy.deepcopy(pod)
            ready = condition(updated.get("status"), "Ready")
            if ready is None or ready["status"] == "False":
                continue  # UpdatePodCondition: nothing changes
            ready["status"] = "False"
            ready["lastTransitionTime"] = self.clock.rfc3339(self.clock.now)
            try:
                self.api.update_status(updated)
            except StatusError as err:
                if err.code != 404:  # a pod deleted meanwhile needs nothing more
                    self.nodes_to_retry.add(node_name)
                continue
            self.api.record_event(updated, "Warning", "NodeNotReady", "Node is not ready", SOURCE)

    def process_pod(self, key: str) -> None:
        """processPod: a pod just bound to a node that is not Ready is marked NotReady too."""
        pod = self.pods.get(key)
        if pod is None:
            return
        node_name = pod["spec"].get("nodeName")
        health = self.health.get(node_name)
        if health is None or self.nodes.get(node_name) is None:
            return
        ready = condition(health.status, "Ready")
        if ready is not None and ready["status"] != "True":
            self.mark_pods_not_ready([pod], node_name)

    # --- loop 3: NoExecute taints ----------------------------------------------------------

    def process_taint_based_eviction(self, node: Obj, observed: Mapping[str, Any]) -> None:
        """Queue a node not Ready for its NoExecute taint (swap at once if it has the other one);
        take the taints off a Ready one."""
        name = node["metadata"]["name"]
        if observed["status"] == "False":
            if has_taint(node, UNREACHABLE_NO_EXECUTE):
                self.swap_taints(name, [NOT_READY_NO_EXECUTE], [UNREACHABLE_NO_EXECUTE])
            else:
                self.mark_node_for_tainting(node, "False")
        elif observed["status"] == "Unknown":
            if has_taint(node, NOT_READY_NO_EXECUTE):
                self.swap_taints(name, [UNREACHABLE_NO_EXECUTE], [NOT_READY_NO_EXECUTE])
            else:
                self.mark_node_for_tainting(node, "Unknown")
        elif observed["status"] == "True":
            self.mark_node_as_reachable(node)

    def mark_node_for_tainting(self, node: Obj, status: str) -> bool:
        queue = self.zone_tainters[zone_key(node)]
        name = node["metadata"]["name"]
        wanted = NOT_READY_NO_EXECUTE if status == "False" else UNREACHABLE_NO_EXECUTE
        if not has_taint(node, wanted):
            queue.remove(name)
        return queue.add(name, node["metadata"].get("uid", ""))

    def mark_node_as_reachable(self, node: Obj) -> bool:
        """Remove both NoExecute taints and take the node out of its zone's queue."""
        name = node["metadata"]["name"]
        present = [t for t in (UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE) if has_taint(node, t)]
        if present:
            self._write_taints(name, lambda taints: _without(taints, present))
        queue = self.zone_tainters.get(zone_key(node))
        return queue.remove(name) if queue is not None else False

    def do_no_execute_tainting_pass(self) -> None:
        """Try every zone's queue: each node taken gets the NoExecute taint its Ready condition calls for."""
        for zone in list(self.zone_tainters):
            self.zone_tainters[zone].try_(self._taint_one)
        self._ensure_tainting()

    def _taint_one(self, value: TimedValue) -> tuple[bool, float]:
        node = self.nodes.get(value.value)
        if node is None:
            return True, 0.0  # "Node no longer present in nodeLister"
        ready = condition(node.get("status"), "Ready")
        if ready is None:
            return False, 0.05  # retry in 50 ms
        if ready["status"] == "False":
            add, opposite = NOT_READY_NO_EXECUTE, UNREACHABLE_NO_EXECUTE
        elif ready["status"] == "Unknown":
            add, opposite = UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE
        else:
            return True, 0.0  # Ready again: no taint
        return self.swap_taints(value.value, [add], [opposite]), 0.0

    def _ensure_tainting(self) -> None:
        """Run the 100 ms tainting pass only while some zone's queue can make progress
        (an idle pass does nothing, so the course's clock is spared it)."""
        busy = any(q.active() for q in self.zone_tainters.values())
        if busy and self._tainting is None:
            self._tainting = self.clock.call_every(NODE_EVICTION_PERIOD, self.do_no_execute_tainting_pass)
        elif not busy and self._tainting is not None:
            self._tainting.cancel()
            self._tainting = None

    # --- zones --------------------------------------------------------------------------

    def _add_zone(self, node: Obj) -> None:
        """addPodEvictorForNewZone."""
        zone = zone_key(node)
        if zone not in self.zone_states:
            self.zone_states[zone] = INITIAL
            self.zone_tainters[zone] = RateLimitedTimedQueue(self.clock, self.eviction_rate)

    def compute_zone_state(self, ready_conditions: list[dict | None]) -> tuple[int, str]:
        """ComputeZoneState: (nodes not Ready, the zone's state)."""
        ready = sum(1 for c in ready_conditions if c is not None and c.get("status") == "True")
        not_ready = len(ready_conditions) - ready
        if ready == 0 and not_ready > 0:
            return not_ready, FULL_DISRUPTION
        if not_ready > 2 and not_ready / (not_ready + ready) >= self.unhealthy_zone_threshold:
            return not_ready, PARTIAL_DISRUPTION
        return not_ready, NORMAL

    def handle_disruption(self, zone_conditions: dict[str, list[dict | None]], nodes: list[Obj]) -> None:
        """Set each zone's tainting rate from its state; stop all tainting when every zone is down."""
        new_states = {zone: self.compute_zone_state(conds)[1] for zone, conds in zone_conditions.items()}
        for zone in new_states:
            self.zone_states.setdefault(zone, INITIAL)
        all_are_down = all(state == FULL_DISRUPTION for state in new_states.values())
        for zone in [z for z in self.zone_states if z not in zone_conditions]:
            del self.zone_states[zone]
        all_were_down = all(state == FULL_DISRUPTION for state in self.zone_states.values())
        if all_are_down and all_were_down:
            return
        if all_are_down:  # "Entering master disruption mode": the trouble is probably ours
            for node in nodes:
                self.mark_node_as_reachable(node)
            for zone in self.zone_states:
                self.zone_tainters[zone].swap_limiter(0)
                self.zone_states[zone] = FULL_DISRUPTION
            return
        if all_were_down:  # "Exiting master disruption mode": everyone gets a fresh grace period
            now = self.clock.now
            for node in nodes:
                health = self.health.get(node["metadata"]["name"])
                if health is not None:
                    health.probe_timestamp = health.ready_transition_timestamp = now
            for zone in self.zone_states:
                self._set_limiter(zone, len(zone_conditions[zone]), new_states[zone])
                self.zone_states[zone] = new_states[zone]
            return
        for zone, state in self.zone_states.items():
            if state != new_states[zone]:
                self._set_limiter(zone, len(zone_conditions[zone]), new_states[zone])
                self.zone_states[zone] = new_states[zone]

    def _set_limiter(self, zone: str, size: int, state: str) -> None:
        """setLimiterInZone: Normal and FullDisruption at the eviction rate; PartialDisruption at the
        secondary rate in a large zone, not at all in a small one (ReducedQPSFunc)."""
        if state == PARTIAL_DISRUPTION:
            qps = self.secondary_eviction_rate if size > self.large_cluster_threshold else 0.0
        else:
            qps = self.eviction_rate
        self.zone_tainters[zone].swap_limiter(qps)

    @staticmethod
    def _node_ref(node: Obj) -> dict:
        meta = node["metadata"]
        return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": meta["name"], "uid": meta.get("uid", "")}}


def _renewed(lease: Obj) -> str:
    """The lease's renewTime; MicroTimes in UTC have one fixed layout, so the text sorts as the time."""
    return (lease.get("spec") or {}).get("renewTime") or ""
