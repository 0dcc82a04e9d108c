"""kube-scheduler: give every new pod a node.

The scheduler is a client of the apiserver like any other component. It
watches Pods and Nodes (and the Services, ReplicationControllers and
ReplicaSets that say which pods belong together), keeps its own books of
what each node has promised (``scheduling.cache``), and runs one loop:

1. take the next pending pod from the queue (``scheduling.queue``);
2. filter and score the nodes and pick one (``scheduling.framework``);
3. book the pod on that node at once ("assume"), then write the decision
   with the pods/binding subresource; the kubelet of that node sees the
   pod appear and starts it;
4. record an Event: ``Scheduled``, or ``FailedScheduling`` with the reason,
   which also goes into the pod's ``PodScheduled`` condition; the pod waits
   for a cluster change and is tried again.

It serves pods whose ``spec.schedulerName`` is ``default-scheduler`` and that
have no ``spec.nodeName`` yet. Everything happens on the cluster's virtual
clock; a scheduling cycle itself takes no virtual time.
"""

from __future__ import annotations

import random
from typing import Any, Mapping, Protocol

from k8scourse.api.errors import K8sValueError, StatusError
from k8scourse.api.pod import DEFAULT_SCHEDULER_NAME
from k8scourse.clock import VirtualClock

from .scheduling.cache import Cache, NodeChange
from .scheduling.filters import (
    NODE_AFFINITY,
    NODE_NAME,
    NODE_RESOURCES_FIT,
    NODE_UNSCHEDULABLE,
    TAINT_TOLERATION,
)
from .scheduling.framework import FitError, Framework, NoNodesAvailable, ScheduleResult
from .scheduling.podinfo import PodInfo
from .scheduling.queue import QueuedPod, SchedulingQueue
from .scheduling.spread import OWNER_RESOURCES, DefaultSpreading, Owners

SCHEDULER_NAME = DEFAULT_SCHEDULER_NAME  # the component that signs its Events
NOTE_LENGTH_LIMIT = 1024  # Event messages are cut at validation.NoteLengthLimit (truncateMessage)

# Which cluster events may help a pod, by the filter that turned it down
# (each plugin's EventsToRegister, with the queueing hints' narrowing of node updates).
NODE_ADDED = frozenset({NODE_UNSCHEDULABLE, NODE_NAME, TAINT_TOLERATION, NODE_AFFINITY, NODE_RESOURCES_FIT})
NODE_TAINTS_CHANGED = frozenset({NODE_UNSCHEDULABLE, TAINT_TOLERATION})
NODE_LABELS_CHANGED = frozenset({NODE_AFFINITY})
NODE_ALLOCATABLE_CHANGED = frozenset({NODE_RESOURCES_FIT})
ASSIGNED_POD_DELETED = frozenset({NODE_RESOURCES_FIT})


class API(Protocol):
    """The part of the apiserver the scheduler uses."""

    def list_and_watch(self, resource: str, handler: Any, **options: Any) -> Any: ...
    def bind(self, namespace: str, pod_name: str, node_name: str) -> None: ...
    def record_event(self, obj: Mapping[str, Any], type: str, reason: str, message: str, source: str) -> None: ...
    def update_status(self, obj: Mapping[str, Any]) -> Any: ...


def _node_events(change: NodeChange) -> frozenset[str]:
    if change.added:
        return NODE_ADDED
    return ((NODE_TAINTS_CHANGED if change.taints else frozenset())
            | (NODE_LABELS_CHANGED if change.labels else frozenset())
            | (NODE_ALLOCATABLE_CHANGED if change.allocatable else frozenset()))


