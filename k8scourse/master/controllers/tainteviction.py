"""The taint-eviction controller: deletes the pods a node's NoExecute taints no longer allow there.

``pkg/controller/tainteviction/taint_eviction.go`` (its own controller in
kube-controller-manager since v1.29, ``SeparateTaintEvictionController``):

1. it watches Nodes and keeps each node's ``NoExecute`` taints; when they
   change, it looks at every pod on that node; when a pod is bound or its
   tolerations change, at that pod (``handleNodeUpdate``, ``handlePodUpdate``);
2. for each pod (``processPodOnNode``): if some taint is not tolerated, the
   pod is deleted at once; if all are, it is deleted when the shortest
   ``tolerationSeconds`` of the tolerations used runs out, counted from when
   the controller saw the taint. A toleration without ``tolerationSeconds``
   tolerates for ever. Every pod gets two 300 s tolerations from the
   DefaultTolerationSeconds admission plugin, so pods leave an unreachable
   node 300 s after it is tainted;
3. a deletion first adds the pod condition ``DisruptionTarget``
   (``DeletionByTaintManager``), then deletes the pod as ``kubectl delete``
   would, with an Event ``TaintManagerEviction`` "Marking for deletion Pod
   <namespace>/<name>". A pending deletion whose taint goes away (the node
   is back) is cancelled: "Cancelling deletion of Pod <namespace>/<name>".

On an unreachable node nobody can confirm the containers stopped, so the
deleted pods stay ``Terminating`` until the kubelet comes back (or the Node is
deleted, and the pod garbage collector, :mod:`.podgc`, removes them). Their
ReplicaSet counts them gone already and makes replacements. kubectl shows
them ``Terminating``: its other STATUS for such pods, ``Unknown``, needs the
pod reason ``NodeLost``, which only the node controller's old eviction path
(``DeletePods``, no longer called in v1.31) wrote.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping, Protocol

from k8scourse.api.errors import StatusError
from k8scourse.clock import Timer, VirtualClock
from k8scourse.master.scheduling.taints import NO_EXECUTE, tolerates

from .base import InformerFactory

Obj = Mapping[str, Any]

SOURCE = "taint-eviction-controller"  # cmd/kube-controller-manager/names: TaintEvictionController
EVICTION_REASON = "TaintManagerEviction"
#: The condition added before the deletion (addConditionAndDeletePod; PodDisruptionConditions, GA in v1.31).
DISRUPTION_TARGET = {"type": "DisruptionTarget", "status": "True", "reason": "DeletionByTaintManager",
                     "message": "Taint manager: deleting due to NoExecute taint"}
FOREVER = -1.0


class API(Protocol):
    """The part of the apiserver the controller uses."""

    def get(self, resource: str, name: str, namespace: str | None = None) -> dict: ...
    def update_status(self, obj: Mapping[str, Any]) -> dict: ...
    def delete(self, resource: str, name: str, namespace: str | None = None) -> dict: ...
    def record_event(self, obj: Mapping[str, Any], type: str, reason: str, message: str, source: str) -> None: ...


def no_execute_taints(node: Obj | None) -> list[Obj]:
    return [t for t in ((node or {}).get("spec") or {}).get("taints") or () if t.get("effect") == NO_EXECUTE]


def matching_tolerations(taints: list[Obj], tolerations: list[Obj]) -> tuple[bool, list[Obj]]:
    """GetMatchingTolerations: whether every taint is tolerated, and the first toleration that does each."""
    used = []
    for taint in taints:
        match = next((t for t in tolerations if tolerates(t, taint)), None)
        if match is None:
            return False, []
        used.append(match)
    return True, used


def min_toleration_time(tolerations: list[Obj]) -> float:
    """getMinTolerationTime: the shortest ``tolerationSeconds`` (≤ 0 means 0); FOREVER if none has one."""
    if not tolerations:
        return 0.0
    seconds = [t["tolerationSeconds"] for t in tolerations if t.get("tolerationSeconds") is not None]
    if not seconds:
        return FOREVER
    return float(max(0, min(seconds)))


class TaintEvictionController:
    """Delete pods from nodes whose NoExecute taints they do not tolerate (or no longer)."""

    def __init__(self, api: API, clock: VirtualClock, informers: InformerFactory | None = None) -> None:
        self.api, self.clock = api, clock
        informers = informers or InformerFactory(api)
        self.nodes, self.pods = informers.informer("nodes"), informers.informer("pods")
        self.nodes.add_handler(self._on_node)
        self.pods.add_handler(self._on_pod)
        self.tainted_nodes: dict[str, list[Obj]] = {}  # node -> its NoExecute taints
        #: taintEvictionQueue: "namespace/name" -> (created at, its timer); the timer is None once fired,
        #: so that the pod is not queued again (TimedWorkerQueue keeps the key).
        self.evictions: dict[str, tuple[float, Timer | None]] = {}

    def start(self) -> None:
        for informer in (self.nodes, self.pods):
            informer.start()

    def stop(self) -> None:
        for informer in (self.nodes, self.pods):
            informer.stop()
        for _, timer in self.evictions.values():
            if timer is not None:
                timer.cancel()
        self.evictions.clear()

    # --- event handlers ------------------------------------------------------------------

    def _on_node(self, event_type: str, node: Obj, old: Obj | None) -> None:
        """NodeUpdated: only a change of NoExecute taints matters."""
        new = None if event_type == "DELETED" else node
        if old is not None and new is not None and no_execute_taints(old) == no_execute_taints(new):
            return
        self.clock.schedule(0, self.handle_node_update, node["metadata"]["name"])

    def _on_pod(self, event_type: str, pod: Obj, old: Obj | None) -> None:
        """PodUpdated: a new pod, a deleted one, or one whose node or tolerations changed."""
        if old is not None and event_type != "DELETED" and \
                old["spec"].get("tolerations") == pod["spec"].get("tolerations") and \
                old["spec"].get("nodeName") == pod["spec"].get("nodeName"):
            return
        meta = pod["metadata"]
        self.clock.schedule(0, self.handle_pod_update, f"{meta['namespace']}/{meta['name']}",
                            pod["spec"].get("nodeName") or "")

    # --- the work ------------------------------------------------------------------------

    def handle_node_update(self, name: str) -> None:
        node = self.nodes.get(name)
        if node is None:
            self.tainted_nodes.pop(name, None)
            return
        taints = no_execute_taints(node)
        if taints:
            self.tainted_nodes[name] = taints
        else:
            self.tainted_nodes.pop(name, None)
        pods = sorted((p for p in self.pods.list() if p["spec"].get("nodeName") == name),
                      key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))
        for pod in pods:
            key = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
            if not taints:
                self.cancel(key)  # "All taints were removed from the node. Cancelling all evictions..."
            else:
                self.process_pod_on_node(key, pod["spec"].get("tolerations") or [], taints)

    def handle_pod_update(self, key: str, node_name: str) -> None:
        pod = self.pods.get(key)
        if pod is None:
            self.cancel(key)  # "Noticed pod deletion"
            return
        if pod["spec"].get("nodeName") != node_name or not node_name:
            return
        taints = self.tainted_nodes.get(node_name)
        if taints:
            self.process_pod_on_node(key, pod["spec"].get("tolerations") or [], taints)

    def process_pod_on_node(self, key: str, tolerations: list[Obj], taints: list[Obj]) -> None:
        """Delete now, schedule the deletion, or cancel it, as the pod's tolerations say."""
        now = self.clock.now
        all_tolerated, used = matching_tolerations(taints, tolerations)
        if not all_tolerated:
            self.cancel(key)
            self._add(key, now, now)
            return
        wait = min_toleration_time(used)
        if wait < 0:
            self.cancel(key)  # tolerated for ever
            return
        start = now
        scheduled = self.evictions.get(key)
        if scheduled is not None and scheduled[1] is not None:
            start = scheduled[0]
            if start + wait < now + wait:  # upstream's test: true whenever the scheduled work is older
                return  # keep the deletion already scheduled
            self.cancel(key)
        self._add(key, start, now + wait)

    def _add(self, key: str, created: float, fire_at: float) -> None:
        """TimedWorkerQueue.AddWork: once per key."""
        if key in self.evictions:
            return
        self.evictions[key] = (created, self.clock.schedule(max(0.0, fire_at - self.clock.now), self._fire, key))

    def cancel(self, key: str) -> None:
        """cancelWorkWithEvent: a pending deletion is called off, with an Event."""
        entry = self.evictions.pop(key, None)
        if entry is None or entry[1] is None:
            return
        entry[1].cancel()
        self._event(key, f"Cancelling deletion of Pod {key}")

    def _fire(self, key: str) -> None:
        created, _ = self.evictions[key]
        self.evictions[key] = (created, None)
        self._event(key, f"Marking for deletion Pod {key}")
        namespace, name = key.split("/", 1)
        try:
            pod = self.api.get("pods", name, namespace)
            updated = copy.deepcopy(pod)
            conditions = updated.setdefault("status", {}).setdefault("conditions", [])
            if not any(c.get("type") == "DisruptionTarget" and c.get("status") == "True" for c in conditions):
                conditions[:] = [c for c in conditions if c.get("type") != "DisruptionTarget"]
                conditions.append({"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                                   "lastTransitionTime": self.clock.rfc3339(self.clock.now),
                                   "reason": DISRUPTION_TARGET["reason"], "message": DISRUPTION_TARGET["message"]})
                self.api.update_status(updated)
            self.api.delete("pods", name, namespace)
        except StatusError:
            self.evictions.pop(key, None)  # gone meanwhile, or refused: the next change looks again

    def _event(self, key: str, message: str) -> None:
        namespace, name = key.split("/", 1)
        ref = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace}}
        self.api.record_event(ref, "Normal", EVICTION_REASON, message, SOURCE)