class Scheduler:
    """The default scheduler of one cluster: call ``start()``, then run the clock."""

    def __init__(self, api: API, clock: VirtualClock, rng: random.Random, *,
                 percentage_of_nodes_to_score: int = 0) -> None:
        self.api, self.clock = api, clock
        self.cache = Cache()
        self.owners = Owners()
        self.framework = Framework(self.cache, DefaultSpreading(self.cache, self.owners), rng,
                                   percentage_of_nodes_to_score)
        self.queue = SchedulingQueue(clock, self._wake)
        self._watches: list[Any] = []
        self._wake_pending = False

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the informers: nodes and owners first, so pods find them known."""
        self._watches.append(self.api.list_and_watch("nodes", self._on_node))
        for resource in OWNER_RESOURCES:
            self._watches.append(self.api.list_and_watch(resource, self.owners.handler(resource)))
        self._watches.append(self.api.list_and_watch("pods", self._on_pod))

    def stop(self) -> None:
        """Close the watches. The queue's and the cycle's timers end with the process that ran them
        (``Cluster.stop_scheduler``); a restarted kube-scheduler is a new ``Scheduler``."""
        for watch in self._watches:
            watch.cancel()
        self._watches.clear()

    # --- informers ----------------------------------------------------------------------------

    def _on_node(self, event_type: str, node: Mapping[str, Any]) -> None:
        if event_type == "DELETED":
            self.cache.remove_node(node["metadata"]["name"])
            return
        events = _node_events(self.cache.set_node(node))
        if events:
            self.queue.move_all(events)

    def _on_pod(self, event_type: str, pod: Mapping[str, Any]) -> None:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        key = f"{meta.get('namespace') or 'default'}/{meta['name']}"
        # Finished pods free their node, as if deleted (upstream's informer drops them).
        if event_type == "DELETED" or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            self.queue.delete(key)
            if self.cache.remove_pod(key):
                self.queue.move_all(ASSIGNED_POD_DELETED)
            return
        known = self.cache.pod(key)
        if known is None and key in self.queue:
            known = self.queue.get(key).info  # type: ignore[union-attr]
        try:
            info = known.refreshed(pod) if known is not None else PodInfo(pod)
        except K8sValueError as err:  # the real apiserver would have refused this pod
            self.api.record_event(pod, "Warning", "FailedScheduling", str(err), SCHEDULER_NAME)
            return
        if spec.get("nodeName"):
            self.queue.delete(key)
            self.cache.set_pod(info)
        elif spec.get("schedulingGates"):  # the SchedulingGates PreEnqueue plugin: wait until all are removed
            self.queue.delete(key)
        elif info.scheduler_name == SCHEDULER_NAME and not self.cache.is_assumed(key):
            self.queue.add(info)

    # --- the scheduling loop ------------------------------------------------------------------

    def _wake(self) -> None:
        """A pod is ready: schedule the next cycle on the clock, unless one is already due."""
        if not self._wake_pending:
            self._wake_pending = True
            self.clock.schedule(0, self._cycle)

    def _cycle(self) -> None:
        """Schedule pods back to back until activeQ is empty, as upstream's loop
        (``wait.UntilWithContext(ctx, sched.ScheduleOne, 0)``) runs ScheduleOne
        again at once; what the other components make of each binding comes after."""
        self._wake_pending = False
        while (queued := self.queue.pop()) is not None:
            self.schedule_one(queued)

    def schedule_one(self, queued: QueuedPod) -> ScheduleResult | None:
        """One scheduling cycle and its binding; the chosen node's result, or None."""
        pod = queued.info
        if pod.deleting:
            self.queue.delete(pod.key)
            self._event(pod, "Warning", "FailedScheduling", f"skip schedule deleting pod: {pod.key}")
            return None
        try:
            result = self.framework.schedule(pod)
        except FitError as err:
            self.queue.unschedulable(queued, err.plugins)
            self._failed(pod, "Unschedulable", str(err))
            return None
        except NoNodesAvailable as err:
            self.queue.unschedulable(queued, ())
            self._failed(pod, "Unschedulable", str(err))
            return None
        self.cache.assume_pod(pod, result.node)
        try:
            self.api.bind(pod.namespace, pod.name, result.node)
        except StatusError as err:
            # Forgetting the assumed pod frees its place, like a pod deletion (handleBindingCycleError).
            self.cache.forget_pod(pod.key)
            self.queue.move_all(ASSIGNED_POD_DELETED)
            self.queue.error(queued)
            self._failed(pod, "SchedulerError", str(err))
            return None
        self.queue.delete(pod.key)
        self._event(pod, "Normal", "Scheduled", f"Successfully assigned {pod.key} to {result.node}")
        return result

    # --- reporting ----------------------------------------------------------------------------

    def _event(self, pod: PodInfo, type: str, reason: str, message: str) -> None:
        if len(message) > NOTE_LENGTH_LIMIT:
            message = message[:NOTE_LENGTH_LIMIT - 4] + " ..."
        self.api.record_event(pod.pod, type, reason, message, SCHEDULER_NAME)

    def _failed(self, pod: PodInfo, reason: str, message: str) -> None:
        """FailedScheduling: an Event, and the PodScheduled condition set to False (handleSchedulingFailure)."""
        self._event(pod, "Warning", "FailedScheduling", message)
        status = pod.pod.get("status") or {}
        conditions = list(status.get("conditions") or ())
        old = next((c for c in conditions if c.get("type") == "PodScheduled"), None)
        condition = {"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                     "lastTransitionTime": self.clock.rfc3339(self.clock.now), "reason": reason, "message": message}
        if old is not None:
            if old.get("status") == "False":  # the transition time only moves when the status does
                condition["lastTransitionTime"] = old.get("lastTransitionTime", condition["lastTransitionTime"])
            if old == condition:  # nothing new to say (UpdatePodCondition reports no change)
                return
            conditions.remove(old)
        conditions.append(condition)
        meta = {k: v for k, v in pod.pod["metadata"].items() if k != "resourceVersion"}
        try:
            self.api.update_status({**pod.pod, "metadata": meta, "status": {**status, "conditions": conditions}})
        except StatusError:
            pass  # the pod went away or changed meanwhile; upstream logs and carries on
